"""Meetings: the cadence, extra, moved and cancelled meetings, the live meeting (start, attendance,
quorum and its override, declarations) and its close (signed minutes, addenda afterwards)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from core.audit import record_event
from core.errors import InvalidTransition, ValidationError
from core.models import AuditVerb
from core.services import save_change
from panels import lifecycle, reminders
from panels.models import Addendum, Attendance, AttendeeStatus, Declaration, Meeting, MeetingStatus
from panels.permissions import PanelCapability, reads_case, require
from panels.rules import quorum
from panels.services.access import locked_meeting
from partnership.models import Agency, Panel, User

MEETINGS_AHEAD = relativedelta(months=6)
VENUE_MAX = Meeting._meta.get_field("venue").max_length or 300


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


def _new_meeting_errors(*, scheduled_at: dt.datetime, venue: str, reason: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if timezone.localtime(scheduled_at).date() < timezone.localdate():
        errors["scheduled_at"] = ["The meeting must be today or later"]
    if len(venue.strip()) > VENUE_MAX:
        errors["venue"] = [f"The venue must be {VENUE_MAX} characters or fewer"]
    if not reason.strip():
        errors["reason"] = ["Say why the extra meeting is needed"]
    return errors


@transaction.atomic
def add_meeting(*, actor: User, panel: Panel, scheduled_at: dt.datetime, reason: str, venue: str = "") -> Meeting:
    """An extraordinary or rescheduled meeting, outside the cadence; at the panel's venue unless another is given."""
    require(actor, PanelCapability.MANAGE_MEETING, panel)
    errors = _new_meeting_errors(scheduled_at=scheduled_at, venue=venue, reason=reason)
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        panel=panel,
        scheduled_at=scheduled_at,
        venue=venue.strip() or panel.venue,
        call_link=panel.call_link,
        moved_reason=reason.strip(),
    )
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=meeting, reason=meeting.moved_reason)
    reminders.sync_meetings([meeting])
    return meeting


@transaction.atomic
def move_meeting(*, actor: User, meeting_id: int, scheduled_at: dt.datetime, reason: str) -> Meeting:
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.MANAGE_MEETING, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    reason = _reason(reason, "Say why the meeting is moving")
    details = {"from": meeting.scheduled_at.isoformat(), "to": scheduled_at.isoformat()}
    changes = {"scheduled_at": scheduled_at, "moved_reason": reason}
    save_change(meeting, changes, actor=actor, verb=AuditVerb.CHANGED, reason=reason, details=details)
    reminders.sync_meetings([meeting])
    return meeting


@transaction.atomic
def cancel_meeting(*, actor: User, meeting_id: int, reason: str) -> Meeting:
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.MANAGE_MEETING, meeting.panel)
    lifecycle.check_meeting_transition(meeting, MeetingStatus.CANCELLED)
    reason = _reason(reason, "Say why the meeting is cancelled")
    changes = {"status": MeetingStatus.CANCELLED, "cancelled_reason": reason}
    save_change(meeting, changes, actor=actor, verb=AuditVerb.CHANGED, reason=reason, details={"cancelled": True})
    reminders.sync_meetings([meeting])
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
    """Start the meeting on (or after) its day; starting one already in progress changes nothing."""
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.START_MEETING, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    if meeting.status == MeetingStatus.IN_PROGRESS:
        return meeting
    lifecycle.check_meeting_can_start(meeting)
    changes = {"status": MeetingStatus.IN_PROGRESS, "started_at": timezone.now()}
    return save_change(meeting, changes, actor=actor, verb=AuditVerb.TRANSITION, details={"started": True})


def _attendance_errors(agency_id: int, attendee: User | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not Agency.objects.filter(pk=agency_id, is_active=True).exists():
        errors["agency"] = ["Choose an active agency"]
    elif attendee is not None and (attendee.agency_id != agency_id or not attendee.is_active):
        errors["attendee"] = ["The attendee must belong to that agency"]
    return errors


@transaction.atomic
def record_attendance(
    *, actor: User, meeting_id: int, agency_id: int, present: bool, attendee: User | None = None
) -> Attendance:
    """Whether an agency attended (any active agency may, not only members), and who came for it."""
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.RECORD_ATTENDANCE, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    errors = _attendance_errors(agency_id, attendee)
    if errors:
        raise ValidationError(errors)
    row, _ = Attendance.objects.update_or_create(
        meeting=meeting, agency_id=agency_id, defaults={"present": present, "attendee": attendee}
    )
    if present and attendee is not None:  # the person who came for the agency is present, when invited
        meeting.invitations.filter(person=attendee).update(
            status=AttendeeStatus.PRESENT, status_recorded_at=timezone.now()
        )
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=meeting,
        details={"attendance": agency_id, "present": present, "attendee": attendee.pk if attendee else None},
    )
    return row


def check_quorum(meeting: Meeting) -> None:
    """Refuse a decision or signature while the meeting is not quorate and the chair has not overridden it."""
    if not quorum(meeting).may_decide:
        raise InvalidTransition(
            "The meeting is not quorate: record attendance, or record a quorum override with a reason, "
            "before decisions are made or the minutes are signed."
        )


@transaction.atomic
def override_quorum(*, actor: User, meeting_id: int, reason: str) -> Meeting:
    """The chair lets a meeting that is not quorate decide, saying why (audited)."""
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.OVERRIDE_QUORUM, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    if meeting.quorum_overridden:
        raise InvalidTransition("A quorum override is already recorded for this meeting.")
    if quorum(meeting).met:
        raise InvalidTransition("The meeting is quorate: no override is needed.")
    reason = _reason(reason, "Say why the meeting goes ahead without a quorum")
    changes = {"quorum_override_reason": reason, "quorum_overridden_at": timezone.now(), "quorum_overridden_by": actor}
    details = {"quorum_overridden": True}
    return save_change(
        meeting, changes, actor=actor, verb=AuditVerb.CHANGED, reason=reason, details=details, validate=True
    )


def _about_case(actor: User, meeting: Meeting, case_id: int | None) -> Case | None:
    """The case a declaration or addendum is about: one on this meeting's agenda that the actor reads."""
    if case_id is None:
        return None
    case = Case.objects.filter(pk=case_id, agenda_items__meeting=meeting).first()
    if case is None or not reads_case(actor, case):
        raise ValidationError({"case": ["Choose a case on this meeting's agenda"]})
    return case


@transaction.atomic
def declare_interest(*, actor: User, meeting_id: int, text: str, case_id: int | None = None) -> Declaration:
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.DECLARE_INTEREST, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    if not text.strip():
        raise ValidationError({"text": ["Describe the interest"]})
    case = _about_case(actor, meeting, case_id)
    declaration = Declaration.objects.create(meeting=meeting, user=actor, case=case, text=text.strip())
    # On the meeting, as its attendance and agenda are: a declaration is part of the meeting's record.
    record_event(
        actor=actor, verb=AuditVerb.CHANGED, obj=meeting, details={"declaration": declaration.pk, "case": case_id}
    )
    return declaration


# --- the close ---------------------------------------------------------------------------


@transaction.atomic
def sign_minutes(*, actor: User, meeting_id: int, minutes: str = "") -> Meeting:
    """Close the meeting and seal its record. It must be quorate (or overridden), and every item
    needs a decision or a deferral first."""
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.SIGN_MINUTES, meeting.panel)
    lifecycle.check_meeting_transition(meeting, MeetingStatus.CLOSED)
    check_quorum(meeting)
    open_items = meeting.items.filter(discussion__isnull=True, deferred_reason="")
    if open_items.exists():
        count = open_items.count()
        items = "1 agenda item has" if count == 1 else f"{count} agenda items have"
        raise InvalidTransition(f"{items} no decision or deferral yet.")
    changes = {
        "status": MeetingStatus.CLOSED,
        "minutes": minutes.strip() or meeting.minutes,
        "signed_at": timezone.now(),
        "signed_by": actor,
    }
    return save_change(meeting, changes, actor=actor, verb=AuditVerb.TRANSITION, details={"signed": True})


@transaction.atomic
def add_addendum(*, actor: User, meeting_id: int, text: str, case_id: int | None = None) -> Addendum:
    """A member's correction or addition to signed minutes: the minutes themselves never change."""
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.ADD_ADDENDUM, meeting.panel)
    if not meeting.is_sealed:
        raise InvalidTransition("The minutes are not signed yet: change them directly.")
    if not text.strip():
        raise ValidationError({"text": ["Enter the addendum"]})
    case = _about_case(actor, meeting, case_id)
    addendum = Addendum.objects.create(meeting=meeting, author=actor, case=case, text=text.strip())
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=addendum, details={"meeting": meeting.pk})
    return addendum
