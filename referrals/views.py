"""Referral pages. Each view parses input with a form, calls one service or selector, and renders.

Domain errors map to pages in one way everywhere: ``NotFound`` is a 404 (the
same page for "missing" and "not yours"), ``ValidationError`` becomes form
errors in a GOV.UK error summary, ``ConflictError`` says someone else changed
the draft, ``InvalidTransition`` says what cannot happen any more.
``PermissionDenied`` (a Django PermissionDenied) becomes the 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import views as core_views
from core.errors import ConflictError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from partnership.models import User
from referrals import forms, selectors, services
from referrals.models import Referral
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
    referrals = selectors.screening_queue(viewer=request.user)
    return render(request, "referrals/referral_screening_queue.html", {"referrals": referrals})


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


@login_required
@require_GET
@_not_found_is_404
def attachment_download(request: SignedInRequest, attachment_id: int) -> FileResponse:
    """The file, only after the policy allows it (and the download is audited)."""
    attachment = selectors.access_attachment(viewer=request.user, attachment_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except OSError as exc:
        raise Http404("The file is missing.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
