"""Referral pages: intake, lists, one referral, sharing, break-glass and screening.

Each view opens what it needs through a selector, binds a form and lets ``core.web.handle_form``
(``handle_action`` for a button) call one service; ``referrals.pages`` builds what a page shows.
A service's ``ValidationError`` lands on the form in a GOV.UK error summary (400); a stale edit
shows "someone changed this" on the form (409). Domain errors a view does not handle map to
pages once, in ``core.middleware.DomainErrorMiddleware``: ``NotFound`` is the 404 page (the same
for "missing" and "not yours"), a stray ``ValidationError`` the 400 page, ``ConflictError`` and
``InvalidTransition`` the 409 page; ``PermissionDenied`` is the 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.forms import posted_reason
from core.web import (
    form_page,
    form_status,
    handle_action,
    handle_form,
    record_view,
    redirect_with_success,
    stored_file_response,
    success_to,
)
from partnership.models import User
from partnership.web import SignedInRequest
from referrals import forms, intake_forms, pages, permissions, selectors, services
from referrals.lifecycle import UNDECIDED
from referrals.models import EntryType, Referral
from referrals.permissions import Capability
from sharing import services as sharing_services
from sharing.models import BreakGlass

NO_BREAK_GLASS_MATCH = "No referral you can open with that reference"
ALREADY_SUBMITTED = "This referral has already been submitted, so it can no longer be changed."
ALREADY_DECIDED = "This referral has been decided, so its screening can no longer be changed."
SCREENING_SAVED = {
    False: "Your screening note has been added.",
    True: "The deconfliction check has been recorded.",
}


# --- Starting, answering and submitting a referral -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        referral = services.start_referral(actor=request.user)
        return redirect("referrals:draft_step", referral.pk, intake_forms.steps_for(referral)[0])
    return render(request, "referrals/referral_start.html")


def _open_draft(request: SignedInRequest, referral_id: int) -> Referral:
    """The draft, for its author only (everyone else gets a 404 from the policy)."""
    return selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)


def _returning(request: SignedInRequest) -> bool:
    return request.GET.get("return") == "check" or request.POST.get("return") == "check"


def _already_submitted(request: SignedInRequest, referral_id: int) -> HttpResponse:
    messages.info(request, ALREADY_SUBMITTED)
    return redirect("referrals:confirmation", referral_id)


DraftView = Callable[..., HttpResponseBase]


def _draft_page(
    submitted: Callable[[SignedInRequest, int], HttpResponseBase] = _already_submitted,
) -> Callable[[DraftView], DraftView]:
    """A page of a draft: the view gets the open draft in place of its id; once the referral is
    submitted, ``submitted(request, referral_id)`` answers instead (by default: the confirmation
    page, saying it can no longer be changed)."""

    def decorate(view: DraftView) -> DraftView:
        @wraps(view)
        def page(request: SignedInRequest, referral_id: int, *args: Any, **kwargs: Any) -> HttpResponseBase:
            referral = _open_draft(request, referral_id)
            if not referral.is_draft:
                return submitted(request, referral.pk)
            return view(request, referral, *args, **kwargs)

        return page

    return decorate


@login_required
@require_GET
@_draft_page(submitted=lambda _, referral_id: redirect("referrals:detail", referral_id))
def resume(request: SignedInRequest, referral: Referral) -> HttpResponseBase:
    """Back into a draft: the first page with a missing answer, else "check your answers"."""
    return redirect(pages.step_url(referral.pk, pages.first_unanswered_step(referral)))


@login_required
@require_http_methods(["GET", "POST"])
@_draft_page()
def draft_step(request: SignedInRequest, referral: Referral, step: str) -> HttpResponseBase:
    form_class = intake_forms.STEP_FORMS.get(step)
    if form_class is None:
        raise NotFound("No such question.")
    returning = _returning(request)
    form = form_class(request.POST if request.method == "POST" else None, referral=referral, user=request.user)

    def saved(draft: Referral) -> HttpResponse:
        if "add_row" in request.POST:
            return redirect(pages.step_url(draft.pk, step, returning=returning, anchor="identifiers"))
        target = intake_forms.CHECK_STEP if returning else intake_forms.next_step(draft, step)
        return redirect(pages.step_url(draft.pk, target, returning=returning))

    return handle_form(
        request,
        form,
        action=lambda: services.update_draft(
            actor=request.user,
            referral_id=referral.pk,
            expected_version=form.cleaned_data["version"],
            changes=form.changes(),
        ),
        success=saved,
        render=lambda status: render(
            request,
            "referrals/referral_draft_step.html",
            pages.draft_step_context(referral, form, step, returning=returning),
            status=status,
        ),
        conflict=lambda exc: form.show_conflict(exc.message, referral.version),
        # Submitted meanwhile (another tab): say so, on the confirmation page.
        refused=lambda exc: _already_submitted(request, referral.pk),
        refusals=(PermissionDenied, InvalidTransition),
    )


@login_required
@require_http_methods(["GET", "POST"])
@_draft_page()
def draft_attachments(request: SignedInRequest, referral: Referral) -> HttpResponseBase:
    returning = _returning(request)
    form = intake_forms.AttachmentForm(
        request.POST or None, request.FILES or None, user=request.user, default_rank=referral.classification
    )
    return handle_form(
        request,
        form,
        action=lambda: services.add_attachment(
            actor=request.user,
            referral_id=referral.pk,
            upload=form.cleaned_data["file"],
            classification=int(form.cleaned_data["classification"]),
            description=form.cleaned_data["description"],
        ),
        success=lambda attachment: redirect_with_success(
            request,
            f"{attachment.original_name} has been uploaded.",
            pages.step_url(referral.pk, intake_forms.ATTACHMENTS_STEP, returning=returning),
        ),
        render=lambda status: render(
            request,
            "referrals/referral_draft_attachments.html",
            pages.attachments_context(request.user, referral, form, returning=returning),
            status=status,
        ),
    )


@login_required
@require_POST
def remove_attachment(request: SignedInRequest, referral_id: int, attachment_id: int) -> HttpResponseBase:
    try:
        services.remove_attachment(actor=request.user, attachment_id=attachment_id)
    except PermissionDenied as exc:
        raise NotFound("Not found.") from exc  # someone else's file does not exist for this user
    return redirect_with_success(
        request,
        "The file has been removed.",
        pages.step_url(referral_id, intake_forms.ATTACHMENTS_STEP, returning=_returning(request)),
    )


@login_required
@require_http_methods(["GET", "POST"])
@_draft_page()
def delete_draft(request: SignedInRequest, referral: Referral) -> HttpResponseBase:
    """ "Are you sure?" then, on POST, the draft is gone. Only its author finds it; a submitted referral stays."""
    if request.method == "POST":
        services.delete_draft(actor=request.user, referral_id=referral.pk)
        return redirect_with_success(request, "Your draft referral has been deleted.", reverse("referrals:mine"))
    return render(request, "referrals/referral_draft_delete.html", {"referral": referral})


@login_required
@require_GET
@_draft_page(submitted=lambda _, referral_id: redirect("referrals:confirmation", referral_id))
def check_answers(request: SignedInRequest, referral: Referral) -> HttpResponseBase:
    context = pages.check_answers_context(request.user, referral)
    return render(request, "referrals/referral_check_answers.html", context)


@login_required
@require_POST
def submit(request: SignedInRequest, referral_id: int) -> HttpResponse:
    try:
        referral = services.submit_referral(actor=request.user, referral_id=referral_id)
    except InvalidTransition:
        # Already submitted (a double-click, or a second tab): show what happened the first time.
        return redirect("referrals:confirmation", referral_id)
    except ValidationError as exc:
        # What is missing, linked to the page that asks it.
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        context = pages.check_answers_context(request.user, _open_draft(request, referral_id), errors=errors)
        return render(request, "referrals/referral_check_answers.html", context, status=400)
    except PermissionDenied as exc:
        raise NotFound("Not found.") from exc  # someone else's draft does not exist for this user
    return redirect("referrals:confirmation", referral.pk)


@login_required
@require_GET
def confirmation(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id)
    if referral.is_draft:
        return redirect("referrals:check_answers", referral.pk)
    if referral.created_by_id != request.user.pk:
        return redirect("referrals:detail", referral.pk)
    return render(request, "referrals/referral_confirmation.html", pages.confirmation_context(request.user, referral))


# --- Lists -----------------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: SignedInRequest) -> HttpResponse:
    referrals = selectors.my_referrals(viewer=request.user)
    return render(request, "referrals/referral_mine.html", {"referrals": referrals})


@login_required
@require_GET
def screening_queue(request: SignedInRequest) -> HttpResponse:
    """Filtered and sorted by GET, so the choice stays in the address as the pages turn."""
    form = forms.ScreeningQueueFilterForm(request.GET or None)
    page = request.GET.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    context = pages.screening_queue_context(request.user, form, number)
    return render(request, "referrals/referral_screening_queue.html", context, status=form_status(form))


@login_required
@require_GET
def caseload(request: SignedInRequest) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    page = selectors.referral_page_visible_to(viewer=request.user, cursor=cursor, page_size=pages.PAGE_SIZE)
    return render(request, "referrals/referral_caseload.html", {"page": page, "first_page": cursor is None})


# --- One referral ----------------------------------------------------------------------------------


@login_required
@require_GET
def detail(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = selectors.access_referral_page(viewer=request.user, referral_id=referral_id)
    if referral.is_draft:
        return redirect("referrals:check_answers", referral.pk)
    return render(request, "referrals/referral_detail.html", pages.detail_context(request.user, referral))


# Sharing opens the referral here; the service audits what it writes.
referral_view = record_view(
    "referral_id", lambda viewer, pk: selectors.access_referral(viewer=viewer, referral_id=pk, audit=False)
)


def _access_url(referral: Referral) -> str:
    return reverse("referrals:detail", args=[referral.pk]) + "#access"


@referral_view("GET", "POST")
def share(request: SignedInRequest, referral: Referral) -> HttpResponseBase:
    permissions.require(request.user, Capability.SHARE, referral)
    form = forms.ShareForm(request.POST or None, user=request.user)
    return handle_form(
        request,
        form,
        action=lambda: services.share_referral(
            actor=request.user,
            referral_id=referral.pk,
            agency=form.cleaned_data["agency"],
            reason=form.cleaned_data["reason"],
            expires_at=form.expiry(),
        ),
        success=lambda created: redirect_with_success(
            request, f"{referral.reference} is now shared with {created.agency.name}.", _access_url(referral)
        ),
        render=form_page(request, "referrals/referral_share.html", {"referral": referral, "form": form}),
    )


@referral_view("POST")
def revoke_share(request: SignedInRequest, referral: Referral, share_id: int) -> HttpResponseBase:
    reason = posted_reason(request.POST)
    return handle_action(
        request,
        action=lambda: services.revoke_referral_share(
            actor=request.user, referral_id=referral.pk, share_id=share_id, reason=reason
        ),
        done=lambda revoked: f"Access for {revoked.agency.name} has been revoked.",
        then=_access_url(referral),
        refusals=(ValidationError,),
    )


@login_required
@require_GET
def attachment_download(request: SignedInRequest, attachment_id: int) -> FileResponse:
    """The file, only after the policy allows it (and the download is audited)."""
    return stored_file_response(selectors.access_attachment(viewer=request.user, attachment_id=attachment_id))


def _open_break_glass(actor: User, reference: str, reason: str) -> tuple[Referral, BreakGlass]:
    """Missing and refused look the same: an error on the reference, nothing about the record."""
    record = selectors.referral_for_break_glass(reference=reference)
    try:
        if record is None:
            raise NotFound("Not found.")
        return record, sharing_services.open_break_glass(actor=actor, record=record, reason=reason)
    except NotFound as exc:
        raise ValidationError({"reference": [NO_BREAK_GLASS_MATCH]}) from exc


def _opened(request: SignedInRequest, record: Referral, opening: BreakGlass) -> HttpResponse:
    until = timezone.localtime(opening.expires_at).strftime("%H:%M")
    messages.warning(
        request,
        f"You have opened {record.reference} with break-glass access until {until}. "
        "This access is recorded in the audit trail and has been flagged to your agency's "
        "single point of contact and the auditors.",
    )
    return redirect("referrals:detail", record.pk)


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: SignedInRequest) -> HttpResponseBase:
    """Open one referral outside the sharing rules, for a stated reason."""
    form = forms.BreakGlassForm(request.POST or None)
    return handle_form(
        request,
        form,
        action=lambda: _open_break_glass(request.user, form.cleaned_data["reference"], form.cleaned_data["reason"]),
        success=lambda opened: _opened(request, *opened),
        render=form_page(request, "referrals/referral_break_glass.html", {"form": form}),
    )


# --- Screening: a task list, one thing per page ---------------------------------------------------


def _screening_task(
    request: SignedInRequest,
    referral_id: int,
    *,
    form: Callable[[Any, Referral], Any],
    action: Callable[[Any, Referral], object],
    done: str,
    template: str,
    entry_types: tuple[str, ...] = (),
    levels: dict[int, str] | None = None,
) -> HttpResponseBase:
    """The dance of every screening task page: the screener opens it, the form is checked in one pass,
    one service records it (``action(form, referral)``), and the task list says so; a decided referral
    has no tasks left. A page that lists ``entry_types`` audits its read with the chronology it shows
    (one event); ``levels``: the clearance names its form was offered, for the entries too."""
    referral = selectors.access_for_screening(viewer=request.user, referral_id=referral_id, audit=not entry_types)
    if referral.status not in UNDECIDED:
        messages.info(request, ALREADY_DECIDED)
        return redirect(pages.screening_url(referral.pk))
    bound = form(request.POST if request.method == "POST" else None, referral)
    return handle_form(
        request,
        bound,
        action=lambda: action(bound, referral),
        success=success_to(request, done, pages.screening_url(referral.pk)),
        render=form_page(
            request,
            template,
            pages.screening_task_context(request.user, referral, bound, entry_types=entry_types, levels=levels),
        ),
    )


@login_required
@require_GET
def screening(request: SignedInRequest, referral_id: int) -> HttpResponse:
    """The screening task list (and, once decided, what was decided)."""
    referral = selectors.access_for_screening(viewer=request.user, referral_id=referral_id, audit=True)
    return render(request, "referrals/screening_tasks.html", pages.screening_context(request.user, referral))


@login_required
@require_POST
def screening_start(request: SignedInRequest, referral_id: int) -> HttpResponseBase:
    selectors.access_for_screening(viewer=request.user, referral_id=referral_id)
    return handle_action(
        request,
        action=lambda: services.start_screening(actor=request.user, referral_id=referral_id),
        done=lambda referral: f"You have started screening {referral.reference}.",
        then=pages.screening_url(referral_id),
    )


def _note_task(request: SignedInRequest, referral_id: int, *, deconfliction: bool) -> HttpResponseBase:
    def note(form: forms.ScreeningNoteForm, referral: Referral) -> object:
        return services.record_screening_note(
            actor=request.user,
            referral_id=referral.pk,
            text=form.cleaned_data["text"],
            classification=int(form.cleaned_data["classification"]),
            deconfliction=deconfliction,
            originator_only=form.cleaned_data["originator_only"],
        )

    name = "deconfliction" if deconfliction else "notes"
    levels = forms.clearance_names()  # read once: the form's choices and the entries' labels
    return _screening_task(
        request,
        referral_id,
        form=lambda data, _: forms.ScreeningNoteForm(
            data, user=request.user, deconfliction=deconfliction, levels=levels
        ),
        action=note,
        done=SCREENING_SAVED[deconfliction],
        template=f"referrals/screening_{name}.html",
        entry_types=(EntryType.DECONFLICTION if deconfliction else EntryType.SCREENING_NOTE,),
        levels=levels,
    )


@login_required
@require_http_methods(["GET", "POST"])
def screening_deconfliction(request: SignedInRequest, referral_id: int) -> HttpResponseBase:
    """Likely duplicates and the deconfliction check (kept inside the police at Security Check by default)."""
    return _note_task(request, referral_id, deconfliction=True)


@login_required
@require_http_methods(["GET", "POST"])
def screening_notes(request: SignedInRequest, referral_id: int) -> HttpResponseBase:
    return _note_task(request, referral_id, deconfliction=False)


@login_required
@require_http_methods(["GET", "POST"])
def screening_rag(request: SignedInRequest, referral_id: int) -> HttpResponseBase:
    def review(form: forms.RagReviewForm, referral: Referral) -> object:
        data = form.cleaned_data
        return services.review_rag(
            actor=request.user, referral_id=referral.pk, rag=data["rag"], rationale=data["rationale"]
        )

    return _screening_task(
        request,
        referral_id,
        form=lambda data, referral: forms.RagReviewForm(data, current=referral.rag),
        action=review,
        done="The RAG rating has been saved.",
        template="referrals/screening_rag.html",
        entry_types=(EntryType.RAG_REVIEW,),
    )


@login_required
@require_http_methods(["GET", "POST"])
def screening_needs(request: SignedInRequest, referral_id: int) -> HttpResponseBase:
    """Recorded mental-health and neurodiversity needs and consent, where known (the national statistics)."""

    def record(form: forms.NeedsAndConsentForm, referral: Referral) -> object:
        return services.record_needs_and_consent(actor=request.user, referral_id=referral.pk, **form.answers())

    return _screening_task(
        request,
        referral_id,
        form=lambda data, referral: forms.NeedsAndConsentForm(data, referral=referral),
        action=record,
        done="The needs and consent have been saved.",
        template="referrals/screening_needs.html",
    )
