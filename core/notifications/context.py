"""The unread count in the header: at most one cheap query, and only when a page shows it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from core.notifications.inbox import unread_count

CAP = 99


class UnreadCount:
    """Counted on first use (one query on the recipient/read_at index), shown as ``99+`` beyond 99."""

    def __init__(self, user: Any) -> None:
        self._user = user

    @cached_property
    def count(self) -> int:
        return unread_count(self._user, cap=CAP + 1)

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return f"{CAP}+" if self.count > CAP else str(self.count)


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": None}
    return {"unread_notifications": UnreadCount(user)}
