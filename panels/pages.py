"""What the panel pages with several forms show: the meeting, one agenda item at the meeting, and
the case's panel record, each with its forms (a bound one after a failed post), so the views
only open, validate, call and answer."""

from __future__ import annotations

from typing import Any

from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from core.web import first_form_with_errors
from panels import forms, lifecycle, selectors
from panels.models import CONFIDENTIALITY_STATEMENT, Meeting
from partnership.web import SignedInRequest


def meeting_url(meeting_id: int, anchor: str = "") -> str:
    url = reverse("panels:meeting", args=[meeting_id])
    return f"{url}#{anchor}" if anchor else url


def item_url(meeting_id: int, item_id: int, anchor: str = "") -> str:
    url = reverse("panels:meeting_item", args=[meeting_id, item_id])
    return f"{url}#{anchor}" if anchor else url


def case_url(case_id: int, anchor: str = "") -> str:
    url = reverse("panels:case", args=[case_id])
    return f"{url}#{anchor}" if anchor else url


def _attendance_forms(
    record: selectors.MeetingRecord, bound: dict[str, Form]
) -> list[tuple[selectors.AttendanceRow, Form]]:
    rows = []
    for row in record.attendance:
        prefix = f"attendance-{row.agency.pk}"
        form = bound.get(prefix) or forms.AttendanceForm(
            people=row.people,
            prefix=prefix,
            initial={
                "attendee": str(row.record.attendee_id or "") if row.record else "",
                "present": ("yes" if row.record.present else "no") if row.record else "yes",
            },
        )
        rows.append((row, form))
    return rows


def render_meeting(
    request: SignedInRequest, meeting: Meeting, *, bound: dict[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    """The meeting page. ``bound`` holds a posted form by its prefix, shown with its errors."""
    record = selectors.meeting_record(viewer=request.user, meeting=meeting, with_actions=True)
    bound = bound or {}
    return render(
        request,
        "panels/meeting_detail.html",
        {
            "meeting": meeting,
            "record": record,
            "attendance_forms": _attendance_forms(record, bound),
            "error_form": first_form_with_errors(*bound.values()),
            "open": lifecycle.meeting_is_open(meeting),
            "today": timezone.localdate(),
            "add_form": bound.get("add") or forms.AgendaAddForm(cases=record.addable_cases, prefix="add"),
            "declaration_form": bound.get("declaration")
            or forms.DeclarationForm(cases=[r.case for r in record.agenda.rows], prefix="declaration"),
            "addendum_form": bound.get("addendum") or forms.AddendumForm(prefix="addendum"),
            "override_form": bound.get("override") or forms.QuorumOverrideForm(prefix="override"),
            "invite_form": bound.get("invite") or forms.InviteForm(people=record.invitable, prefix="invite"),
            "confidentiality_statement": CONFIDENTIALITY_STATEMENT,
            "attendee_choices": forms.AttendeeForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        },
        status=status,
    )


def render_item(
    request: SignedInRequest, meeting: Meeting, item_id: Any, *, bound: dict[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    """One agenda item at the meeting: its record, and the decision, action and deferral forms."""
    record = selectors.item_record(viewer=request.user, meeting=meeting, item_id=item_id)
    entry = record.item(item_id)
    bound = bound or {}
    # The decision form reads the clearance levels it offers: only when the page shows it.
    decision_form = bound.get("decision") or (
        forms.DecisionForm(user=request.user, prefix="decision") if entry.may_decide and record.can_decide else None
    )
    action_form = bound.get("action") or forms.ActionForm(people=record.people, prefix="action")
    defer_form = bound.get("defer") or forms.ReasonForm(prefix="defer")
    guest_form = None
    if record.can_invite:
        guest_form = bound.get("guest") or forms.InviteForm(
            people=selectors.possible_guests(record=record, entry=entry),
            prefix="guest",
            label="Who to invite for this case alone",
        )
    guests = [i for i in record.invitations if i.item_id == entry.item.pk]
    return render(
        request,
        "panels/meeting_item.html",
        {
            "meeting": meeting,
            "record": record,
            "entry": entry,
            "brief": selectors.item_brief(viewer=request.user, entry=entry),
            "guests": guests,
            "guest_form": guest_form,
            "decision_form": decision_form,
            "action_form": action_form,
            "defer_form": defer_form,
            "error_form": first_form_with_errors(decision_form, action_form, defer_form, guest_form),
            "open": lifecycle.meeting_is_open(meeting),
            "today": timezone.localdate(),
        },
        status=status,
    )


def render_case(
    request: SignedInRequest, case: Case, *, bound: dict[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    """The case's panel record, with the plan and action forms."""
    record = selectors.case_panel_record(viewer=request.user, case=case)
    bound = bound or {}
    plan_form = bound.get("plan") or forms.PlanActivateForm(
        prefix="plan", initial={"objectives": record.plan.objectives if record.plan else ""}
    )
    action_form = bound.get("action") or forms.ActionForm(prefix="action")
    return render(
        request,
        "panels/case_detail.html",
        {
            "case": case,
            "record": record,
            "plan_form": plan_form,
            "action_form": action_form,
            "error_form": first_form_with_errors(plan_form, action_form),
            "today": timezone.localdate(),
        },
        status=status,
    )
