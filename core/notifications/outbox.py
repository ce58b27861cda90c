"""Writing the reminder outbox: the reminders an object should have, kept in step with its events.

Apps call :func:`sync_reminders` inside the transaction of each event, so a
reminder exists exactly when the event that wants it committed; the sweep
(:mod:`core.notifications.sweep`) sends what is due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.models import Notification, Reminder, ReminderStatus
from core.notifications.kinds import reminder_kinds

M = TypeVar("M", bound=models.Model)
Key = tuple[str, int, dt.datetime]
# (pk, kind, recipient id, due at, status) of a reminder already written.
Existing = tuple[int, str, int, dt.datetime, str]


@dataclass(frozen=True)
class Due:
    """One reminder an object should have: a kind, a recipient and a moment."""

    kind: str
    recipient_id: int
    due_at: dt.datetime
    event_at: dt.datetime | None = None
    link: str = ""
    reference: str = ""

    @property
    def key(self) -> Key:
        return (self.kind, self.recipient_id, self.due_at)


@dataclass
class SyncResult:
    created: int = 0
    cancelled: int = 0
    revived: int = 0


def _content_type(obj: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(type(obj))


def _key(row: Existing) -> Key:
    _, kind, recipient_id, due_at, _ = row
    return (kind, recipient_id, due_at)


def _cancel_stale(existing: list[Existing], wanted: Mapping[Key, Due], now: dt.datetime) -> int:
    stale = [row[0] for row in existing if row[4] == ReminderStatus.PENDING and _key(row) not in wanted]
    if not stale:
        return 0
    return Reminder.objects.filter(pk__in=stale, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, finished_at=now, note="No longer due: the event changed"
    )


def _revive(existing: list[Existing], wanted: Mapping[Key, Due]) -> int:
    """Cancelled reminders wanted again go back to pending, with the wanted moment, link and reference."""
    revived = 0
    for row in existing:
        if row[4] == ReminderStatus.CANCELLED and _key(row) in wanted:
            again = wanted[_key(row)]
            revived += Reminder.objects.filter(pk=row[0], status=ReminderStatus.CANCELLED).update(
                status=ReminderStatus.PENDING,
                finished_at=None,
                note="",
                claimed_until=None,
                event_at=again.event_at,
                link=again.link,
                reference=again.reference,
            )
    return revived


def _write_missing(obj: models.Model, ct: ContentType, missing: list[Due]) -> int:
    if not missing:
        return 0
    created = Reminder.objects.bulk_create(
        [
            Reminder(
                kind=w.kind,
                content_type=ct,
                object_id=obj.pk,
                recipient_id=w.recipient_id,
                due_at=w.due_at,
                event_at=w.event_at,
                link=w.link,
                reference=w.reference,
            )
            for w in missing
        ],
        ignore_conflicts=True,
    )
    return len(created)


def sync_reminders(*, obj: models.Model, kinds: Iterable[str], wanted: Iterable[Due]) -> SyncResult:
    """Make ``obj``'s pending reminders of ``kinds`` exactly ``wanted``.

    Call inside the transaction of the event that changed ``obj`` (the outbox):
    unsent reminders no longer wanted are cancelled, missing ones are written,
    and cancelled ones wanted again come back. Sent and skipped reminders are
    history and stay as they are, so nothing is ever sent twice.
    """
    kinds = set(kinds)
    wanted_by_key = {w.key: w for w in wanted}
    unknown = {w.kind for w in wanted_by_key.values()} - kinds
    if unknown:
        raise ValueError(f"Reminders of kinds {sorted(unknown)} are outside {sorted(kinds)}")
    ct = _content_type(obj)
    existing: list[Existing] = list(
        Reminder.objects.filter(content_type=ct, object_id=obj.pk, kind__in=kinds).values_list(
            "pk", "kind", "recipient_id", "due_at", "status"
        )
    )
    existing_keys = {_key(row) for row in existing}
    result = SyncResult()
    result.cancelled = _cancel_stale(existing, wanted_by_key, timezone.now())
    result.revived = _revive(existing, wanted_by_key)
    result.created = _write_missing(obj, ct, [w for key, w in wanted_by_key.items() if key not in existing_keys])
    return result


def sync_moments(
    *,
    obj: models.Model,
    kinds: Iterable[str],
    moments: Mapping[str, dt.datetime],
    recipients: Collection[int],
    event_at: dt.datetime | None,
    link: str = "",
    reference: str = "",
) -> SyncResult:
    """Make ``obj``'s reminders of ``kinds`` one for each of ``recipients`` at each kind's moment in ``moments``
    (a kind missing from ``moments`` has none), all about the same event, link and reference."""
    wanted = [Due(kind, pk, at, event_at, link, reference) for kind, at in moments.items() for pk in recipients]
    return sync_reminders(obj=obj, kinds=kinds, wanted=wanted)


def cancel_reminders(*, obj: models.Model, kinds: Iterable[str]) -> int:
    """Cancel every pending reminder of ``kinds`` for ``obj``; how many were cancelled."""
    return sync_reminders(obj=obj, kinds=kinds, wanted=[]).cancelled


def resync_each(
    pending: models.QuerySet[M], sync: Callable[[M], object], *, lock: models.QuerySet[M] | None = None
) -> int:
    """Re-state the reminders of every record of ``pending`` with ``sync`` (the nightly safety net), each record
    locked in its own transaction as its services lock it (``select_for_update`` on ``lock``, by default
    ``pending``'s model); one gone in between is skipped. How many were re-stated."""
    lockable = lock if lock is not None else pending.model._default_manager.all()
    count = 0
    for pk in pending.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            record = lockable.select_for_update().filter(pk=pk).first()
            if record is not None:
                sync(record)
                count += 1
    return count


def link_to(url_name: str, *args: object) -> str:
    """The path a reminder links to (empty when the page does not exist)."""
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""


def alert_now(*, obj: models.Model, kind: str, links: Mapping[int, str], reference: str = "") -> list[Reminder]:
    """Something happened that people must know at once (break-glass): ``links`` maps each recipient to their link.

    The in-app notification is written now, in the event's transaction; the
    reminder row, due now, carries the email to the next sweep (never on the
    request path, so a broker outage cannot slow the event down).
    """
    registered = reminder_kinds()[kind]
    now = timezone.now()
    sync_reminders(
        obj=obj,
        kinds=[kind],
        wanted=[
            Due(kind=kind, recipient_id=pk, due_at=now, event_at=now, link=link, reference=reference)
            for pk, link in links.items()
        ],
    )
    rows = list(
        Reminder.objects.filter(
            content_type=_content_type(obj), object_id=obj.pk, kind=kind, due_at=now, notification__isnull=True
        )
    )
    notes = Notification.objects.bulk_create(
        [
            Notification(recipient_id=r.recipient_id, kind=kind, title=registered.title(r)[:200], link=r.link)
            for r in rows
        ]
    )
    for reminder, note in zip(rows, notes, strict=True):
        reminder.notification = note
    Reminder.objects.bulk_update(rows, ["notification"])
    return rows
