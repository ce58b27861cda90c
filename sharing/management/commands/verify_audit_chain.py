"""Verify the audit trail: its signed checkpoints, and its hash chain from the last verified checkpoint."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sharing.chain import Verification, verify_trail


class Command(BaseCommand):
    help = (
        "Verify the append-only audit trail: every checkpoint is signed with CONVENE_AUDIT_CHECKPOINT_KEY and "
        "the database and the checkpoint file hold the same ones; every sealed event from the last verified "
        "checkpoint (from the first event with --full) matches its hash and follows the previous one without "
        "a gap; every checkpoint still finds the event it sealed and as many events up to it; and no event "
        "waiting for the sealer sits below the chain's head (those above it are counted). Exits 1 and lists "
        "each problem otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="recompute the whole chain from the first event, not the last verified checkpoint",
        )

    def handle(self, *args: Any, full: bool = False, **options: Any) -> None:
        verification = verify_trail(full=full)
        if verification.problems:
            for problem in verification.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"Audit trail broken: {len(verification.problems)} problem(s), {verification.checked} events checked.",
                returncode=1,
            )
        self.stdout.write(
            f"OK: {verification.checked} events, head {verification.head or '(empty)'}{_sealed(verification)}"
            + _unsealed(verification)
        )


def _sealed(verification: Verification) -> str:
    if verification.latest is None:
        return ""
    start = f"event {verification.start.seq}" if verification.start else "the first event"
    return f"; from {start}, {verification.checkpoints} checkpoint(s), the latest at event {verification.latest.seq}"


def _unsealed(verification: Verification) -> str:
    if not verification.unsealed:
        return ""
    return f"; {verification.unsealed} newer event(s) not yet sealed (the sealer chains them within seconds)"
