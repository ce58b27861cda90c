"""Event notifications: something just happened that someone should hear of (a referral to screen, a
request to answer, a decision on their case), told through the reminder outbox, due at once.

An app's ``events.py`` registers its kinds with :func:`register_event_kinds` (each a preference, email
or in-app only, like every reminder kind) and calls :func:`tell_now` inside the transaction of the
event, with the people who may read the record now. The reminder is written in that transaction and
the next sweep delivers it, in the app and by email, after asking the kind's ``may_tell`` again: a
reader who lost access before delivery is never told (DESIGN.md rule 12). Nothing is written on the
request path but the outbox row, and its text is the kind's headline, a reference and a link only.

A later event of the same kind about the same object replaces an undelivered one (a request assigned
again before the sweep tells the new assignee only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from django.db import models
from django.utils import timezone

from core.models import Reminder
from core.notifications.kinds import MayTell, ReminderKind, StillDue, register_kind
from core.notifications.outbox import Due, SyncResult, sync_reminders


def tell_now(
    obj: models.Model,
    kind: str,
    recipients: Iterable[int | None],
    *,
    actor: object = None,
    link: str = "",
    reference: str = "",
    event_at: dt.datetime | None = None,
) -> SyncResult:
    """Queue ``kind`` about ``obj`` for each of ``recipients`` (already those who may read it), due now,
    never to the ``actor`` whose event it is (nobody is told of what they just did themselves).
    ``event_at`` is the moment its headline speaks of (by default now, the event's)."""
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    people = sorted({pk for pk in recipients if pk and pk != actor_id})
    wanted = [Due(kind, pk, now, event_at or now, link, reference[:32]) for pk in people]
    return sync_reminders(obj=obj, kinds=[kind], wanted=wanted)


def happened(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
    """An event stays worth telling once it happened (the record's readers are checked separately)."""
    return {r.pk for r in reminders}


def still_among(current: models.QuerySet[Any]) -> StillDue:
    """Due while the object is among ``current`` (a referral still awaiting screening, a request still
    open). One query."""

    def still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
        ids = set(current.filter(pk__in={r.object_id for r in reminders}).values_list("pk", flat=True))
        return {r.pk for r in reminders if r.object_id in ids}

    return still_due


def still_theirs(current: models.QuerySet[Any], field: str) -> StillDue:
    """Due while the object is among ``current`` with ``field`` still the recipient (an assignee, an owner):
    someone no longer assigned is not told they were. One query."""

    def still_due(reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
        holders = dict(current.filter(pk__in={r.object_id for r in reminders}).values_list("pk", field))
        return {r.pk for r in reminders if holders.get(r.object_id) == r.recipient_id}

    return still_due


class EventKind(NamedTuple):
    """A kind of event notification: what it is called and is for (the preferences page), its headline
    (``{when}``, the moment of the event with its time, and ``{reference}``), whether it is still worth
    delivering, and who may still be told."""

    label: str
    description: str
    headline: str
    still_due: StillDue
    may_tell: MayTell


def register_event_kinds(kinds: Mapping[str, EventKind]) -> None:
    """Register each of ``kinds`` under its code, a preference like every reminder kind."""
    for code, kind in kinds.items():
        fields = {"label": kind.label, "headline": kind.headline, "description": kind.description}
        register_kind(ReminderKind(code, still_due=kind.still_due, may_tell=kind.may_tell, show_time=True, **fields))
