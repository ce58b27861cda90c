"""Reminders of a due date: the pair of kinds every record with a due date declares the same way.

An information request, a panel action, a tension response action and a self-assessment action each
remind "due soon" at 09:00 London some working days before their due date and "overdue" on the first
working day after it, while the record is still open and its due date still the one reminded of. Each app
says once what differs (its codes, wording, which records are open, who may be told) with
:class:`DueDateKinds`, and its ``sync_*`` says who is reminded and where the reminder links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models

from core.models import Reminder
from core.notifications.kinds import MayTell, Wording, register_kinds, still_due_while, timing
from core.notifications.outbox import cancel_reminders, sync_moments
from core.working_days import at_london, next_working_day, working_days_before

# The moment a due date stands for in a reminder's ``{when}``: the start of that London day.
MIDNIGHT = dt.time(0, 0)


def due_date_moments(due_date: dt.date, *, soon: str, overdue: str, soon_working_days: int) -> dict[str, dt.datetime]:
    """When a due date is reminded of: ``soon`` at 09:00 ``soon_working_days`` working days before it, and
    ``overdue`` on the first working day after it."""
    return {
        soon: at_london(working_days_before(due_date, soon_working_days)),
        overdue: at_london(next_working_day(due_date)),
    }


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
