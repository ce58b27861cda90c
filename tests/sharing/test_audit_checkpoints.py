"""Signed checkpoints make the audit trail's tail and its checkpoints tamper-evident, and let
``verify_audit_chain`` read only what is new (DESIGN.md, "Management commands").

Tampering is done as someone with the database owner's rights would: with triggers off for the
session (``session_replication_role = replica``; the test database user is a superuser), restored after.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from sharing.chain import verify_chain
from sharing.models import AuditCheckpoint, AuditVerification
from sharing.sealer import seal_pending
from sharing.tasks import seal_audit_checkpoint
from tests.sharing.audit_commands import run_command

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checkpoint_file")]

EVENTS = 30


def _append(count: int) -> None:
    for number in range(count):
        record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.thing", object_id=number, reason="test")


def _seqs() -> list[int]:
    return list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))


def _seal() -> str:
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    return out.getvalue()


def _verify(*args: str) -> tuple[int, str, str]:
    return run_command("verify_audit_chain", *args)


def _execute(sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


@contextlib.contextmanager
def _triggers_off() -> Iterator[None]:
    _execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        _execute("SET session_replication_role = DEFAULT")


def _rechain_from(seq: int) -> None:
    """A forger who also recomputes every later link, so the chain on its own verifies again."""
    for (later,) in _execute("SELECT seq FROM sharing_auditevent WHERE seq >= %s ORDER BY seq", [seq]):
        _execute(
            "UPDATE sharing_auditevent e SET (prev_seq, prev_hash) = (SELECT p.seq, p.hash FROM"
            " sharing_auditevent p WHERE p.seq < e.seq ORDER BY p.seq DESC LIMIT 1) WHERE seq = %s",
            [later],
        )
        _execute("UPDATE sharing_auditevent e SET hash = sharing_audit_hash(e) WHERE seq = %s", [later])


def _file_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _sealed_trail() -> int:
    """EVENTS events and one checkpoint at the head; returns the head's seq."""
    _append(EVENTS)
    _seal()
    return _seqs()[-1]


# --- sealing -------------------------------------------------------------------------------------------


def test_a_checkpoint_seals_the_head_in_the_database_and_in_the_file(checkpoint_file: Path) -> None:
    _append(EVENTS)
    assert AuditEvent.objects.filter(hash="").count() == EVENTS, "appended unsealed"

    out = _seal()

    assert not AuditEvent.objects.filter(hash="").exists(), "the command chains them before sealing the head"
    assert f"Chained {EVENTS} event(s)." in out
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.seq, checkpoint.head_hash, checkpoint.event_count) == (
        head.seq,
        head.hash,
        AuditEvent.objects.count(),
    )
    assert len(checkpoint.signature) == 64
    assert f"Sealed event {head.seq}" in out
    [line] = _file_lines(checkpoint_file)
    assert line["seq"] == head.seq
    assert line["head_hash"] == head.hash
    assert line["event_count"] == AuditEvent.objects.count()
    assert line["signature"] == checkpoint.signature
    code, out, err = _verify()
    assert (code, err) == (0, "")
    assert out.startswith(f"OK: {AuditEvent.objects.count()} events, head {head.hash}")


def test_an_unchanged_head_is_not_sealed_twice(checkpoint_file: Path) -> None:
    _sealed_trail()
    assert _seal().strip() == "Nothing new to seal."
    assert AuditCheckpoint.objects.count() == 1
    assert len(_file_lines(checkpoint_file)) == 1
    _append(2)
    _seal()
    assert AuditCheckpoint.objects.count() == 2
    assert [line["seq"] for line in _file_lines(checkpoint_file)] == sorted(
        AuditCheckpoint.objects.values_list("seq", flat=True)
    )


def test_an_empty_trail_has_nothing_to_seal() -> None:
    if AuditEvent.objects.exists():
        pytest.skip("this database's trail is not empty")
    assert _seal().strip() == "Nothing new to seal."
    assert not AuditCheckpoint.objects.exists()


def test_checkpoints_are_append_only() -> None:
    _sealed_trail()
    checkpoint = AuditCheckpoint.objects.get()
    for attempt in (
        lambda: AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(event_count=1),
        lambda: AuditCheckpoint.objects.filter(pk=checkpoint.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()


@pytest.mark.parametrize(
    ("task_name", "every"),
    [("sharing.tasks.seal_audit_checkpoint", (5, "minutes")), ("sharing.tasks.seal_audit_trail", (3, "seconds"))],
    ids=["checkpoint-every-five-minutes", "sealer-every-three-seconds"],
)
def test_beat_runs_the_checkpoint_and_the_sealer(task_name: str, every: tuple[int, str]) -> None:
    task = PeriodicTask.objects.get(task=task_name)
    assert task.enabled
    assert task.interval is not None
    assert (task.interval.every, task.interval.period) == every


def test_the_task_seals_the_head() -> None:
    _append(3)
    assert seal_audit_checkpoint() == _seqs()[-1]
    assert seal_audit_checkpoint() is None


def test_a_checkpoint_lost_between_commit_and_file_is_written_by_the_next_seal(checkpoint_file: Path) -> None:
    _sealed_trail()
    checkpoint_file.write_text("")  # the process died after the commit, before its line was written
    assert _verify()[0] == 1
    _append(2)
    _seal()
    assert [line["seq"] for line in _file_lines(checkpoint_file)] == sorted(
        AuditCheckpoint.objects.values_list("seq", flat=True)
    )
    assert _verify()[0] == 0


# --- tampering of each kind is detected ----------------------------------------------------------------


def test_a_modified_event_is_detected() -> None:
    _sealed_trail()
    target = _seqs()[EVENTS // 2]
    with _triggers_off():
        _execute("UPDATE sharing_auditevent SET reason = 'nothing happened' WHERE seq = %s", [target])
    code, _out, err = _verify()
    assert code == 1
    assert f"event {target}: contents do not match the hash (modified)" in err


def test_a_modified_event_with_the_chain_rewritten_after_it_is_caught_by_the_checkpoint() -> None:
    head = _sealed_trail()
    target = _seqs()[EVENTS // 2]
    with _triggers_off():
        _execute("UPDATE sharing_auditevent SET reason = 'nothing happened' WHERE seq = %s", [target])
        _rechain_from(target)
    assert verify_chain()[1] == [], "the chain alone is consistent again"
    code, _out, err = _verify()
    assert code == 1
    assert f"checkpoint {head}: its event is not the one it sealed (modified or replaced)" in err


def test_an_inserted_event_is_detected() -> None:
    head = _sealed_trail()
    target = _seqs()[EVENTS // 2]
    with _triggers_off():
        # Make room (seq is unique: through negative values), insert a forged event, re-link everything.
        _execute("UPDATE sharing_auditevent SET seq = -seq WHERE seq > %s", [target])
        _execute("UPDATE sharing_auditevent SET seq = -seq + 1 WHERE seq < 0")
        _execute(
            "INSERT INTO sharing_auditevent (seq, occurred_at, actor_username, agency_name, verb, object_type,"
            " object_id, reason, details, break_glass, prev_hash, hash)"
            " VALUES (%s, now(), '', '', 'changed', 'test.thing', 'x', 'forged', '{}', false, '', '')",
            [target + 1],
        )
        _rechain_from(target + 1)
    assert verify_chain()[1] == [], "the chain alone is consistent again"
    code, _out, err = _verify()
    assert code == 1
    assert f"checkpoint {head}: its event is not the one it sealed (modified or replaced)" in err


def test_an_event_inserted_without_a_sequence_number_is_detected() -> None:
    _sealed_trail()
    with _triggers_off():
        _execute(
            "INSERT INTO sharing_auditevent (seq, occurred_at, actor_username, agency_name, verb, object_type,"
            " object_id, reason, details, break_glass, prev_hash, hash)"
            " VALUES (NULL, now(), '', '', 'changed', 'test.thing', 'x', 'forged', '{}', false, '', '')"
        )
    code, _out, err = _verify()
    assert code == 1
    assert "1 event(s) have no sequence number (inserted)" in err


def test_reordered_events_are_detected() -> None:
    _sealed_trail()
    first = _seqs()[EVENTS // 2]
    with _triggers_off():
        _execute("UPDATE sharing_auditevent SET seq = -1 WHERE seq = %s", [first])
        _execute("UPDATE sharing_auditevent SET seq = %s WHERE seq = %s", [first, first + 2])
        _execute("UPDATE sharing_auditevent SET seq = %s WHERE seq = -1", [first + 2])
    code, _out, err = _verify()
    assert code == 1
    assert f"event {first + 1}: does not follow the previous event (deleted or reordered)" in err


def test_an_event_deleted_in_the_middle_is_detected() -> None:
    head = _sealed_trail()
    target = _seqs()[EVENTS // 2]
    with _triggers_off():
        _execute("DELETE FROM sharing_auditevent WHERE seq = %s", [target])
    code, _out, err = _verify()
    assert code == 1
    assert f"event {target + 1}: sequence jumps from {target - 1} (events deleted)" in err
    total = AuditEvent.objects.count()
    assert f"checkpoint {head}: {total} events up to it, it sealed {total + 1}" in err


@pytest.mark.parametrize("verified_before", [False, True], ids=["unverified", "after-a-verified-run"])
def test_the_newest_events_deleted_up_to_the_latest_checkpoint_are_detected(verified_before: bool) -> None:
    head = _sealed_trail()
    if verified_before:
        assert _verify()[0] == 0
    with _triggers_off():
        _execute("DELETE FROM sharing_auditevent WHERE seq > %s", [head - 3])
    assert verify_chain()[1] == [], "what is left is a consistent chain on its own"
    code, _out, err = _verify()
    assert code == 1
    assert f"checkpoint {head}: its event is missing (events deleted up to the checkpoint)" in err
    assert _verify("--full")[0] == 1


def test_a_checkpoint_deleted_from_the_table_is_detected() -> None:
    first = _sealed_trail()
    _append(3)
    _seal()
    with _triggers_off():
        _execute("DELETE FROM sharing_auditcheckpoint WHERE seq = %s", [first])
    code, _out, err = _verify()
    assert code == 1
    assert f"checkpoint {first}: in the checkpoint file but not in the database (deleted from the table)" in err


def test_the_newest_events_and_their_checkpoint_deleted_from_the_table_are_still_caught_by_the_file() -> None:
    _append(EVENTS)
    _seal()
    _append(3)
    _seal()
    head = _seqs()[-1]
    with _triggers_off():
        _execute("DELETE FROM sharing_auditevent WHERE seq > %s", [head - 3])
        _execute("DELETE FROM sharing_auditcheckpoint WHERE seq = %s", [head])
    code, _out, err = _verify()
    assert code == 1
    assert f"checkpoint {head}: in the checkpoint file but not in the database (deleted from the table)" in err
    assert f"checkpoint {head}: its event is missing (events deleted up to the checkpoint)" in err


def test_a_checkpoint_deleted_from_the_file_is_detected(checkpoint_file: Path) -> None:
    first = _sealed_trail()
    _append(3)
    _seal()
    lines = checkpoint_file.read_text().splitlines(keepends=True)
    checkpoint_file.write_text("".join(lines[1:]))
    code, _out, err = _verify()
    assert code == 1
    assert f"checkpoint {first}: in the database but not in the checkpoint file (removed from the file)" in err


def test_a_missing_checkpoint_file_is_detected(checkpoint_file: Path) -> None:
    head = _sealed_trail()
    checkpoint_file.unlink()
    code, _out, err = _verify()
    assert code == 1
    assert f"the checkpoint file {checkpoint_file} is missing" in err
    assert f"checkpoint {head}: in the database but not in the checkpoint file" in err


def test_a_checkpoint_signed_with_another_key_is_rejected(settings: Any) -> None:
    _append(EVENTS)
    settings.CONVENE_AUDIT_CHECKPOINT_KEY = "another key, not this deployment's"
    _seal()
    head = _seqs()[-1]
    settings.CONVENE_AUDIT_CHECKPOINT_KEY = "the deployment's own key, from its environment"
    code, _out, err = _verify()
    assert code == 1
    assert f"checkpoint {head}: its signature does not hold in the database (another key, or altered)" in err
    assert f"checkpoint {head}: its signature does not hold in the checkpoint file (another key, or altered)" in err


def test_an_altered_checkpoint_is_rejected(checkpoint_file: Path) -> None:
    head = _sealed_trail()
    with _triggers_off():
        _execute("UPDATE sharing_auditcheckpoint SET event_count = event_count - 3 WHERE seq = %s", [head])
    line = _file_lines(checkpoint_file)[0]
    checkpoint_file.write_text(json.dumps({**line, "event_count": line["event_count"] - 3}) + "\n")
    code, _out, err = _verify()
    assert code == 1
    assert f"checkpoint {head}: its signature does not hold in the database" in err
    assert f"checkpoint {head}: its signature does not hold in the checkpoint file" in err


def test_a_forged_verification_mark_is_rejected() -> None:
    """Marking a checkpoint verified would make the next run skip what is below it: marks are signed."""
    head = _sealed_trail()
    target = _seqs()[EVENTS // 2]
    with _triggers_off():
        _execute("UPDATE sharing_auditevent SET reason = 'nothing happened' WHERE seq = %s", [target])
    checkpoint = AuditCheckpoint.objects.get()
    AuditVerification.objects.create(
        checkpoint_seq=head,
        checkpoint_hash=checkpoint.head_hash,
        verified_at=checkpoint.created_at,
        full=True,
        events_checked=EVENTS,
        signature="0" * 64,
    )
    code, _out, err = _verify()
    assert code == 1
    assert "its signature does not hold (not a verification run)" in err
    assert f"event {target}: contents do not match the hash (modified)" in err


# --- incremental and full verification ----------------------------------------------------------------


def _rows_read(queries: list[dict[str, str]]) -> dict[str, int]:
    """Audit events each captured SELECT reads, from EXPLAIN ANALYZE with sequential scans off (on a
    table this small the planner would otherwise read it all whatever the WHERE)."""
    read: dict[str, int] = {}
    _execute("SET enable_seqscan = off")
    try:
        for query in queries:
            sql = query["sql"]
            if "sharing_auditevent" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            [(plan,)] = _execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            read[sql] = _plan_rows(plan[0]["Plan"])
    finally:
        _execute("SET enable_seqscan = on")
    return read


def _plan_rows(node: dict[str, Any]) -> int:
    own = 0
    if str(node.get("Relation Name", "")).startswith("sharing_auditevent"):  # the trail's monthly partitions
        loops = node.get("Actual Loops", 1)
        own = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
    return own + sum(_plan_rows(child) for child in node.get("Plans", []))


def test_an_incremental_run_reads_only_the_events_after_the_last_verified_checkpoint() -> None:
    first = _sealed_trail()
    assert _verify()[0] == 0
    assert AuditVerification.objects.filter(checkpoint_seq=first).exists()
    new = 5
    _append(new)
    _seal()
    total = AuditEvent.objects.count()
    assert total >= EVENTS + new

    with CaptureQueriesContext(connection) as captured:
        code, out, err = _verify()

    assert (code, err) == (0, "")
    assert out.startswith(f"OK: {new} events, head ")
    assert f"from event {first}" in out
    read = _rows_read(captured.captured_queries)
    assert read, "the run read the trail"
    # The starting checkpoint's own event, and what came after it: never the events below it.
    assert max(read.values()) <= new + 1, read


def test_a_full_run_reads_every_event() -> None:
    _sealed_trail()
    assert _verify()[0] == 0
    _append(5)
    _seal()
    total = AuditEvent.objects.count()

    with CaptureQueriesContext(connection) as captured:
        code, out, _err = _verify("--full")

    assert code == 0
    assert out.startswith(f"OK: {total} events, head ")
    assert max(_rows_read(captured.captured_queries).values()) >= total


def test_tampering_below_a_verified_checkpoint_is_found_by_a_full_run() -> None:
    """An incremental run trusts what an earlier run verified; --full re-reads it."""
    _sealed_trail()
    assert _verify()[0] == 0
    target = _seqs()[EVENTS // 2]
    with _triggers_off():
        _execute("UPDATE sharing_auditevent SET reason = 'nothing happened' WHERE seq = %s", [target])
    code, _out, err = _verify("--full")
    assert code == 1
    assert f"event {target}: contents do not match the hash (modified)" in err


def test_a_run_that_finds_a_problem_does_not_mark_anything_verified() -> None:
    _sealed_trail()
    target = _seqs()[EVENTS // 2]
    with _triggers_off():
        _execute("UPDATE sharing_auditevent SET reason = 'nothing happened' WHERE seq = %s", [target])
    assert _verify()[0] == 1
    assert not AuditVerification.objects.exists()
    assert _verify()[0] == 1, "the next run starts from the beginning again"


def test_events_after_the_latest_checkpoint_are_verified_too() -> None:
    _sealed_trail()
    assert _verify()[0] == 0
    _append(4)
    assert seal_pending().events == 4  # chained by the sealer, not yet under a checkpoint
    target = _seqs()[-2]
    with _triggers_off():
        _execute("UPDATE sharing_auditevent SET reason = 'nothing happened' WHERE seq = %s", [target])
    code, _out, err = _verify()
    assert code == 1
    assert f"event {target}: contents do not match the hash (modified)" in err
