"""The lifecycles of this app, declared once: response and self-assessment actions, and a year's
self-assessment."""

from __future__ import annotations

from core.errors import InvalidTransition
from intelligence.models import ActionStatus, AssessmentStatus

ACTION_TRANSITIONS: dict[str, set[str]] = {
    ActionStatus.OPEN: {ActionStatus.DONE, ActionStatus.CANCELLED},
    ActionStatus.DONE: set(),
    ActionStatus.CANCELLED: set(),
}

ASSESSMENT_TRANSITIONS: dict[str, set[str]] = {
    AssessmentStatus.DRAFT: {AssessmentStatus.COMPLETED},
    AssessmentStatus.COMPLETED: set(),
}


def check_action_transition(current: str, target: str) -> None:
    if target not in ACTION_TRANSITIONS[current]:
        raise InvalidTransition(
            f"An action that is {ActionStatus(current).label.lower()} cannot become "
            f"{ActionStatus(target).label.lower()}."
        )


def check_assessment_transition(current: str, target: str) -> None:
    if target not in ASSESSMENT_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A self-assessment that is {AssessmentStatus(current).label.lower()} cannot become "
            f"{AssessmentStatus(target).label.lower()}."
        )


def is_editable(status: str) -> bool:
    """A year's scores, evidence and plan change while it is in progress; a completed year is history."""
    return status == AssessmentStatus.DRAFT
