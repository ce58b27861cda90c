"""Reads of partnership configuration for the people who configure it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from guardian.conf import settings as guardian_settings

from core.errors import NotFound, PermissionDenied
from partnership import permissions
from partnership.models import Agency, DataSharingAgreement, User


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


def current_agreement(agency: Agency, *, on: date | None = None) -> DataSharingAgreement | None:
    """The newest signed agreement of ``agency`` whose review date has not passed on ``on`` (today)."""
    return DataSharingAgreement.objects.current(on or timezone.localdate()).filter(agency=agency).first()


def agreement_refusals(agencies: Iterable[Agency], *, sent: str) -> list[str]:
    """Why each of ``agencies`` without a current agreement cannot be sent ``sent`` (empty when all have one)."""
    agencies = list(agencies)
    covered = set(
        DataSharingAgreement.objects.current(timezone.localdate())
        .filter(agency__in=agencies)
        .values_list("agency_id", flat=True)
    )
    return [
        f"{agency.name} has no current data-sharing agreement, so it cannot be sent {sent}."
        for agency in agencies
        if agency.pk not in covered
    ]


def controller_names() -> list[str]:
    """The partner agencies, each a controller of what it shares (for the public privacy notice)."""
    return list(Agency.objects.filter(is_active=True).order_by("name").values_list("name", flat=True))


def agreement_register(*, viewer: Any) -> list[tuple[Agency, DataSharingAgreement | None]]:
    """Every active agency with its current agreement (None without one), for a partnership admin."""
    if not permissions.can_configure(viewer):
        raise PermissionDenied("Only partnership admins manage data-sharing agreements.")
    current = {a.agency_id: a for a in DataSharingAgreement.objects.current(timezone.localdate())[::-1]}
    return [(agency, current.get(agency.pk)) for agency in Agency.objects.filter(is_active=True).order_by("name")]


def agreements_of(*, viewer: Any, agency_id: int) -> tuple[Agency, list[DataSharingAgreement]]:
    """An agency and all its agreements, newest first, for a partnership admin."""
    if not permissions.can_configure(viewer):
        raise PermissionDenied("Only partnership admins manage data-sharing agreements.")
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("No such agency.")
    agreements = DataSharingAgreement.objects.filter(agency=agency).order_by("-signed_on", "-pk")
    return agency, list(agreements)
