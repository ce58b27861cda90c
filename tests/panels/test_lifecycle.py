"""The panel lifecycles, spelled out from DESIGN.md (Workflows) rather than read from the tables.

Case: information gathering -> discussed at panel -> adopted or not adopted -> support plan
active (reviewed at every meeting) -> exited -> post-exit review at 6 months -> at 12 months ->
closed. Escalation back to police-led management is an exit reason.
"""

from __future__ import annotations

import pytest

from cases.lifecycle import CASE_TRANSITIONS
from cases.models import Case, CaseStatus
from core.errors import InvalidTransition
from panels import lifecycle
from panels.models import Action, ActionStatus, Decision, Meeting, MeetingStatus, PlanStatus, SupportPlan

S = CaseStatus
D = Decision

# (decision, case status) -> the case status after it; None: the case stays where it is.
# Every pair not listed is refused. The case workflow closes an exited case only after its
# 12-month review, so escalating at the 6-month review cannot close it and is refused.
ALLOWED = {
    (D.ADOPT, S.INFORMATION_GATHERING): S.ADOPTED,
    (D.ADOPT, S.DISCUSSED): S.ADOPTED,
    (D.NOT_ADOPT, S.INFORMATION_GATHERING): S.NOT_ADOPTED,
    (D.NOT_ADOPT, S.DISCUSSED): S.NOT_ADOPTED,
    (D.CONTINUE, S.ADOPTED): None,
    (D.CONTINUE, S.SUPPORT_ACTIVE): None,
    (D.EXIT, S.ADOPTED): S.EXITED,
    (D.EXIT, S.SUPPORT_ACTIVE): S.EXITED,
    (D.ESCALATE, S.ADOPTED): S.EXITED,
    (D.ESCALATE, S.SUPPORT_ACTIVE): S.EXITED,
    (D.ESCALATE, S.REVIEWED_6_MONTHS): S.CLOSED,
    (D.REVIEWED, S.EXITED): S.REVIEWED_6_MONTHS,
    (D.REVIEWED, S.REVIEWED_6_MONTHS): S.CLOSED,
}


@pytest.mark.parametrize("decision", list(D))
@pytest.mark.parametrize("status", list(S))
def test_what_each_decision_does_to_a_case_in_each_state(decision: D, status: S) -> None:
    case = Case(status=status)
    if (decision, status) in ALLOWED:
        move = lifecycle.check_decision(case, decision)
        assert move.to == ALLOWED[decision, status]
        # ... and the case lifecycle allows the move the decision makes.
        assert move.to is None or move.to in CASE_TRANSITIONS[status]
    else:
        with pytest.raises(InvalidTransition) as refused:
            lifecycle.check_decision(case, decision)
        assert refused.value.message


def test_decisions_record_the_fixed_outcome_codes() -> None:
    case = Case(status=S.INFORMATION_GATHERING)
    assert lifecycle.decision_outcome(lifecycle.check_decision(case, D.ADOPT), "") == "PNL-ADOPT"
    assert lifecycle.decision_outcome(lifecycle.check_decision(case, D.NOT_ADOPT), "") == "PNL-NOTADOPT"
    supported = Case(status=S.SUPPORT_ACTIVE)
    assert lifecycle.decision_outcome(lifecycle.check_decision(supported, D.EXIT), "EXIT-MOVED") == "EXIT-MOVED"
    assert lifecycle.decision_outcome(lifecycle.check_decision(supported, D.ESCALATE), "EXIT-POLICE") == "EXIT-POLICE"
    after_12 = Case(status=S.REVIEWED_6_MONTHS)
    assert lifecycle.decision_outcome(lifecycle.check_decision(after_12, D.REVIEWED), "") == "CLOSED-REVIEW"


def test_a_refused_decision_says_why() -> None:
    with pytest.raises(InvalidTransition, match="never adopted"):
        lifecycle.check_decision(Case(status=S.DISCUSSED), D.EXIT)
    with pytest.raises(InvalidTransition, match="only continue for an adopted case"):
        lifecycle.check_decision(Case(status=S.INFORMATION_GATHERING), D.CONTINUE)
    with pytest.raises(InvalidTransition, match="closed"):
        lifecycle.check_decision(Case(status=S.CLOSED), D.ADOPT)


M = MeetingStatus


@pytest.mark.parametrize(
    ("status", "target", "allowed"),
    [
        (M.SCHEDULED, M.IN_PROGRESS, True),
        (M.SCHEDULED, M.CANCELLED, True),
        (M.SCHEDULED, M.CLOSED, False),  # the minutes are signed only after the meeting ran
        (M.IN_PROGRESS, M.CLOSED, True),
        (M.IN_PROGRESS, M.CANCELLED, False),  # once it has started, it is closed with signed minutes
        (M.CLOSED, M.IN_PROGRESS, False),
        (M.CLOSED, M.CANCELLED, False),
        (M.CANCELLED, M.IN_PROGRESS, False),
        (M.CANCELLED, M.SCHEDULED, False),
    ],
)
def test_meeting_moves(status: M, target: M, allowed: bool) -> None:
    meeting = Meeting(status=status)
    if allowed:
        lifecycle.check_meeting_transition(meeting, target)
    else:
        with pytest.raises(InvalidTransition):
            lifecycle.check_meeting_transition(meeting, target)


def test_a_signed_or_cancelled_meeting_is_not_open() -> None:
    assert lifecycle.meeting_is_open(Meeting(status=M.SCHEDULED))
    assert lifecycle.meeting_is_open(Meeting(status=M.IN_PROGRESS))
    with pytest.raises(InvalidTransition, match="addendum"):
        lifecycle.check_meeting_open(Meeting(status=M.CLOSED))
    with pytest.raises(InvalidTransition, match="cancelled"):
        lifecycle.check_meeting_open(Meeting(status=M.CANCELLED))
    with pytest.raises(InvalidTransition, match="Start the meeting"):
        lifecycle.check_decisions_allowed(Meeting(status=M.SCHEDULED))


def test_a_plan_is_activated_once_and_ends_once() -> None:
    lifecycle.check_plan_transition(None, PlanStatus.ACTIVE)  # no plan yet: a draft
    lifecycle.check_plan_transition(SupportPlan(status=PlanStatus.DRAFT), PlanStatus.ACTIVE)
    lifecycle.check_plan_transition(SupportPlan(status=PlanStatus.ACTIVE), PlanStatus.ENDED)
    with pytest.raises(InvalidTransition, match="already active"):
        lifecycle.check_plan_transition(SupportPlan(status=PlanStatus.ACTIVE), PlanStatus.ACTIVE)
    with pytest.raises(InvalidTransition):
        lifecycle.check_plan_transition(SupportPlan(status=PlanStatus.ENDED), PlanStatus.ACTIVE)


def test_an_action_is_done_once() -> None:
    lifecycle.check_action_transition(Action(status=ActionStatus.OPEN), ActionStatus.DONE)
    for status in (ActionStatus.DONE, ActionStatus.CANCELLED):
        with pytest.raises(InvalidTransition, match="This action is not open"):
            lifecycle.check_action_transition(Action(status=status), ActionStatus.DONE)
