"""Verifying the hash chain of the audit trail (the trigger in sharing's migrations builds it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain() -> tuple[int, list[ChainProblem], str]:
    """Recompute every hash in order. Returns (events checked, problems, head hash)."""
    problems: list[ChainProblem] = []
    checked = 0
    head = ""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.seq, e.hash, e.prev_hash, sharing_audit_hash(e),
                   lag(e.hash) OVER (ORDER BY e.seq), lag(e.seq) OVER (ORDER BY e.seq)
            FROM sharing_auditevent e ORDER BY e.seq
            """
        )
        for seq, stored, prev_hash, expected, prev_actual, prev_seq in cursor:
            checked += 1
            head = stored
            if stored != expected:
                problems.append(ChainProblem(seq, "contents do not match the hash (modified)"))
            if prev_hash != (prev_actual or ""):
                problems.append(ChainProblem(seq, "does not follow the previous event (deleted or reordered)"))
            if seq != (prev_seq or 0) + 1:
                problems.append(ChainProblem(seq, f"sequence jumps from {prev_seq or 0} (events deleted)"))
    return checked, problems, head
