"""The actions a meeting looks back on and forward to, as one viewer may read them: those carried
forward from the panel's earlier meetings until they are closed, those closed since the previous
meeting (done, not done, could not be done: each shown apart), and those agreed at the meeting."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, Subquery

from panels.models import Action, ActionStatus, Meeting, MeetingStatus
from partnership.models import User
from referrals.models import Referral
from sharing import policy


@dataclass
class ActionOutcomes:
    """Actions split by how they stand: open, done, not done, could not be done."""

    open: list[Action] = field(default_factory=list)
    done: list[Action] = field(default_factory=list)
    not_done: list[Action] = field(default_factory=list)
    not_possible: list[Action] = field(default_factory=list)

    def add(self, action: Action) -> None:
        group = {
            ActionStatus.OPEN: self.open,
            ActionStatus.DONE: self.done,
            ActionStatus.NOT_DONE: self.not_done,
            ActionStatus.NOT_POSSIBLE: self.not_possible,
        }.get(ActionStatus(action.status))
        if group is not None:
            group.append(action)

    @property
    def closed(self) -> bool:
        return bool(self.done or self.not_done or self.not_possible)

    @property
    def all(self) -> list[Action]:
        return [*self.open, *self.done, *self.not_done, *self.not_possible]

    def __bool__(self) -> bool:
        return bool(self.open) or self.closed


@dataclass
class ActionReview:
    """What one viewer may read of a meeting's actions (``actions_review_for``)."""

    carried_forward: list[Action]  # open actions agreed at earlier meetings of the panel
    closed_since: ActionOutcomes  # actions of earlier meetings closed since the previous meeting
    agreed_here: ActionOutcomes  # actions agreed at this meeting, by how they stand

    @property
    def all(self) -> list[Action]:
        return [*self.carried_forward, *self.closed_since.all, *self.agreed_here.all]


def _previous_meeting_at(meeting: Meeting) -> Subquery:
    """When the panel's previous meeting (not cancelled) was held, as a subquery (NULL: none)."""
    return Subquery(
        Meeting.objects.filter(panel_id=meeting.panel_id, scheduled_at__lt=meeting.scheduled_at)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-scheduled_at")
        .values("scheduled_at")[:1]
    )


def actions_review_for(*, viewer: User, meeting: Meeting) -> ActionReview:
    """The meeting's actions on cases the viewer reads through their agency's grant (the policy, in
    SQL): an action on a case they cannot read is neither shown nor counted. One query."""
    earlier = Q(meeting__scheduled_at__lt=meeting.scheduled_at) & ~Q(meeting=meeting)
    wanted = (
        Q(meeting=meeting)
        | (earlier & Q(status=ActionStatus.OPEN))
        | (earlier & Q(completed_at__gte=_previous_meeting_at(meeting)))
    )
    readable = policy.visible(viewer, Referral.objects.filter(case__panel_id=meeting.panel_id))
    actions = (
        Action.objects.filter(wanted, meeting__panel_id=meeting.panel_id, case__referral__in=readable)
        .select_related("case__referral__subject", "owner_agency", "owner", "meeting")
        .order_by("due_date", "id")
    )
    review = ActionReview(carried_forward=[], closed_since=ActionOutcomes(), agreed_here=ActionOutcomes())
    for action in actions:
        if action.meeting_id == meeting.pk:
            review.agreed_here.add(action)
        elif action.status == ActionStatus.OPEN:
            review.carried_forward.append(action)
        else:
            review.closed_since.add(action)
    return review
