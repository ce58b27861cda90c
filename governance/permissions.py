"""What auditors may do. Reading the trail is the auditor's role and nobody else's: partnership
admins configure, case workers read case content, and neither reads the trail (DESIGN rule 8).
Reviewing a break-glass opening is reading the trail and deciding about it: an auditor, never
about an opening of their own. Producing a subject access bundle is a disclosure of everything
held about a person: an auditor cleared to the highest level, so that nothing is left out.
Retention: partnership admins set the schedule (configuration); information governance (the
auditors) reviews what is due, approves disposal and places legal holds, seeing records by
reference only."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db.models import Max, Q

from core.errors import PermissionDenied
from partnership.models import ClearanceLevel, Role
from partnership.permissions import can_configure


class Capability(StrEnum):
    READ_AUDIT_TRAIL = "read_audit_trail"
    EXPORT_AUDIT_TRAIL = "export_audit_trail"
    REVIEW_BREAK_GLASS = "review_break_glass"
    PRODUCE_SUBJECT_ACCESS = "produce_subject_access"
    REVIEW_DISPOSAL = "review_disposal"
    APPROVE_DISPOSAL = "approve_disposal"
    MANAGE_LEGAL_HOLD = "manage_legal_hold"
    CONFIGURE_RETENTION = "configure_retention"


TRAIL_REFUSAL = "Only auditors can read the audit trail."
SUBJECT_ACCESS_REFUSAL = (
    "Only an auditor cleared to the highest level can produce a subject access bundle, so that it is complete."
)
RETENTION_REFUSAL = "Only information governance (auditors) can review disposal and legal holds."
SCHEDULE_REFUSAL = "Only partnership admins set the retention schedule."
OWN_OPENING_REFUSAL = "You cannot review a break-glass opening of your own. Another auditor must review it."


def can_read_audit_trail(user: Any) -> bool:
    """An active, signed-in user holding the auditor role (a superuser by that alone does not)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and Role.AUDITOR in (getattr(user, "roles", None) or ())
    )


def can_export_audit_trail(user: Any) -> bool:
    return can_read_audit_trail(user)


def can_review_break_glass(user: Any, opening: Any = None) -> bool:
    """An auditor, about any opening but their own (``opening``: its audit event, when known)."""
    if not can_read_audit_trail(user):
        return False
    return opening is None or opening.actor_id != user.pk


def can_produce_subject_access(user: Any) -> bool:
    """An auditor holding the highest clearance level configured: a bundle leaves nothing out."""
    if not can_read_audit_trail(user):
        return False
    highest = ClearanceLevel.objects.aggregate(rank=Max("rank"))["rank"]
    return highest is not None and user.clearance_rank >= highest


def can_review_disposal(user: Any) -> bool:
    """Information governance: what is due for disposal, the disposal log and legal holds, by
    reference only (the auditors' view of records: never their content)."""
    return can_read_audit_trail(user)


def can_approve_disposal(user: Any) -> bool:
    """An information-governance officer approves a batch; nobody else, and no role by itself."""
    return can_read_audit_trail(user)


def can_manage_legal_hold(user: Any) -> bool:
    return can_read_audit_trail(user)


def can_configure_retention(user: Any) -> bool:
    """The schedule is partnership configuration: partnership admins set it (audited)."""
    return can_configure(user)


def audit_trail_readers_q() -> Q:
    """``can_read_audit_trail`` as a filter on users: who is reminded of the trail's queue."""
    return Q(is_active=True, roles__contains=[Role.AUDITOR])


PREDICATES = {
    Capability.READ_AUDIT_TRAIL: can_read_audit_trail,
    Capability.EXPORT_AUDIT_TRAIL: can_export_audit_trail,
    Capability.PRODUCE_SUBJECT_ACCESS: can_produce_subject_access,
    Capability.REVIEW_DISPOSAL: can_review_disposal,
    Capability.APPROVE_DISPOSAL: can_approve_disposal,
    Capability.MANAGE_LEGAL_HOLD: can_manage_legal_hold,
    Capability.CONFIGURE_RETENTION: can_configure_retention,
}
RETENTION_CAPABILITIES = frozenset(
    {Capability.REVIEW_DISPOSAL, Capability.APPROVE_DISPOSAL, Capability.MANAGE_LEGAL_HOLD}
)


def can(user: Any, capability: Capability, obj: Any = None) -> bool:
    if capability is Capability.REVIEW_BREAK_GLASS:
        return can_review_break_glass(user, obj)
    return PREDICATES[capability](user)


def require(user: Any, capability: Capability, obj: Any = None) -> None:
    """Refuse (403) anyone the capability does not allow, saying why."""
    if can(user, capability, obj):
        return
    if can_read_audit_trail(user) and capability is Capability.REVIEW_BREAK_GLASS:
        raise PermissionDenied(OWN_OPENING_REFUSAL)
    if can_read_audit_trail(user) and capability is Capability.PRODUCE_SUBJECT_ACCESS:
        raise PermissionDenied(SUBJECT_ACCESS_REFUSAL)
    if capability is Capability.CONFIGURE_RETENTION:
        raise PermissionDenied(SCHEDULE_REFUSAL)
    if capability in RETENTION_CAPABILITIES:
        raise PermissionDenied(RETENTION_REFUSAL)
    raise PermissionDenied(TRAIL_REFUSAL)
