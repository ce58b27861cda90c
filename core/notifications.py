"""Notification delivery: the reminder outbox, the sweep that sends it, in-app
notifications and email preferences.

Nothing domain-specific lives here. Each app says "who gets which reminder
when" in its own ``reminders.py``: it registers its kinds with
:func:`register_kind` (with a check that the thing is still due) and, inside the
transaction of each event, calls :func:`sync_reminders` with the reminders its
objects should now have. The sweep (:func:`send_due_reminders`, run by Celery
beat every minute and by ``manage.py send_due_reminders``) sends what is due.

No personal data ever leaves through here: a reminder's text is built from its
kind's headline, a moment, a record reference and a link into Convene, and
nothing else, so neither a name nor case text can reach an inbox.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from core.models import (
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderStatus,
)
from core.working_days import LONDON, is_working_day

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
# Give up on an email after this many failures (the in-app notification is kept).
MAX_FAILURES = 5
# A sweep stops starting new batches after this long; the next one carries on.
DEFAULT_TIME_BUDGET = dt.timedelta(minutes=4)


# --- in-app notifications -----------------------------------------------------------------


def notify(*, recipients: Iterable[Any], kind: str, title: str, link: str = "") -> list[Notification]:
    """In-app notifications now, without the outbox (no email). Titles never carry personal data."""
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
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(user: Any, *, cap: int = 100) -> int:
    """Unread notifications, counted up to ``cap`` (one query on the (recipient, read_at) index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)[:cap].count()


# --- kinds ----------------------------------------------------------------------------------

StillDue = Callable[[Sequence[Reminder], dt.datetime], Collection[int]]


@dataclass(frozen=True)
class ReminderKind:
    """A kind of reminder, declared by the app whose events it reminds of.

    ``headline`` may use ``{when}`` and ``{reference}`` and nothing else: it is
    the whole of what the recipient is told, in the app and by email.
    ``still_due(reminders, now)`` returns the ids of those reminders whose
    object still needs them (one query per batch); the sweep skips the rest.
    """

    code: str
    label: str
    headline: str
    still_due: StillDue
    description: str = ""
    show_time: bool = False

    def title(self, reminder: Reminder) -> str:
        return self.headline.format(
            when=format_moment(reminder.event_at, self.show_time), reference=reminder.reference or "a record"
        )


_KINDS: dict[str, ReminderKind] = {}
_discovered = False


def register_kind(kind: ReminderKind) -> ReminderKind:
    _KINDS[kind.code] = kind
    return kind


def reminder_kinds() -> dict[str, ReminderKind]:
    """Every registered kind, after importing each installed app's ``reminders`` module once."""
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


# --- moments ----------------------------------------------------------------------------------

MORNING = dt.time(9, 0)


def at_london(day: dt.date, clock: dt.time = MORNING) -> dt.datetime:
    """``clock`` on ``day`` in London, as an aware datetime (stored as UTC)."""
    return dt.datetime.combine(day, clock, tzinfo=LONDON)


def working_days_before(day: dt.date, days: int) -> dt.date:
    """The working day ``days`` working days before ``day`` (``day`` itself does not count)."""
    while days > 0:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def london_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LONDON).date()


def format_moment(moment: dt.datetime | None, show_time: bool) -> str:
    """``Tuesday 3 March 2026`` or ``Tuesday 3 March 2026 at 10:00 (UK time)``: shown in London time."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    text = f"{local:%A} {local.day} {local:%B %Y}"
    return f"{text} at {local:%H:%M} (UK time)" if show_time else text


# --- writing the outbox -------------------------------------------------------------------


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
    def key(self) -> tuple[str, int, dt.datetime]:
        return (self.kind, self.recipient_id, self.due_at)


@dataclass
class SyncResult:
    created: int = 0
    cancelled: int = 0
    revived: int = 0


def _content_type(obj: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(type(obj))


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
    existing = list(
        Reminder.objects.filter(content_type=ct, object_id=obj.pk, kind__in=kinds).values_list(
            "pk", "kind", "recipient_id", "due_at", "status"
        )
    )
    existing_keys = {(kind, recipient, due) for _, kind, recipient, due, _ in existing}
    now = timezone.now()
    result = SyncResult()
    stale = [
        pk for pk, *key, status in existing if status == ReminderStatus.PENDING and tuple(key) not in wanted_by_key
    ]
    if stale:
        result.cancelled = Reminder.objects.filter(pk__in=stale, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.CANCELLED, finished_at=now, note="No longer due: the event changed"
        )
    for pk, *key, status in existing:
        if status == ReminderStatus.CANCELLED and tuple(key) in wanted_by_key:
            again = wanted_by_key[tuple(key)]  # type: ignore[index]
            result.revived += Reminder.objects.filter(pk=pk, status=ReminderStatus.CANCELLED).update(
                status=ReminderStatus.PENDING,
                finished_at=None,
                note="",
                claimed_until=None,
                event_at=again.event_at,
                link=again.link,
                reference=again.reference,
            )
    missing = [w for key, w in wanted_by_key.items() if key not in existing_keys]
    if missing:
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
        result.created = len(created)
    return result


def cancel_reminders(*, obj: models.Model, kinds: Iterable[str]) -> int:
    return sync_reminders(obj=obj, kinds=kinds, wanted=[]).cancelled


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


# --- preferences ------------------------------------------------------------------------------


def email_preferences(user: Any) -> dict[str, bool]:
    """Each registered kind: True when the user gets it by email (default), False for in-app only."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    forced = mandatory_kinds()
    return {code: code in forced or chosen.get(code, True) for code in reminder_kinds()}


def set_email_preferences(*, user: Any, choices: dict[str, bool]) -> None:
    """Record the user's choice per kind. Mandatory and unknown kinds are ignored."""
    allowed = set(reminder_kinds()) - mandatory_kinds()
    rows = [NotificationPreference(user=user, kind=kind, email=bool(email)) for kind, email in choices.items()]
    NotificationPreference.objects.bulk_create(
        [r for r in rows if r.kind in allowed],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["email"],
    )


# --- the sweep ----------------------------------------------------------------------------------


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
    """Decide each reminder's fate with one query per kind, one for recipients, one for preferences."""
    by_kind: dict[str, list[Reminder]] = defaultdict(list)
    for reminder in batch:
        by_kind[reminder.kind].append(reminder)
    still: set[int] = set()
    for code, rows in by_kind.items():
        if code in kinds:
            still.update(kinds[code].still_due(rows, now))
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
        elif address and (reminder.kind in forced or (reminder.recipient_id, reminder.kind) not in in_app_only):
            plans.append(_Plan(reminder, email_to=address))
        else:
            plans.append(_Plan(reminder))
    return plans


def _in_app(reminder: Reminder, kind: ReminderKind) -> Notification:
    return Notification(
        recipient_id=reminder.recipient_id, kind=reminder.kind, title=kind.title(reminder)[:200], link=reminder.link
    )


def _mine(pks: Iterable[int], worker: str, *, skip_locked: bool = True) -> Any:
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


def _send_one(plan: _Plan, kind: ReminderKind, connection: Any, now: dt.datetime, worker: str) -> bool:
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


def due_reminders(now: dt.datetime) -> Any:
    return Reminder.objects.filter(status=ReminderStatus.PENDING, due_at__lte=now).filter(
        Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    )


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
            report.batches.append(
                BatchFigure(len(batch), sent + emailed, emailed, skipped, round(time.monotonic() - began, 4))
            )
            if time_budget is not None and time.monotonic() - started > time_budget.total_seconds():
                break
    finally:
        connection.close()
        report.seconds = time.monotonic() - started
    return report
