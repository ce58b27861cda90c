#!/usr/bin/env python
"""Audit trail benchmark (issue 13): appends a second, and how long verification takes.

    createdb -h 127.0.0.1 -U postgres convene_bench_audit
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_bench_audit
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/audit.py --seconds 10 --clients 1,4,16 --events 1000000 --new-events 100000

**Appends.** For each client count, that many processes (each with its own connection, started
together) append for ``--seconds``, one event a transaction, through three paths, interleaved:

* ``record_event``: the real write path (``core.audit.record_event``: the ORM insert into
  ``sharing_auditevent``, unsealed, seq from its sequence; no trigger, no lock);
* ``audit INSERT``: the same row inserted by SQL into ``sharing_auditevent`` (the table's cost
  without Django's);
* ``plain create``: the same ORM ``create`` as ``record_event`` into ``bench_audit_plain``, a table
  of the same shape (columns and indexes, ``LIKE sharing_auditevent INCLUDING ALL``, seq from its
  own sequence) with no trigger;
* ``plain INSERT``: the same SQL into ``bench_audit_plain``.

The ratios are each audit path's rate over the plain insert's through the same client code (ORM
against ORM, SQL against SQL) at the same client count, and ``record_event`` over the plain SQL. A sealer
process (``sharing.sealer.seal_pending``, as beat runs it, every ``--seal-every`` seconds) runs
alongside the audit paths, as in production, and the largest time an event waited to be chained
is printed; after each run the rest of the backlog is chained and timed (events chained a second).

**Verification.** Tops the trail up to ``--events`` events (SQL inserts, then the sealer chains
them: its rate is printed), seals a checkpoint, times ``verify_audit_chain --full``; then appends
``--new-events``, seals again, and times the incremental run (from the checkpoint the full run
verified). ``--events 10000000`` gives the 10M figure (the sealer chains the top-up at its own rate,
a few thousand events a second on a loaded machine: allow for it). Checkpoints go to
``var/bench/<database>-audit-checkpoints.jsonl``.

**Queries.** The trail is partitioned by month (docs/adr/0025): at the verification's size, the plans
and times of the auditors' queries by actor, by reference (object_type, object_id) and by time range
are printed (EXPLAIN ANALYZE): each is served by the partitions' indexes, a time range only by its months. On this shared machine wall-clock figures move with
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
from django.db import connection, connections, models, transaction
from django.test.utils import override_settings
from django.utils import timezone

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from sharing.chain import seal_checkpoint, verify_trail
from sharing.sealer import seal_pending

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


def _plain_model() -> type[models.Model]:
    """An unmanaged model of the plain table, with AuditEvent's fields: the same ORM work per insert."""
    fields = {field.name: field.clone() for field in AuditEvent._meta.local_fields if not field.primary_key}
    meta = type("Meta", (), {"app_label": "core", "db_table": PLAIN, "managed": False})
    return type("BenchPlainEvent", (models.Model,), {**fields, "Meta": meta, "__module__": __name__})


PlainEvent = _plain_model()


def _plain_create(n: int) -> None:
    """What ``record_event`` does for a system event, into the plain table."""
    PlainEvent.objects.create(  # type: ignore[attr-defined]
        occurred_at=timezone.now(),
        actor_id=None,
        actor_username="",
        agency_id=None,
        agency_name="",
        verb=AuditVerb.RECORD_VIEWED,
        object_type="bench.thing",
        object_id=str(n),
        ip_address=None,
        reason="",
        details={"ids": [n]},
        break_glass=False,
    )


def _sql_insert(table: str) -> Callable[[int], None]:
    statement = INSERT.format(table=table)

    def append(n: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, [str(n), _details(n)])

    return append


PATHS: dict[str, Callable[[int], None]] = {
    "record_event": _record_event,
    "plain create": _plain_create,
    "audit INSERT": _sql_insert("sharing_auditevent"),
    "plain INSERT": _sql_insert(PLAIN),
}
SEALED_PATHS = {"record_event", "audit INSERT"}
OLDEST_UNSEALED = (
    "SELECT coalesce(extract(epoch FROM now() - min(occurred_at)), 0) FROM sharing_auditevent WHERE hash = ''"
)


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


def _sealer(seconds: float, every: float, barrier: Any, results: Any) -> None:
    """Beat's sealer: chains the backlog every ``every`` seconds; reports the oldest wait it saw."""
    barrier.wait()
    end = time.monotonic() + seconds
    waited = 0.0
    while time.monotonic() < end:
        time.sleep(every)
        with connection.cursor() as cursor:
            cursor.execute(OLDEST_UNSEALED)
            waited = max(waited, float(cursor.fetchone()[0]))
        seal_pending(max_seconds=max(0.0, end - time.monotonic()))
    connection.close()
    results.put(waited)


def appends_per_second(path: str, clients: int, seconds: float, seal_every: float) -> tuple[float, float | None]:
    """Appends a second over ``clients`` processes, and the longest an event waited for the sealer."""
    context = multiprocessing.get_context("fork")
    connections.close_all()  # every child opens its own
    sealing = path in SEALED_PATHS
    barrier, results, waits = context.Barrier(clients + sealing), context.Queue(), context.Queue()
    children = [context.Process(target=_client, args=(path, seconds, barrier, results)) for _ in range(clients)]
    if sealing:
        children.append(context.Process(target=_sealer, args=(seconds, seal_every, barrier, waits)))
    for child in children:
        child.start()
    total = sum(results.get() for _ in range(clients))
    waited = waits.get() if sealing else None
    for child in children:
        child.join()
    return total / seconds, waited


def chain_backlog() -> tuple[int, float]:
    started = time.perf_counter()
    sealed = seal_pending(max_wait=30).events
    return sealed, time.perf_counter() - started


def prepare_plain_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN}")
        cursor.execute(f"CREATE TABLE {PLAIN} (LIKE sharing_auditevent INCLUDING ALL)")
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {PLAIN}_seq")
        cursor.execute(f"ALTER TABLE {PLAIN} ALTER seq SET DEFAULT nextval('{PLAIN}_seq')")


def bench_appends(client_counts: list[int], seconds: float, seal_every: float, repeat: int) -> None:
    prepare_plain_table()
    chain_backlog()
    print(
        f"\nAppends a second ({seconds:g} s a run, one event a transaction, processes started together; "
        f"the sealer every {seal_every:g} s beside the audit paths)"
    )
    header = f"{'clients':>7}  " + "  ".join(f"{name:>13}" for name in PATHS)
    ratios = ("record_event/create", "audit/plain INSERT", "record_event/INSERT")
    print(
        header + "  " + "  ".join(f"{name:>19}" for name in ratios) + f"  {'longest wait':>12}  {'backlog chained':>22}"
    )
    for clients in client_counts:
        rates: dict[str, float] = dict.fromkeys(PATHS, 0.0)
        waits = []
        for _ in range(repeat):  # interleaved; the best of each (the machine is shared)
            for name in PATHS:
                rate, waited = appends_per_second(name, clients, seconds, seal_every)
                rates[name] = max(rates[name], rate)
                if waited is not None:
                    waits.append(waited)
        sealed, took = chain_backlog()
        ratio = (
            rates["record_event"] / (rates["plain create"] or 1.0),
            rates["audit INSERT"] / (rates["plain INSERT"] or 1.0),
            rates["record_event"] / (rates["plain INSERT"] or 1.0),
        )
        print(
            f"{clients:>7}  "
            + "  ".join(f"{rates[name]:>13,.0f}" for name in PATHS)
            + "  "
            + "  ".join(f"{value:>18.2f}x" for value in ratio)
            + f"  {max(waits):>10.1f} s  {sealed:>9,} in {took:5.2f} s"
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
    sealed, took = chain_backlog()
    if sealed:
        print(f"  the sealer chained {sealed:,} events in {took:.1f} s ({sealed / took:,.0f} a second)")
    started = time.perf_counter()
    seal_checkpoint()
    print(f"  seal a checkpoint: {time.perf_counter() - started:.2f} s")
    seconds, checked, problems = timed_verification(full=True)
    print(f"  full:        {seconds:7.2f} s for {checked:,} events ({problems} problems)")
    top_up(AuditEvent.objects.count() + new_events)
    started = time.perf_counter()
    seal_checkpoint()
    print(f"  chain and seal a checkpoint ({new_events:,} new events): {time.perf_counter() - started:.2f} s")
    seconds, checked, problems = timed_verification(full=False)
    print(f"  incremental: {seconds:7.2f} s for {checked:,} events ({problems} problems)")


QUERIES = {
    "by actor": "SELECT * FROM sharing_auditevent WHERE actor_id = 7 AND occurred_at >= now() - interval '1 day'"
    " ORDER BY seq DESC LIMIT 50",
    "by reference": "SELECT * FROM sharing_auditevent WHERE object_type = 'bench.thing' AND object_id = '4242'"
    " ORDER BY seq DESC LIMIT 50",
    "by time": "SELECT * FROM sharing_auditevent WHERE occurred_at >= now() - interval '1 hour'"
    " AND occurred_at < now() - interval '59 minutes' ORDER BY seq DESC LIMIT 50",
}


def bench_queries() -> None:
    """The auditors' queries at this size: plan (scan nodes only) and execution time."""
    print(f"\nQueries ({AuditEvent.objects.count():,} events)")
    with connection.cursor() as cursor:
        for name, sql in QUERIES.items():
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            [(plan,)] = cursor.fetchall()
            scans = sorted(_scans(plan[0]["Plan"]))
            print(f"  {name:13} {plan[0]['Execution Time']:8.2f} ms  " + "; ".join(scans))


def _scans(node: dict[str, Any]) -> set[str]:
    found = {f"{node['Node Type']} on {node['Relation Name']}"} if "Relation Name" in node else set()
    for child in node.get("Plans", []):
        found |= _scans(child)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", default="1,4,16", help="comma-separated client counts")
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the trail for the full run")
    parser.add_argument("--new-events", type=int, default=100_000, help="events added before the incremental run")
    parser.add_argument("--seal-every", type=float, default=3.0, help="seconds between sealer runs (beat: 3)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each path per client count (best kept)")
    parser.add_argument("--skip-appends", action="store_true")
    parser.add_argument("--skip-verification", action="store_true")
    args = parser.parse_args()
    database = connection.settings_dict["NAME"]
    checkpoints = ROOT / "var" / "bench" / f"{database}-audit-checkpoints.jsonl"
    print(f"database {database}, load average {os.getloadavg()[0]:.2f} at the start, checkpoints in {checkpoints}")
    with override_settings(CONVENE_AUDIT_CHECKPOINT_FILE=checkpoints):
        if not args.skip_appends:
            bench_appends([int(n) for n in args.clients.split(",")], args.seconds, args.seal_every, args.repeat)
        if not args.skip_verification:
            bench_verification(args.events, args.new_events)
            bench_queries()
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
