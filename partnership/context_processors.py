from typing import Any

from django.http import HttpRequest

from partnership.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Role navigation for the header, once the user has completed two-factor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"nav_items": []}
    return {"nav_items": navigation_for(user)}
