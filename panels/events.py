"""Who is told what has just happened, for panels.

- Panel decision recorded: the case owner, when they may read the case.
- Panel action assigned: the action's owner, or the owning agency's SPOCs when it names no one,
  those who may read the case; not delivered once the action is done.
- Meeting papers ready: when the agenda is built, the meeting's invited attendees (the chair and
  deputy and each member agency's representatives, or its SPOCs, are invited then; guests invited
  for one item before it), those who may open the meeting; not delivered once the meeting is
  cancelled or past.
- Invited for one item: a guest invited after the papers went out, who may still read the item's
  case, with a link to that item alone; not delivered once the meeting is cancelled or past.

Never the person whose event it is. Each function is called, in one line, by the service that makes
the change, inside its transaction (``core.notifications.events``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from core.models import Reminder
from core.notifications import EventKind, happened, link_to, register_event_kinds, still_among, tell_now
from panels.models import Action, ActionStatus, Discussion, Invitation, Meeting, MeetingStatus
from panels.reminders import ABOUT_ACTION, _may_open_meeting, meeting_recipients
from partnership.models import User
from sharing.reminders import About, spoc_ids

DECISION_RECORDED = "decision_recorded"
ACTION_ASSIGNED = "action_assigned"
PAPERS_READY = "papers_ready"
INVITED_FOR_ITEM = "invited_for_item"

# A decision is told of as its case is: only to those who may read the case's referral.
ABOUT_DECISION = About.through(Discussion, "referral")
# A guest's invitation is told of as its item's case is.
ABOUT_GUEST_INVITATION = About.through(Invitation, "item__case__referral")


def decision_recorded(discussion: Discussion, *, actor: User) -> None:
    """Tell the case owner, when they may read the case, that the panel decided on it."""
    case = discussion.item.case
    readers = ABOUT_DECISION.readers(discussion, [case.owner_id] if case.owner_id else [])
    link = link_to("panels:case", case.pk)
    tell_now(discussion, DECISION_RECORDED, readers, actor=actor, link=link, reference=case.reference)


def action_assigned(action: Action, *, actor: User) -> None:
    """Tell the action's owner, or the owning agency's SPOCs when it names no one, who may read the case."""
    candidates = [action.owner_id] if action.owner_id else spoc_ids(action.owner_agency_id)
    readers = ABOUT_ACTION.readers(action, candidates)
    link = link_to("panels:case", action.case_id)
    tell_now(action, ACTION_ASSIGNED, readers, actor=actor, link=link, reference=action.case.reference)


def papers_ready(meeting: Meeting, *, actor: User | None) -> None:
    """Tell the meeting's invited attendees who may open it that its agenda, and so their pack, is ready
    to read. The words and the link name no case: a guest opens the meeting and finds their item alone."""
    invited = meeting.invitations.values_list("person_id", flat=True)
    link = link_to("panels:meeting", meeting.pk)
    recipients = meeting_recipients(meeting, invited)
    tell_now(meeting, PAPERS_READY, recipients, actor=actor, link=link, event_at=meeting.scheduled_at)


def invited_for_item(invitation: Invitation, *, actor: User) -> None:
    """Tell a guest invited for one item, who may read its case, where that item's papers are."""
    readers = ABOUT_GUEST_INVITATION.readers(invitation, [invitation.person_id])
    link = link_to("panels:meeting_item", invitation.meeting_id, invitation.item_id)
    tell_now(invitation, INVITED_FOR_ITEM, readers, actor=actor, link=link, event_at=invitation.meeting.scheduled_at)


def _meeting_ahead(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    return still_among(Meeting.objects.filter(status=MeetingStatus.SCHEDULED, scheduled_at__gt=now))(reminders, now)


def _guest_meeting_ahead(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    ahead = Invitation.objects.filter(meeting__status=MeetingStatus.SCHEDULED, meeting__scheduled_at__gt=now)
    return still_among(ahead)(reminders, now)


register_event_kinds(
    {
        DECISION_RECORDED: EventKind(
            "Panel decision recorded",
            "The panel recorded a decision on a case you own.",
            "The panel recorded a decision on case {reference} on {when}",
            still_due=happened,
            may_tell=ABOUT_DECISION.may_tell,
        ),
        ACTION_ASSIGNED: EventKind(
            "Panel action assigned",
            "The panel gave you, or your agency, an action on a case.",
            "A panel action for case {reference} was given to you on {when}",
            still_due=still_among(Action.objects.filter(status=ActionStatus.OPEN)),
            may_tell=ABOUT_ACTION.may_tell,
        ),
        PAPERS_READY: EventKind(
            "Panel agenda and papers built",
            "The agenda of a meeting you are invited to was built: its papers can be read.",
            "The agenda and papers for the panel meeting on {when} are ready to read",
            still_due=_meeting_ahead,
            may_tell=_may_open_meeting,
        ),
        INVITED_FOR_ITEM: EventKind(
            "Invited to a panel meeting for one case",
            "The panel's chair invited you to a meeting for one case: its papers can be read.",
            "You are invited to the panel meeting on {when} for one case: its papers are ready to read",
            still_due=_guest_meeting_ahead,
            may_tell=ABOUT_GUEST_INVITATION.may_tell,
        ),
    }
)
