"""A trail chained by the old trigger (one global lock per event) comes through the move to appends
without a lock intact: every event keeps its seq and hash, the checkpoints sealed before still hold,
``verify_audit_chain --full`` passes, and the sealer carries the chain on from the old head.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from sharing import chain
from sharing.models import AuditCheckpoint
from tests.sharing import worlds
from tests.sharing.audit_commands import run_command

pytestmark = pytest.mark.django_db(transaction=True)

# The last migrations under the chain trigger (sharing's schedule of the sealer goes back with them).
BEFORE = [("core", "0006_audit_verbs_for_uploads_and_password_resets")]
OLD_WRITE = (
    "INSERT INTO sharing_auditevent (occurred_at, actor_username, agency_name, verb, object_type, object_id,"
    " reason, details, break_glass, prev_hash, hash)"
    " VALUES (now(), 'chair', '', 'record_viewed', 'referrals.referral', %s, '', '{\"ids\": [1]}', false, '', '')"
)


def _migrate(targets: list[tuple[str, str]] | None = None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.fixture
def old_trigger(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.CONVENE_AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"
    _migrate(BEFORE)
    try:
        yield
    finally:
        _migrate()


def _write_the_old_way(count: int, *, start: int = 0) -> None:
    with connection.cursor() as cursor:
        for number in range(start, start + count):
            cursor.execute(OLD_WRITE, [str(number)])


def _verify(*args: str) -> tuple[int, str, str]:
    return run_command("verify_audit_chain", *args)


def _legacy_rows() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, prev_hash, hash FROM sharing_auditevent ORDER BY seq")
        return cursor.fetchall()


def test_a_trail_chained_by_the_old_trigger_stays_verifiable_and_the_sealer_carries_it_on(old_trigger: None) -> None:
    _write_the_old_way(5)
    with contextlib.suppress(worlds.Rollback), transaction.atomic():
        _write_the_old_way(1, start=5)  # the old trigger left no hole for a write that rolled back
        raise worlds.Rollback
    _write_the_old_way(4, start=6)
    with transaction.atomic():  # a checkpoint sealed the old way, at the old head
        sealed_before = chain._seal_head()
    assert sealed_before is not None
    chain._append_to_file(chain.checkpoint_file(), [chain.Seal.of(sealed_before)])
    _write_the_old_way(2, start=10)
    legacy = _legacy_rows()
    seqs = [seq for seq, _, _ in legacy]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "the old trigger chained every event"
    assert all(hash_ for _, _, hash_ in legacy)

    _migrate()

    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "prev_hash", "hash")) == legacy
    assert not AuditEvent.objects.filter(prev_seq__isnull=False).exists()
    code, out, err = _verify("--full")
    assert (code, err) == (0, ""), err
    assert out.startswith(f"OK: {len(legacy)} events, head {legacy[-1][2]}")

    for number in range(3):
        record_event(actor=None, verb=AuditVerb.RECORD_VIEWED, object_type="referrals.referral", object_id=number)
    assert "3 newer event(s) not yet sealed" in _verify()[1]
    call_command("audit_checkpoint", stdout=io.StringIO())

    new = list(AuditEvent.objects.filter(seq__gt=seqs[-1]).order_by("seq").values_list("seq", "prev_seq", "prev_hash"))
    assert len(new) == 3
    assert new[0][1:] == (seqs[-1], legacy[-1][2]), "the sealer carries the chain on from the old head"
    assert AuditCheckpoint.objects.filter(seq=sealed_before.seq).exists()
    assert AuditCheckpoint.objects.order_by("-seq").first().seq == new[-1][0]  # type: ignore[union-attr]
    for args in (["--full"], []):
        code, _out, err = _verify(*args)
        assert (code, err) == (0, ""), err

    # Deletion under the old numbering is still told: an old event names seq - 1 as the one before it.
    target = seqs[len(seqs) // 2]
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM sharing_auditevent WHERE seq = %s", [target])
        cursor.execute("SET session_replication_role = DEFAULT")
    code, _out, err = _verify("--full")
    assert code == 1
    assert f"event {target + 1}: sequence jumps from {target - 1} (events deleted)" in err
