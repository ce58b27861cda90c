"""The case lifecycle, declared once: every allowed move and every named set of states."""

from __future__ import annotations

from cases.models import Case, CaseStatus, InformationRequest, RequestStatus
from core.errors import InvalidTransition

CASE_TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.INFORMATION_GATHERING: {CaseStatus.DISCUSSED, CaseStatus.ADOPTED, CaseStatus.NOT_ADOPTED},
    CaseStatus.DISCUSSED: {CaseStatus.INFORMATION_GATHERING, CaseStatus.ADOPTED, CaseStatus.NOT_ADOPTED},
    CaseStatus.ADOPTED: {CaseStatus.SUPPORT_ACTIVE, CaseStatus.EXITED},
    CaseStatus.SUPPORT_ACTIVE: {CaseStatus.EXITED},
    CaseStatus.EXITED: {CaseStatus.REVIEWED_6_MONTHS},
    CaseStatus.REVIEWED_6_MONTHS: {CaseStatus.CLOSED},
    CaseStatus.NOT_ADOPTED: {CaseStatus.CLOSED},
    CaseStatus.CLOSED: set(),
}


def check_case_transition(case: Case, target: str) -> None:
    if target not in CASE_TRANSITIONS[case.status]:
        allowed = ", ".join(sorted(CaseStatus(s).label.lower() for s in CASE_TRANSITIONS[case.status])) or "nothing"
        raise InvalidTransition(
            f"A case that is {case.get_status_display().lower()} cannot become "
            f"{CaseStatus(target).label.lower()}. From here it can become: {allowed}."
        )


# Named sets of case states, used wherever a rule speaks of them.
REQUESTS_ALLOWED = frozenset(
    {CaseStatus.INFORMATION_GATHERING, CaseStatus.DISCUSSED, CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE}
)
"""Information can be requested while the case is worked on (the case page offers the form then)."""
PRE_PANEL = frozenset({CaseStatus.INFORMATION_GATHERING, CaseStatus.DISCUSSED})
"""Not yet decided by the panel: new cases for the agenda."""
SUPPORTED = frozenset({CaseStatus.ADOPTED, CaseStatus.SUPPORT_ACTIVE})
"""Adopted, with a plan to review at every meeting."""
POST_EXIT = frozenset({CaseStatus.EXITED, CaseStatus.REVIEWED_6_MONTHS})
"""Left the programme; post-exit reviews fall due."""
OPEN = PRE_PANEL | SUPPORTED | POST_EXIT
"""Still on a panel's books (a meeting's agenda is built from these)."""


# --- Information requests ---------------------------------------------------------------

REQUEST_TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.OPEN: {RequestStatus.ASSIGNED, RequestStatus.RETURNED, RequestStatus.CLOSED},
    RequestStatus.ASSIGNED: {RequestStatus.ASSIGNED, RequestStatus.RETURNED, RequestStatus.CLOSED},
    RequestStatus.RETURNED: {RequestStatus.CLOSED},
    RequestStatus.CLOSED: set(),
}
REQUEST_OPEN = frozenset({RequestStatus.OPEN, RequestStatus.ASSIGNED})
"""Waiting for the agency's answer: chased, extended and reminded of."""
REQUEST_ANSWERED = frozenset({RequestStatus.RETURNED, RequestStatus.CLOSED})


def check_request_transition(request: InformationRequest, target: str, *, doing: str) -> None:
    """Refuse ``doing`` (e.g. "assigned") when the request cannot move to ``target`` from where it is."""
    if target not in REQUEST_TRANSITIONS[request.status]:
        if request.status == target:
            raise InvalidTransition(f"This request is already {request.get_status_display().lower()}.")
        raise InvalidTransition(f"A request that is {request.get_status_display().lower()} cannot be {doing}.")
