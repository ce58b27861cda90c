"""Who may configure the partnership (DESIGN.md rule 13), decided once.

Partnership sits below ``sharing``, so these predicates stand on roles alone: configuring
reads no case content. Services, the admin site and the API ask these; a role is named
nowhere else for configuration."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db.models import Q

from core.errors import PermissionDenied
from partnership.models import ChangeRequest, ChangeRequestStatus, Role

# The parts of a person's access that they may never change for themselves.
OWN_ACCESS_FIELDS = ("agency", "clearance_rank", "roles", "is_active")

SELF_CHANGE_REFUSED = (
    "You cannot change your own agency, clearance, roles or whether your account is active. "
    "Ask another partnership admin."
)


class PartnershipCapability(StrEnum):
    CONFIGURE = "configure_partnership"
    DECIDE_CHANGE = "decide_change_request"


def is_partnership_admin(user: Any) -> bool:
    """Active, signed-in partnership admins (and superusers)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return bool(getattr(user, "is_superuser", False) or Role.PARTNERSHIP_ADMIN in getattr(user, "roles", ()))


def configurers_q() -> Q:
    """The people told about configuration (data-sharing agreements due for review): active
    partnership admins, by role (superusers are operators, not told)."""
    return Q(is_active=True, roles__contains=[Role.PARTNERSHIP_ADMIN])


def may_chair_q() -> Q:
    """Who may be named a panel's chair or deputy: active people in an agency holding the role."""
    return Q(is_active=True, agency__isnull=False, roles__contains=[Role.PANEL_CHAIR])


def can_configure(user: Any) -> bool:
    return is_partnership_admin(user)


def require_configure(actor: Any) -> None:
    """``actor=None`` is the system (seeding, an operator's management command)."""
    if actor is not None and not can_configure(actor):
        raise PermissionDenied("Only partnership admins configure the partnership.")


def changes_own_access(actor: Any, user_pk: int | None, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """True when ``actor`` would change their own agency, clearance, roles or active state."""
    if actor is None or user_pk is None or actor.pk != user_pk:
        return False
    return any(before.get(name) != after.get(name) for name in OWN_ACCESS_FIELDS)


def require_not_own_access(actor: Any, user_pk: int | None, before: dict[str, Any], after: dict[str, Any]) -> None:
    if changes_own_access(actor, user_pk, before, after):
        raise PermissionDenied(SELF_CHANGE_REFUSED)


def decision_refusal(actor: Any, change_request: ChangeRequest) -> str | None:
    """Why ``actor`` may not approve or reject ``change_request`` (None when they may)."""
    if not can_configure(actor):
        return "Only partnership admins approve or reject changes."
    if change_request.status != ChangeRequestStatus.PENDING:
        return "This change has already been decided."
    if change_request.target_user_id is not None and change_request.target_user_id == actor.pk:
        return "You cannot decide a change to your own access. Ask another partnership admin."
    return None


def approval_refusal(actor: Any, change_request: ChangeRequest) -> str | None:
    """Approval needs a second admin: not the one who asked."""
    refusal = decision_refusal(actor, change_request)
    if refusal is None and change_request.requested_by_id == actor.pk:
        return "A change you asked for must be approved by another partnership admin."
    return refusal


def can_approve(actor: Any, change_request: ChangeRequest) -> bool:
    return approval_refusal(actor, change_request) is None


def can_reject(actor: Any, change_request: ChangeRequest) -> bool:
    """The admin who asked may withdraw (reject) their own request."""
    return decision_refusal(actor, change_request) is None
