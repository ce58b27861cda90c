"""``manage.py retention_due``: what the nightly job does, now, for an operator."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from governance import retention, services


class Command(BaseCommand):
    help = (
        "List the records due for disposal under the retention schedule in batches waiting for approval "
        "(as the nightly job does), then print every batch waiting. --dry-run prints what is due without "
        "listing it. Records appear by reference only. Nothing is disposed of: see manage.py dispose."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print what is due; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            due = retention.due_for_disposal(now=timezone.now())
            self.stdout.write(f"{len(due)} record(s) due and not yet listed.")
            for candidate in due:
                self.stdout.write(self._line("-", candidate.reference, candidate.record_type, candidate.due_at))
            return
        listed = services.list_due_for_disposal()
        self.stdout.write(f"Listed {len(listed)} new batch(es).")
        waiting = retention.batches_waiting(viewer=None)
        self.stdout.write(f"{len(waiting)} batch(es) waiting for approval.")
        for batch in waiting:
            detail = retention.disposal_batch(viewer=None, batch_id=batch.pk)
            for item in detail.items:
                held = "  (under a legal hold)" if getattr(item, "held_now", False) else ""
                line = self._line(str(batch.pk), item.reference, item.record_type, item.due_at)
                self.stdout.write(f"{line}  {item.get_status_display()}{held}")

    @staticmethod
    def _line(batch: str, reference: str, record_type: str, due_at: Any) -> str:
        return f"batch {batch:>5}  {reference:<18}  {record_type:<8}  due since {timezone.localtime(due_at):%Y-%m-%d}"
