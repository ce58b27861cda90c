"""The audit trail partitioned by month (docs/adr/0025-audit-trail-partitioned-by-month.md): the upgrade
keeps every event verifiable; every partition refuses UPDATE, DELETE and TRUNCATE; months are created
ahead; queries by actor, reference and time are served by indexes; archiving the oldest month detaches
it and the trail still verifies, while tampering around the archive is still found."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from sharing import chain, partitions
from sharing.partitions import ArchiveRefused, archive_month
from sharing.sealer import seal_pending
from sharing.tasks import add_audit_partitions
from tests.sharing.audit_commands import run_command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("checkpoint_file")]

BEFORE_PARTITIONS = [("core", "0008_audit_unsealed_events_index")]
AT = (
    "INSERT INTO sharing_auditevent (occurred_at, actor_id, actor_username, agency_name, verb, object_type,"
    " object_id, reason, details, break_glass, prev_hash, hash)"
    " VALUES (%s, %s, 'someone', '', 'record_viewed', 'referrals.referral', %s, '', '{}', false, '', '')"
)


def _months_ago(months: int) -> dt.date:
    today = timezone.now().astimezone(dt.UTC).date()
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _moment(month: dt.date, day: int = 10) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, 12, tzinfo=dt.UTC)


def _execute(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


def _event_at(moment: dt.datetime, number: int = 0) -> None:
    _execute(AT, [moment, 7, str(number)])


def _verify(*args: str) -> tuple[int, str, str]:
    return run_command("verify_audit_chain", *args)


def _migrate(targets: list[tuple[str, str]] | None = None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.fixture
def unpartitioned() -> Iterator[None]:
    _migrate(BEFORE_PARTITIONS)
    try:
        yield
    finally:
        _migrate()


@pytest.fixture
def past_months() -> Iterator[tuple[dt.date, dt.date]]:
    """Partitions for the two months before this one, ``older`` being the oldest attached; an archive
    left by the test is dropped after it. Another transactional test of the worker may have left older
    months attached (a flush empties partitions but never drops them): those, empty, are dropped first."""
    older, last = _months_ago(2), _months_ago(1)
    for month in partitions.attached_months():
        if month.start < older and not _execute(f"SELECT 1 FROM {month.table} LIMIT 1"):  # noqa: S608
            _execute(f"ALTER TABLE sharing_auditevent DETACH PARTITION {month.table}")
            _execute(f"DROP TABLE {month.table}")
    partitions.add_partitions(today=older, months_ahead=1)
    assert partitions.attached_months()[0].start == older, "an older month holding events is attached"
    yield older, last
    for month in (older, last):
        table = f"sharing_auditevent_{month:%Y_%m}"
        if table not in {m.table for m in partitions.attached_months()}:
            _execute(f"DROP TABLE IF EXISTS {table}")


def _partition_of(event_id: int) -> str:
    return _execute("SELECT tableoid::regclass::text FROM sharing_auditevent WHERE id = %s", [event_id])[0][0]


def test_the_upgrade_copies_every_event_into_its_month_and_the_trail_still_verifies(unpartitioned: None) -> None:
    months = [_months_ago(2), _months_ago(1), _months_ago(0)]
    for number, month in enumerate(months * 3):
        _event_at(_moment(month), number)
    seal_pending()
    chain.seal_checkpoint()
    for number in range(2):  # two more, left unsealed
        _event_at(timezone.now(), 100 + number)
    columns = "id, seq, occurred_at, prev_seq, prev_hash, hash, details"
    before = _execute(f"SELECT {columns} FROM sharing_auditevent ORDER BY seq")  # noqa: S608
    assert len(before) == 11
    assert not _execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'sharing_auditevent'::regclass")

    _migrate()

    assert _execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'sharing_auditevent'::regclass")
    assert _execute(f"SELECT {columns} FROM sharing_auditevent ORDER BY seq") == before  # noqa: S608
    for event_id, _seq, occurred_at, *_rest in before:
        assert _partition_of(event_id) == f"sharing_auditevent_{occurred_at.astimezone(dt.UTC):%Y_%m}"
    code, out, err = _verify("--full")
    assert (code, err) == (0, ""), err
    assert out.startswith("OK: 9 events")
    assert "2 newer event(s) not yet sealed" in out

    record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.thing", object_id=1)
    chain.seal_checkpoint()
    newest = AuditEvent.objects.order_by("-seq").first()
    assert newest is not None
    assert newest.pk > max(row[0] for row in before), "ids carry on above the old ones"
    assert AuditEvent.objects.filter(hash="").count() == 0
    assert AuditEvent.objects.count() == len(before) + 1
    for args in (["--full"], []):
        code, _out, err = _verify(*args)
        assert (code, err) == (0, ""), err


def _attached() -> list[str]:
    rows = _execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'sharing_auditevent'::regclass ORDER BY 1"
    )
    return [row[0] for row in rows]


def _refused(statement: str) -> bool:
    """The statement fails on the trail's guard (not for some other reason)."""
    try:
        with transaction.atomic():
            _execute(statement)
    except DatabaseError as exc:
        return "append-only" in str(exc)
    return False


@pytest.fixture
def truncate_guard_on() -> Iterator[None]:
    """The test databases lift the trail's TRUNCATE guard (Django's flush truncates): put it back on."""
    _execute("ALTER TABLE sharing_auditevent ENABLE TRIGGER sharing_audit_no_truncate")
    try:
        yield
    finally:
        _execute("ALTER TABLE sharing_auditevent DISABLE TRIGGER sharing_audit_no_truncate")


def test_every_partition_refuses_update_delete_and_truncate(truncate_guard_on: None) -> None:
    partitions.add_partitions(months_ahead=5)  # months created after the migration are guarded too
    names = _attached()
    assert "sharing_auditevent_default" in names
    assert f"sharing_auditevent_{_months_ago(-5):%Y_%m}" in names
    far_future = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)  # lands in the default partition
    for moment in [*(_moment(m.start) for m in partitions.attached_months()), far_future]:
        _event_at(moment)
    seal_pending()
    held = {_partition_of(pk) for pk in AuditEvent.objects.values_list("pk", flat=True)}
    assert held == set(names), "an event in every partition"
    for name in names:
        assert _refused(f"UPDATE {name} SET reason = 'rewritten'"), name  # noqa: S608
        assert _refused(f"DELETE FROM {name}"), name  # noqa: S608
        assert _refused(f"TRUNCATE {name}"), name
        unique_seq = "SELECT 1 FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s"
        assert _execute(unique_seq, [name, "%UNIQUE%(seq)"]), f"{name} has its unique index on seq"
    assert _refused("UPDATE sharing_auditevent SET reason = 'rewritten'")
    assert _refused("DELETE FROM sharing_auditevent")
    assert _refused("TRUNCATE sharing_auditevent")
    assert AuditEvent.objects.count() == len(names)


def test_months_are_created_ahead_once() -> None:
    start = _months_ago(-1)
    before = {m.table for m in partitions.attached_months()}
    created = partitions.add_partitions(today=start, months_ahead=6)
    after = {m.table for m in partitions.attached_months()}
    expected = {f"sharing_auditevent_{_months_ago(-1 - n):%Y_%m}" for n in range(7)}
    assert expected <= after
    assert created == len(after - before)
    assert partitions.add_partitions(today=start, months_ahead=6) == 0
    assert add_audit_partitions() == 0  # the beat task: this month and three ahead exist already


def _plan(sql: str, params: list[Any]) -> str:
    _execute("SET enable_seqscan = off")  # on a table this small the planner would read it all anyway
    try:
        return "\n".join(row[0] for row in _execute(f"EXPLAIN {sql}", params))
    finally:
        _execute("SET enable_seqscan = on")


def test_queries_by_actor_reference_and_time_are_served_by_indexes(past_months: tuple[dt.date, dt.date]) -> None:
    older, last = past_months
    for number in range(5):
        _event_at(_moment(older), number)
        _event_at(_moment(last), number)
    since, until = _moment(last, 1), _moment(last, 20)
    queries = {
        "actor": AuditEvent.objects.filter(actor_id=7, occurred_at__gte=since).order_by("-seq"),
        "reference": AuditEvent.objects.filter(object_type="referrals.referral", object_id="3").order_by("-seq"),
        "time": AuditEvent.objects.filter(occurred_at__gte=since, occurred_at__lt=until).order_by("-seq"),
    }
    for name, queryset in queries.items():
        sql, params = queryset.query.sql_with_params()
        plan = _plan(sql, list(params))
        assert "Seq Scan" not in plan, (name, plan)
        assert "Index" in plan, (name, plan)
    sql, params = queries["time"].query.sql_with_params()
    time_plan = _plan(sql, list(params))
    assert f"sharing_auditevent_{last:%Y_%m}" in time_plan
    assert f"sharing_auditevent_{older:%Y_%m}" not in time_plan, "other months are pruned"


def _seed_two_months_interleaved(older: dt.date, last: dt.date) -> None:
    """Events of both months, with seqs interleaved at the boundary (a write that started before the
    month ended committed after one of the next month), then sealed, checkpointed and verified."""
    for number in range(4):
        _event_at(_moment(older), number)
    _event_at(_moment(last, 1), 10)  # next month's event takes a seq below the older month's last
    _event_at(_moment(older, 28), 11)
    for number in range(3):
        _event_at(_moment(last), 20 + number)
    record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.thing", object_id=1)  # this month
    seal_pending()
    chain.seal_checkpoint()


def test_archiving_the_oldest_month_detaches_it_and_the_trail_still_verifies(
    past_months: tuple[dt.date, dt.date],
) -> None:
    older, last = past_months
    _seed_two_months_interleaved(older, last)
    total = AuditEvent.objects.count()

    with pytest.raises(ArchiveRefused):
        archive_month(actor=None, month=last)  # not the oldest
    mark = archive_month(actor=None, month=older)

    table = f"sharing_auditevent_{older:%Y_%m}"
    assert table not in _attached()
    assert _execute(f"SELECT count(*) FROM {table}") == [(5,)], "the archive holds the month's events"  # noqa: S608
    assert mark.archived == 5
    assert mark.kept_below == 1
    assert len(mark.links) == 2, "both events of the next month that follow an archived one"
    assert AuditEvent.objects.count() == total - 5 + 1  # the archive's own event
    assert AuditEvent.objects.filter(verb=AuditVerb.AUDIT_ARCHIVED, object_id=table).exists()
    with pytest.raises(DatabaseError), transaction.atomic():  # append-only until it is dumped and dropped
        _execute(f"DELETE FROM {table}")  # noqa: S608

    for args in (["--full"], []):
        code, _out, err = _verify(*args)
        assert (code, err) == (0, ""), err
    record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.thing", object_id=2)
    chain.seal_checkpoint()
    code, _out, err = _verify("--full")
    assert (code, err) == (0, ""), err


def test_a_second_month_archived_after_the_first_keeps_the_trail_verifiable(
    past_months: tuple[dt.date, dt.date],
) -> None:
    older, last = past_months
    _seed_two_months_interleaved(older, last)
    first = archive_month(actor=None, month=older)
    chain.seal_checkpoint()

    second = archive_month(actor=None, month=last)

    assert second.archived == first.archived + 4, "the mark counts every month archived so far"
    assert second.through_seq > first.through_seq
    assert second.kept_below == 0
    assert [seq for seq, _prev, _hash in second.links] == [
        AuditEvent.objects.filter(verb=AuditVerb.CHANGED).order_by("seq").values_list("seq", flat=True)[0]
    ], "only this month's first event now follows an archived one"
    for args in (["--full"], []):
        code, _out, err = _verify(*args)
        assert (code, err) == (0, ""), err


def _without_guards(sql: str) -> None:
    _execute("SET session_replication_role = replica")
    try:
        _execute(sql)
    finally:
        _execute("SET session_replication_role = DEFAULT")


@pytest.mark.parametrize("tamper", ["delete the interleaved event", "delete the archive's event", "relink"])
def test_tampering_around_an_archive_is_still_found(past_months: tuple[dt.date, dt.date], tamper: str) -> None:
    older, last = past_months
    _seed_two_months_interleaved(older, last)
    mark = archive_month(actor=None, month=older)
    chain.seal_checkpoint()
    assert _verify("--full")[0] == 0
    first_link = mark.links[0][0]
    if tamper == "delete the interleaved event":
        _without_guards(f"DELETE FROM sharing_auditevent WHERE seq <= {mark.through_seq}")  # noqa: S608
    elif tamper == "delete the archive's event":
        _without_guards("DELETE FROM sharing_auditevent WHERE verb = 'audit_archived'")
    else:  # a link to the archive rewritten, its hash recomputed to match
        _without_guards(f"UPDATE sharing_auditevent SET prev_hash = repeat('0', 64) WHERE seq = {first_link}")  # noqa: S608
        _without_guards(f"UPDATE sharing_auditevent e SET hash = sharing_audit_hash(e) WHERE seq = {first_link}")  # noqa: S608
    code, _out, err = _verify("--full")
    assert code == 1, tamper
    assert err


def test_archiving_refuses_a_month_holding_the_chain_head(past_months: tuple[dt.date, dt.date]) -> None:
    older, _last = past_months
    _event_at(_moment(older))
    with pytest.raises(ArchiveRefused, match="verified checkpoint is after"):
        archive_month(actor=None, month=older)
    assert f"sharing_auditevent_{older:%Y_%m}" in _attached()
    assert not AuditEvent.objects.filter(verb=AuditVerb.AUDIT_ARCHIVED).exists()
