"""Send every due reminder now, without Celery: the same sweep the beat schedule runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.notifications import sweep


class Command(BaseCommand):
    help = "Send every due, unsent reminder (in-app and email) once, as the Celery beat sweep does."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=sweep.DEFAULT_BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep.send_due_reminders(batch_size=options["batch_size"], time_budget=None)
        self.stdout.write(
            f"Sent {report.sent} ({report.emailed} by email), skipped {report.skipped}, "
            f"gave up on {report.failed}, in {len(report.batches)} batches, {report.seconds:.2f}s."
        )
