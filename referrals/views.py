"""Referral pages. Each view parses input with a form, calls one service or selector, and renders.

Domain errors map to pages in one way everywhere: ``NotFound`` is a 404 (the
same page for "missing" and "not yours"), ``ValidationError`` becomes form
errors in a GOV.UK error summary, ``ConflictError`` says someone else changed
the draft, ``InvalidTransition`` says what cannot happen any more.
``PermissionDenied`` (a Django PermissionDenied) becomes the 403 page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import views as core_views
from core.errors import ConflictError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.pdf import PdfDocument
from core.working_days import add_working_days
from partnership.models import PartnershipSettings, Role, User
from referrals import forms, selectors, services
from referrals.models import Case, CaseStatus, InformationRequest, Referral, ReferralStatus, RequestStatus
from sharing import policy
from sharing import services as sharing_services

CASELOAD_PAGE_SIZE = 20


class SignedInRequest(HttpRequest):
    """Every view here is behind ``login_required`` (and two-factor middleware): the user is a real User."""

    user: User  # type: ignore[assignment]


NO_BREAK_GLASS_MATCH = "No referral you can open with that reference"
ALREADY_SUBMITTED = "This referral has already been submitted, so it can no longer be changed."


def _not_found_is_404(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapped


def _status(form: Any, ok: int = 200) -> int:
    return 400 if form.errors else ok


# --- Starting, answering and submitting a referral -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        referral = services.start_referral(actor=request.user)
        return redirect("referrals:draft_step", referral.pk, forms.steps_for(referral)[0])
    return render(request, "referrals/referral_start.html")


def _open_draft(request: SignedInRequest, referral_id: int) -> Referral:
    """The draft, for its author only (everyone else gets a 404 from the policy)."""
    return selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)


def _step_url(referral_id: int, step: str, *, returning: bool = False, anchor: str = "") -> str:
    if step == forms.CHECK_STEP:
        url = reverse("referrals:check_answers", args=[referral_id])
    elif step == forms.ATTACHMENTS_STEP:
        url = reverse("referrals:draft_attachments", args=[referral_id])
    else:
        url = reverse("referrals:draft_step", args=[referral_id, step])
    if returning and step != forms.CHECK_STEP:
        url += "?return=check"
    return f"{url}#{anchor}" if anchor else url


def _returning(request: SignedInRequest) -> bool:
    return request.GET.get("return") == "check" or request.POST.get("return") == "check"


@login_required
@require_GET
@_not_found_is_404
def resume(request: SignedInRequest, referral_id: int) -> HttpResponse:
    """Back into a draft: the first page with a missing answer, else "check your answers"."""
    referral = _open_draft(request, referral_id)
    if not referral.is_draft:
        return redirect("referrals:detail", referral.pk)
    missing = services.missing_answers(referral)
    for step in forms.steps_for(referral):
        if any(forms.FIELD_STEPS.get(name) == step for name in missing):
            return redirect(_step_url(referral.pk, step))
    return redirect("referrals:check_answers", referral.pk)


@login_required
@require_http_methods(["GET", "POST"])
@_not_found_is_404
def draft_step(request: SignedInRequest, referral_id: int, step: str) -> HttpResponse:
    form_class = forms.STEP_FORMS.get(step)
    if form_class is None:
        raise Http404("No such question.")
    referral = _open_draft(request, referral_id)
    if not referral.is_draft:
        messages.info(request, ALREADY_SUBMITTED)
        return redirect("referrals:confirmation", referral.pk)
    returning = _returning(request)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, referral=referral, user=request.user)
        if form.is_valid():
            try:
                saved = services.update_draft(
                    actor=request.user,
                    referral_id=referral.pk,
                    expected_version=form.cleaned_data["version"],
                    changes=form.changes(),
                )
            except ConflictError as exc:
                form.show_conflict(exc.message, referral.version)
                status = 409
            except ValidationError as exc:
                forms.apply_service_errors(form, exc)
            except (PermissionDenied, InvalidTransition):
                messages.info(request, ALREADY_SUBMITTED)
                return redirect("referrals:confirmation", referral.pk)
            else:
                if "add_row" in request.POST:
                    return redirect(_step_url(saved.pk, step, returning=returning, anchor="identifiers"))
                target = forms.CHECK_STEP if returning else forms.next_step(saved, step)
                return redirect(_step_url(saved.pk, target, returning=returning))
        if status == 200:
            status = _status(form)
    else:
        form = form_class(referral=referral, user=request.user)
    previous = forms.previous_step(referral, step)
    if returning:
        back_url = _step_url(referral.pk, forms.CHECK_STEP)
    elif previous:
        back_url = _step_url(referral.pk, previous)
    else:
        back_url = reverse("referrals:mine")
    return render(
        request,
        "referrals/referral_draft_step.html",
        {
            "referral": referral,
            "form": form,
            "step": step,
            "step_title": form_class.title,
            "step_template": f"referrals/_draft_{step.replace('-', '_')}.html",
            "returning": returning,
            "back_url": back_url,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@_not_found_is_404
def draft_attachments(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = _open_draft(request, referral_id)
    if not referral.is_draft:
        messages.info(request, ALREADY_SUBMITTED)
        return redirect("referrals:confirmation", referral.pk)
    returning = _returning(request)
    form = forms.AttachmentForm(
        request.POST or None, request.FILES or None, user=request.user, default_rank=referral.classification
    )
    if request.method == "POST" and form.is_valid():
        try:
            attachment = services.add_attachment(
                actor=request.user,
                referral_id=referral.pk,
                upload=form.cleaned_data["file"],
                classification=int(form.cleaned_data["classification"]),
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, f"{attachment.original_name} has been uploaded.")
            return redirect(_step_url(referral.pk, forms.ATTACHMENTS_STEP, returning=returning))
    contents = selectors.referral_contents(viewer=request.user, referral=referral)
    previous = forms.previous_step(referral, forms.ATTACHMENTS_STEP)
    return render(
        request,
        "referrals/referral_draft_attachments.html",
        {
            "referral": referral,
            "form": form,
            "attachments": contents.attachments,
            "levels": forms.clearance_names(),
            "returning": returning,
            "continue_url": _step_url(referral.pk, forms.CHECK_STEP),
            "back_url": _step_url(referral.pk, forms.CHECK_STEP if returning else previous or forms.CHECK_STEP),
        },
        status=_status(form),
    )


@login_required
@require_POST
@_not_found_is_404
def remove_attachment(request: SignedInRequest, referral_id: int, attachment_id: int) -> HttpResponse:
    try:
        services.remove_attachment(actor=request.user, attachment_id=attachment_id)
    except PermissionDenied as exc:
        raise Http404("Not found.") from exc
    messages.success(request, "The file has been removed.")
    return redirect(_step_url(referral_id, forms.ATTACHMENTS_STEP, returning=_returning(request)))


def _render_check_answers(
    request: SignedInRequest, referral: Referral, *, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    contents = selectors.referral_contents(viewer=request.user, referral=referral)
    missing = {**services.missing_answers(referral), **(errors or {})}
    sections = forms.answer_sections(
        referral,
        identifiers=referral.subject.identifiers.all(),
        attachments=contents.attachments,
        levels=forms.clearance_names(),
        missing=missing,
        change_url=lambda step, name: _step_url(referral.pk, step, returning=True, anchor=forms.field_anchor(name)),
    )
    error_links = [
        {
            "text": message,
            "href": _step_url(
                referral.pk,
                forms.FIELD_STEPS.get(name, forms.CHECK_STEP),
                returning=True,
                anchor=forms.field_anchor(name),
            ),
        }
        for name, messages_ in (errors or {}).items()
        for message in messages_
    ]
    return render(
        request,
        "referrals/referral_check_answers.html",
        {
            "referral": referral,
            "sections": sections,
            "errors": error_links,
            "missing": missing,
            "back_url": _step_url(referral.pk, forms.ATTACHMENTS_STEP),
        },
        status=status,
    )


@login_required
@require_GET
@_not_found_is_404
def check_answers(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = _open_draft(request, referral_id)
    if not referral.is_draft:
        return redirect("referrals:confirmation", referral.pk)
    return _render_check_answers(request, referral)


@login_required
@require_POST
@_not_found_is_404
def submit(request: SignedInRequest, referral_id: int) -> HttpResponse:
    try:
        referral = services.submit_referral(actor=request.user, referral_id=referral_id)
    except InvalidTransition:
        # Already submitted (a double-click, or a second tab): show what happened the first time.
        return redirect("referrals:confirmation", referral_id)
    except ValidationError as exc:
        draft = _open_draft(request, referral_id)
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _render_check_answers(request, draft, errors=errors, status=400)
    except PermissionDenied as exc:
        raise Http404("Not found.") from exc
    return redirect("referrals:confirmation", referral.pk)


@login_required
@require_GET
@_not_found_is_404
def confirmation(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id)
    if referral.is_draft:
        return redirect("referrals:check_answers", referral.pk)
    if referral.created_by_id != request.user.pk:
        return redirect("referrals:detail", referral.pk)
    matches = selectors.possible_matches(viewer=request.user, referral=referral)
    return render(request, "referrals/referral_confirmation.html", {"referral": referral, "matches": matches})


# --- Lists -----------------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: SignedInRequest) -> HttpResponse:
    referrals = selectors.my_referrals(viewer=request.user)
    return render(request, "referrals/referral_mine.html", {"referrals": referrals})


@login_required
@require_GET
def screening_queue(request: SignedInRequest) -> HttpResponse:
    """Most urgent and oldest first, each with its statutory clock (London working days) and RAG rating."""
    referrals = selectors.screening_queue(viewer=request.user)
    now = timezone.now()
    rows = [{"referral": r, "clock": selectors.screening_clock(r, now=now)} for r in referrals]
    overdue = sum(1 for r in referrals if r.screening_due_at and r.screening_due_at < now)
    return render(
        request,
        "referrals/referral_screening_queue.html",
        {
            "referrals": referrals,
            "rows": rows,
            "overdue": overdue,
        },
    )


@login_required
@require_GET
def caseload(request: SignedInRequest) -> HttpResponse:
    try:
        page = selectors.referral_page_visible_to(
            viewer=request.user, cursor=request.GET.get("cursor") or None, page_size=CASELOAD_PAGE_SIZE
        )
    except ValidationError:
        return core_views.bad_request(request)
    return render(
        request,
        "referrals/referral_caseload.html",
        {"page": page, "first_page": not request.GET.get("cursor")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def search(request: SignedInRequest) -> HttpResponse:
    """Search by POST only, so nothing personal ends up in a URL, a log or the browser history."""
    form = forms.SearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        try:
            results = selectors.search_referrals(viewer=request.user, query=form.cleaned_data["query"])
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
    return render(request, "referrals/referral_search.html", {"form": form, "results": results}, status=_status(form))


# --- One referral ----------------------------------------------------------------------------------


@login_required
@require_GET
@_not_found_is_404
def detail(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id)
    if referral.is_draft:
        return redirect("referrals:check_answers", referral.pk)
    contents = selectors.referral_contents(viewer=request.user, referral=referral)
    can_share = policy.can(request.user, policy.Action.SHARE, referral)
    levels = forms.clearance_names()
    sections = forms.answer_sections(
        referral,
        identifiers=referral.subject.identifiers.all(),
        attachments=(),
        levels=levels,
        empty_text="Not given",
    )
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "sections": sections[:-1],
            "contents": contents,
            "levels": levels,
            "can_share": can_share,
            "shares": selectors.shares_for(viewer=request.user, referral=referral) if can_share else [],
            "break_glass": selectors.active_break_glass(viewer=request.user, referral=referral),
            "can_screen": referral.status in UNDECIDED and selectors.is_screening_officer(request.user),
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@_not_found_is_404
def share(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)
    if not policy.can(request.user, policy.Action.SHARE, referral):
        raise PermissionDenied("Only the referring practitioner or a panel chair can share this referral.")
    form = forms.ShareForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = sharing_services.share_with_agency(
                actor=request.user,
                record=referral,
                agency=form.cleaned_data["agency"],
                reason=form.cleaned_data["reason"],
                expires_at=form.expiry(),
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, f"{referral.reference} is now shared with {created.agency.name}.")
            return redirect(reverse("referrals:detail", args=[referral.pk]) + "#access")
    return render(request, "referrals/referral_share.html", {"referral": referral, "form": form}, status=_status(form))


@login_required
@require_POST
@_not_found_is_404
def revoke_share(request: SignedInRequest, referral_id: int, share_id: int) -> HttpResponse:
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)
    form = forms.RevokeShareForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        revoked = sharing_services.revoke_share(actor=request.user, record=referral, share_id=share_id, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Access for {revoked.agency.name} has been revoked.")
    return redirect(reverse("referrals:detail", args=[referral.pk]) + "#access")


def _stored_file(record: Any) -> FileResponse:
    """Serve a document the policy already allowed: as a download, never sniffed or cached."""
    try:
        handle = record.file.open("rb")
    except OSError as exc:
        raise Http404("The file is missing.") from exc
    response = FileResponse(handle, as_attachment=True, filename=record.original_name, content_type=record.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
@_not_found_is_404
def attachment_download(request: SignedInRequest, attachment_id: int) -> FileResponse:
    """The file, only after the policy allows it (and the download is audited)."""
    return _stored_file(selectors.access_attachment(viewer=request.user, attachment_id=attachment_id))


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: SignedInRequest) -> HttpResponse:
    """Open one referral outside the sharing rules, for a stated reason. Missing and refused look the same."""
    form = forms.BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record = selectors.referral_for_break_glass(reference=form.cleaned_data["reference"])
        try:
            if record is None:
                raise NotFound("Not found.")
            opening = sharing_services.open_break_glass(
                actor=request.user, record=record, reason=form.cleaned_data["reason"]
            )
        except NotFound:
            form.add_error("reference", NO_BREAK_GLASS_MATCH)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            until = timezone.localtime(opening.expires_at).strftime("%H:%M")
            messages.warning(
                request,
                f"You have opened {record.reference} with break-glass access until {until}. "
                "This access is recorded in the audit trail and has been flagged to your agency's "
                "single point of contact and the auditors.",
            )
            return redirect("referrals:detail", record.pk)
    return render(request, "referrals/referral_break_glass.html", {"form": form}, status=_status(form))


# --- Screening (issue 4) -----------------------------------------------------------------------------

SCREENING_SAVED = {
    "note": "Your screening note has been added.",
    "deconfliction": "The deconfliction check has been recorded.",
}
UNDECIDED = (ReferralStatus.SUBMITTED, ReferralStatus.SCREENING)


def _domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """NotFound is a 404; a ValidationError nobody expected (a hand-made URL) is a 400, never a 500."""

    @wraps(view)
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ValidationError:
            return core_views.bad_request(request)

    return wrapped


def _open_for_screening(request: SignedInRequest, referral_id: int, *, audit: bool = False) -> Referral:
    """The submitted referral, for screening officers of the screening agency (others who can read it: 403)."""
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=audit)
    if referral.is_draft:
        raise NotFound("Not found.")
    if not selectors.is_screening_officer(request.user):
        raise PermissionDenied("Only screening officers of the screening agency can screen referrals.")
    return referral


def _error_form(*candidates: Any) -> Any:
    return next((form for form in candidates if form is not None and form.errors), None)


def _render_screening(
    request: SignedInRequest,
    referral: Referral,
    *,
    note_form: forms.ScreeningNoteForm | None = None,
    deconfliction_form: forms.ScreeningNoteForm | None = None,
    rag_form: forms.RagReviewForm | None = None,
    decision_form: forms.ScreeningDecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    note_form = note_form or forms.ScreeningNoteForm(user=user)
    deconfliction_form = deconfliction_form or forms.ScreeningNoteForm(user=user, deconfliction=True)
    rag_form = rag_form or forms.RagReviewForm(current=referral.rag)
    undecided = referral.status in UNDECIDED
    if undecided:
        decision_form = decision_form or forms.ScreeningDecisionForm(referral=referral)
    chronology = selectors.chronology_for(viewer=user, referral=referral)
    levels = forms.clearance_names()
    return render(
        request,
        "referrals/screening_detail.html",
        {
            "referral": referral,
            "clock": selectors.screening_clock(referral),
            "undecided": undecided,
            "note_form": note_form,
            "deconfliction_form": deconfliction_form,
            "rag_form": rag_form,
            "decision_form": decision_form,
            "error_form": _error_form(note_form, deconfliction_form, rag_form, decision_form),
            "chronology": chronology,
            "entry_rows": _entry_rows(chronology, levels),
            "baseline": levels.get(1, "Baseline"),
        },
        status=status,
    )


@login_required
@require_GET
@_domain_errors
def screening(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = _open_for_screening(request, referral_id, audit=True)
    return _render_screening(request, referral)


def _screening_url(referral_id: int, anchor: str = "") -> str:
    url = reverse("referrals:screening", args=[referral_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_POST
@_domain_errors
def screening_start(request: SignedInRequest, referral_id: int) -> HttpResponse:
    _open_for_screening(request, referral_id)
    try:
        referral = services.start_screening(actor=request.user, referral_id=referral_id)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"You have started screening {referral.reference}.")
    return redirect(_screening_url(referral_id))


@login_required
@require_POST
@_domain_errors
def screening_note(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = _open_for_screening(request, referral_id)
    kind = "deconfliction" if request.POST.get("kind") == "deconfliction" else "note"
    form = forms.ScreeningNoteForm(request.POST, user=request.user, deconfliction=kind == "deconfliction")
    if form.is_valid():
        try:
            services.record_screening_note(
                actor=request.user,
                referral_id=referral.pk,
                text=form.cleaned_data["text"],
                classification=int(form.cleaned_data["classification"]),
                deconfliction=kind == "deconfliction",
                originator_only=form.cleaned_data["originator_only"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, SCREENING_SAVED[kind])
            return redirect(_screening_url(referral.pk, "record"))
    if kind == "deconfliction":
        return _render_screening(request, referral, deconfliction_form=form, status=400)
    return _render_screening(request, referral, note_form=form, status=400)


@login_required
@require_POST
@_domain_errors
def screening_rag(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = _open_for_screening(request, referral_id)
    form = forms.RagReviewForm(request.POST, current=referral.rag)
    if form.is_valid():
        try:
            saved = services.review_rag(
                actor=request.user,
                referral_id=referral.pk,
                rag=form.cleaned_data["rag"],
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, f"The RAG rating is now {saved.get_rag_display().lower()}.")
            return redirect(_screening_url(referral.pk))
    return _render_screening(request, referral, rag_form=form, status=400)


@login_required
@require_POST
@_domain_errors
def screening_decision(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = _open_for_screening(request, referral_id)
    form = forms.ScreeningDecisionForm(request.POST, referral=referral)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            decided = services.screen_referral(
                actor=request.user,
                referral_id=referral.pk,
                decision=data["decision"],
                rationale=data["rationale"],
                signposted_to=data["signposted_to"],
                panel=data["panel"],
                case_owner=data["case_owner"],
                expected_version=data["version"],
            )
        except ConflictError as exc:
            referral = _open_for_screening(request, referral_id)
            form.show_conflict(exc.message, referral.version)
            status = 409
        except InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect(_screening_url(referral.pk))
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            if decided.status == ReferralStatus.ACCEPTED:
                messages.success(request, f"{decided.reference} has been referred to the panel and a case opened.")
                return redirect("referrals:case", decided.pk)
            messages.success(request, f"{decided.reference}: {decided.get_screening_decision_display().lower()}.")
            return redirect("referrals:detail", decided.pk)
    if referral.status not in UNDECIDED:
        messages.error(request, "Someone changed this referral since you opened it: it has already been decided.")
        return redirect(_screening_url(referral.pk))
    return _render_screening(request, referral, decision_form=form, status=status)


# --- Cases --------------------------------------------------------------------------------------------

# request_information accepts these states only (referrals.services); the form is offered in them.
REQUESTS_OPEN_IN = (
    CaseStatus.INFORMATION_GATHERING,
    CaseStatus.DISCUSSED,
    CaseStatus.ADOPTED,
    CaseStatus.SUPPORT_ACTIVE,
)


@login_required
@require_GET
def case_list(request: SignedInRequest) -> HttpResponse:
    try:
        page = selectors.case_page_visible_to(
            viewer=request.user, cursor=request.GET.get("cursor") or None, page_size=CASELOAD_PAGE_SIZE
        )
    except ValidationError:
        return core_views.bad_request(request)
    return render(request, "referrals/case_list.html", {"page": page, "first_page": not request.GET.get("cursor")})


def _may_manage(user: User, case: Case) -> bool:
    """The case owner or a panel chair (what the request and transition services require)."""
    try:
        services.require_case_manager(user, case)
    except (PermissionDenied, NotFound):
        return False
    return True


def _optional_url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _default_due_date() -> dt.date:
    days = PartnershipSettings.current().information_request_working_days
    return add_working_days(timezone.localdate(), days)


def _render_case(
    request: SignedInRequest,
    case: Case,
    *,
    transition_form: forms.CaseTransitionForm | None = None,
    request_form: forms.RequestInformationForm | None = None,
    note_form: forms.CaseNoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    manager = _may_manage(user, case)
    allowed = services.CASE_TRANSITIONS[case.status]
    if manager and allowed:
        transition_form = transition_form or forms.CaseTransitionForm(case=case, allowed=allowed)
        transition_form.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (s, CaseStatus(s).label) for s in CaseStatus.values if s in allowed
        ]
    else:
        transition_form = None
    if manager and case.status in REQUESTS_OPEN_IN:
        request_form = request_form or forms.RequestInformationForm(default_due=_default_due_date())
    else:
        request_form = None
    note_form = note_form or forms.CaseNoteForm(user=user)
    requests = selectors.requests_for_case(viewer=user, case=case)
    rows = [{"request": r, "overdue": selectors.is_overdue(r)} for r in requests]
    return render(
        request,
        "referrals/case_detail.html",
        {
            "case": case,
            "referral": case.referral,
            "manager": manager,
            "transition_form": transition_form,
            "request_form": request_form,
            "note_form": note_form,
            "error_form": _error_form(transition_form, request_form, note_form),
            "rows": rows,
            "answered": sum(1 for r in requests if r.status in (RequestStatus.RETURNED, RequestStatus.CLOSED)),
            "overdue": sum(1 for row in rows if row["overdue"]),
            "panel_url": _optional_url("panels:case", case.pk),
        },
        status=status,
    )


def _case_url(case_id: int, anchor: str = "") -> str:
    url = reverse("referrals:case", args=[case_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_GET
@_domain_errors
def case_detail(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = selectors.access_case(viewer=request.user, case_id=case_id)
    return _render_case(request, case)


@login_required
@require_POST
@_domain_errors
def case_transition(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    # Every status is a valid answer here, so a stale page meets "someone changed this", not "invalid choice".
    form = forms.CaseTransitionForm(request.POST, case=case, allowed=CaseStatus.values)
    status = 400
    if form.is_valid():
        try:
            moved = services.transition_case(
                actor=request.user,
                case_id=case.pk,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            case = selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
            form.show_conflict(exc.message, case.version)
            status = 409
        except InvalidTransition as exc:
            form.add_error("to_status", exc.message)
            status = 409
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            messages.success(request, f"{moved.reference} is now: {moved.get_status_display().lower()}.")
            return redirect(_case_url(moved.pk))
    return _render_case(request, case, transition_form=form, status=status)


@login_required
@require_POST
@_domain_errors
def case_request_information(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    form = forms.RequestInformationForm(request.POST, default_due=_default_due_date())
    if form.is_valid():
        try:
            created = services.request_information(
                actor=request.user,
                case_id=case.pk,
                agency_ids=form.agency_ids(),
                question=form.cleaned_data["question"],
                due_date=form.cleaned_data["due_date"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        else:
            names = ", ".join(r.agency.name for r in created)
            messages.success(request, f"Information has been requested from {names}.")
            return redirect(_case_url(case.pk, "requests"))
    return _render_case(request, case, request_form=form, status=400)


@login_required
@require_POST
@_domain_errors
def case_note(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    form = forms.CaseNoteForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.add_case_note(
                actor=request.user,
                referral_id=case.pk,
                text=form.cleaned_data["text"],
                classification=int(form.cleaned_data["classification"]),
                originator_only=form.cleaned_data["originator_only"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your note has been added to the chronology.")
            return redirect(_case_url(case.pk, "notes"))
    return _render_case(request, case, note_form=form, status=400)


# --- Information requests ----------------------------------------------------------------------------


@login_required
@require_GET
def request_queue(request: SignedInRequest) -> HttpResponse:
    """The agency's information requests on cases it can read, soonest due first; overdue ones stand out."""
    requests = selectors.requests_for_agency(viewer=request.user)
    rows = [{"request": r, "overdue": selectors.is_overdue(r)} for r in requests]
    return render(
        request,
        "referrals/request_queue.html",
        {"rows": rows, "overdue": sum(1 for row in rows if row["overdue"])},
    )


def _request_actions(user: User, info_request: InformationRequest) -> dict[str, bool]:
    """Which forms to offer (the services decide again when they are used)."""
    open_ = info_request.status in (RequestStatus.OPEN, RequestStatus.ASSIGNED)
    own_agency = info_request.agency_id == user.agency_id
    spoc = own_agency and Role.SPOC in user.roles
    return {
        "can_assign": open_ and spoc,
        "can_return": open_ and own_agency and (spoc or info_request.assigned_to_id == user.pk),
    }


def _render_request(
    request: SignedInRequest,
    info_request: InformationRequest,
    *,
    assign_form: forms.AssignRequestForm | None = None,
    contribution_form: forms.ContributionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actions = _request_actions(request.user, info_request)
    if actions["can_assign"]:
        assign_form = assign_form or forms.AssignRequestForm(
            agency_id=info_request.agency_id,
            initial={"assignee": info_request.assigned_to_id},
        )
    if actions["can_return"]:
        contribution_form = contribution_form or forms.ContributionForm(user=request.user)
    return render(
        request,
        "referrals/request_detail.html",
        {
            "info_request": info_request,
            "case": info_request.case,
            "overdue": selectors.is_overdue(info_request),
            "assign_form": assign_form if actions["can_assign"] else None,
            "contribution_form": contribution_form if actions["can_return"] else None,
            "error_form": _error_form(assign_form, contribution_form),
            "manager": _may_manage(request.user, info_request.case),
        },
        status=status,
    )


@login_required
@require_GET
@_domain_errors
def request_detail(request: SignedInRequest, request_id: int) -> HttpResponse:
    info_request = selectors.access_request(viewer=request.user, request_id=request_id)
    return _render_request(request, info_request)


def _request_url(request_id: int, anchor: str = "") -> str:
    url = reverse("referrals:request", args=[request_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_POST
@_domain_errors
def request_assign(request: SignedInRequest, request_id: int) -> HttpResponse:
    info_request = selectors.access_request(viewer=request.user, request_id=request_id, audit=False)
    form = forms.AssignRequestForm(request.POST, agency_id=info_request.agency_id)
    if form.is_valid():
        try:
            services.assign_request(
                actor=request.user, request_id=info_request.pk, assignee=form.cleaned_data["assignee"]
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect(_request_url(info_request.pk))
        else:
            assignee = form.cleaned_data["assignee"]
            messages.success(request, f"The request has been assigned to {assignee.get_full_name() or assignee}.")
            return redirect(_request_url(info_request.pk))
    return _render_request(request, info_request, assign_form=form, status=400)


@login_required
@require_POST
@_domain_errors
def request_contribution(request: SignedInRequest, request_id: int) -> HttpResponse:
    info_request = selectors.access_request(viewer=request.user, request_id=request_id, audit=False)
    form = forms.ContributionForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.return_contribution(
                actor=request.user,
                request_id=info_request.pk,
                text=data["text"],
                classification=int(data["classification"]),
                releasable_summary=data["releasable_summary"],
                documents=data["documents"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect(_request_url(info_request.pk))
        else:
            messages.success(request, f"Your agency's contribution to {info_request.case.reference} has been returned.")
            return redirect(_request_url(info_request.pk))
    return _render_request(request, info_request, contribution_form=form, status=400)


@login_required
@require_POST
@_domain_errors
def request_chase(request: SignedInRequest, request_id: int) -> HttpResponse:
    info_request = selectors.access_request(viewer=request.user, request_id=request_id, audit=False)
    try:
        services.chase_request(actor=request.user, request_id=info_request.pk)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{info_request.agency.name} has been chased.")
    return redirect(_case_url(info_request.case_id, "requests"))


@login_required
@require_POST
@_domain_errors
def request_close(request: SignedInRequest, request_id: int) -> HttpResponse:
    info_request = selectors.access_request(viewer=request.user, request_id=request_id, audit=False)
    form = forms.CloseRequestForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.close_request(actor=request.user, request_id=info_request.pk, reason=reason)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The request to {info_request.agency.name} has been closed.")
    return redirect(_case_url(info_request.case_id, "requests"))


@login_required
@require_http_methods(["GET", "POST"])
@_domain_errors
def request_extend(request: SignedInRequest, request_id: int) -> HttpResponse:
    info_request = selectors.access_request(viewer=request.user, request_id=request_id, audit=False)
    if not _may_manage(request.user, info_request.case):
        raise PermissionDenied("Only the case owner or a panel chair can do this.")
    form = forms.ExtendRequestForm(request.POST or None, initial={"due_date": info_request.due_date})
    if request.method == "POST" and form.is_valid():
        try:
            services.extend_request(
                actor=request.user,
                request_id=info_request.pk,
                due_date=form.cleaned_data["due_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect(_case_url(info_request.case_id, "requests"))
        else:
            day = date_format(form.cleaned_data["due_date"], "j F Y")
            messages.success(request, f"The request to {info_request.agency.name} is now due on {day}.")
            return redirect(_case_url(info_request.case_id, "requests"))
    return render(
        request, "referrals/request_extend.html", {"info_request": info_request, "form": form}, status=_status(form)
    )


# --- The chronology ----------------------------------------------------------------------------------


@dataclass
class EntryRow:
    """One chronology item, laid out for the page (formatting done once here, not in template loops)."""

    item: selectors.ChronologyItem
    level: str
    when: str
    type: str
    author: str
    documents: list[Any]
    significance_url: str


def _url_for_id(name: str) -> Callable[[int], str]:
    """``reverse`` once for a URL that takes one id, then format it (a 500-entry page needs 500 of them)."""
    marker = 987654321
    pattern = reverse(name, args=[marker])
    return lambda pk: pattern.replace(str(marker), str(int(pk)))


def _entry_rows(chronology: selectors.Chronology, levels: dict[int, str]) -> list[EntryRow]:
    significance_url = _url_for_id("referrals:entry_significance")
    rows = []
    for item in chronology.items:
        entry = item.entry
        rows.append(
            EntryRow(
                item=item,
                level=levels.get(entry.classification, str(entry.classification)),
                when=date_format(timezone.localtime(entry.occurred_at), "j F Y H:i"),
                type=entry.get_entry_type_display(),
                author=_author(entry, system="recorded by Convene"),
                documents=list(entry.documents.all()) if item.full else [],
                significance_url=significance_url(entry.pk),
            )
        )
    return rows


def _chronology_context(
    request: SignedInRequest, referral: Referral, *, case: Case | None, export_name: str
) -> tuple[dict[str, Any], int]:
    form = forms.ChronologyFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    filters = form.filters()
    try:
        chronology = selectors.chronology_for(viewer=request.user, referral=referral, **filters)
    except ValidationError as exc:
        forms.apply_service_errors(form, exc)
        chronology = selectors.chronology_for(viewer=request.user, referral=referral)
        status = 400
    levels = forms.clearance_names()
    query = form.query_string() if status == 200 else ""
    suffix = f"?{query}" if query else ""
    return (
        {
            "referral": referral,
            "case": case,
            "form": form,
            "chronology": chronology,
            "entry_rows": _entry_rows(chronology, levels),
            "baseline": levels.get(1, "Baseline"),
            "filtered": any(filters.values()),
            "csv_url": reverse(export_name, args=[referral.pk, "csv"]) + suffix,
            "pdf_url": reverse(export_name, args=[referral.pk, "pdf"]) + suffix,
            "return_to": request.get_full_path(),
        },
        status,
    )


def _render_chronology(context: dict[str, Any], request: SignedInRequest, status: int) -> HttpResponse:
    response = render(request, "referrals/chronology_detail.html", context, status=status)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
@_domain_errors
def case_chronology(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    context, status = _chronology_context(
        request, case.referral, case=case, export_name="referrals:case_chronology_export"
    )
    return _render_chronology(context, request, status)


@login_required
@require_GET
@_domain_errors
def referral_chronology(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)
    if referral.is_draft:
        raise NotFound("Not found.")
    context, status = _chronology_context(
        request, referral, case=None, export_name="referrals:referral_chronology_export"
    )
    return _render_chronology(context, request, status)


def _export_response(
    request: SignedInRequest, referral: Referral, *, reference: str, title: str, fmt: str
) -> HttpResponse:
    form = forms.ChronologyFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return core_views.bad_request(request)
    try:
        chronology = selectors.export_chronology(viewer=request.user, referral=referral, fmt=fmt, **form.filters())
    except ValidationError as exc:
        raise Http404("No such export.") from exc
    levels = forms.clearance_names()
    now = timezone.now()
    day = timezone.localdate(now).isoformat()
    if fmt == "csv":
        response = HttpResponse(chronology_csv(chronology, levels), content_type="text/csv; charset=utf-8")
    else:
        pdf = chronology_pdf(
            chronology, levels, referral=referral, reference=reference, title=title, reader=request.user, now=now
        )
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="chronology-{reference}-{day}.{fmt}"'
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
@_domain_errors
def case_chronology_export(request: SignedInRequest, case_id: int, fmt: str) -> HttpResponse:
    case = selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    return _export_response(request, case.referral, reference=case.reference, title=f"Case {case.reference}", fmt=fmt)


@login_required
@require_GET
@_domain_errors
def referral_chronology_export(request: SignedInRequest, referral_id: int, fmt: str) -> HttpResponse:
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)
    if referral.is_draft or not referral.reference:
        raise NotFound("Not found.")
    return _export_response(
        request, referral, reference=referral.reference, title=f"Referral {referral.reference}", fmt=fmt
    )


CSV_HEADER = (
    "When",
    "Type",
    "Source agency",
    "Author",
    "Classification",
    "Significant",
    "Title",
    "Text",
    "Released as a summary",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _author(entry: Any, system: str = "Convene (automatic)") -> str:
    user = entry.created_by
    return (user.get_full_name() or user.username) if user else system


def chronology_csv(chronology: selectors.Chronology, levels: dict[int, str]) -> str:
    """The reader's own view: visible entries only, summaries where that is all they may read."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a byte order mark, so spreadsheets read the UTF-8 (names, arrows) correctly
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for item in chronology.items:
        entry = item.entry
        writer.writerow(
            [
                _csv_cell(value)
                for value in (
                    timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M"),
                    entry.get_entry_type_display(),
                    entry.owning_agency.name,
                    _author(entry),
                    levels.get(entry.classification, entry.classification),
                    "Yes" if entry.significant else "No",
                    entry.title,
                    item.text,
                    "No" if item.full else f"Yes: summary released at {levels.get(1, 'Baseline')}",
                )
            ]
        )
    return buffer.getvalue()


def chronology_pdf(
    chronology: selectors.Chronology,
    levels: dict[int, str],
    *,
    referral: Referral,
    reference: str,
    title: str,
    reader: User,
    now: dt.datetime,
) -> bytes:
    """The reader's own view as a PDF, watermarked with their name and the time."""
    name = reader.get_full_name() or reader.username
    document = PdfDocument(title="Chronology", reader=name, generated_at=now)
    document.heading(f"Chronology: {title}")
    document.key_values(
        [
            ("Person", referral.subject.full_name),
            ("Prepared for", name),
            ("Agency", reader.agency.name if reader.agency else ""),
            ("Generated", f"{timezone.localtime(now):%d %B %Y at %H:%M}"),
            ("Entries", str(len(chronology.items))),
        ]
    )
    document.paragraph(
        "This chronology holds only what you may read in Convene at your clearance. "
        "Do not copy or forward it. Its export is recorded in the audit trail.",
        small=True,
    )
    if chronology.withheld:
        document.inset(_withheld_text(chronology.withheld))
    baseline = levels.get(1, "Baseline")
    rows = []
    for item in chronology.items:
        entry = item.entry
        text = f"{entry.title}\n{item.text}" if item.text else entry.title
        if not item.full:
            text += f"\n(Summary released at {baseline})"
        if entry.significant:
            text = f"[Significant] {text}"
        rows.append(
            [
                f"{timezone.localtime(entry.occurred_at):%d %b %Y %H:%M}",
                entry.get_entry_type_display(),
                f"{entry.owning_agency.name}\n{_author(entry)}",
                levels.get(entry.classification, str(entry.classification)),
                text,
            ]
        )
    if rows:
        document.table(["When", "Type", "Agency and author", "Clearance", "Entry"], rows, widths=[24, 24, 32, 20, 74])
    else:
        document.paragraph("There are no entries you can read.")
    return document.render()


def _withheld_text(count: int) -> str:
    return f"{count} entr{'ies are' if count != 1 else 'y is'} withheld at a higher classification."


def _safe_return(request: SignedInRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/referrals/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
@_domain_errors
def entry_significance(request: SignedInRequest, entry_id: int) -> HttpResponse:
    significant = request.POST.get("significant") == "yes"
    entry = services.mark_significant(actor=request.user, entry_id=entry_id, significant=significant)
    messages.success(request, f"{entry.title} is {'now marked' if significant else 'no longer marked'} as significant.")
    fallback = reverse("referrals:referral_chronology", args=[entry.referral_id])
    return redirect(_safe_return(request, fallback) + f"#entry-{entry.pk}")


@login_required
@require_GET
@_domain_errors
def entry_document_download(request: SignedInRequest, document_id: int) -> FileResponse:
    return _stored_file(selectors.access_entry_document(viewer=request.user, document_id=document_id))


# --- Outcomes report ---------------------------------------------------------------------------------


@login_required
@require_GET
def outcomes_report(request: SignedInRequest) -> HttpResponse:
    """Counts for a period, small numbers suppressed: chairs, partnership admins and auditors (404 for others)."""
    if not selectors.can_read_outcome_report(request.user):
        raise Http404("Not found.")
    start, end = forms.last_twelve_months()
    form = forms.OutcomeReportForm(request.GET or None, initial={"start": start, "end": end})
    report = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if not form.is_bound or form.is_valid():
        try:
            report = selectors.outcome_report(viewer=request.user, start=start, end=end)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc)
        except NotFound as exc:
            raise Http404("Not found.") from exc
    return render(
        request,
        "referrals/report_outcomes.html",
        {"form": form, "report": report, "start": start, "end": end, "small_number": selectors.SMALL_NUMBER},
        status=_status(form),
    )
