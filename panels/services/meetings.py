"""Meetings: the cadence, extra, moved and cancelled meetings, the live meeting (start, attendance,
quorum, declarations) and its close (signed minutes, addenda afterwards)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from core.audit import record_event
from core.errors import InvalidTransition, PermissionDenied, ValidationError
from core.models import AuditVerb
from panels import lifecycle, reminders
from panels.models import Addendum, Attendance, Declaration, Meeting, MeetingStatus
from panels.services.access import is_panel_member, locked_meeting, require_chair
from partnership.models import AgencyKind, Panel, User

MEETINGS_AHEAD = relativedelta(months=6)


@transaction.atomic
def generate_meetings(*, panel: Panel, until: dt.datetime | None = None) -> list[Meeting]:
    """Create the cadence's meetings up to ``until`` (default six months ahead). Idempotent:
    moved or cancelled meetings keep their slot and are never recreated."""
    until = until or timezone.now() + MEETINGS_AHEAD
    existing = set(Meeting.objects.filter(panel=panel, slot__isnull=False).values_list("slot", flat=True))
    created = []
    slot = 0
    while True:
        when = panel.first_meeting_at + dt.timedelta(weeks=panel.cadence_weeks * slot)
        if when > until:
            break
        if slot not in existing:
            created.append(
                Meeting.objects.create(
                    panel=panel, slot=slot, scheduled_at=when, venue=panel.venue, call_link=panel.call_link
                )
            )
        slot += 1
    reminders.sync_meetings(created)
    return created


def _reason(reason: str, missing: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": [missing]})
    return reason.strip()


@transaction.atomic
def add_meeting(*, actor: User, panel: Panel, scheduled_at: dt.datetime, reason: str) -> Meeting:
    require_chair(actor, panel)
    reason = _reason(reason, "Say why the extra meeting is needed")
    meeting = Meeting.objects.create(
        panel=panel, scheduled_at=scheduled_at, venue=panel.venue, call_link=panel.call_link, moved_reason=reason
    )
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=meeting, reason=reason)
    reminders.sync_meetings([meeting])
    return meeting


@transaction.atomic
def move_meeting(*, actor: User, meeting_id: int, scheduled_at: dt.datetime, reason: str) -> Meeting:
    meeting = locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    reason = _reason(reason, "Say why the meeting is moving")
    previous = meeting.scheduled_at
    meeting.scheduled_at = scheduled_at
    meeting.moved_reason = reason
    meeting.save(update_fields=["scheduled_at", "moved_reason", "updated_at"])
    reminders.sync_meetings([meeting])
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=meeting,
        reason=reason,
        details={"from": previous.isoformat(), "to": scheduled_at.isoformat()},
    )
    return meeting


@transaction.atomic
def cancel_meeting(*, actor: User, meeting_id: int, reason: str) -> Meeting:
    meeting = locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    lifecycle.check_meeting_transition(meeting, MeetingStatus.CANCELLED)
    reason = _reason(reason, "Say why the meeting is cancelled")
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_reason = reason
    meeting.save(update_fields=["status", "cancelled_reason", "updated_at"])
    reminders.sync_meetings([meeting])
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=meeting, reason=reason, details={"cancelled": True})
    return meeting


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(panel_id=meeting.panel_id, scheduled_at__lt=meeting.scheduled_at)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-scheduled_at")
        .first()
    )


# --- the live meeting -------------------------------------------------------------------


@transaction.atomic
def start_meeting(*, actor: User, meeting_id: int) -> Meeting:
    """Start the meeting; starting one already in progress changes nothing."""
    meeting = locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    if meeting.status == MeetingStatus.IN_PROGRESS:
        return meeting
    lifecycle.check_meeting_transition(meeting, MeetingStatus.IN_PROGRESS)
    meeting.status = MeetingStatus.IN_PROGRESS
    meeting.started_at = timezone.now()
    meeting.save(update_fields=["status", "started_at", "updated_at"])
    return meeting


@transaction.atomic
def record_attendance(
    *, actor: User, meeting_id: int, agency_id: int, present: bool, attendee: User | None = None
) -> Attendance:
    meeting = locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    member_ids = set(meeting.panel.memberships.values_list("agency_id", flat=True)) | {meeting.panel.chair.agency_id}
    if agency_id not in member_ids:
        raise ValidationError({"agency": ["That agency is not a member of this panel"]})
    if attendee is not None and attendee.agency_id != agency_id:
        raise ValidationError({"attendee": ["The attendee must belong to that agency"]})
    row, _ = Attendance.objects.update_or_create(
        meeting=meeting, agency_id=agency_id, defaults={"present": present, "attendee": attendee}
    )
    return row


@dataclass(frozen=True)
class Quorum:
    met: bool
    reasons: list[str]


def quorum(meeting: Meeting) -> Quorum:
    """The panel's rule: chair present, required agency kinds present, and enough agencies in all."""
    panel = meeting.panel
    present = list(meeting.attendance.filter(present=True).select_related("agency", "attendee"))
    kinds = {a.agency.kind for a in present}
    reasons = []
    if panel.quorum_requires_chair and not any(
        a.attendee_id in (panel.chair_id, panel.deputy_chair_id) for a in present
    ):
        reasons.append("The chair or deputy is not recorded as present")
    for kind in panel.quorum_required_kinds:
        if kind not in kinds:
            reasons.append(f"No {AgencyKind(kind).label.lower()} agency is present")
    if len(present) < panel.quorum_min_agencies:
        reasons.append(f"{len(present)} of the {panel.quorum_min_agencies} agencies needed are present")
    return Quorum(met=not reasons, reasons=reasons)


@transaction.atomic
def declare_interest(*, actor: User, meeting_id: int, text: str, case_id: int | None = None) -> Declaration:
    meeting = locked_meeting(meeting_id)
    if not is_panel_member(actor, meeting.panel):
        raise PermissionDenied("Only panel members can declare an interest.")
    if not text.strip():
        raise ValidationError({"text": ["Describe the interest"]})
    return Declaration.objects.create(meeting=meeting, user=actor, case_id=case_id, text=text.strip())


# --- the close ---------------------------------------------------------------------------


@transaction.atomic
def sign_minutes(*, actor: User, meeting_id: int, minutes: str = "") -> Meeting:
    """Close the meeting and seal its record. Every item needs a decision or a deferral first."""
    meeting = locked_meeting(meeting_id)
    require_chair(actor, meeting.panel)
    lifecycle.check_meeting_transition(meeting, MeetingStatus.CLOSED)
    open_items = meeting.items.filter(discussion__isnull=True, deferred_reason="")
    if open_items.exists():
        raise InvalidTransition(f"{open_items.count()} agenda item(s) have no decision or deferral yet.")
    meeting.status = MeetingStatus.CLOSED
    meeting.minutes = minutes.strip() or meeting.minutes
    meeting.signed_at = timezone.now()
    meeting.signed_by = actor
    meeting.save(update_fields=["status", "minutes", "signed_at", "signed_by", "updated_at"])
    record_event(actor=actor, verb=AuditVerb.TRANSITION, obj=meeting, details={"signed": True})
    return meeting


@transaction.atomic
def add_addendum(*, actor: User, meeting_id: int, text: str, case_id: int | None = None) -> Addendum:
    meeting = locked_meeting(meeting_id)
    if not meeting.is_sealed:
        raise InvalidTransition("The minutes are not signed yet: change them directly.")
    if not is_panel_member(actor, meeting.panel):
        raise PermissionDenied("Only panel members can add to the minutes.")
    if not text.strip():
        raise ValidationError({"text": ["Enter the addendum"]})
    addendum = Addendum.objects.create(meeting=meeting, author=actor, case_id=case_id, text=text.strip())
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=addendum, details={"meeting": meeting.pk})
    return addendum
