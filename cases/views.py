"""Case pages: the case, its lifecycle, information requests and contributions, the chronology
pages and exports, and the screening decision that opens a case.

Each view parses input with a form, calls one service or selector, and renders.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import exports, forms, lifecycle, selectors, services
from cases.models import Case, CaseStatus, InformationRequest
from core import views as core_views
from core.errors import ConflictError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.forms import apply_service_errors
from core.web import domain_errors, first_form_with_errors, form_status, optional_url, safe_return, stored_file_response
from core.working_days import add_working_days
from partnership.models import PartnershipSettings, Role, User
from partnership.web import SignedInRequest
from referrals import forms as referral_forms
from referrals import selectors as referral_selectors
from referrals.chronology_rows import entry_rows
from referrals.models import Referral, ReferralStatus
from referrals.views import CASELOAD_PAGE_SIZE, UNDECIDED, open_for_screening, render_screening, screening_url


@login_required
@require_POST
@domain_errors
def screening_decision(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = open_for_screening(request, referral_id)
    form = referral_forms.ScreeningDecisionForm(request.POST, referral=referral)
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
            referral = open_for_screening(request, referral_id)
            form.show_conflict(exc.message, referral.version)
            status = 409
        except InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect(screening_url(referral.pk))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if decided.status == ReferralStatus.ACCEPTED:
                messages.success(request, f"{decided.reference} has been referred to the panel and a case opened.")
                return redirect("cases:case", decided.pk)
            messages.success(request, f"{decided.reference}: {decided.get_screening_decision_display().lower()}.")
            return redirect("referrals:detail", decided.pk)
    if referral.status not in UNDECIDED:
        messages.error(request, "Someone changed this referral since you opened it: it has already been decided.")
        return redirect(screening_url(referral.pk))
    return render_screening(request, referral, decision_form=form, status=status)


@login_required
@require_GET
def case_list(request: SignedInRequest) -> HttpResponse:
    try:
        page = selectors.case_page_visible_to(
            viewer=request.user, cursor=request.GET.get("cursor") or None, page_size=CASELOAD_PAGE_SIZE
        )
    except ValidationError:
        return core_views.bad_request(request)
    return render(request, "cases/case_list.html", {"page": page, "first_page": not request.GET.get("cursor")})


def _may_manage(user: User, case: Case) -> bool:
    """The case owner or a panel chair (what the request and transition services require)."""
    try:
        services.require_case_manager(user, case)
    except (PermissionDenied, NotFound):
        return False
    return True


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
    allowed = lifecycle.CASE_TRANSITIONS[case.status]
    if manager and allowed:
        transition_form = transition_form or forms.CaseTransitionForm(case=case, allowed=allowed)
        transition_form.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (s, CaseStatus(s).label) for s in CaseStatus.values if s in allowed
        ]
    else:
        transition_form = None
    if manager and case.status in lifecycle.REQUESTS_ALLOWED:
        request_form = request_form or forms.RequestInformationForm(default_due=_default_due_date())
    else:
        request_form = None
    note_form = note_form or forms.CaseNoteForm(user=user)
    requests = selectors.requests_for_case(viewer=user, case=case)
    rows = [{"request": r, "overdue": selectors.is_overdue(r)} for r in requests]
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "referral": case.referral,
            "manager": manager,
            "transition_form": transition_form,
            "request_form": request_form,
            "note_form": note_form,
            "error_form": first_form_with_errors(transition_form, request_form, note_form),
            "rows": rows,
            "answered": sum(1 for r in requests if r.status in lifecycle.REQUEST_ANSWERED),
            "overdue": sum(1 for row in rows if row["overdue"]),
            "panel_url": optional_url("panels:case", case.pk),
        },
        status=status,
    )


def _case_url(case_id: int, anchor: str = "") -> str:
    url = reverse("cases:case", args=[case_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_GET
@domain_errors
def case_detail(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = selectors.access_case(viewer=request.user, case_id=case_id)
    return _render_case(request, case)


@login_required
@require_POST
@domain_errors
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
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{moved.reference} is now: {moved.get_status_display().lower()}.")
            return redirect(_case_url(moved.pk))
    return _render_case(request, case, transition_form=form, status=status)


@login_required
@require_POST
@domain_errors
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
            apply_service_errors(form, exc)
        else:
            names = ", ".join(r.agency.name for r in created)
            messages.success(request, f"Information has been requested from {names}.")
            return redirect(_case_url(case.pk, "requests"))
    return _render_case(request, case, request_form=form, status=400)


@login_required
@require_POST
@domain_errors
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
            apply_service_errors(form, exc)
        except InvalidTransition as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your note has been added to the chronology.")
            return redirect(_case_url(case.pk, "notes"))
    return _render_case(request, case, note_form=form, status=400)


@login_required
@require_GET
def request_queue(request: SignedInRequest) -> HttpResponse:
    """The agency's information requests on cases it can read, soonest due first; overdue ones stand out."""
    requests = selectors.requests_for_agency(viewer=request.user)
    rows = [{"request": r, "overdue": selectors.is_overdue(r)} for r in requests]
    return render(
        request,
        "cases/request_queue.html",
        {"rows": rows, "overdue": sum(1 for row in rows if row["overdue"])},
    )


def _request_actions(user: User, info_request: InformationRequest) -> dict[str, bool]:
    """Which forms to offer (the services decide again when they are used)."""
    open_ = info_request.status in lifecycle.REQUEST_OPEN
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
        "cases/request_detail.html",
        {
            "info_request": info_request,
            "case": info_request.case,
            "overdue": selectors.is_overdue(info_request),
            "assign_form": assign_form if actions["can_assign"] else None,
            "contribution_form": contribution_form if actions["can_return"] else None,
            "error_form": first_form_with_errors(assign_form, contribution_form),
            "manager": _may_manage(request.user, info_request.case),
        },
        status=status,
    )


@login_required
@require_GET
@domain_errors
def request_detail(request: SignedInRequest, request_id: int) -> HttpResponse:
    info_request = selectors.access_request(viewer=request.user, request_id=request_id)
    return _render_request(request, info_request)


def _request_url(request_id: int, anchor: str = "") -> str:
    url = reverse("cases:request", args=[request_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_POST
@domain_errors
def request_assign(request: SignedInRequest, request_id: int) -> HttpResponse:
    info_request = selectors.access_request(viewer=request.user, request_id=request_id, audit=False)
    form = forms.AssignRequestForm(request.POST, agency_id=info_request.agency_id)
    if form.is_valid():
        try:
            services.assign_request(
                actor=request.user, request_id=info_request.pk, assignee=form.cleaned_data["assignee"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
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
@domain_errors
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
            apply_service_errors(form, exc)
        except InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect(_request_url(info_request.pk))
        else:
            messages.success(request, f"Your agency's contribution to {info_request.case.reference} has been returned.")
            return redirect(_request_url(info_request.pk))
    return _render_request(request, info_request, contribution_form=form, status=400)


@login_required
@require_POST
@domain_errors
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
@domain_errors
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
@domain_errors
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
            apply_service_errors(form, exc)
        except InvalidTransition as exc:
            messages.error(request, exc.message)
            return redirect(_case_url(info_request.case_id, "requests"))
        else:
            day = date_format(form.cleaned_data["due_date"], "j F Y")
            messages.success(request, f"The request to {info_request.agency.name} is now due on {day}.")
            return redirect(_case_url(info_request.case_id, "requests"))
    return render(
        request, "cases/request_extend.html", {"info_request": info_request, "form": form}, status=form_status(form)
    )


def _chronology_context(
    request: SignedInRequest, referral: Referral, *, case: Case | None, export_name: str
) -> tuple[dict[str, Any], int]:
    form = forms.ChronologyFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    filters = form.filters()
    try:
        chronology = referral_selectors.chronology_for(viewer=request.user, referral=referral, **filters)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        chronology = referral_selectors.chronology_for(viewer=request.user, referral=referral)
        status = 400
    levels = referral_forms.clearance_names()
    query = form.query_string() if status == 200 else ""
    suffix = f"?{query}" if query else ""
    return (
        {
            "referral": referral,
            "case": case,
            "form": form,
            "chronology": chronology,
            "entry_rows": entry_rows(chronology, levels),
            "baseline": levels.get(1, "Baseline"),
            "filtered": any(filters.values()),
            "csv_url": reverse(export_name, args=[referral.pk, "csv"]) + suffix,
            "pdf_url": reverse(export_name, args=[referral.pk, "pdf"]) + suffix,
            "return_to": request.get_full_path(),
        },
        status,
    )


def _render_chronology(context: dict[str, Any], request: SignedInRequest, status: int) -> HttpResponse:
    response = render(request, "cases/chronology_detail.html", context, status=status)
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
@domain_errors
def case_chronology(request: SignedInRequest, case_id: int) -> HttpResponse:
    case = selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    context, status = _chronology_context(request, case.referral, case=case, export_name="cases:case_chronology_export")
    return _render_chronology(context, request, status)


@login_required
@require_GET
@domain_errors
def referral_chronology(request: SignedInRequest, referral_id: int) -> HttpResponse:
    referral = referral_selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)
    if referral.is_draft:
        raise NotFound("Not found.")
    context, status = _chronology_context(request, referral, case=None, export_name="cases:referral_chronology_export")
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
    levels = referral_forms.clearance_names()
    now = timezone.now()
    day = timezone.localdate(now).isoformat()
    if fmt == "csv":
        response = HttpResponse(exports.chronology_csv(chronology, levels), content_type="text/csv; charset=utf-8")
    else:
        pdf = exports.chronology_pdf(
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
@domain_errors
def case_chronology_export(request: SignedInRequest, case_id: int, fmt: str) -> HttpResponse:
    case = selectors.access_case(viewer=request.user, case_id=case_id, audit=False)
    return _export_response(request, case.referral, reference=case.reference, title=f"Case {case.reference}", fmt=fmt)


@login_required
@require_GET
@domain_errors
def referral_chronology_export(request: SignedInRequest, referral_id: int, fmt: str) -> HttpResponse:
    referral = referral_selectors.access_referral(viewer=request.user, referral_id=referral_id, audit=False)
    if referral.is_draft or not referral.reference:
        raise NotFound("Not found.")
    return _export_response(
        request, referral, reference=referral.reference, title=f"Referral {referral.reference}", fmt=fmt
    )


@login_required
@require_POST
@domain_errors
def entry_significance(request: SignedInRequest, entry_id: int) -> HttpResponse:
    significant = request.POST.get("significant") == "yes"
    entry = services.mark_significant(actor=request.user, entry_id=entry_id, significant=significant)
    messages.success(request, f"{entry.title} is {'now marked' if significant else 'no longer marked'} as significant.")
    fallback = reverse("cases:referral_chronology", args=[entry.referral_id])
    return redirect(safe_return(request, fallback) + f"#entry-{entry.pk}")


@login_required
@require_GET
@domain_errors
def entry_document_download(request: SignedInRequest, document_id: int) -> FileResponse:
    return stored_file_response(selectors.access_entry_document(viewer=request.user, document_id=document_id))
