"""Reminders of a due date: the kinds every record with a due date declares the same way.

An information request, a panel action, a tension response action and a self-assessment action each
remind "due soon" at 09:00 London some working days before their due date and "overdue" on the first
working day after it, while the record is still open and its due date still the one reminded of. Each app
says once what differs (its codes, wording, which records are open, who may be told) with
:class:`DueDateKinds`, and its ``sync_*`` says who is reminded and where the reminder links.

A record with one reminder ahead of its due day (a screening falling due, a review to hold) declares it with
:class:`DueAhead` the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from core.models import Reminder
from core.notifications.kinds import MayTell, Wording, day_of, register_kinds, still_due_while, timing
from core.notifications.outbox import cancel_reminders, resync_each, sync_moments
from core.working_days import at_london, london_date, next_working_day, working_days_before

# The moment a due date stands for in a reminder's ``{when}``: the start of that London day.
MIDNIGHT = dt.time(0, 0)
# The nightly re-check re-states the records due from this many days ago on: long-overdue ones are left alone
# rather than flooding inboxes.
RECHECK_OVERDUE_DAYS = 7


def working_days_ahead(day: dt.date, working_days: int) -> dt.datetime:
    """09:00 London ``working_days`` working days before ``day``."""
    return at_london(working_days_before(day, working_days))


def due_date_moments(due_date: dt.date, *, soon: str, overdue: str, soon_working_days: int) -> dict[str, dt.datetime]:
    """When a due date is reminded of: ``soon`` at 09:00 ``soon_working_days`` working days before it, and
    ``overdue`` on the first working day after it."""
    return {
        soon: working_days_ahead(due_date, soon_working_days),
        overdue: at_london(next_working_day(due_date)),
    }


def _still_the_due(due: dt.date | dt.datetime | None, event_at: dt.datetime | None) -> bool:
    """Whether a record's ``due`` is the one a reminder about ``event_at`` was written for: that moment, or for a
    date, that moment's London day."""
    return due == (event_at if isinstance(due, dt.datetime) else day_of(event_at))


@dataclass(frozen=True)
class DueDateKinds:
    """The "due soon" and "overdue" kinds of a record's ``due_date``.

    ``open_records`` is the records still reminded of (it is only ever filtered, never evaluated, so it may be
    built once, at import). ``soon_timing`` names the ``CONVENE_REMINDER_TIMINGS`` entry for how many working
    days before the date "due soon" comes (read at each sync, ``soon_working_days`` by default).
    """

    soon: str
    overdue: str
    open_records: models.QuerySet[Any]
    soon_timing: str
    soon_working_days: int = 2

    @property
    def kinds(self) -> tuple[str, str]:
        return (self.soon, self.overdue)

    def register(self, *, soon: Wording, overdue: Wording, may_tell: MayTell) -> DueDateKinds:
        """Register both kinds (``may_tell``: who may still be told, asked again just before sending); ``self``."""
        register_kinds({self.soon: soon, self.overdue: overdue}, still_due=self.still_due, may_tell=may_tell)
        return self

    def still_due(self, reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
        """Those of ``reminders`` whose record is still open, with the due date they were written for."""
        return still_due_while(reminders, self.open_records, "due_date", by_day=True)

    def moments(self, due_date: dt.date) -> dict[str, dt.datetime]:
        return due_date_moments(
            due_date,
            soon=self.soon,
            overdue=self.overdue,
            soon_working_days=timing(self.soon_timing, self.soon_working_days),
        )

    def sync(
        self, obj: models.Model, *, due_date: dt.date, recipients: Collection[int], link: str, reference: str = ""
    ) -> None:
        """``obj``'s reminders of its ``due_date`` are exactly these: each of ``recipients`` told at both moments."""
        sync_moments(
            obj=obj,
            kinds=self.kinds,
            moments=self.moments(due_date),
            recipients=recipients,
            event_at=at_london(due_date, MIDNIGHT),
            link=link,
            reference=reference,
        )

    def cancel(self, obj: models.Model) -> None:
        """``obj`` is no longer open: its pending reminders of both kinds go."""
        cancel_reminders(obj=obj, kinds=self.kinds)

    def resync(self, sync: Callable[[Any], object], *, lock: models.QuerySet[Any] | None = None) -> int:
        """Re-state with ``sync`` the reminders of every open record due from ``RECHECK_OVERDUE_DAYS`` ago on (the
        nightly safety net, for records written before a kind existed), each locked as its services lock it."""
        recent = timezone.localdate() - dt.timedelta(days=RECHECK_OVERDUE_DAYS)
        return resync_each(self.open_records.filter(due_date__gte=recent), sync, lock=lock)


@dataclass(frozen=True)
class DueAhead:
    """One kind reminding of a record's due day at 09:00 London some working days before it.

    ``due_field`` of ``open_records`` (filtered, never evaluated) is when each record still reminded of is due:
    a date, or a moment whose London day counts (a screening due by a time). The reminder stays due while its
    record is among ``open_records`` with that value unchanged. ``timing`` names the ``CONVENE_REMINDER_TIMINGS``
    entry for how many working days ahead (``working_days`` by default).
    """

    kind: str
    open_records: models.QuerySet[Any]
    due_field: str
    timing: str
    working_days: int

    def register(self, wording: Wording, *, may_tell: MayTell) -> DueAhead:
        """Register the kind (``may_tell``: who may still be told, asked again just before sending); ``self``."""
        register_kinds({self.kind: wording}, still_due=self.still_due, may_tell=may_tell)
        return self

    def still_due(self, reminders: Sequence[Reminder], now: dt.datetime) -> Collection[int]:
        """Those of ``reminders`` whose record is still open and due when it was when they were written."""
        due = dict(self.open_records.filter(pk__in={r.object_id for r in reminders}).values_list("pk", self.due_field))
        return {r.pk for r in reminders if r.object_id in due and _still_the_due(due[r.object_id], r.event_at)}

    def moment(self, due: dt.date | dt.datetime) -> dt.datetime:
        day = london_date(due) if isinstance(due, dt.datetime) else due
        return working_days_ahead(day, timing(self.timing, self.working_days))

    def sync(
        self,
        obj: models.Model,
        *,
        due: dt.date | dt.datetime,
        recipients: Collection[int],
        link: str,
        reference: str = "",
    ) -> None:
        """``obj``'s reminder of its ``due`` day is exactly this: each of ``recipients`` told ahead of it."""
        sync_moments(
            obj=obj,
            kinds=[self.kind],
            moments={self.kind: self.moment(due)},
            recipients=recipients,
            event_at=due if isinstance(due, dt.datetime) else at_london(due, MIDNIGHT),
            link=link,
            reference=reference,
        )

    def cancel(self, obj: models.Model) -> None:
        """``obj`` is no longer open: its pending reminder goes."""
        cancel_reminders(obj=obj, kinds=[self.kind])
