"""Referral pages. Each view parses input with a form, calls one service or selector, and renders.

Domain errors map to pages in one way everywhere: ``NotFound`` is a 404 (the
same page for "missing" and "not yours"), ``ValidationError`` becomes form
errors in a GOV.UK error summary, ``ConflictError`` says someone else changed
the draft, ``InvalidTransition`` says what cannot happen any more.
``PermissionDenied`` (a Django PermissionDenied) becomes the 403 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import views as core_views
from core.errors import ConflictError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.forms import apply_service_errors
from core.web import domain_errors, first_form_with_errors, form_status, not_found_is_404, stored_file_response
from partnership.web import SignedInRequest
from referrals import forms, selectors, services
from referrals.check_answers import answer_sections
from referrals.chronology_rows import entry_rows
from referrals.models import Referral, ReferralStatus
from sharing import policy
from sharing import services as sharing_services

CASELOAD_PAGE_SIZE = 20


NO_BREAK_GLASS_MATCH = "No referral you can open with that reference"
ALREADY_SUBMITTED = "This referral has already been submitted, so it can no longer be changed."


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
@not_found_is_404
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
@not_found_is_404
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
                apply_service_errors(form, exc)
            except (PermissionDenied, InvalidTransition):
                messages.info(request, ALREADY_SUBMITTED)
                return redirect("referrals:confirmation", referral.pk)
            else:
                if "add_row" in request.POST:
                    return redirect(_step_url(saved.pk, step, returning=returning, anchor="identifiers"))
                target = forms.CHECK_STEP if returning else forms.next_step(saved, step)
                return redirect(_step_url(saved.pk, target, returning=returning))
        if status == 200:
            status = form_status(form)
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
@not_found_is_404
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
            apply_service_errors(form, exc)
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
        status=form_status(form),
    )


@login_required
@require_POST
@not_found_is_404
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
    sections = answer_sections(
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
@not_found_is_404
def check_answers(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = _open_draft(request, referral_id)
    if not referral.is_draft:
        return redirect("referrals:confirmation", referral.pk)
    return _render_check_answers(request, referral)


@login_required
@require_POST
@not_found_is_404
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
@not_found_is_404
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
            apply_service_errors(form, exc)
    return render(
        request, "referrals/referral_search.html", {"form": form, "results": results}, status=form_status(form)
    )


# --- One referral ----------------------------------------------------------------------------------


@login_required
@require_GET
@not_found_is_404
def detail(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id)
    if referral.is_draft:
        return redirect("referrals:check_answers", referral.pk)
    contents = selectors.referral_contents(viewer=request.user, referral=referral)
    can_share = policy.can(request.user, policy.Action.SHARE, referral)
    levels = forms.clearance_names()
    sections = answer_sections(
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
@not_found_is_404
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
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{referral.reference} is now shared with {created.agency.name}.")
            return redirect(reverse("referrals:detail", args=[referral.pk]) + "#access")
    return render(
        request, "referrals/referral_share.html", {"referral": referral, "form": form}, status=form_status(form)
    )


@login_required
@require_POST
@not_found_is_404
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


@login_required
@require_GET
@not_found_is_404
def attachment_download(request: SignedInRequest, attachment_id: int) -> FileResponse:
    """The file, only after the policy allows it (and the download is audited)."""
    return stored_file_response(selectors.access_attachment(viewer=request.user, attachment_id=attachment_id))


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
            apply_service_errors(form, exc)
        else:
            until = timezone.localtime(opening.expires_at).strftime("%H:%M")
            messages.warning(
                request,
                f"You have opened {record.reference} with break-glass access until {until}. "
                "This access is recorded in the audit trail and has been flagged to your agency's "
                "single point of contact and the auditors.",
            )
            return redirect("referrals:detail", record.pk)
    return render(request, "referrals/referral_break_glass.html", {"form": form}, status=form_status(form))


# --- Screening (issue 4) -----------------------------------------------------------------------------

SCREENING_SAVED = {
    "note": "Your screening note has been added.",
    "deconfliction": "The deconfliction check has been recorded.",
}
UNDECIDED = (ReferralStatus.SUBMITTED, ReferralStatus.SCREENING)


def open_for_screening(request: SignedInRequest, referral_id: int, *, audit: bool = False) -> Referral:
    """The submitted referral, for screening officers of the screening agency (others who can read it: 403)."""
    referral = selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=audit)
    if referral.is_draft:
        raise NotFound("Not found.")
    if not selectors.is_screening_officer(request.user):
        raise PermissionDenied("Only screening officers of the screening agency can screen referrals.")
    return referral


def render_screening(
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
            "error_form": first_form_with_errors(note_form, deconfliction_form, rag_form, decision_form),
            "chronology": chronology,
            "entry_rows": entry_rows(chronology, levels),
            "baseline": levels.get(1, "Baseline"),
        },
        status=status,
    )


@login_required
@require_GET
@domain_errors
def screening(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = open_for_screening(request, referral_id, audit=True)
    return render_screening(request, referral)


def screening_url(referral_id: int, anchor: str = "") -> str:
    url = reverse("referrals:screening", args=[referral_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_POST
@domain_errors
def screening_start(request: SignedInRequest, referral_id: int) -> HttpResponse:
    open_for_screening(request, referral_id)
    try:
        referral = services.start_screening(actor=request.user, referral_id=referral_id)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"You have started screening {referral.reference}.")
    return redirect(screening_url(referral_id))


@login_required
@require_POST
@domain_errors
def screening_note(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = open_for_screening(request, referral_id)
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
            apply_service_errors(form, exc)
        else:
            messages.success(request, SCREENING_SAVED[kind])
            return redirect(screening_url(referral.pk, "record"))
    if kind == "deconfliction":
        return render_screening(request, referral, deconfliction_form=form, status=400)
    return render_screening(request, referral, note_form=form, status=400)


@login_required
@require_POST
@domain_errors
def screening_rag(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = open_for_screening(request, referral_id)
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
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"The RAG rating is now {saved.get_rag_display().lower()}.")
            return redirect(screening_url(referral.pk))
    return render_screening(request, referral, rag_form=form, status=400)
