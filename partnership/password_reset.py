"""Password reset requests, throttled per address and per IP address so the page cannot be used to flood
someone's inbox (or the partnership's mail relay).

Each limit is a set of slots in Django's cache: a request takes a free slot (``cache.add``, which is atomic
in every backend), and a slot frees itself an hour after it was taken. So at most ``limit`` requests pass
in any sliding hour, however many run at once. Every request counts, for a known address or not, so the
throttle says nothing about which addresses have accounts; a refused request gets the same page as any
other, sends nothing and is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from core.audit import record_event
from core.models import AuditVerb

WINDOW_SECONDS = 60 * 60
_KEY_PREFIX = "convene:password-reset"


def per_address_limit() -> int:
    return int(getattr(settings, "CONVENE_PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", 3))


def per_ip_limit() -> int:
    return int(getattr(settings, "CONVENE_PASSWORD_RESETS_PER_IP_PER_HOUR", 10))


def normalised_address(email: str) -> str:
    return email.strip().lower()


def _address_key(email: str) -> str:
    """The address enters the cache only as a keyed hash (never in clear, and always a valid cache key)."""
    digest = salted_hmac(f"{_KEY_PREFIX}:address", normalised_address(email)).hexdigest()
    return f"{_KEY_PREFIX}:address:{digest}"


def _ip_key(ip_address: str | None) -> str:
    return f"{_KEY_PREFIX}:ip:{ip_address or 'unknown'}"


def _take_slot(key: str, limit: int) -> bool:
    """Take one of ``limit`` slots under ``key`` for an hour; False when all are taken."""
    return any(cache.add(f"{key}:{slot}", 1, timeout=WINDOW_SECONDS) for slot in range(limit))


def allow_reset_request(*, email: str, ip_address: str | None) -> bool:
    """Whether a reset email may go out for this request. The IP address is counted first, so a request
    refused for its IP address does not use up the address's own allowance. A refusal is audited."""
    if not _take_slot(_ip_key(ip_address), per_ip_limit()):
        _record_refusal(email, limit="ip_address", per_hour=per_ip_limit())
        return False
    if not _take_slot(_address_key(email), per_address_limit()):
        _record_refusal(email, limit="address", per_hour=per_address_limit())
        return False
    return True


def _record_refusal(email: str, *, limit: str, per_hour: int) -> None:
    """The trail's origin (the request's IP address) comes from the audit context, as for a failed sign-in."""
    record_event(
        actor=None,
        verb=AuditVerb.PASSWORD_RESET_THROTTLED,
        details={"limit": limit, "per_hour": per_hour, "email": normalised_address(email)[:254]},
    )
