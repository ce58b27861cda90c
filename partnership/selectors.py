"""Reads of partnership configuration for the people who configure it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from guardian.conf import settings as guardian_settings

from core.errors import NotFound, PermissionDenied
from partnership import permissions
from partnership.models import User


def _require_admin(viewer: Any) -> None:
    if not permissions.can_configure(viewer):
        raise PermissionDenied("Only partnership admins manage users.")


def _people() -> QuerySet[User]:
    """Everyone who uses Convene: not django-guardian's placeholder for anonymous visitors."""
    people = User.objects.select_related("clearance")
    anonymous = guardian_settings.ANONYMOUS_USER_NAME
    return people.exclude(username=anonymous) if anonymous else people


def user_list_for(*, viewer: Any) -> QuerySet[User]:
    """Everyone who uses Convene, for a partnership admin (configuration, not case content)."""
    _require_admin(viewer)
    return _people().order_by("username", "pk")


def user_for(*, viewer: Any, user_id: int) -> User:
    _require_admin(viewer)
    user = _people().filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.")
    return user
