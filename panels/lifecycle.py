"""The panel lifecycles, declared once: every allowed move of meetings, agenda items, decisions,
support plans, interventions, actions and post-exit reviews, and the named sets of their states.

Case states are the cases app's (``cases.lifecycle``); this module adds what a panel decision
does to a case (``DECISION_TARGETS``). Services call the ``check_*`` functions before they write
anything; each raises ``InvalidTransition`` with a message for the person who tried.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone

from cases.lifecycle import PRE_PANEL, SUPPORTED
from cases.models import Case, CaseStatus
from core.errors import InvalidTransition
from panels.models import (
    Action,
    ActionStatus,
    AgendaItem,
    Decision,
    ExitReason,
    Intervention,
    InterventionStatus,
    ItemKind,
    Meeting,
    MeetingStatus,
    PlanStatus,
    PostExitReview,
    SupportPlan,
)
from referrals.models import Outcome

# --- Meetings ---------------------------------------------------------------------------------

MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.SCHEDULED: {MeetingStatus.IN_PROGRESS, MeetingStatus.CANCELLED},
    MeetingStatus.IN_PROGRESS: {MeetingStatus.CLOSED},
    MeetingStatus.CLOSED: set(),
    MeetingStatus.CANCELLED: set(),
}
MEETING_OPEN = frozenset({MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS})
"""Its record can still change: moved, agenda, attendance, decisions. Closed (signed) and cancelled cannot."""


def meeting_is_open(meeting: Meeting) -> bool:
    return meeting.status in MEETING_OPEN and not meeting.is_sealed


def meeting_can_become(meeting: Meeting, target: str) -> bool:
    return meeting_is_open(meeting) and target in MEETING_TRANSITIONS[meeting.status]


def check_meeting_open(meeting: Meeting) -> None:
    """Refuse any change to the record of a meeting whose minutes are signed or that was cancelled."""
    if meeting.is_sealed or meeting.status == MeetingStatus.CLOSED:
        raise InvalidTransition("The minutes are signed: record changes as an addendum.")
    if meeting.status == MeetingStatus.CANCELLED:
        raise InvalidTransition("This meeting was cancelled.")


_MEETING_REFUSALS = {
    MeetingStatus.IN_PROGRESS: "This meeting has already started.",
    MeetingStatus.CLOSED: "Only a meeting in progress can be closed.",
    MeetingStatus.CANCELLED: "A meeting that has started cannot be cancelled: close it and sign the minutes.",
}


def check_meeting_transition(meeting: Meeting, target: str) -> None:
    check_meeting_open(meeting)
    if target not in MEETING_TRANSITIONS[meeting.status]:
        raise InvalidTransition(
            _MEETING_REFUSALS.get(
                MeetingStatus(target),
                f"A meeting that is {meeting.get_status_display().lower()} cannot become "
                f"{MeetingStatus(target).label.lower()}.",
            )
        )


def meeting_day(meeting: Meeting) -> dt.date:
    """The meeting's day in the partnership's time zone (London)."""
    return timezone.localtime(meeting.scheduled_at).date()


def meeting_can_start(meeting: Meeting) -> bool:
    """Scheduled, and its day has come: a meeting never starts early."""
    return meeting_can_become(meeting, MeetingStatus.IN_PROGRESS) and meeting_day(meeting) <= timezone.localdate()


def check_meeting_can_start(meeting: Meeting) -> None:
    check_meeting_transition(meeting, MeetingStatus.IN_PROGRESS)
    day = meeting_day(meeting)
    if day > timezone.localdate():
        raise InvalidTransition(f"The meeting cannot start before its day ({day.day} {day:%B %Y}).")


def decisions_allowed(meeting: Meeting) -> bool:
    """Decisions are recorded while the meeting is in progress, never before it starts or after it closes."""
    return meeting_is_open(meeting) and meeting.status == MeetingStatus.IN_PROGRESS


def check_confidentiality_allowed(meeting: Meeting) -> None:
    """Attendees confirm the confidentiality statement when the meeting starts: while it is in progress."""
    check_meeting_open(meeting)
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise InvalidTransition("Start the meeting before attendees confirm the confidentiality statement.")


def check_decisions_allowed(meeting: Meeting) -> None:
    check_meeting_open(meeting)
    if not decisions_allowed(meeting):
        raise InvalidTransition("Start the meeting before recording decisions.")


# --- Agenda items -------------------------------------------------------------------------------


class ItemState(StrEnum):
    """An agenda item's state, derived from its record: a deferral reason or a recorded discussion."""

    OPEN = "open"
    DEFERRED = "deferred"
    DECIDED = "decided"


ITEM_TRANSITIONS: dict[ItemState, set[ItemState]] = {
    ItemState.OPEN: {ItemState.DEFERRED, ItemState.DECIDED},
    ItemState.DEFERRED: set(),
    ItemState.DECIDED: set(),
}
POST_EXIT_ITEMS = frozenset({ItemKind.POST_EXIT_6, ItemKind.POST_EXIT_12})
"""Items for a post-exit review: the panel records the review or escalates, nothing else."""


def item_state(item: AgendaItem) -> ItemState:
    if hasattr(item, "discussion"):
        return ItemState.DECIDED
    if item.deferred:
        return ItemState.DEFERRED
    return ItemState.OPEN


_ITEM_REFUSALS = {
    ItemState.DECIDED: "A decision is already recorded for this case at this meeting.",
    ItemState.DEFERRED: "This item was deferred.",
}


def check_item_transition(item: AgendaItem, target: ItemState) -> None:
    state = item_state(item)
    if target not in ITEM_TRANSITIONS[state]:
        raise InvalidTransition(_ITEM_REFUSALS.get(state, f"This item cannot be {target.value}."))


# --- Decisions: what each does to the case ------------------------------------------------------


@dataclass(frozen=True)
class DecisionMove:
    """What one decision does to a case in one state: its next status (None: it stays) and the
    outcome code recorded with the move (None: the exit reason the panel gave)."""

    to: str | None
    outcome: str | None = ""


EXIT_OUTCOMES: dict[str, str] = {
    ExitReason.RISK_REDUCED: Outcome.EXIT_RISK_REDUCED,
    ExitReason.CONSENT_WITHDRAWN: Outcome.EXIT_CONSENT_WITHDRAWN,
    ExitReason.ESCALATED: Outcome.EXIT_ESCALATED,
    ExitReason.MOVED: Outcome.EXIT_MOVED,
    ExitReason.OTHER: Outcome.EXIT_OTHER,
}

DECISION_TARGETS: dict[str, dict[str, DecisionMove]] = {
    Decision.ADOPT: {s: DecisionMove(CaseStatus.ADOPTED, Outcome.PANEL_ADOPTED) for s in PRE_PANEL},
    Decision.NOT_ADOPT: {s: DecisionMove(CaseStatus.NOT_ADOPTED, Outcome.PANEL_NOT_ADOPTED) for s in PRE_PANEL},
    Decision.CONTINUE: {s: DecisionMove(None) for s in SUPPORTED},
    Decision.EXIT: {s: DecisionMove(CaseStatus.EXITED, None) for s in SUPPORTED},
    # Escalation is an exit reason. After exit, the case workflow closes a case only from its
    # 12-month review: escalating at the 6-month review is refused (the case cannot close yet).
    Decision.ESCALATE: {
        **{s: DecisionMove(CaseStatus.EXITED, Outcome.EXIT_ESCALATED) for s in SUPPORTED},
        CaseStatus.REVIEWED_6_MONTHS: DecisionMove(CaseStatus.CLOSED, Outcome.EXIT_ESCALATED),
    },
    Decision.REVIEWED: {
        CaseStatus.EXITED: DecisionMove(CaseStatus.REVIEWED_6_MONTHS),
        CaseStatus.REVIEWED_6_MONTHS: DecisionMove(CaseStatus.CLOSED, Outcome.CLOSED_AFTER_REVIEW),
    },
}
"""Decision -> case status it is made on -> what it does. A decision on a case in any other state is refused."""


def decisions_for(status: str) -> list[str]:
    """The decisions the panel can make on a case in ``status``, in the order they are offered."""
    return [decision for decision in Decision.values if status in DECISION_TARGETS[decision]]


def check_decision(case: Case, decision: str) -> DecisionMove:
    """What ``decision`` does to ``case``, or InvalidTransition when it cannot be made on it now."""
    move = DECISION_TARGETS[decision].get(case.status)
    if move is not None:
        return move
    if decision in (Decision.EXIT, Decision.ESCALATE) and case.status in PRE_PANEL:
        raise InvalidTransition("A case that was never adopted cannot exit; decide not to adopt instead.")
    if decision == Decision.CONTINUE:
        raise InvalidTransition("Support can only continue for an adopted case.")
    allowed = ", ".join(Decision(d).label.lower() for d in decisions_for(case.status)) or "none"
    raise InvalidTransition(
        f"The panel cannot decide “{Decision(decision).label.lower()}” on a case that is "
        f"{case.get_status_display().lower()}. Decisions it can make now: {allowed}."
    )


def decision_outcome(move: DecisionMove, exit_reason: str) -> str:
    return EXIT_OUTCOMES.get(exit_reason, "") if move.outcome is None else move.outcome


# --- Support plans --------------------------------------------------------------------------------

PLAN_TRANSITIONS: dict[str, set[str]] = {
    PlanStatus.DRAFT: {PlanStatus.ACTIVE},
    PlanStatus.ACTIVE: {PlanStatus.ENDED},
    PlanStatus.ENDED: set(),
}
PLAN_ENDABLE = frozenset(s for s, targets in PLAN_TRANSITIONS.items() if PlanStatus.ENDED in targets)
"""Plans that end when the case exits."""


def check_plan_transition(plan: SupportPlan | None, target: str) -> None:
    """``plan`` None is a plan not written yet: a draft."""
    status = plan.status if plan is not None else PlanStatus.DRAFT
    if target not in PLAN_TRANSITIONS[status]:
        if status == target:
            raise InvalidTransition(f"The support plan is already {PlanStatus(status).label.lower()}.")
        raise InvalidTransition(
            f"A support plan that is {PlanStatus(status).label.lower()} cannot become {PlanStatus(target).label.lower()}."
        )


# --- Interventions ----------------------------------------------------------------------------------

INTERVENTION_TRANSITIONS: dict[str, set[str]] = {
    InterventionStatus.PLANNED: {
        InterventionStatus.PLANNED,
        InterventionStatus.ACTIVE,
        InterventionStatus.COMPLETED,
        InterventionStatus.STOPPED,
    },
    InterventionStatus.ACTIVE: {InterventionStatus.ACTIVE, InterventionStatus.COMPLETED, InterventionStatus.STOPPED},
    InterventionStatus.COMPLETED: {InterventionStatus.COMPLETED},
    InterventionStatus.STOPPED: {InterventionStatus.STOPPED},
}
"""Staying in a state is allowed (progress notes change); a completed or stopped intervention stays so."""


def check_intervention_transition(intervention: Intervention, target: str) -> None:
    if target not in INTERVENTION_TRANSITIONS[intervention.status]:
        raise InvalidTransition(
            f"An intervention that is {intervention.get_status_display().lower()} cannot become "
            f"{InterventionStatus(target).label.lower()}."
        )


# --- Actions ------------------------------------------------------------------------------------------

ACTION_TRANSITIONS: dict[str, set[str]] = {
    ActionStatus.OPEN: {ActionStatus.DONE, ActionStatus.NOT_DONE, ActionStatus.NOT_POSSIBLE, ActionStatus.CANCELLED},
    ActionStatus.DONE: set(),
    ActionStatus.NOT_DONE: set(),
    ActionStatus.NOT_POSSIBLE: set(),
    ActionStatus.CANCELLED: set(),
}
ACTION_OUTCOMES = (ActionStatus.DONE, ActionStatus.NOT_DONE, ActionStatus.NOT_POSSIBLE)
"""How an action is closed, in the order they are offered (cancelling is not an outcome)."""
ACTION_REASON_NEEDED = frozenset({ActionStatus.NOT_DONE, ActionStatus.NOT_POSSIBLE})
"""Outcomes recorded only with a reason: the minutes say why."""


def check_action_transition(action: Action, target: str) -> None:
    if target not in ACTION_TRANSITIONS[action.status]:
        if action.status != ActionStatus.OPEN:
            raise InvalidTransition("This action is not open.")
        raise InvalidTransition(f"An open action cannot become {ActionStatus(target).label.lower()}.")


# --- Post-exit reviews ----------------------------------------------------------------------------------

AWAITED_REVIEW: dict[str, int] = {
    CaseStatus.EXITED: PostExitReview.Stage.SIX_MONTHS,
    CaseStatus.REVIEWED_6_MONTHS: PostExitReview.Stage.TWELVE_MONTHS,
}
"""The post-exit review a case in each post-exit state is waiting for (pending until completed)."""
REVIEW_ITEM_KINDS: dict[int, str] = {
    PostExitReview.Stage.SIX_MONTHS: ItemKind.POST_EXIT_6,
    PostExitReview.Stage.TWELVE_MONTHS: ItemKind.POST_EXIT_12,
}


def review_is_due_for(review: PostExitReview, case_status: str) -> bool:
    """A pending review is the one its case waits for (a 12-month review waits for the 6-month one)."""
    return review.completed_at is None and AWAITED_REVIEW.get(case_status) == review.stage
