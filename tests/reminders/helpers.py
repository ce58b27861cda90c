"""Shared pieces for the reminder tests: a fixed clock, the sweep at a moment, and what was sent."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from core import notifications
from core.models import Notification, Reminder, ReminderStatus
from core.working_days import LONDON
from partnership.models import User

# Monday 14 December 2026, 10:00 in London. Christmas bank holidays follow: Fri 25 and Mon 28 December.
T0 = dt.datetime(2026, 12, 14, 10, 0, tzinfo=LONDON)


def london(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def sweep(at: dt.datetime) -> notifications.SweepReport:
    """Run the sweep (the function beat's task and the command both call) with the clock at ``at``."""
    with time_machine.travel(at, tick=False):
        return notifications.send_due_reminders()


def settle(at: dt.datetime = T0) -> None:
    """Deliver the event notifications that setting up the world told (a referral to screen, a request
    received) and forget their emails, so that a test sees only the reminders it is about."""
    sweep(at)
    mail.outbox.clear()


def emails(kind: str | None = None) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if kind is None or m.extra_headers.get("X-Convene-Kind") == kind]


def emailed(kind: str) -> Counter[str]:
    """How many emails of ``kind`` each address got (a Counter, so a repeat shows as 2)."""
    return Counter(address for m in emails(kind) for address in m.to)


def addresses(*users: User) -> Counter[str]:
    return Counter(u.email for u in users)


def in_app(kind: str) -> Counter[int]:
    return Counter(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def ids(*users: User) -> Counter[int]:
    return Counter(u.pk for u in users)


def pending(kind: str) -> list[Reminder]:
    return list(Reminder.objects.filter(kind=kind, status=ReminderStatus.PENDING))


def clear_mail() -> None:
    mail.outbox.clear()


class BrokenBackend(BaseEmailBackend):
    """An email server that is down."""

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("SMTP is down")


def travel(at: dt.datetime) -> time_machine.travel:
    return time_machine.travel(at, tick=False)


def make_due_reminders(
    count: int, recipients: list[User], *, due: dt.datetime, kind: str = "break_glass", opener: User | None = None
) -> list[int]:
    """``count`` due reminders spread over ``recipients`` (each a distinct due moment), about one
    real break-glass opening by ``opener`` (else the first recipient). Returns their ids.

    Break-glass alerts go only to auditors and the opener's agency SPOCs (DESIGN.md rules 9 and
    12): recipients outside that audience are skipped by the sweep, as they should be."""
    from django.contrib.contenttypes.models import ContentType

    from sharing.models import BreakGlass

    opener = opener or recipients[0]
    opening = BreakGlass.objects.create(
        user=opener,
        content_type=ContentType.objects.get_for_model(User),
        object_id=opener.pk,
        reason="Load test of the reminder sweep",
        expires_at=due,
    )
    ct = ContentType.objects.get_for_model(BreakGlass)
    rows = Reminder.objects.bulk_create(
        Reminder(
            kind=kind,
            content_type=ct,
            object_id=opening.pk,
            recipient=recipients[n % len(recipients)],
            due_at=due - dt.timedelta(seconds=n),
            event_at=due,
            link="/admin/",
        )
        for n in range(count)
    )
    return [r.pk for r in rows]
