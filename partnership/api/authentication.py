"""API authentication: hashed, expiring, revocable tokens for partner systems,
and the browser's session only once two-factor authentication is complete."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.request import Request

from partnership.models import ApiToken, User
from partnership.services import hash_api_token


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected 'Token <key>'.")
        try:
            key = parts[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = (
            ApiToken.objects.select_related("user__agency", "user__clearance")
            .filter(digest=hash_api_token(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        user = token.user
        if not user.is_active or (user.agency is not None and not user.agency.is_active):
            raise exceptions.AuthenticationFailed("User inactive.")
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class VerifiedSessionAuthentication(SessionAuthentication):
    """A browser session counts only after two-factor verification."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if not user.is_verified():
            raise exceptions.PermissionDenied("Two-factor authentication required.")
        return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents `Authorization: Token <key>` in the OpenAPI schema."""

    target_class = "partnership.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`, issued by `manage.py issue_api_token USERNAME`.",
        }


class VerifiedSessionScheme(SessionScheme):
    target_class = "partnership.api.authentication.VerifiedSessionAuthentication"


class AuthenticatedRequest(Request):
    """For type checking: behind IsAuthenticated, ``request.user`` is a partnership User."""

    user: User
