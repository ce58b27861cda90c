#!/usr/bin/env python
"""Reminder sweep benchmark: how long the sweep takes for 10,000 due reminders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_reminders \\
        .venv/bin/python bench/reminders.py --reminders 10000 --batch-size 200

Creates a throwaway agency, ``--users`` people (a share of whom chose in-app
only) and ``--reminders`` due reminders spread over them, then runs
``core.notifications.send_due_reminders`` (the function beat's task and
``manage.py send_due_reminders`` call) with ``--workers`` sweeps at once, each
in its own thread and database connection, as several Celery workers would.
Email goes to Django's file backend in a temporary directory (real writes, no
SMTP). Reports the total time, reminders per second, per-batch figures
(p50/p95/max seconds, for emailed and in-app-only reminders), and checks that
every reminder was sent exactly once. Everything it created is deleted after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from _setup import ROOT  # noqa: F401 - sets Django up first
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from core import notifications
from core.models import DeliveryAttempt, Notification, NotificationPreference, Reminder, ReminderStatus
from partnership import services as partnership_services
from partnership.models import Agency, User
from sharing.models import BreakGlass
from sharing.reminders import BREAK_GLASS

PREFIX = "bench-reminders"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] if ordered else 0.0


def seed(count: int, users: int, in_app_share: float) -> tuple[Agency, list[int]]:
    agency = partnership_services.create_agency(name=f"{PREFIX} {time.time_ns()}", kind="other")
    people = User.objects.bulk_create(
        # Auditors: they hear of every break-glass opening, so the sweep's rule-12 check lets each through.
        User(
            username=f"{PREFIX}-{agency.pk}-{n}",
            email=f"{PREFIX}-{n}@example.invalid",
            agency=agency,
            roles=["auditor"],
        )
        for n in range(users)
    )
    quiet = people[: round(users * in_app_share)]
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=u, kind=BREAK_GLASS, email=False) for u in quiet
    )
    now = timezone.now()
    opening = BreakGlass.objects.create(
        user=people[0],
        content_type=ContentType.objects.get_for_model(User),
        object_id=people[0].pk,
        reason="Reminder sweep benchmark",
        expires_at=now,
    )
    ct = ContentType.objects.get_for_model(BreakGlass)
    rows = Reminder.objects.bulk_create(
        (
            Reminder(
                kind=BREAK_GLASS,
                content_type=ct,
                object_id=opening.pk,
                recipient=people[n % users],
                due_at=now - dt.timedelta(seconds=n),
                event_at=now,
                link="/admin/",
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    return agency, [r.pk for r in rows]


def cleanup(agency: Agency) -> None:
    people = User.objects.filter(agency=agency)
    BreakGlass.objects.filter(user__in=people).delete()
    Reminder.objects.filter(recipient__in=people).delete()
    Notification.objects.filter(recipient__in=people).delete()
    people.delete()
    group = agency.group
    agency.delete()
    group.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=notifications.DEFAULT_BATCH_SIZE)
    parser.add_argument("--workers", type=int, default=1, help="sweeps running at once (threads)")
    parser.add_argument("--in-app-share", type=float, default=0.3, help="share of people who chose in-app only")
    parser.add_argument("--keep", action="store_true", help="keep the rows it created")
    args = parser.parse_args()

    mail_dir = tempfile.mkdtemp(prefix="convene-bench-mail-")
    settings = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=mail_dir,
        CONVENE_MANDATORY_REMINDER_KINDS=[],  # so in-app-only choices take effect
    )
    settings.enable()
    print(f"Seeding {args.reminders} due reminders over {args.users} people ...", flush=True)
    began = time.perf_counter()
    agency, ids = seed(args.reminders, args.users, args.in_app_share)
    print(f"  seeded in {time.perf_counter() - began:.1f}s")
    reports: list[notifications.SweepReport] = []
    lock = threading.Lock()

    def sweep() -> None:
        try:
            report = notifications.send_due_reminders(batch_size=args.batch_size, time_budget=None)
            with lock:
                reports.append(report)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=sweep) for _ in range(args.workers)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began

        batches = [b for r in reports for b in r.batches]
        seconds = [b.seconds for b in batches]
        per_reminder = [b.seconds / b.size * 1000 for b in batches if b.size]
        sent = sum(r.sent for r in reports)
        emailed = sum(r.emailed for r in reports)
        mails = Counter()
        for path in Path(mail_dir).glob("*"):
            for line in path.read_bytes().splitlines():
                if line.startswith(b"X-Convene-Reminder: "):
                    mails[int(line.split(b": ")[1])] += 1
        statuses = Counter(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True))
        attempts = DeliveryAttempt.objects.filter(reminder_id__in=ids).count()

        print(
            f"\nSweep of {args.reminders} due reminders, batch size {args.batch_size}, {args.workers} sweep(s) at once"
        )
        print(f"  total            {elapsed:8.2f} s   ({args.reminders / elapsed:,.0f} reminders/s)")
        print(f"  sent             {sent:8d}   ({emailed} by email, {sent - emailed} in-app only)")
        print(f"  batches          {len(batches):8d}")
        print(
            f"  batch seconds    p50 {statistics.median(seconds):.3f}  p95 {percentile(seconds, 95):.3f}  "
            f"max {max(seconds):.3f}"
        )
        print(f"  ms per reminder  p50 {statistics.median(per_reminder):.2f}  p95 {percentile(per_reminder, 95):.2f}")
        print(f"  statuses         {dict(statuses)}")
        print(f"  attempts         {attempts}")
        repeats = sum(1 for n in mails.values() if n > 1)
        print(f"  emails written   {sum(mails.values())} for {len(mails)} reminders; repeated: {repeats}")
        ok = statuses == {ReminderStatus.SENT: args.reminders} and attempts == args.reminders and repeats == 0
        ok = ok and sum(mails.values()) == emailed
        print("  exactly once     " + ("yes" if ok else "NO"))
        if not ok:
            sys.exit(1)
    finally:
        if not args.keep:
            cleanup(agency)
        settings.disable()


if __name__ == "__main__":
    main()
