"""Sign-ins, failed sign-ins and sign-outs go to the audit trail.

Connected to Django's own authentication signals in SharingConfig.ready():
the sign-in pages live in ``partnership``, which must not depend on ``sharing``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from core.audit import Origin, record_event, reset_origin, set_origin
from core.models import AuditVerb


def _with_origin(request: Any, **event: Any) -> None:
    token = set_origin(Origin(ip_address=request.META.get("REMOTE_ADDR") if request is not None else None))
    try:
        record_event(**event)
    finally:
        reset_origin(token)


# partnership.urls: the page an agency's OpenID Connect provider sends the person back to, where
# partnership.sso signs them in (the same backend as a password sign-in, so the page tells them apart).
SINGLE_SIGN_ON_CALLBACK = "sso_callback"


def sign_in_method(request: Any) -> str:
    """``single_sign_on`` (at the agency's provider, as a refused one is recorded) or ``password``."""
    page = getattr(getattr(request, "resolver_match", None), "url_name", None)
    return "single_sign_on" if page == SINGLE_SIGN_ON_CALLBACK else "password"


def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _with_origin(request, actor=user, verb=AuditVerb.LOGIN, details={"method": sign_in_method(request)})


def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    _with_origin(request, actor=None, verb=AuditVerb.LOGIN_FAILED, username=username, details={"username": username})


def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _with_origin(request, actor=user, verb=AuditVerb.LOGOUT)


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="sharing.audit.login")
    user_login_failed.connect(on_login_failed, dispatch_uid="sharing.audit.login_failed")
    user_logged_out.connect(on_logout, dispatch_uid="sharing.audit.logout")
