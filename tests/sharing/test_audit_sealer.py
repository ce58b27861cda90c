"""The sealer's contract (docs/adr/0014-audit-sealer.md): events are appended unsealed and chained later;
verification counts the unsealed ones; an unsealed event below the chain's head is refused by the sealer
and reported by the verifier; the database lets through no UPDATE but the sealer's own."""

from __future__ import annotations

import logging

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from sharing.sealer import SealRefused, seal_pending
from sharing.tasks import seal_audit_trail
from tests.partnership.api_helpers import token_headers
from tests.sharing import worlds
from tests.sharing.audit_commands import run_command
from tests.world import Partnership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checkpoint_file")]

FORGED = (
    "INSERT INTO sharing_auditevent (seq, occurred_at, actor_username, agency_name, verb, object_type,"
    " object_id, reason, details, break_glass, prev_hash, hash)"
    " VALUES (%s, now(), '', '', 'changed', 'test.thing', 'x', 'forged', '{}', false, '', '')"
)


def _append(count: int) -> None:
    for number in range(count):
        record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.thing", object_id=number)


def _execute(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _a_free_seq_below_the_head() -> int:
    """A seq the sequence handed out and no event holds (a write rolled back), below the sealed head."""
    with transaction.atomic():
        record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.rolled_back", object_id=1)
        free = AuditEvent.objects.get(object_type="test.rolled_back").seq
        transaction.set_rollback(True)
    _append(2)
    seal_pending()
    assert free is not None
    return free


def test_an_append_is_unsealed_until_the_sealer_chains_it() -> None:
    _append(3)
    pending = list(AuditEvent.objects.filter(hash="").values_list("seq", "prev_seq", "prev_hash"))
    assert len(pending) == 3
    assert all(seq is not None and prev_seq is None and prev_hash == "" for seq, prev_seq, prev_hash in pending)
    assert seal_pending().events == 3
    assert not AuditEvent.objects.filter(hash="").exists()
    assert seal_pending().events == 0, "idempotent"


def test_a_read_writes_its_event_in_the_request_and_the_sealer_chains_it(client: Client) -> None:
    """The event is written by the request that read the record (it commits or rolls back with it), at
    once and unsealed; the next sealer run chains it."""
    world = Partnership()
    referral = world.referral()
    seal_pending()
    assert worlds.api_detail_status(client, token_headers(world.teacher), referral.pk) == 200
    read = AuditEvent.objects.get(verb=AuditVerb.RECORD_VIEWED, object_id=str(referral.pk))
    assert (read.actor_username, read.hash) == (world.teacher.username, "")
    assert seal_pending().events >= 1
    read.refresh_from_db()
    assert read.hash
    assert run_command("verify_audit_chain")[0] == 0


def test_verification_counts_the_events_not_yet_sealed() -> None:
    _append(3)
    seal_pending()
    _append(2)
    code, out, err = run_command("verify_audit_chain")
    assert (code, err) == (0, "")
    assert "; 2 newer event(s) not yet sealed" in out


def test_the_sealer_chains_in_batches() -> None:
    _append(7)
    assert seal_pending(batch=3).events == 7
    assert not AuditEvent.objects.filter(hash="").exists()
    assert run_command("verify_audit_chain", "--full")[0] == 0


def test_a_run_past_its_time_budget_leaves_the_rest_to_the_next() -> None:
    _append(5)
    assert seal_pending(batch=2, max_seconds=0).events == 2
    assert AuditEvent.objects.filter(hash="").count() == 3
    assert seal_pending(batch=2).events == 3


def test_an_unsealed_event_below_the_head_is_refused_by_the_sealer_and_reported_by_the_verifier(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _append(3)
    free = _a_free_seq_below_the_head()
    _execute(FORGED, [free])  # the app role may INSERT, and may choose a seq
    _append(1)

    with pytest.raises(SealRefused, match=str(free)):
        seal_pending()
    assert AuditEvent.objects.filter(hash="").count() == 2, "nothing more is chained"
    code, _out, err = run_command("audit_checkpoint")
    assert code == 1
    assert "Refused to chain the audit trail" in err
    with caplog.at_level(logging.CRITICAL, logger="sharing.tasks"), pytest.raises(SealRefused):
        seal_audit_trail()
    assert "not chained" in caplog.text
    code, _out, err = run_command("verify_audit_chain")
    assert code == 1
    assert f"event {free}: is not sealed but sits below the chain's head (inserted)" in err


def test_the_database_lets_through_only_the_sealers_update() -> None:
    _append(1)
    event = AuditEvent.objects.get(hash="")
    for statement in (
        "UPDATE sharing_auditevent SET reason = 'rewritten' WHERE id = %s",
        "UPDATE sharing_auditevent SET prev_seq = 0, hash = repeat('0', 64) WHERE id = %s",
        "UPDATE sharing_auditevent e SET reason = 'x', prev_seq = 0, hash = sharing_audit_hash(e) WHERE id = %s",
        "DELETE FROM sharing_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _execute(statement, [event.pk])
    seal_pending()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _execute("UPDATE sharing_auditevent SET prev_seq = NULL, hash = '' WHERE id = %s", [event.pk])


def test_the_sealer_refuses_a_snapshot_older_than_its_statements() -> None:
    """Under REPEATABLE READ it would not see what committed while it waited for the fence."""
    params = connection.get_connection_params()
    for name in ("cursor_factory", "context"):
        params.pop(name, None)
    with psycopg.connect(**params) as other:
        other.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with pytest.raises(psycopg.Error, match="READ COMMITTED"):
            other.execute("SELECT sharing_audit_seal(10, 0)")


def test_the_sealer_refuses_a_sequence_that_caches_values() -> None:
    """A backend's cached seq is taken before the fence and used after it: it could land below the head."""
    _append(1)
    _execute("ALTER SEQUENCE sharing_auditevent_seq_seq CACHE 10")
    with pytest.raises(DatabaseError, match="CACHE 1"):
        seal_pending()


def test_the_task_chains_what_is_pending() -> None:
    _append(2)
    assert seal_audit_trail() == 2
    assert seal_audit_trail() == 0
