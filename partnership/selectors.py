"""Reads of partnership configuration for the people who configure it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

from django.db.models import Count, Exists, Model, OuterRef, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.conf import settings as guardian_settings

from core.errors import NotFound, PermissionDenied
from partnership import permissions
from partnership.models import (
    Agency,
    ChangeRequest,
    ChangeRequestStatus,
    ClearanceLevel,
    DataSharingAgreement,
    Panel,
    PartnershipSettings,
    SingleSignOn,
    User,
)


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
    return _with_current_agreement(Agency.objects.filter(is_active=True).order_by("name"))


def _with_current_agreement(agencies: QuerySet[Agency]) -> list[tuple[Agency, DataSharingAgreement | None]]:
    current = {a.agency_id: a for a in DataSharingAgreement.objects.current(timezone.localdate())[::-1]}
    return [(agency, current.get(agency.pk)) for agency in agencies]


def agreements_of(*, viewer: Any, agency_id: int) -> tuple[Agency, list[DataSharingAgreement]]:
    """An agency and all its agreements, newest first, for a partnership admin."""
    if not permissions.can_configure(viewer):
        raise PermissionDenied("Only partnership admins manage data-sharing agreements.")
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("No such agency.")
    agreements = DataSharingAgreement.objects.filter(agency=agency).order_by("-signed_on", "-pk")
    return agency, list(agreements)


# --- The configuration pages (partnership admins only) ----------------------------------------


def _require_configure(viewer: Any) -> None:
    if not permissions.can_configure(viewer):
        raise PermissionDenied("Only partnership admins configure the partnership.")


M = TypeVar("M", bound=Model)


def _configured(viewer: Any, queryset: QuerySet[M], pk: int, what: str) -> M:
    """One configuration record, for someone who may configure (NotFound when there is none)."""
    _require_configure(viewer)
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No such {what}.")
    return found


def agency_list_for(*, viewer: Any) -> list[tuple[Agency, DataSharingAgreement | None]]:
    """Every agency, active or not, with its current agreement (None without one)."""
    _require_configure(viewer)
    return _with_current_agreement(Agency.objects.select_related("single_sign_on").order_by("-is_active", "name"))


def agency_for(*, viewer: Any, agency_id: int) -> Agency:
    return _configured(viewer, Agency.objects.all(), agency_id, "agency")


def single_sign_on_for(*, viewer: Any, agency_id: int) -> tuple[Agency, SingleSignOn | None]:
    """An agency and its single sign-on (None when it has none), for a partnership admin."""
    agency = agency_for(viewer=viewer, agency_id=agency_id)
    return agency, SingleSignOn.objects.filter(agency=agency).first()


def clearance_levels_for(*, viewer: Any) -> QuerySet[ClearanceLevel]:
    _require_configure(viewer)
    return ClearanceLevel.objects.annotate(holders=Count("users")).order_by("rank")


def clearance_level_for(*, viewer: Any, level_id: int) -> ClearanceLevel:
    return _configured(viewer, ClearanceLevel.objects.all(), level_id, "clearance level")


def people_page_for(*, viewer: Any, agency_id: int | None = None) -> QuerySet[User]:
    """Everyone (or one agency's people), with their agency and clearance, for the people page."""
    people = user_list_for(viewer=viewer).select_related("agency")
    return people.filter(agency_id=agency_id) if agency_id else people


def person_for(*, viewer: Any, user_id: int) -> tuple[User, list[ChangeRequest], bool]:
    """A person (with their agency and clearance), the changes to them waiting for approval, and whether
    they have enrolled two-factor: two queries."""
    _require_configure(viewer)
    enrolled = Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    user = _people().select_related("agency").annotate(enrolled=enrolled).filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.")
    pending = list(
        user.change_requests.filter(status=ChangeRequestStatus.PENDING).select_related("requested_by").order_by("pk")
    )
    return user, pending, bool(user.enrolled)


def pending_changes_for(*, viewer: Any) -> QuerySet[ChangeRequest]:
    _require_configure(viewer)
    return (
        ChangeRequest.objects.filter(status=ChangeRequestStatus.PENDING)
        .select_related("target_user", "requested_by")
        .order_by("requested_at", "pk")
    )


def change_request_for(*, viewer: Any, request_id: int) -> ChangeRequest:
    return _configured(viewer, ChangeRequest.objects.all(), request_id, "change")


def panel_list_for(*, viewer: Any) -> QuerySet[Panel]:
    _require_configure(viewer)
    return Panel.objects.select_related("chair", "deputy_chair").annotate(members=Count("memberships"))


def panel_for(*, viewer: Any, panel_id: int) -> Panel:
    return _configured(viewer, Panel.objects.prefetch_related("memberships__representatives"), panel_id, "panel")


def chair_candidates() -> QuerySet[User]:
    """Who ``services.create_panel`` accepts as a chair or deputy: active, in an agency, holding the role."""
    return _people().filter(permissions.may_chair_q())


def settings_for(*, viewer: Any) -> PartnershipSettings:
    _require_configure(viewer)
    return PartnershipSettings.current()
