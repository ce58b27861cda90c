"""The sweep: send every due reminder exactly once, in app and by email.

Run by Celery beat every minute (``core.tasks.send_due_reminders``) and by
``manage.py send_due_reminders``. Batches are claimed with FOR UPDATE SKIP
LOCKED so sweeps running at once take different reminders; each emailed
reminder is settled in its own short transaction; failures are retried with
backoff until :data:`MAX_FAILURES`.

No personal data ever leaves through here: an email is built from its kind's
headline, a moment, a record reference and a link into Convene, and nothing else.
And nothing reaches someone who may not read the record it is about (DESIGN.md
rule 12): each kind's ``may_tell`` is asked again just before sending; a
reminder that fails it is skipped, never retried, with the reason on its row.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.models import AttemptOutcome, DeliveryAttempt, Notification, NotificationPreference, Reminder, ReminderStatus
from core.notifications.kinds import ReminderKind, mandatory_kinds, reminder_kinds

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
# Give up on an email after this many failures (the in-app notification is kept).
MAX_FAILURES = 5
# A sweep stops starting new batches after this long; the next one carries on.
DEFAULT_TIME_BUDGET = dt.timedelta(minutes=4)
# Why a reminder was not sent to someone who may not (or no longer) read what it is about.
MAY_NOT_READ = "Recipient may not read the record it is about"


@dataclass
class BatchFigure:
    size: int
    sent: int
    emailed: int
    skipped: int
    seconds: float


@dataclass
class SweepReport:
    sent: int = 0
    emailed: int = 0
    skipped: int = 0
    failed: int = 0
    batches: list[BatchFigure] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "emailed": self.emailed,
            "skipped": self.skipped,
            "failed": self.failed,
            "batches": len(self.batches),
            "seconds": round(self.seconds, 3),
        }


def _worker_name() -> str:
    """Who is sweeping: host, process and a per-sweep tag (two sweeps in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]


def claim_seconds() -> int:
    """How long a sweep's claim on a batch lasts. Only efficiency depends on it, never
    correctness: each send re-checks its claim under the row lock."""
    return int(getattr(settings, "CONVENE_REMINDER_CLAIM_SECONDS", 120))


def absolute_url(link: str) -> str:
    """``link`` under ``SITE_URL`` (the site itself when there is no link)."""
    return settings.SITE_URL.rstrip("/") + "/" + link.lstrip("/") if link else settings.SITE_URL


def build_email(reminder: Reminder, kind: ReminderKind, address: str) -> EmailMessage:
    """The whole email: the kind's headline, the moment, a reference and a link. Nothing else."""
    title = kind.title(reminder)
    lines = [title, ""]
    if reminder.reference:
        lines.append(f"Reference: {reminder.reference}")
    lines += [
        "Sign in to Convene to see the details:",
        absolute_url(reminder.link),
        "",
        "This email never contains personal details or case information.",
        "You can choose in-app only for this kind of reminder, unless your partnership makes it mandatory:",
        absolute_url("/notifications/preferences/"),
    ]
    domain = urlsplit(settings.SITE_URL).hostname or "convene.invalid"
    return EmailMessage(
        subject=f"{settings.SERVICE_NAME}: {title}"[:200],
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={
            # The same id on every try, so a repeat after a crash can be recognised downstream.
            "Message-ID": f"<reminder-{reminder.pk}@{domain}>",
            "X-Convene-Reminder": str(reminder.pk),
            "X-Convene-Kind": reminder.kind,
            "Auto-Submitted": "auto-generated",
        },
    )


@dataclass
class _Plan:
    reminder: Reminder
    skip: str = ""
    email_to: str = ""


def _plan(batch: list[Reminder], kinds: dict[str, ReminderKind], now: dt.datetime) -> list[_Plan]:
    """Decide each reminder's fate: still due, recipient active, recipient still allowed to be told
    (each kind's own checks, a query or two per kind), then email or in-app only (one query each)."""
    by_kind: dict[str, list[Reminder]] = defaultdict(list)
    for reminder in batch:
        by_kind[reminder.kind].append(reminder)
    still: set[int] = set()
    tellable: set[int] = set()
    for code, rows in by_kind.items():
        if code in kinds:
            still.update(kinds[code].still_due(rows, now))
            # Rule 12, asked again at the last moment: only those who may read what it is about.
            tellable.update(kinds[code].may_tell([r for r in rows if r.pk in still]))
    recipients = {
        pk: (active, email)
        for pk, active, email in get_user_model()
        .objects.filter(pk__in={r.recipient_id for r in batch})
        .values_list("pk", "is_active", "email")
    }
    in_app_only = set(
        NotificationPreference.objects.filter(user_id__in=recipients, kind__in=by_kind.keys(), email=False).values_list(
            "user_id", "kind"
        )
    )
    forced = mandatory_kinds()
    plans = []
    for reminder in batch:
        active, address = recipients.get(reminder.recipient_id, (False, ""))
        if reminder.kind not in kinds:
            plans.append(_Plan(reminder, skip=f"Unknown kind {reminder.kind}"[:200]))
        elif reminder.pk not in still:
            plans.append(_Plan(reminder, skip="No longer due"))
        elif not active:
            plans.append(_Plan(reminder, skip="Recipient no longer active"))
        elif reminder.pk not in tellable:
            plans.append(_Plan(reminder, skip=MAY_NOT_READ))
        elif address and (reminder.kind in forced or (reminder.recipient_id, reminder.kind) not in in_app_only):
            plans.append(_Plan(reminder, email_to=address))
        else:
            plans.append(_Plan(reminder))
    return plans


def _in_app(reminder: Reminder, kind: ReminderKind) -> Notification:
    return Notification(
        recipient_id=reminder.recipient_id, kind=reminder.kind, title=kind.title(reminder)[:200], link=reminder.link
    )


def _mine(pks: Iterable[int], worker: str, *, skip_locked: bool = True) -> QuerySet[Reminder]:
    """Still pending and still claimed by this sweep, locked (FOR UPDATE, skipping rows others hold)."""
    return Reminder.objects.select_for_update(skip_locked=skip_locked).filter(
        pk__in=list(pks), status=ReminderStatus.PENDING, claimed_by=worker
    )


def _release(pks: Iterable[int], worker: str) -> None:
    """Give back claimed reminders this sweep could not lock, one statement each, for the next claim."""
    for pk in pks:
        Reminder.objects.filter(pk=pk, status=ReminderStatus.PENDING, claimed_by=worker).update(claimed_until=None)


def _claim(at: dt.datetime, batch_size: int, worker: str) -> list[Reminder]:
    """Take the next batch of due reminders no live sweep holds (FOR UPDATE SKIP LOCKED), and mark them ours."""
    with transaction.atomic():
        batch = list(
            due_reminders(at)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=at))
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True)[:batch_size]
        )
        Reminder.objects.filter(pk__in=[r.pk for r in batch]).update(
            claimed_by=worker, claimed_until=at + dt.timedelta(seconds=claim_seconds())
        )
    return batch


def _settle_without_email(
    plans: list[_Plan], kinds: dict[str, ReminderKind], now: dt.datetime, worker: str
) -> tuple[int, int]:
    """Skipped and in-app-only reminders: nothing leaves the database, so one transaction does the lot."""
    if not plans:
        return 0, 0
    with transaction.atomic():
        locked = set(_mine((p.reminder.pk for p in plans), worker).values_list("pk", flat=True))
        busy = [p.reminder.pk for p in plans if p.reminder.pk not in locked]
        plans = [p for p in plans if p.reminder.pk in locked]
        skipped = [p.reminder for p in plans if p.skip]
        delivered = [p.reminder for p in plans if not p.skip]
        fresh = [r for r in delivered if r.notification_id is None]
        notes = Notification.objects.bulk_create([_in_app(r, kinds[r.kind]) for r in fresh])
        for reminder, note in zip(fresh, notes, strict=True):
            reminder.notification = note
        DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(
                    reminder=p.reminder,
                    at=now,
                    outcome=AttemptOutcome.SKIPPED if p.skip else AttemptOutcome.SENT,
                    in_app=not p.skip,
                    detail=p.skip,
                    worker=worker,
                )
                for p in plans
            ]
        )
        for p in plans:
            p.reminder.status = ReminderStatus.SKIPPED if p.skip else ReminderStatus.SENT
            p.reminder.finished_at = now
            p.reminder.note = p.skip
        Reminder.objects.bulk_update(
            [p.reminder for p in plans], ["status", "finished_at", "note", "notification"], batch_size=500
        )
    _release(busy, worker)  # held for a moment by an event or another sweep's claim: next time round
    return len(delivered), len(skipped)


def _send_one(plan: _Plan, kind: ReminderKind, connection: BaseEmailBackend, now: dt.datetime, worker: str) -> bool:
    """One emailed reminder in its own transaction, the email handed over last, just before the commit.

    The row lock keeps everyone else off it, and the claim check means a
    sweep whose claim lapsed and was taken over leaves it to the new holder.
    If this process dies before the commit, the database rolls everything
    back and the reminder is pending for the next sweep. The only window for
    a repeat is between the email backend returning and the COMMIT reaching
    the server (microseconds); the Message-ID is the same on every try, so a
    repeat is recognisable downstream.
    """
    reminder = plan.reminder
    with transaction.atomic():
        # One row, ours by claim: wait for anyone holding it for a moment (an event cancelling it).
        row = list(_mine([reminder.pk], worker, skip_locked=False).values_list("notification_id", flat=True))
        if not row:
            return False  # settled meanwhile (cancelled by its event), or another sweep took it over
        notification_id = row[0]
        if notification_id is None:
            notification_id = Notification.objects.bulk_create([_in_app(reminder, kind)])[0].pk
        DeliveryAttempt.objects.create(
            reminder_id=reminder.pk, at=now, outcome=AttemptOutcome.SENT, in_app=True, email=True, worker=worker
        )
        Reminder.objects.filter(pk=reminder.pk).update(
            status=ReminderStatus.SENT, finished_at=now, note="", notification_id=notification_id
        )
        connection.send_messages([build_email(reminder, kind, plan.email_to)])
    return True


def _record_failure(reminder: Reminder, error: Exception, now: dt.datetime, worker: str) -> bool:
    """The email failed and everything else rolled back: note it and try again later, or give up."""
    with transaction.atomic():
        row = _mine([reminder.pk], worker, skip_locked=False).first()
        if row is None:
            return False
        failures = row.failures + 1
        gave_up = failures >= MAX_FAILURES
        DeliveryAttempt.objects.create(
            reminder=row,
            at=now,
            outcome=AttemptOutcome.FAILED,
            email=True,
            detail=f"{type(error).__name__}"[:200],
            worker=worker,
        )
        Reminder.objects.filter(pk=row.pk).update(
            failures=F("failures") + 1,
            retry_at=now + dt.timedelta(minutes=2**failures),
            claimed_until=None,
            status=ReminderStatus.FAILED if gave_up else ReminderStatus.PENDING,
            finished_at=now if gave_up else None,
            note=f"Email failed {failures} times" if gave_up else "",
        )
    return gave_up


def due_reminders(now: dt.datetime) -> QuerySet[Reminder]:
    """Pending reminders due by ``now`` and not waiting out a retry (claimed or not)."""
    return Reminder.objects.filter(status=ReminderStatus.PENDING, due_at__lte=now).filter(
        Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    )


def _sweep_batch(
    batch: list[Reminder],
    kinds: dict[str, ReminderKind],
    connection: BaseEmailBackend,
    at: dt.datetime,
    worker: str,
    report: SweepReport,
) -> None:
    """Settle one claimed batch and add its figures to ``report``."""
    began = time.monotonic()
    plans = _plan(batch, kinds, at)
    sent, skipped = _settle_without_email([p for p in plans if not p.email_to], kinds, at, worker)
    emailed = 0
    for plan in (p for p in plans if p.email_to):
        try:
            if _send_one(plan, kinds[plan.reminder.kind], connection, at, worker):
                emailed += 1
        except Exception as error:
            logger.warning("Reminder %s: email failed (%s)", plan.reminder.pk, type(error).__name__)
            report.failed += int(_record_failure(plan.reminder, error, at, worker))
    report.sent += sent + emailed
    report.emailed += emailed
    report.skipped += skipped
    report.batches.append(BatchFigure(len(batch), sent + emailed, emailed, skipped, round(time.monotonic() - began, 4)))


def send_due_reminders(
    *,
    now: dt.datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    time_budget: dt.timedelta | None = DEFAULT_TIME_BUDGET,
) -> SweepReport:
    """Send every due, unsent reminder, in batches, each exactly once. Safe to run anywhere, any number of times.

    A sweep claims a batch (FOR UPDATE SKIP LOCKED, so sweeps running at once
    take different batches), checks it against its domain (is the request
    still open, the meeting still on?) with one query per kind, settles the
    skipped and in-app-only reminders in one transaction, and sends each
    emailed one in its own short transaction that records the attempt and
    marks it sent. A sweep that dies mid-batch leaves its unfinished
    reminders pending; once its claim lapses (``CONVENE_REMINDER_CLAIM_SECONDS``)
    the next sweep sends them.
    """
    kinds = reminder_kinds()
    worker = _worker_name()
    report = SweepReport()
    started = time.monotonic()
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:  # each email will try again and record its own failure
        logger.warning("Email connection failed to open (%s)", type(error).__name__)
    try:
        while True:
            at = now or timezone.now()
            batch = _claim(at, batch_size, worker)
            if not batch:
                break
            _sweep_batch(batch, kinds, connection, at, worker, report)
            if time_budget is not None and time.monotonic() - started > time_budget.total_seconds():
                break
    finally:
        connection.close()
        report.seconds = time.monotonic() - started
    return report
