"""API tokens: issued to a person (the raw token shown once, only its hash kept) and revoked, each audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import record_event
from core.errors import PermissionDenied, ValidationError
from core.models import AuditVerb
from partnership import permissions
from partnership.models import (
    ApiToken,
    User,
)
from partnership.snapshots import (
    diff,
    token_state,
)

# --- API tokens -------------------------------------------------------------------------------


def hash_api_token(raw: str) -> str:
    """Tokens are 256-bit random strings, so one SHA-256 is enough (no salt or stretching needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str


@transaction.atomic
def issue_api_token(
    *, actor: Any = None, user: User, name: str = "", lifetime: timedelta | None = None, via: str = ""
) -> IssuedToken:
    """Create a token. Only its hash is stored: the key is shown once.

    Issued by an operator (``manage.py issue_api_token``, ``actor=None``) or by its holder: anyone
    else holding the key would hold the holder's access (an admin would reach case content)."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied("An API token is issued to its holder, or by an operator with manage.py.")
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
    details = {"via": via, "username": user.username, "before": {}, "after": token_state(token)}
    record_event(actor=actor, verb=AuditVerb.TOKEN_ISSUED, obj=token, details=details)
    return IssuedToken(token=token, key=key)


@transaction.atomic
def revoke_api_token(*, actor: Any = None, token: ApiToken) -> None:
    """Partnership admins revoke anyone's token; a holder may revoke their own."""
    if actor is None or actor.pk != token.user_id:
        permissions.require_configure(actor)
    before = token_state(token)
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    if revoked:
        change = diff(before, token_state(token))
        record_event(actor=actor, verb=AuditVerb.TOKEN_REVOKED, obj=token, details={"user": token.user_id, **change})
