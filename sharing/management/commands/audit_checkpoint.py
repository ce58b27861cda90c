"""Seal the current head of the audit trail into a signed checkpoint (beat runs it every 5 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sharing.chain import checkpoint_file, seal_checkpoint


class Command(BaseCommand):
    help = (
        "Seal the audit trail's head (its newest event's seq and hash and the number of events) into a "
        "checkpoint signed with CONVENE_AUDIT_CHECKPOINT_KEY, in the database and appended to "
        "CONVENE_AUDIT_CHECKPOINT_FILE. Does nothing when the head is already sealed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = seal_checkpoint()
        if checkpoint is None:
            self.stdout.write("Nothing new to seal.")
            return
        self.stdout.write(
            f"Sealed event {checkpoint.seq} ({checkpoint.event_count} events), head {checkpoint.head_hash}, "
            f"also in {checkpoint_file()}"
        )
