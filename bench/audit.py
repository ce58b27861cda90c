#!/usr/bin/env python
"""Audit trail benchmark (issue 13): appends a second, and how long verification takes.

    createdb -h 127.0.0.1 -U postgres convene_bench_audit
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_bench_audit
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/audit.py --seconds 10 --clients 1,4,16 --events 1000000 --new-events 100000

**Appends.** For each client count, that many processes (each with its own connection, started
together) append for ``--seconds``, one event a transaction, through three paths, interleaved:

* ``record_event``: the real write path (``core.audit.record_event``: the ORM insert, the chain
  trigger and its advisory lock);
* ``chained INSERT``: the same row inserted by SQL into ``sharing_auditevent`` (the trigger's cost
  without Django's);
* ``plain INSERT``: the same SQL into ``bench_audit_plain``, a table of the same shape (columns and
  indexes, ``LIKE sharing_auditevent INCLUDING ALL``, seq from a sequence) with no trigger.

The ratios are each chained path's rate over the plain insert's at the same client count.

**Verification.** Tops the trail up to ``--events`` events (SQL inserts through the chain trigger),
seals a checkpoint, times ``verify_audit_chain --full``; then appends ``--new-events``, seals again,
and times the incremental run (from the checkpoint the full run verified). Checkpoints go to
``var/bench/<database>-audit-checkpoints.jsonl``. On this shared machine wall-clock figures move with
whatever else runs: the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from collections.abc import Callable
from typing import Any

from _setup import ROOT
from django.db import connection, connections, transaction
from django.test.utils import override_settings

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from sharing.chain import seal_checkpoint, verify_trail

PLAIN = "bench_audit_plain"
INSERT = """
INSERT INTO {table} (occurred_at, actor_id, actor_username, agency_id, agency_name, verb, object_type, object_id,
                     ip_address, reason, details, break_glass, prev_hash, hash)
VALUES (now(), 7, 'bench.user', 3, 'Bench agency', 'record_viewed', 'bench.thing', %s, '10.0.0.1', '', %s,
        false, '', '')
"""
FILL = """
INSERT INTO sharing_auditevent (occurred_at, actor_id, actor_username, agency_id, agency_name, verb, object_type,
                                object_id, ip_address, reason, details, break_glass, prev_hash, hash)
SELECT now(), 7, 'bench.user', 3, 'Bench agency', 'record_viewed', 'bench.thing', n::text, '10.0.0.1', '',
       jsonb_build_object('ids', jsonb_build_array(n)), false, '', ''
FROM generate_series(1, %s) AS n
"""


def _details(n: int) -> str:
    return f'{{"ids": [{n}]}}'


def _record_event(n: int) -> None:
    record_event(actor=None, verb=AuditVerb.RECORD_VIEWED, object_type="bench.thing", object_id=n, details={"ids": [n]})


def _sql_insert(table: str) -> Callable[[int], None]:
    statement = INSERT.format(table=table)

    def append(n: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, [str(n), _details(n)])

    return append


PATHS: dict[str, Callable[[int], None]] = {
    "record_event": _record_event,
    "chained INSERT": _sql_insert("sharing_auditevent"),
    "plain INSERT": _sql_insert(PLAIN),
}


def _client(path: str, seconds: float, barrier: Any, results: Any) -> None:
    append = PATHS[path]
    barrier.wait()
    end = time.monotonic() + seconds
    count = 0
    while time.monotonic() < end:
        with transaction.atomic():
            append(count)
        count += 1
    connection.close()
    results.put(count)


def appends_per_second(path: str, clients: int, seconds: float) -> float:
    context = multiprocessing.get_context("fork")
    connections.close_all()  # every child opens its own
    barrier, results = context.Barrier(clients), context.Queue()
    children = [context.Process(target=_client, args=(path, seconds, barrier, results)) for _ in range(clients)]
    for child in children:
        child.start()
    total = sum(results.get() for _ in children)
    for child in children:
        child.join()
    return total / seconds


def prepare_plain_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN}")
        cursor.execute(f"CREATE TABLE {PLAIN} (LIKE sharing_auditevent INCLUDING ALL)")
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {PLAIN}_seq")
        cursor.execute(f"ALTER TABLE {PLAIN} ALTER seq SET DEFAULT nextval('{PLAIN}_seq')")


def bench_appends(client_counts: list[int], seconds: float) -> None:
    prepare_plain_table()
    print(f"\nAppends a second ({seconds:g} s a run, one event a transaction, processes started together)")
    header = f"{'clients':>7}  " + "  ".join(f"{name:>15}" for name in PATHS)
    print(header + f"  {'record_event/plain':>18}  {'chained/plain':>13}")
    for clients in client_counts:
        rates = {name: appends_per_second(name, clients, seconds) for name in PATHS}
        plain = rates["plain INSERT"] or 1.0
        print(
            f"{clients:>7}  "
            + "  ".join(f"{rates[name]:>15,.0f}" for name in PATHS)
            + f"  {rates['record_event'] / plain:>17.2f}x  {rates['chained INSERT'] / plain:>12.2f}x"
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN}")


def top_up(events: int, batch: int = 100_000) -> None:
    have = AuditEvent.objects.count()
    started = time.perf_counter()
    while have < events:
        step = min(batch, events - have)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FILL, [step])
        have += step
    if time.perf_counter() - started > 1:
        print(f"  (topped the trail up to {have:,} events in {time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sharing_auditevent")


def timed_verification(*, full: bool) -> tuple[float, int, int]:
    started = time.perf_counter()
    verification = verify_trail(full=full)
    return time.perf_counter() - started, verification.checked, len(verification.problems)


def bench_verification(events: int, new_events: int) -> None:
    print(f"\nVerification ({events:,} events, then {new_events:,} more)")
    top_up(events)
    started = time.perf_counter()
    seal_checkpoint()
    print(f"  seal a checkpoint: {time.perf_counter() - started:.2f} s")
    seconds, checked, problems = timed_verification(full=True)
    print(f"  full:        {seconds:7.2f} s for {checked:,} events ({problems} problems)")
    top_up(AuditEvent.objects.count() + new_events)
    started = time.perf_counter()
    seal_checkpoint()
    print(f"  seal a checkpoint ({new_events:,} new events): {time.perf_counter() - started:.2f} s")
    seconds, checked, problems = timed_verification(full=False)
    print(f"  incremental: {seconds:7.2f} s for {checked:,} events ({problems} problems)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", default="1,4,16", help="comma-separated client counts")
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the trail for the full run")
    parser.add_argument("--new-events", type=int, default=100_000, help="events added before the incremental run")
    parser.add_argument("--skip-appends", action="store_true")
    parser.add_argument("--skip-verification", action="store_true")
    args = parser.parse_args()
    database = connection.settings_dict["NAME"]
    checkpoints = ROOT / "var" / "bench" / f"{database}-audit-checkpoints.jsonl"
    print(f"database {database}, load average {os.getloadavg()[0]:.2f} at the start, checkpoints in {checkpoints}")
    with override_settings(CONVENE_AUDIT_CHECKPOINT_FILE=checkpoints):
        if not args.skip_appends:
            bench_appends([int(n) for n in args.clients.split(",")], args.seconds)
        if not args.skip_verification:
            bench_verification(args.events, args.new_events)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
