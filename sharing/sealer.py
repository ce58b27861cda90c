"""The sealer: chains the audit events that writers appended without a lock (docs/adr/0014-audit-sealer.md).

Writers insert unsealed events (``seq`` from a sequence, ``hash`` empty). ``seal_pending`` calls the
database's ``sharing_audit_seal`` batch after batch; each batch seals, in ``seq`` order, only up to a
fence that no writer can still fill below (it waits, up to ``max_wait`` seconds, for the transactions
that hold a write lock on the table when it reads the sequence), so an event that commits late with a
lower ``seq`` is neither skipped nor chained out of order. Beat runs it every few seconds
(``sharing.tasks.seal_audit_trail``) and ``seal_checkpoint`` runs it before sealing a checkpoint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

SEAL_BATCH = 5_000
MAX_WAIT_SECONDS = 2.0
MISPLACED_SQLSTATE = "CVA01"  # raised by sharing_audit_seal (core/migrations/0007)


class SealRefused(Exception):
    """An unsealed event sits below the sealed head: it cannot take its place in the chain.

    Only tampering (an event inserted with a chosen ``seq``) or a sealer that broke the fence puts one
    there; nothing more is sealed until someone who may investigate has looked (and the verifier reports
    the same events)."""


@dataclass(frozen=True)
class Sealed:
    """What one run sealed; ``waiting`` when a writer older than the fence was still running."""

    events: int
    waiting: bool


def _seal_batch(batch: int, max_wait: float) -> int:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT sharing_audit_seal(%s, %s)", [batch, max_wait])
            return int(cursor.fetchone()[0])
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == MISPLACED_SQLSTATE:
            raise SealRefused(str(exc).splitlines()[0]) from exc
        raise


def seal_pending(
    *, batch: int = SEAL_BATCH, max_wait: float = MAX_WAIT_SECONDS, max_seconds: float | None = None
) -> Sealed:
    """Chain every committed unsealed event, ``batch`` at a time (each batch commits on its own), or
    stop after the batch that goes past ``max_seconds`` (the next run goes on from there).

    Needs READ COMMITTED. Inside a transaction that wrote events itself, those are sealed with it
    (its own locks are not waited for). Raises ``SealRefused`` for an unsealed event below the head.
    """
    sealed = 0
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    while True:
        count = _seal_batch(batch, max_wait)
        if count < 0:
            return Sealed(sealed, waiting=True)
        sealed += count
        if count < batch or (deadline is not None and time.monotonic() > deadline):
            return Sealed(sealed, waiting=False)
