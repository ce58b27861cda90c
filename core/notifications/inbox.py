"""The in-app inbox: notifications written now (no outbox, no email), read and counted.

Titles never carry personal data: callers pass a headline and a link, never a name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from core.models import Notification


def notify(*, recipients: Iterable[Any], kind: str, title: str, link: str = "") -> list[Notification]:
    """In-app notifications now, without the outbox (no email), one per distinct recipient."""
    rows = [
        Notification(recipient=user, kind=kind, title=title, link=link)
        for user in {u.pk: u for u in recipients}.values()
    ]
    return Notification.objects.bulk_create(rows)


def mark_read(*, user: Any, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read; None when it is not theirs."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk).update(read_at=notification.read_at)
    return notification


def mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user's read; how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(user: Any, *, cap: int = 100) -> int:
    """Unread notifications, counted up to ``cap`` (one query on the (recipient, read_at) index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)[:cap].count()
