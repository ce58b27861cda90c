"""Recompute the audit trail's hash chain and report any modified, deleted or reordered event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sharing.chain import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the append-only audit trail: every event's hash matches its contents and the previous "
        "event's hash, and the sequence has no gaps. Prints the head hash on success (record it elsewhere "
        "to detect a truncated tail); exits 1 and lists each problem otherwise."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems, head = verify_chain()
        if problems:
            for problem in problems:
                self.stderr.write(f"event {problem.seq}: {problem.problem}")
            raise CommandError(f"Audit chain broken: {len(problems)} problem(s) in {checked} events.", returncode=1)
        self.stdout.write(f"OK: {checked} events, head {head or '(empty)'}")
