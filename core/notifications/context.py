"""The unread count in the header: read with the signed-in user (``unread_annotation``, the one query
every page starts with), or else counted on first use with one cheap query, only when a page shows it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Func, IntegerField
from django.db.models.expressions import OuterRef
from django.http import HttpRequest

from core.models import Notification
from core.notifications.inbox import unread_count

CAP = 99
ANNOTATION = "_unread_notifications"


def unread_annotation() -> dict[str, Func]:
    """For a query of users: each one's unread notifications, counted up to ``CAP + 1`` on the
    (recipient, read_at) index, as ``unread_count`` counts them."""
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True).order_by().values("pk")[: CAP + 1]
    )
    return {ANNOTATION: Func(ArraySubquery(unread), function="cardinality", output_field=IntegerField())}


class UnreadCount:
    """Counted on first use (one query on the recipient/read_at index), shown as ``99+`` beyond 99."""

    def __init__(self, user: Any) -> None:
        self._user = user

    @cached_property
    def count(self) -> int:
        counted = getattr(self._user, ANNOTATION, None)
        return unread_count(self._user, cap=CAP + 1) if counted is None else int(counted)

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return f"{CAP}+" if self.count > CAP else str(self.count)


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": None}
    return {"unread_notifications": UnreadCount(user)}
