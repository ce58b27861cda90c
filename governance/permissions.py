"""What auditors may do. Reading the trail is the auditor's role and nobody else's: partnership
admins configure, case workers read case content, and neither reads the trail (DESIGN rule 8)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from partnership.models import Role


class Capability(StrEnum):
    READ_AUDIT_TRAIL = "read_audit_trail"
    EXPORT_AUDIT_TRAIL = "export_audit_trail"


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


PREDICATES = {
    Capability.READ_AUDIT_TRAIL: can_read_audit_trail,
    Capability.EXPORT_AUDIT_TRAIL: can_export_audit_trail,
}


def can(user: Any, capability: Capability) -> bool:
    return PREDICATES[capability](user)
