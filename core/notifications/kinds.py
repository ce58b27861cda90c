"""The registry of reminder kinds, and the partnership's settings about them.

Each app declares its kinds in its own ``reminders.py`` with :func:`register_kind`;
:func:`reminder_kinds` imports every installed app's ``reminders`` and ``events`` modules once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.module_loading import autodiscover_modules

from core.models import Reminder
from core.working_days import format_moment, london_date

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


class Wording(NamedTuple):
    """What a kind is called and is for (the preferences page), and the headline of each of its reminders."""

    label: str
    description: str
    headline: str


def register_kinds(
    wordings: Mapping[str, Wording], *, still_due: StillDue, may_tell: MayTell, show_time: bool = False
) -> None:
    """Register a kind for each code of ``wordings``: kinds about the same event, checked the same two ways."""
    for code, wording in wordings.items():
        register_kind(
            ReminderKind(
                code=code,
                label=wording.label,
                description=wording.description,
                headline=wording.headline,
                still_due=still_due,
                may_tell=may_tell,
                show_time=show_time,
            )
        )


def day_of(moment: dt.datetime | None) -> dt.date | None:
    """The London date of ``moment`` (None for none)."""
    return london_date(moment) if moment else None


def still_due_while(
    reminders: Sequence[Reminder], current: QuerySet[Any], field: str, *, by_day: bool = False
) -> set[int]:
    """The ids of ``reminders`` whose object is still among ``current`` with its ``field`` still the event the
    reminder was written for: its ``event_at``, or with ``by_day`` (a date field) that moment's London date.
    One query."""
    events = dict(current.filter(pk__in={r.object_id for r in reminders}).values_list("pk", field))
    return {
        r.pk
        for r in reminders
        if r.object_id in events and events[r.object_id] == (day_of(r.event_at) if by_day else r.event_at)
    }


def recipients_who(may: Callable[[Any], bool]) -> MayTell:
    """The ``may_tell`` of a kind told to a role rather than a record's readers (auditors, partnership admins):
    those reminders whose recipient ``may`` (a permission predicate on the user), asked of each. One query."""

    def may_tell(reminders: Sequence[Reminder]) -> set[int]:
        people = get_user_model()._default_manager.filter(pk__in={r.recipient_id for r in reminders})
        allowed = {user.pk for user in people if may(user)}
        return {r.pk for r in reminders if r.recipient_id in allowed}

    return may_tell


def reminder_kinds() -> dict[str, ReminderKind]:
    """Every registered kind, by label, after importing each installed app's ``reminders`` and ``events`` once."""
    global _discovered
    if not _discovered:
        autodiscover_modules("reminders", "events")
        _discovered = True
    return dict(sorted(_KINDS.items(), key=lambda item: item[1].label))


def mandatory_kinds() -> frozenset[str]:
    """Kinds the partnership always emails, whatever a person's preference."""
    return frozenset(getattr(settings, "CONVENE_MANDATORY_REMINDER_KINDS", ()))


def timing(name: str, default: int) -> int:
    """A reminder timing from ``settings.CONVENE_REMINDER_TIMINGS``, else the default."""
    return int(getattr(settings, "CONVENE_REMINDER_TIMINGS", {}).get(name, default))
