"""What the case pages show: the case page's forms and counts, which request forms a reader is
offered, and the chronology page with its filters and export links, so the views only open,
validate, call and answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from cases import forms, lifecycle, permissions, selectors
from cases.models import Case, CaseStatus, InformationRequest, RequestStatus
from cases.permissions import Capability
from core.errors import ValidationError
from core.forms import apply_service_errors
from core.web import first_form_with_errors, optional_url
from core.working_days import add_working_days
from partnership.models import PartnershipSettings, User
from referrals import forms as referral_forms
from referrals import permissions as referral_permissions
from referrals import selectors as referral_selectors
from referrals.chronology_rows import entry_rows
from referrals.models import Referral


def case_url(case_id: int, anchor: str = "") -> str:
    url = reverse("cases:case", args=[case_id])
    return f"{url}#{anchor}" if anchor else url


def request_url(request_id: int, anchor: str = "") -> str:
    url = reverse("cases:request", args=[request_id])
    return f"{url}#{anchor}" if anchor else url


def requests_home_url(info_request: InformationRequest) -> str:
    """Where a request's managers keep it: the case page's requests, or (sent during screening) the
    screening's information requests."""
    if info_request.case_id is None:
        return reverse("cases:screening_requests", args=[info_request.referral_id])
    return case_url(info_request.case_id, "requests")


def request_chronology_url(info_request: InformationRequest) -> str:
    """The chronology the request's answer goes into: the case's, or the referral's before there is a case."""
    if info_request.case_id is None:
        return reverse("cases:referral_chronology", args=[info_request.referral_id])
    return reverse("cases:case_chronology", args=[info_request.case_id])


def requested(created: list[InformationRequest]) -> str:
    """What a page says once information has been requested."""
    return f"Information has been requested from {', '.join(r.agency.name for r in created)}."


def default_due_date(days: int | None = None) -> dt.date:
    """When an information request asked today is due: ``days`` working days on (the partnership's
    usual time to answer, read from its settings unless given)."""
    if days is None:
        days = PartnershipSettings.current().information_request_working_days
    return add_working_days(timezone.localdate(), days)


# --- The case page ---------------------------------------------------------------------------------


def case_context(
    viewer: User,
    case: Case,
    *,
    transition_form: forms.CaseTransitionForm | None = None,
    request_form: forms.RequestInformationForm | None = None,
    note_form: forms.CaseNoteForm | None = None,
) -> dict[str, Any]:
    """The case (read by ``selectors.access_case_page``) with its requests; each form only for who may
    use it (``cases.permissions``, no query: the case was read with its basis), and only where the
    lifecycle allows it."""
    can = permissions.can_all(viewer, case, Capability.TRANSITION_CASE, Capability.REQUEST_INFORMATION)
    allowed = lifecycle.CASE_TRANSITIONS[case.status]
    if can[Capability.TRANSITION_CASE] and allowed:
        transition_form = transition_form or forms.CaseTransitionForm(case=case, allowed=allowed)
        # A form posted from a stale page offers what is allowed now.
        transition_form.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (s, CaseStatus(s).label) for s in CaseStatus.values if s in allowed
        ]
    else:
        transition_form = None
    if can[Capability.REQUEST_INFORMATION] and case.status in lifecycle.REQUESTS_ALLOWED:
        request_form = request_form or forms.RequestInformationForm(
            default_due=default_due_date(case.request_working_days)  # type: ignore[attr-defined]
        )
    else:
        request_form = None
    if permissions.can(viewer, Capability.ADD_CASE_NOTE, case.referral):
        note_form = note_form or forms.CaseNoteForm(user=viewer)
    else:
        note_form = None
    requests = selectors.requests_for_case(viewer=viewer, case=case)
    rows = [{"request": r, "overdue": selectors.is_overdue(r), **request_row_actions(viewer, r)} for r in requests]
    return {
        "case": case,
        "referral": case.referral,
        "manager": any(row["chase"] or row["extend"] or row["close"] for row in rows),
        "transition_form": transition_form,
        "request_form": request_form,
        "note_form": note_form,
        "error_form": first_form_with_errors(transition_form, request_form, note_form),
        "rows": rows,
        "answered": sum(1 for r in requests if r.status in lifecycle.REQUEST_ANSWERED),
        "overdue": sum(1 for row in rows if row["overdue"]),
        "panel_url": optional_url("panels:case", case.pk),
    }


def request_row_actions(user: User, info_request: InformationRequest) -> dict[str, bool]:
    """What the case page offers for one of its requests: chase and extend while it waits for an answer,
    close until it is closed; each for who may (the services decide again when they are used)."""
    waiting = info_request.status in lifecycle.REQUEST_OPEN
    closable = RequestStatus.CLOSED in lifecycle.REQUEST_TRANSITIONS[info_request.status]
    return {
        "chase": waiting and permissions.can(user, Capability.CHASE_REQUEST, info_request),
        "extend": waiting and permissions.can(user, Capability.EXTEND_REQUEST, info_request),
        "close": closable and permissions.can(user, Capability.CLOSE_REQUEST, info_request),
    }


# --- Information requests --------------------------------------------------------------------------


def request_actions(user: User, info_request: InformationRequest) -> dict[str, bool]:
    """Which forms to offer on the request page (the services decide again when they are used)."""
    open_ = info_request.status in lifecycle.REQUEST_OPEN
    return {
        "can_assign": open_ and permissions.can(user, Capability.ASSIGN_REQUEST, info_request),
        "can_return": open_ and permissions.can(user, Capability.CONTRIBUTE, info_request),
    }


def request_context(
    viewer: User,
    info_request: InformationRequest,
    *,
    assign_form: forms.AssignRequestForm | None = None,
    contribution_form: forms.ContributionForm | None = None,
) -> dict[str, Any]:
    actions = request_actions(viewer, info_request)
    if actions["can_assign"]:
        assign_form = assign_form or forms.AssignRequestForm(
            agency_id=info_request.agency_id,
            initial={"assignee": info_request.assigned_to_id},
        )
    if actions["can_return"]:
        contribution_form = contribution_form or forms.ContributionForm(user=viewer)
    return {
        "info_request": info_request,
        "case": info_request.case,
        "home_url": requests_home_url(info_request),
        "chronology_url": request_chronology_url(info_request),
        "overdue": selectors.is_overdue(info_request),
        "assign_form": assign_form if actions["can_assign"] else None,
        "contribution_form": contribution_form if actions["can_return"] else None,
        "error_form": first_form_with_errors(assign_form, contribution_form),
        "manager": permissions.can(viewer, Capability.CHASE_REQUEST, info_request),
    }


# --- The chronology --------------------------------------------------------------------------------


def chronology_context(
    viewer: User,
    referral: Referral,
    form: forms.ChronologyFilterForm,
    *,
    case: Case | None,
    export_name: str,
    return_to: str,
) -> tuple[dict[str, Any], int]:
    """The entries the viewer may read, filtered; bad filters are form errors (400) over the whole chronology."""
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    filters = form.filters()
    try:
        chronology = referral_selectors.chronology_for(viewer=viewer, referral=referral, **filters)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        chronology = referral_selectors.chronology_for(viewer=viewer, referral=referral)
        status = 400
    levels = referral_forms.clearance_names()
    query = form.query_string() if status == 200 else ""
    suffix = f"?{query}" if query else ""
    context = {
        "referral": referral,
        "case": case,
        "form": form,
        "chronology": chronology,
        "entry_rows": entry_rows(chronology, levels),
        "baseline": levels.get(1, "Baseline"),
        "filtered": any(filters.values()),
        "can_mark": permissions.marks_significance_in(viewer, referral),
        "can_export": referral_permissions.can_export_chronology(viewer, referral),
        "csv_url": reverse(export_name, args=[referral.pk, "csv"]) + suffix,
        "pdf_url": reverse(export_name, args=[referral.pk, "pdf"]) + suffix,
        "return_to": return_to,
    }
    return context, status
