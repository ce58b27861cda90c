"""Chain the audit events appended since the last run, then seal the chain's head into a signed checkpoint
(beat runs the sealer every few seconds and this every 5 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sharing.chain import checkpoint_file, seal_and_checkpoint
from sharing.sealer import SealRefused


class Command(BaseCommand):
    help = (
        "Chain the committed audit events not yet sealed (in seq order, never past a writer that can still "
        "commit below), then seal the chain's head (its newest event's seq and hash and the number of events) "
        "into a checkpoint signed with CONVENE_AUDIT_CHECKPOINT_KEY, in the database and appended to "
        "CONVENE_AUDIT_CHECKPOINT_FILE. Does nothing when the head is already sealed. Exits 1 when an unsealed "
        "event sits below the chain's head."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sealed, checkpoint = seal_and_checkpoint()
        except SealRefused as exc:
            raise CommandError(f"Refused to chain the audit trail: {exc}", returncode=1) from exc
        if sealed.events:
            self.stdout.write(f"Chained {sealed.events} event(s).")
        if sealed.waiting:
            self.stdout.write("A writer was still running: the events after it wait for the next run.")
        if checkpoint is None:
            self.stdout.write("Nothing new to seal.")
            return
        self.stdout.write(
            f"Sealed event {checkpoint.seq} ({checkpoint.event_count} events), head {checkpoint.head_hash}, "
            f"also in {checkpoint_file()}"
        )
