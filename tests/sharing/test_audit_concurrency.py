"""Concurrent audit writers do not queue on each other, and the sealer still makes one chain of them:
gap-free, in seq order, with no event skipped or chained out of order when transactions commit out of
seq order (docs/adr/0014-audit-sealer.md).

Writers run in threads, each on its own connection, and commit: these tests use real transactions.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from sharing.chain import verify_chain
from sharing.sealer import seal_pending
from tests.sharing import worlds

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("checkpoint_file")]


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _write(label: str, number: int) -> int:
    record_event(actor=None, verb=AuditVerb.CHANGED, object_type=label, object_id=number)
    seq = AuditEvent.objects.get(object_type=label, object_id=str(number)).seq
    assert seq is not None
    return seq


def _in_thread(target: Callable[[], None]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


class HeldOpen:
    """A writer in its own thread that appends one event and keeps its transaction open until released."""

    def __init__(self, label: str) -> None:
        self.seq = 0
        self._wrote, self._release = threading.Event(), threading.Event()
        self._thread = _in_thread(lambda: self._write(label))
        assert self._wrote.wait(10)

    def _write(self, label: str) -> None:
        with transaction.atomic():
            self.seq = _write(label, 1)
            self._wrote.set()
            self._release.wait(10)

    def commit(self) -> None:
        self._release.set()
        self._thread.join(10)


def _assert_one_gap_free_chain() -> list[int]:
    """Every event is sealed, each names the one before it, and the chain verifies. Returns the seqs."""
    events = list(AuditEvent.objects.order_by("seq").values_list("seq", "prev_seq", "hash"))
    assert events
    assert all(hash_ for _, _, hash_ in events), "every committed event is sealed"
    for (seq, _, _), (_, prev_seq, _) in itertools.pairwise(events):
        assert prev_seq == seq, "each event names the one before it: none skipped, none out of order"
    checked, problems, _head = verify_chain()
    assert (checked, problems) == (len(events), [])
    return [seq for seq, _, _ in events]


def test_a_writer_does_not_wait_for_another_writers_uncommitted_event() -> None:
    """The old chain trigger made the second writer queue until the first committed; now neither waits."""
    seen: dict[str, object] = {}

    def impatient_writer() -> None:
        with transaction.atomic():
            _execute("SET LOCAL lock_timeout = '300ms'")
            seen["impatient"] = _write("test.impatient", 1)

    first = HeldOpen("test.first")
    impatient = _in_thread(impatient_writer)
    impatient.join(10)
    assert not impatient.is_alive()
    assert isinstance(seen.get("impatient"), int), seen  # no lock timeout: it did not wait
    first.commit()
    assert seal_pending().events == 2
    assert _assert_one_gap_free_chain()[-2:] == sorted([first.seq, seen["impatient"]])  # type: ignore[type-var]


def test_an_event_that_commits_late_with_a_lower_seq_is_neither_skipped_nor_chained_out_of_order() -> None:
    late = HeldOpen("test.late")
    seqs: dict[str, int] = {"late": late.seq}
    early = _in_thread(lambda: seqs.__setitem__("early", _write("test.early", 1)))
    early.join(10)
    assert seqs["late"] < seqs["early"]
    assert AuditEvent.objects.filter(seq=seqs["early"]).exists(), "the higher seq has committed"

    # The lower seq is still in flight: the sealer waits for it, then leaves everything after it unsealed.
    run = seal_pending(max_wait=0.2)
    assert (run.events, run.waiting) == (0, True)
    assert AuditEvent.objects.get(seq=seqs["early"]).hash == ""

    late.commit()
    assert seal_pending().events == 2
    assert _assert_one_gap_free_chain()[-2:] == [seqs["late"], seqs["early"]]


def test_many_writers_committing_out_of_order_while_the_sealer_runs_make_one_chain() -> None:
    writers, rounds = 8, 6
    committed: set[int] = set()
    lock = threading.Lock()
    done = threading.Event()
    sealer_errors: list[BaseException] = []

    def writer(number: int) -> None:
        chance = random.Random(number)
        for round_ in range(rounds):
            with contextlib.suppress(worlds.Rollback), transaction.atomic():
                mine = [_write(f"test.writer{number}", round_ * 10 + event) for event in range(chance.randint(1, 3))]
                threading.Event().wait(chance.uniform(0, 0.03))  # commit out of seq order
                if chance.random() < 0.25:
                    raise worlds.Rollback  # a hole in seq, never in the chain
                with lock:
                    committed.update(mine)

    def sealer() -> None:
        try:
            while not done.is_set():
                seal_pending(max_wait=0.05)
        except BaseException as exc:  # reported by the test below
            sealer_errors.append(exc)

    running_sealer = _in_thread(sealer)
    threads = [_in_thread(lambda n=n: writer(n)) for n in range(writers)]
    for thread in threads:
        thread.join(60)
    done.set()
    running_sealer.join(60)
    assert not sealer_errors, sealer_errors

    seal_pending()
    chained = _assert_one_gap_free_chain()
    assert set(chained) == committed, "exactly the committed events, each once"
