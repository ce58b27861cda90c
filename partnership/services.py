"""Writes to partnership configuration. Admin screens and commands call these."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.errors import ValidationError
from partnership.models import Agency, ApiToken, ClearanceLevel, User

DEFAULT_CLEARANCE_LEVELS = (
    (1, "Baseline", "Baseline Personnel Security Standard (BPSS)."),
    (2, "Security Check", "Security Check (SC) clearance."),
    (3, "Developed Vetting", "Developed Vetting (DV) clearance."),
)


def _group_name(agency_name: str) -> str:
    return f"Agency: {agency_name}"[:150]


@transaction.atomic
def create_agency(*, name: str, kind: str, screens_referrals: bool = False, is_active: bool = True) -> Agency:
    """Create an agency together with the one django Group that holds its grants."""
    group = Group.objects.create(name=_group_name(name))
    agency = Agency(name=name, kind=kind, screens_referrals=screens_referrals, is_active=is_active, group=group)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def update_agency(*, agency: Agency, name: str, kind: str, screens_referrals: bool, is_active: bool) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    was_active = agency.is_active
    agency.name, agency.kind, agency.screens_referrals = name, kind, screens_referrals
    agency.full_clean()
    agency.save(update_fields=["name", "kind", "screens_referrals", "updated_at"])
    Group.objects.filter(pk=agency.group_id).update(name=_group_name(name))
    if was_active and not is_active:
        deactivate_agency(agency=agency)
    elif is_active and not was_active:
        agency.is_active = True
        agency.save(update_fields=["is_active", "updated_at"])
    return agency


@transaction.atomic
def deactivate_agency(*, agency: Agency) -> None:
    """Keep the agency and its history; end every session and token of its users."""
    Agency.objects.filter(pk=agency.pk).update(is_active=False, updated_at=timezone.now())
    agency.is_active = False
    users = User.objects.filter(agency=agency)
    users.update(session_version=F("session_version") + 1)
    ApiToken.objects.filter(user__in=users, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def deactivate_user(*, user: User) -> None:
    """Keep the user's history; end their sessions and revoke their API tokens."""
    User.objects.filter(pk=user.pk).update(is_active=False, session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["is_active", "session_version"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def end_user_sessions(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])


def ensure_default_clearance_levels() -> None:
    for rank, name, description in DEFAULT_CLEARANCE_LEVELS:
        ClearanceLevel.objects.get_or_create(rank=rank, defaults={"name": name, "description": description})


def delete_clearance_level(*, level: ClearanceLevel) -> None:
    """A level held by any user cannot be deleted."""
    if User.objects.filter(clearance=level).exists():
        raise ValidationError(f"{level.name} is held by users and cannot be deleted.")
    level.delete()


# --- API tokens -------------------------------------------------------------


def hash_api_token(raw: str) -> str:
    """Tokens are 256-bit random strings, so one SHA-256 is enough (no salt or stretching needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str


@transaction.atomic
def issue_api_token(*, user: User, name: str = "", lifetime: timedelta | None = None) -> IssuedToken:
    """Create a token for a partner system. Only its hash is stored: the key is shown once."""
    if not user.is_active:
        raise ValidationError(f"{user.username} is not active.")
    key = secrets.token_urlsafe(32)
    lifetime = settings.API_TOKEN_DEFAULT_LIFETIME if lifetime is None else lifetime
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:8],
        digest=hash_api_token(key),
        expires_at=timezone.now() + lifetime if lifetime else None,
    )
    return IssuedToken(token=token, key=key)


def revoke_api_token(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str | None,
    agency: Agency | None,
    clearance: ClearanceLevel | None,
    roles: list[str],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
) -> User:
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        agency=agency,
        clearance=clearance,
        roles=sorted(set(roles)),
        job_title=job_title,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user
