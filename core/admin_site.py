"""The admin site is for partnership admins (configuration) and auditors (the
audit trail), never a side door into case content. Sign-in goes through the
service's own sign-in and two-factor pages."""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

ADMIN_ROLES = frozenset({"partnership_admin", "auditor"})


def is_admin_user(user: object) -> bool:
    if not getattr(user, "is_active", False) or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False) or ADMIN_ROLES.intersection(getattr(user, "roles", ())))


class ConveneAdminSite(admin.AdminSite):
    site_header = "Convene partnership configuration"
    site_title = "Convene admin"
    index_title = "Partnership configuration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return is_admin_user(user) and bool(getattr(user, "is_verified", lambda: False)())

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # Signed in but not an admin: the admin site does not exist for them.
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        if request.user.is_authenticated:
            raise Http404
        return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
