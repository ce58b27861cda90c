"""The people at a meeting: who is invited (the panel's people to all of it, a guest to one item),
whether each came, sent apologies or was absent, and their confirmation of the confidentiality
statement when the meeting starts. A person's attendance is also their agency's (``Attendance``,
which the quorum counts)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.audit import record_event
from core.errors import InvalidTransition, NotFound, ValidationError
from core.models import AuditVerb
from panels import events, lifecycle
from panels.models import AgendaItem, Attendance, AttendeeStatus, Invitation, Meeting
from panels.permissions import PanelCapability, may_attend, reaches_whole_meeting, require
from panels.reminders import panel_people
from panels.services.access import locked_meeting
from partnership.models import User
from sharing import policy

RECORDED_STATUSES = (AttendeeStatus.PRESENT, AttendeeStatus.APOLOGIES, AttendeeStatus.ABSENT)
NOT_PRESENT = (AttendeeStatus.APOLOGIES, AttendeeStatus.ABSENT)


def invite_panel_people(*, actor: User | None, meeting: Meeting) -> list[Invitation]:
    """Invite the panel's people (``panels.reminders.panel_people``) not invited yet; the caller holds
    the meeting's lock and has checked the actor may."""
    invited = set(meeting.invitations.values_list("person_id", flat=True))
    people = User.objects.filter(pk__in=panel_people(meeting.panel) - invited).select_related("agency")
    made = [
        Invitation.objects.create(meeting=meeting, person=person, invited_by=actor)
        for person in people.order_by("pk")
        if may_attend(person)
    ]
    if made:
        record_event(actor=actor, verb=AuditVerb.CHANGED, obj=meeting, details={"invited": [i.person_id for i in made]})
    return made


@transaction.atomic
def invite_members(*, actor: User, meeting_id: int) -> list[Invitation]:
    """The chair invites the panel's people to the whole meeting (building the agenda does it too)."""
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.INVITE_ATTENDEES, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    return invite_panel_people(actor=actor, meeting=meeting)


def _invitation_errors(meeting: Meeting, person: User | None, item: AgendaItem | None) -> dict[str, list[str]]:
    """A case worker not invited yet; to the whole meeting only from a member agency (or the chair's),
    to one item only when their agency reads its case."""
    if person is None or not may_attend(person):
        return {"person": ["Choose someone who works on cases"]}
    if meeting.invitations.filter(person=person).exists():
        return {"person": [f"{person.get_full_name() or person.username} is already invited"]}
    if item is None and not reaches_whole_meeting(person, meeting.panel):
        return {"person": ["Someone from an agency that is not on the panel is invited for one case"]}
    if item is not None and not policy.reads_through_grant(person, item.case.referral):
        agency = person.agency.name if person.agency else "Their agency"
        return {"person": [f"{agency} cannot read this case at their clearance: share the case with them first"]}
    return {}


@transaction.atomic
def invite_person(*, actor: User, meeting_id: int, person_id: int | None, item_id: int | None = None) -> Invitation:
    """Invite one person: to the whole meeting, or as a guest for one agenda item, who then sees that
    item alone (and is told where its papers are)."""
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.INVITE_ATTENDEES, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    item = None
    if item_id is not None:
        item = AgendaItem.objects.select_related("case__referral").filter(pk=item_id, meeting=meeting).first()
        if item is None:
            raise NotFound("Not found.")
    person = User.objects.select_related("agency", "clearance").filter(pk=person_id).first() if person_id else None
    errors = _invitation_errors(meeting, person, item)
    if errors or person is None:
        raise ValidationError(errors)
    invitation = Invitation.objects.create(meeting=meeting, person=person, item=item, invited_by=actor)
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=meeting,
        details={"invited": [person.pk], "item": item.pk if item else None},
    )
    if item is not None:
        events.invited_for_item(invitation, actor=actor)
    return invitation


def _locked_invitation(meeting: Meeting, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("person__agency")
        .filter(pk=invitation_id, meeting=meeting)
        .first()
    )
    if invitation is None:
        raise NotFound("Not found.")
    return invitation


def _sync_agency_attendance(meeting: Meeting, agency_id: int | None) -> None:
    """An agency attends when one of its invited people is present; the chair, when among them, is
    the one recorded for it (the quorum asks for the chair). When none of its invited people is
    present, an attendance that named one of them is no longer true."""
    if agency_id is None:
        return
    people = list(meeting.invitations.filter(person__agency_id=agency_id).values_list("person_id", "status"))
    present = [pk for pk, status in people if status == AttendeeStatus.PRESENT]
    row = Attendance.objects.filter(meeting=meeting, agency_id=agency_id).first()
    if present:
        chairs = [pk for pk in (meeting.panel.chair_id, meeting.panel.deputy_chair_id) if pk in present]
        keep = row is not None and row.present and row.attendee_id in present and not chairs
        attendee = row.attendee_id if keep and row is not None else (chairs or present)[0]
        Attendance.objects.update_or_create(
            meeting=meeting, agency_id=agency_id, defaults={"present": True, "attendee_id": attendee}
        )
    elif row is not None and row.present and row.attendee_id in {pk for pk, _ in people}:
        row.present = False
        row.attendee = None
        row.save(update_fields=["present", "attendee"])
    elif row is None and people and all(status in NOT_PRESENT for _, status in people):
        # Every one of its invited people sent apologies or was absent: so is the agency, and the
        # sign page does not ask the chair to record it a second time.
        Attendance.objects.create(meeting=meeting, agency_id=agency_id, present=False)


@transaction.atomic
def record_attendee(*, actor: User, meeting_id: int, invitation_id: int, status: str) -> Invitation:
    """Present, apologies or absent, for one invited person (and so for their agency)."""
    meeting = locked_meeting(meeting_id)
    require(actor, PanelCapability.RECORD_ATTENDANCE, meeting.panel)
    lifecycle.check_meeting_open(meeting)
    invitation = _locked_invitation(meeting, invitation_id)
    if status not in RECORDED_STATUSES:
        raise ValidationError({"status": ["Choose present, apologies or absent"]})
    invitation.status = status
    invitation.status_recorded_at = timezone.now()
    invitation.save(update_fields=["status", "status_recorded_at"])
    _sync_agency_attendance(meeting, invitation.person.agency_id)
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=meeting,
        details={"attendee": invitation.person_id, "status": status},
    )
    return invitation


@transaction.atomic
def confirm_confidentiality(*, actor: User, meeting_id: int, invitation_id: int | None = None) -> Invitation:
    """An attendee confirms the confidentiality statement once the meeting has started (their own
    invitation), or the chair records the confirmation of someone in the room. Either way the
    attendee is present, and the time and who recorded it are kept and audited."""
    meeting = locked_meeting(meeting_id)
    if invitation_id is None:
        own = meeting.invitations.filter(person=actor).values_list("pk", flat=True).first()
        if own is None:
            raise NotFound("Not found.")
        invitation_id = own
    else:
        require(actor, PanelCapability.RECORD_ATTENDANCE, meeting.panel)
    lifecycle.check_confidentiality_allowed(meeting)
    invitation = _locked_invitation(meeting, invitation_id)
    if invitation.confirmed:
        raise InvalidTransition("The confidentiality statement is already confirmed.")
    now = timezone.now()
    invitation.confidentiality_confirmed_at = now
    invitation.confidentiality_recorded_by = actor
    invitation.status = AttendeeStatus.PRESENT
    invitation.status_recorded_at = invitation.status_recorded_at or now
    invitation.save(
        update_fields=["confidentiality_confirmed_at", "confidentiality_recorded_by", "status", "status_recorded_at"]
    )
    _sync_agency_attendance(meeting, invitation.person.agency_id)
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=meeting,
        details={"confidentiality_confirmed": invitation.person_id, "at": now.isoformat()},
    )
    return invitation
