"""What people may do to cases, information requests and the chronology (DESIGN.md rule 11), decided
once, on top of ``sharing.policy`` (through ``referrals.permissions`` for the relations they share).

A case is its referral accepted for the panel: who reads it is who reads the referral. Every
capability below asks the policy first how the user reads the case, and needs a read through their
agency's grant: break-glass gives reading only. Then the user's role and relation decide:

* the case's managers are its owner and the chair (or deputy chair) of the panel the case belongs to,
  never anyone who holds the chair role: they move the case, ask agencies for information and chase,
  extend and close those requests, and mark chronology entries significant; before there is a case,
  the screening officers screening the referral ask, chase, extend and close (``manages_request``);
* an information request is its agency's: that agency's SPOC assigns it, and the SPOC or the person
  it is assigned to answers it (a contribution);
* anyone who reads the case through their agency's grant adds case notes and exports the chronology.

Services call ``require``; pages, the API and navigation ask ``can`` to decide what to offer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cases.models import Case, InformationRequest
from core.errors import NotFound
from partnership.models import Role
from referrals import permissions as referral_permissions
from referrals.models import ChronologyEntry, Referral
from referrals.permissions import manages_case
from sharing import policy
from sharing.policy import Viewer


class Capability(StrEnum):
    TRANSITION_CASE = "transition_case"
    REQUEST_INFORMATION = "request_information"
    ASSIGN_REQUEST = "assign_request"
    CONTRIBUTE = "return_contribution"
    CHASE_REQUEST = "chase_request"
    EXTEND_REQUEST = "extend_request"
    CLOSE_REQUEST = "close_request"
    ADD_CASE_NOTE = "add_case_note"
    MARK_SIGNIFICANT = "mark_significant"
    EXPORT = "export_case_chronology"


# --- Relations ---------------------------------------------------------------------------------------


def is_spoc(user: Viewer) -> bool:
    """The agency's single point of contact: their agency's requests come to them."""
    return policy.is_case_worker(user) and Role.SPOC in user.roles


def in_requested_agency(user: Viewer, request: InformationRequest) -> bool:
    return policy.is_case_worker(user) and user.agency_id == request.agency_id


def sees_request(user: Viewer, request: InformationRequest, *, case_readable: bool) -> bool:
    """Who an information request is for: its agency and the case's managers, while they read the case;
    and the requested agency's SPOC even when the case is withheld from them, so they see what is
    asked and by when (the page then shows nothing of the case)."""
    if in_requested_agency(user, request) and is_spoc(user):
        return True
    return case_readable and (in_requested_agency(user, request) or manages_request(user, request))


def _managers(user: Viewer, case: Case) -> bool:
    return manages_case(user, case)


def manages_request(user: Viewer, request: InformationRequest) -> bool:
    """Who chases, extends and closes a request: the case's managers, and before there is a case (a
    request sent during screening) the screening officers of the screening agency."""
    if request.case is None:
        return referral_permissions.RELATIONS[referral_permissions.Capability.SCREEN](user, request.referral)
    return manages_case(user, request.case)


def _requested_spoc(user: Viewer, request: InformationRequest) -> bool:
    return in_requested_agency(user, request) and is_spoc(user)


def _answerer(user: Viewer, request: InformationRequest) -> bool:
    return in_requested_agency(user, request) and (is_spoc(user) or request.assigned_to_id == user.pk)


def _reader(user: Viewer, obj: Any) -> bool:
    """Anyone who reads the record through their agency's grant (which ``can`` asks first)."""
    return True


def _chronology_managers(user: Viewer, referral: Referral) -> bool:
    case = referral_permissions.case_of(referral)
    return case is not None and manages_case(user, case)


def _entry_managers(user: Viewer, entry: ChronologyEntry) -> bool:
    return _chronology_managers(user, entry.referral)


def _case_exporter(user: Viewer, case: Case) -> bool:
    return referral_permissions.RELATIONS[referral_permissions.Capability.EXPORT_CHRONOLOGY](user, case.referral)


@dataclass(frozen=True)
class Rule:
    """A capability: the record whose reading it rests on, the role and relation it needs, and why not."""

    record: Callable[[Any], Referral]
    relation: Callable[[Viewer, Any], bool]
    refusal: str


def _of_case(case: Case) -> Referral:
    return case.referral


def _of_request(request: InformationRequest) -> Referral:
    return request.referral


def _itself(referral: Referral) -> Referral:
    return referral


def _of_entry(entry: ChronologyEntry) -> Referral:
    return entry.referral


MANAGERS_ONLY = (
    "Only the case owner or the chair of the case's panel (in screening, the screening officer) can do this."
)

RULES: dict[Capability, Rule] = {
    Capability.TRANSITION_CASE: Rule(_of_case, _managers, MANAGERS_ONLY),
    Capability.REQUEST_INFORMATION: Rule(_of_case, _managers, MANAGERS_ONLY),
    Capability.CHASE_REQUEST: Rule(_of_request, manages_request, MANAGERS_ONLY),
    Capability.EXTEND_REQUEST: Rule(_of_request, manages_request, MANAGERS_ONLY),
    Capability.CLOSE_REQUEST: Rule(_of_request, manages_request, MANAGERS_ONLY),
    Capability.ASSIGN_REQUEST: Rule(
        _of_request, _requested_spoc, "Only the requested agency's single point of contact can assign this."
    ),
    Capability.CONTRIBUTE: Rule(
        _of_request,
        _answerer,
        "Only the requested agency's single point of contact or the person it is assigned to can answer this.",
    ),
    Capability.ADD_CASE_NOTE: Rule(_itself, _reader, "You cannot add notes here."),
    Capability.MARK_SIGNIFICANT: Rule(
        _of_entry, _entry_managers, "Only the case owner or the chair of the case's panel can mark entries."
    ),
    Capability.EXPORT: Rule(_of_case, _case_exporter, "This chronology cannot be exported."),
}


def _entry_readable_in_full(user: Viewer, entry: ChronologyEntry) -> bool:
    """An entry is marked by someone who reads it in full (a summary-only reader marks nothing). The
    entry's own rules, no query: reading its case is the capability's first question anyway."""
    return policy.can_view_child(user, entry, parent_visible=True) and policy.reads_in_full(user, entry)


def can(user: Viewer, capability: Capability, obj: Any) -> bool:
    """Whether ``user`` may do ``capability`` to ``obj`` (a case, an information request, a referral for
    notes, an entry for significance): one query at most, how they read the case."""
    rule = RULES[capability]
    if capability is Capability.MARK_SIGNIFICANT and not _entry_readable_in_full(user, obj):
        return False
    return rule.relation(user, obj) and policy.reads_through_grant(user, rule.record(obj))


def require(user: Viewer, capability: Capability, obj: Any) -> None:
    """Refuse unless ``can``: ``NotFound`` when the record does not exist for the user (for
    significance, an entry they do not read in full), else ``PermissionDenied`` ("Break-glass gives
    reading only." for a break-glass reader)."""
    rule = RULES[capability]
    if capability is Capability.MARK_SIGNIFICANT and not _entry_readable_in_full(user, obj):
        raise NotFound("Not found.")
    policy.require_capability(user, rule.record(obj), allowed=rule.relation(user, obj), refusal=rule.refusal)


def marks_significance_in(user: Viewer, referral: Referral) -> bool:
    """Whether a chronology offers "mark as significant" at all (then on each entry read in full)."""
    return _chronology_managers(user, referral) and policy.reads_through_grant(user, referral)


def can_all(user: Viewer, obj: Any, *capabilities: Capability) -> dict[str, bool]:
    """Several capabilities on one object, for a page to decide what to offer (``{"transition_case": True}``)."""
    return {str(capability): can(user, capability, obj) for capability in capabilities}
