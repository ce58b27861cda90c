"""Session rules: idle timeout, absolute lifetime and two-factor on every page."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from partnership.backends import confirmed_device_ids
from partnership.session_times import LAST_SEEN, LOGIN_AT

# Write the activity stamp at most this often, not on every request.
LAST_SEEN_RESOLUTION = 60


class SessionLifetimeMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT without activity or SESSION_ABSOLUTE_LIFETIME in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.get(LOGIN_AT, now)
            last_seen = request.session.get(LAST_SEEN, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT
            too_old = now - login_at > settings.SESSION_ABSOLUTE_LIFETIME
            if idle or too_old:
                logout(request)
                reason = "You were signed out after 30 minutes of inactivity." if idle else "Your session ended."
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": reason}, status=401)
                messages.info(request, reason + " Sign in again to continue.")
                return redirect(f"{reverse('login')}?next={request.path}")
            if LOGIN_AT not in request.session:
                request.session[LOGIN_AT] = now
            if now - last_seen >= LAST_SEEN_RESOLUTION or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class VerifiedDeviceMiddleware(OTPMiddleware):
    """django-otp's middleware without a query of its own: the session is verified when the device it
    names is one of the user's confirmed devices, which ``PartnershipBackend.get_user`` read with the
    user (same user, still confirmed, as django-otp checks). ``user.otp_device`` loads the device only
    if something reads it. A user read another way falls back to django-otp's own lookup."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        confirmed = confirmed_device_ids(user) if user.is_authenticated else None
        if confirmed is None:
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if persistent_id is None:
            return user
        persistent_id = self._normalize_persistent_id(persistent_id)
        if persistent_id in confirmed:
            user.otp_device = SimpleLazyObject(functools.partial(Device.from_persistent_id, persistent_id))
        else:
            del request.session[DEVICE_ID_SESSION_KEY]
        return user


# Paths a signed-in user may reach before completing two-factor authentication.
TWO_FACTOR_EXEMPT_PREFIXES = (
    "/account/sign-in/",
    "/account/sign-out/",
    "/account/two-factor/",
    "/account/password-reset/",
    "/privacy/",
    "/static/",
    "/healthz/",
)


class TwoFactorRequiredMiddleware:
    """Every page and session-authenticated API call needs a verified second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified() and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES):  # type: ignore[attr-defined]
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Two-factor authentication required."}, status=403)
            return redirect(f"{reverse('two_factor')}?next={request.path}")
        return self.get_response(request)
