"""The in-app inbox: notifications written now (no outbox, no email), read, counted and listed.

Titles never carry personal data: callers pass a headline and a link, never a name. Nor
anything about a record its recipient may not read (DESIGN.md rule 12): callers pass only
recipients who may read it."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.errors import ValidationError
from core.models import Notification
from core.pagination import Page, page_beyond, page_size_of


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


# --- the caller's notifications, newest first (the API) ---------------------------------------------

# Keyset on (created_at, id), newest first: a notification's moment, and its id to break ties.
Key = tuple[int, int]  # (created_at in microseconds since the epoch, id)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _key(notification: Notification) -> Key:
    delta = notification.created_at - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds, notification.pk


def _encode(direction: str, key: Key) -> str:
    return base64.urlsafe_b64encode(f"{direction}:{key[0]}:{key[1]}".encode()).decode()


def _decode(cursor: str) -> tuple[str, dt.datetime, int]:
    try:
        direction, micros, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        if direction not in ("n", "p"):
            raise ValueError(direction)
        return direction, EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError({"cursor": ["Invalid cursor."]}) from exc


def _after(rows: QuerySet[Notification], cursor: str | None) -> tuple[str, bool, QuerySet[Notification]]:
    """The rows beyond ``cursor`` in its direction, in reading order for that direction."""
    if not cursor:
        return "n", False, rows.order_by("-created_at", "-id")
    direction, at, pk = _decode(cursor)
    if direction == "n":
        older = Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk)
        return direction, True, rows.filter(older).order_by("-created_at", "-id")
    newer = Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk)
    return direction, True, rows.filter(newer).order_by("created_at", "id")


def notification_page_for(*, viewer: Any, cursor: str | None = None, page_size: Any = None) -> Page[Notification]:
    """The viewer's own in-app notifications, newest first, one keyset page (nobody else's, ever).

    A deep page costs what the first does, and no page counts the whole list.
    """
    size = page_size_of(page_size)
    direction, from_cursor, rows_qs = _after(Notification.objects.filter(recipient_id=viewer.pk), cursor)
    rows, next_cursor, previous_cursor = page_beyond(
        rows_qs, size=size, direction=direction, from_cursor=from_cursor, cursor_to=lambda d, row: _encode(d, _key(row))
    )
    return Page(results=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)
