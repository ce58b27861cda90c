"""The admin site is the superusers' break-fix tool and nobody else's (ADR 0022): partnership
admins configure on /manage/, auditors read the trail on /governance/. For anyone else signed in
it does not exist (404); a visitor who has not signed in goes to the service's own sign-in and
two-factor pages. It is never a side door into case content."""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


def is_admin_user(user: object) -> bool:
    """Superusers only, for break-fix: partnership admins configure on /manage/, auditors read on
    /governance/ (ADR 0022). A role grants nothing here."""
    if not getattr(user, "is_active", False) or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False))


class ConveneAdminSite(admin.AdminSite):
    site_header = "Convene break-fix"
    site_title = "Convene break-fix"
    index_title = "Superusers' break-fix (partnership admins configure on /manage/)"

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
