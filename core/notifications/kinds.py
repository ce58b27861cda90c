"""The registry of reminder kinds, and the partnership's settings about them.

Each app declares its kinds in its own ``reminders.py`` with :func:`register_kind`;
:func:`reminder_kinds` imports every installed app's ``reminders`` module once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import autodiscover_modules

from core.models import Reminder
from core.working_days import format_moment

StillDue = Callable[[Sequence[Reminder], dt.datetime], Collection[int]]
MayTell = Callable[[Sequence[Reminder]], Collection[int]]


@dataclass(frozen=True)
class ReminderKind:
    """A kind of reminder, declared by the app whose events it reminds of.

    ``headline`` may use ``{when}`` and ``{reference}`` and nothing else: it is
    the whole of what the recipient is told, in the app and by email.
    ``still_due(reminders, now)`` returns the ids of those reminders whose
    object still needs them (one query per batch); the sweep skips the rest.

    ``may_tell(reminders)`` returns the ids of those reminders whose recipient
    may still be told (DESIGN.md rule 12): they may read the record the
    reminder is about. The app asks the same question when it queues a
    reminder; the sweep asks again just before sending, and skips (and records)
    the rest, so a revoked share, a lowered clearance, a deactivated user or a
    raised classification stops it. Every kind must say; ``sharing.reminders.About``
    builds the check from the record each object is about.
    """

    code: str
    label: str
    headline: str
    still_due: StillDue
    may_tell: MayTell
    description: str = ""
    show_time: bool = False

    def title(self, reminder: Reminder) -> str:
        return self.headline.format(
            when=format_moment(reminder.event_at, self.show_time), reference=reminder.reference or "a record"
        )


_KINDS: dict[str, ReminderKind] = {}
_discovered = False


def register_kind(kind: ReminderKind) -> ReminderKind:
    """Add ``kind`` to the registry (a later registration of the same code replaces it)."""
    _KINDS[kind.code] = kind
    return kind


def reminder_kinds() -> dict[str, ReminderKind]:
    """Every registered kind, by label, after importing each installed app's ``reminders`` module once."""
    global _discovered
    if not _discovered:
        autodiscover_modules("reminders")
        _discovered = True
    return dict(sorted(_KINDS.items(), key=lambda item: item[1].label))


def mandatory_kinds() -> frozenset[str]:
    """Kinds the partnership always emails, whatever a person's preference."""
    return frozenset(getattr(settings, "CONVENE_MANDATORY_REMINDER_KINDS", ()))


def timing(name: str, default: int) -> int:
    """A reminder timing from ``settings.CONVENE_REMINDER_TIMINGS``, else the default."""
    return int(getattr(settings, "CONVENE_REMINDER_TIMINGS", {}).get(name, default))
