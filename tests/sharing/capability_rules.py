"""An independent statement of who may DO what to a referral and its case (DESIGN.md rules 5, 8, 9, 11).

Tests compute the EXPECTED answer here, from facts they recorded while building the world (never
from the permissions modules or the policy), and compare it with what the services do:

* reading (rules 4-8): a case worker whose agency holds a grant on the record reads it; without a
  grant, a break-glass opening lets its holder read it (rule 9); nobody else reads it;
* doing (rule 11): every action but reading and opening by break-glass needs a read through the
  agency's grant, "break-glass gives reading only";
* "panel chair" is the chair the partnership named for the panel the case belongs to, holding the
  chair role, never anyone holding the role; the case owner shares the chair's powers over the case;
* screening is for screening officers of the screening agency (usually police Prevent);
* an information request is its agency's: its SPOC assigns it, its SPOC or assignee answers it; the
  case owner and the panel's chair chase, extend and close it;
* sharing is for the referring practitioner, and once there is a case its owner and its panel's chair
  (rule 5); revoking is for the same people;
* significance is marked by the case owner and the panel's chair only;
* any reader through a grant adds case notes and exports the chronology (their own view of it);
* break-glass can be opened by any case worker (stating a reason) on a submitted record within their
  clearance: admins, auditors and superusers never (rule 8).
"""

from __future__ import annotations

from dataclasses import dataclass

CASE_WORKING = frozenset({"practitioner", "screening_officer", "spoc", "panel_chair", "panel_member"})

READ = "read"
REFERRAL_ACTIONS = ("screen", "share", "revoke_share", "export_chronology", "break_glass")
CASE_ACTIONS = (
    "transition_case",
    "request_information",
    "assign_request",
    "contribute",
    "chase_request",
    "extend_request",
    "close_request",
    "add_case_note",
    "mark_significant",
    "export",
)
ACTIONS = (READ, *REFERRAL_ACTIONS, *CASE_ACTIONS)

ALLOWED = "allowed"
NOT_FOUND = "not found"  # the record does not exist for them (rule 7)
REFUSED = "refused"  # they may read it but not do this


@dataclass(frozen=True)
class Actor:
    """What the test knows about someone, and their relation to the one case of the world."""

    roles: frozenset[str]
    agency_granted: bool = False  # their agency holds a live grant on the referral
    screening_agency: bool = False  # their agency screens referrals
    requested_agency: bool = False  # their agency was sent the information request
    author: bool = False  # they made the referral
    case_owner: bool = False
    named_chair: bool = False  # the partnership named them chair of the case's panel
    break_glass: bool = False  # they hold a live break-glass opening on the referral
    assignee: bool = False  # the information request is assigned to them

    @property
    def case_worker(self) -> bool:
        return bool(CASE_WORKING & self.roles)


def read_basis(actor: Actor) -> str | None:
    if not actor.case_worker:
        return None
    if actor.agency_granted:
        return "grant"
    if actor.break_glass:
        return "break_glass"
    return None


def _chair(actor: Actor) -> bool:
    return actor.named_chair and "panel_chair" in actor.roles


def _manager(actor: Actor) -> bool:
    return actor.case_owner or _chair(actor)


def _relation_allows(actor: Actor, action: str) -> bool:
    """Role and relation, for a reader through a grant."""
    if action in ("transition_case", "request_information", "chase_request", "extend_request", "close_request"):
        return _manager(actor)
    if action == "mark_significant":
        return _manager(actor)
    if action in ("share", "revoke_share"):
        return actor.author or _manager(actor)
    if action == "screen":
        return "screening_officer" in actor.roles and actor.screening_agency
    if action == "assign_request":
        return actor.requested_agency and "spoc" in actor.roles
    if action == "contribute":
        return actor.requested_agency and ("spoc" in actor.roles or actor.assignee)
    if action in ("add_case_note", "export_chronology", "export"):
        return True
    raise AssertionError(f"no rule for {action}")


def may(actor: Actor, action: str) -> bool:
    basis = read_basis(actor)
    if action == READ:
        return basis is not None
    if action == "break_glass":
        return actor.case_worker
    return basis == "grant" and _relation_allows(actor, action)


def outcome(actor: Actor, action: str) -> str:
    """What the service answers: allowed; else not found when the record does not exist for them
    (and always for break-glass, whose refusal says nothing of the record); else refused."""
    if may(actor, action):
        return ALLOWED
    if action == "break_glass" or read_basis(actor) is None:
        return NOT_FOUND
    return REFUSED
