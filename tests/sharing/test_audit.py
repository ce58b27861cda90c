"""The audit trail is append-only and tamper-evident, and `manage.py verify_audit_chain` proves it."""

from __future__ import annotations

import contextlib
import io
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from partnership.models import User
from referrals import selectors
from sharing import services as sharing_services
from sharing.chain import verify_chain
from sharing.sealer import seal_pending
from tests.sharing import worlds
from tests.sharing.audit_commands import run_command

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded", "checkpoint_file")]


@pytest.fixture(scope="module")
def seeded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[int]:
    """Seeded once for the module (rolled back at its end); each test tampers inside its own savepoint."""
    with worlds.kept_for_the_module(django_db_blocker):
        yield _populate()


def _populate() -> int:
    """The demo partnership plus some referrals, shares and reads: a trail with every kind of event."""
    call_command("seed_demo", stdout=io.StringIO())
    teacher = User.objects.get(username="school.sc")
    officer = User.objects.get(username="police.sc")
    chair = User.objects.get(username="chair")
    first, _ = worlds.submit(teacher, given_name="Robin", family_name="Audit", classification=2)
    second, _ = worlds.submit(teacher, given_name="Alex", family_name="Trail", classification=1, originator_only=True)
    share = sharing_services.share_with_agency(
        actor=teacher, record=first, agency=chair.agency, reason="Children's services input"
    )
    selectors.access_referral(viewer=officer, referral_id=first.pk)
    selectors.access_referral(viewer=chair, referral_id=first.pk)
    selectors.access_referral(viewer=teacher, referral_id=second.pk)
    selectors.referral_page_visible_to(viewer=officer)
    selectors.search_referrals(viewer=teacher, query="Trail")
    sharing_services.revoke_share(actor=teacher, record=first, share_id=share.pk, reason="Done")
    assert seal_pending().events == AuditEvent.objects.count(), "the sealer chains the module's own events"
    count = AuditEvent.objects.count()
    assert count >= 10
    return count


def _verify() -> tuple[int, str, str]:
    return run_command("verify_audit_chain")


@contextlib.contextmanager
def _append_only_trigger_disabled() -> Iterator[None]:
    """What someone with the database owner's rights could do: triggers off for the session (foreign
    keys' too, as the owner's tools would). Rolled back with the test anyway."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def _execute(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _middle_seq() -> int:
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    return seqs[len(seqs) // 2]


def test_the_chain_verifies_on_seeded_data(seeded: int) -> None:
    count = AuditEvent.objects.count()
    assert count == seeded
    head = AuditEvent.objects.order_by("-seq").values_list("hash", flat=True).first()
    code, out, err = _verify()
    assert (code, err) == (0, "")
    assert out.strip() == f"OK: {count} events, head {head}"


def test_the_database_refuses_updates_and_deletes() -> None:
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="nothing to see"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda: _execute("UPDATE sharing_auditevent SET seq = seq + 1000 WHERE id = %s", [event.pk]),
        lambda: _execute("DELETE FROM sharing_auditevent"),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason
    assert _verify()[0] == 0


def test_the_database_refuses_truncate() -> None:
    # A fix may leave a TRUNCATE trigger disabled in the test database so that Django's flush (live_server
    # tests) still works: enable every user trigger for this test's transaction only.
    _execute("ALTER TABLE sharing_auditevent ENABLE TRIGGER USER")
    with pytest.raises(DatabaseError), transaction.atomic():
        _execute("TRUNCATE sharing_auditevent")


def test_a_modified_event_is_detected() -> None:
    target = _middle_seq()
    with _append_only_trigger_disabled():
        _execute("UPDATE sharing_auditevent SET reason = 'nothing happened here' WHERE seq = %s", [target])
        code, _out, err = _verify()
    assert code == 1
    assert f"event {target}: contents do not match the hash (modified)" in err
    # Only the tampered event is reported: its stored hash still links the next one.
    assert [line for line in err.splitlines() if line.startswith("event ")] == [
        f"event {target}: contents do not match the hash (modified)"
    ]


def test_a_modified_event_with_a_recomputed_hash_breaks_the_link_to_the_next() -> None:
    target = _middle_seq()
    with _append_only_trigger_disabled():
        _execute("UPDATE sharing_auditevent SET reason = 'rewritten' WHERE seq = %s", [target])
        # A forger who also recomputes the row's own hash: the row is self-consistent again...
        _execute("UPDATE sharing_auditevent e SET hash = sharing_audit_hash(e) WHERE seq = %s", [target])
        code, _out, err = _verify()
    assert code == 1
    # ...but the next event still carries the old hash.
    assert f"event {target}:" not in err
    assert f"event {target + 1}: does not follow the previous event" in err


def test_a_deleted_event_is_detected() -> None:
    target = _middle_seq()
    with _append_only_trigger_disabled():
        _execute("DELETE FROM sharing_auditevent WHERE seq = %s", [target])
        code, _out, err = _verify()
    assert code == 1
    assert f"event {target + 1}: does not follow the previous event (deleted or reordered)" in err
    assert f"event {target + 1}: sequence jumps from {target - 1}" in err


def test_reordered_events_are_detected() -> None:
    first = _middle_seq()
    second = first + 2
    with _append_only_trigger_disabled():
        # seq is unique: swap through a free value.
        _execute("UPDATE sharing_auditevent SET seq = -1 WHERE seq = %s", [first])
        _execute("UPDATE sharing_auditevent SET seq = %s WHERE seq = %s", [first, second])
        _execute("UPDATE sharing_auditevent SET seq = %s WHERE seq = -1", [second])
        code, _out, err = _verify()
    assert code == 1
    for seq in (first, first + 1, second):
        assert f"event {seq}: does not follow the previous event (deleted or reordered)" in err


def test_the_command_exits_1_on_a_broken_chain() -> None:
    first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
    with _append_only_trigger_disabled():
        _execute("DELETE FROM sharing_auditevent WHERE seq = %s", [first])
        with pytest.raises(CommandError) as raised:
            call_command("verify_audit_chain", stdout=io.StringIO(), stderr=io.StringIO())
    assert raised.value.returncode == 1


def test_sequential_writes_make_one_gapless_chain() -> None:
    record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.thing", object_id=1)
    with contextlib.suppress(worlds.Rollback), transaction.atomic():
        # A write that rolls back leaves a hole in seq (a sequence, like an identity), not in the chain.
        record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.thing", object_id=2)
        rolled_back = AuditEvent.objects.get(object_type="test.thing", object_id="2").seq
        raise worlds.Rollback
    record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.thing", object_id=3)
    assert AuditEvent.objects.filter(hash="").count() == 2, "appended unsealed, chained by the sealer"
    assert seal_pending().events == 2
    events = list(AuditEvent.objects.order_by("seq").values_list("seq", "prev_seq", "prev_hash", "hash"))
    seqs = [seq for seq, _, _, _ in events]
    assert rolled_back not in seqs
    assert seqs[-2:] == [rolled_back - 1, rolled_back + 1]
    if events[0][1] == 0:
        assert events[0][2] == ""
    # Each event names the one before it in the chain, by seq and by hash: no event between is missing.
    for (seq, _, _, previous_hash), (_, prev_seq, prev_hash, _) in itertools.pairwise(events):
        assert prev_seq in (seq, None)
        assert prev_hash == previous_hash
    assert events[-1][1] == rolled_back - 1
    assert len({h for _, _, _, h in events}) == len(events)
    checked, problems, _head = verify_chain()
    assert (checked, problems) == (len(events), [])
