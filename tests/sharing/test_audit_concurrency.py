"""Concurrent audit writers are serialised by the database, so the hash chain cannot fork.

Its own module: a module-scoped world elsewhere holds the audit writers' lock for as long as it lives.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import OperationalError, connection, transaction

from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from tests.sharing import worlds

pytestmark = pytest.mark.django_db


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_concurrent_writers_are_serialised_and_leave_no_gap() -> None:
    """Two transactions writing at once: the second waits for the first, so the chain cannot fork.

    Both writers run on their own connections and roll back, so nothing is committed. The test's own
    transaction writes no audit event (it would hold the writers' lock until the test ends).
    """
    first_wrote = threading.Event()
    release_first = threading.Event()
    seen: dict[str, object] = {}

    def first_writer() -> None:
        try:
            with contextlib.suppress(worlds.Rollback), transaction.atomic():
                record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.first", object_id=1)
                seen["first"] = AuditEvent.objects.get(object_type="test.first").seq
                first_wrote.set()
                release_first.wait(10)
                raise worlds.Rollback
        finally:
            connection.close()

    def impatient_writer() -> None:
        try:
            first_wrote.wait(10)
            with transaction.atomic():
                _execute("SET LOCAL lock_timeout = '300ms'")
                try:
                    with transaction.atomic():
                        record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.impatient", object_id=1)
                except OperationalError as exc:
                    seen["impatient"] = str(exc)
                transaction.set_rollback(True)
        finally:
            connection.close()

    def patient_writer() -> None:
        try:
            first_wrote.wait(10)
            with contextlib.suppress(worlds.Rollback), transaction.atomic():
                record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.patient", object_id=1)
                seen["patient"] = AuditEvent.objects.get(object_type="test.patient").seq
                raise worlds.Rollback
        finally:
            connection.close()

    first = threading.Thread(target=first_writer)
    first.start()
    assert first_wrote.wait(10)
    impatient = threading.Thread(target=impatient_writer)
    impatient.start()
    impatient.join(10)
    assert "lock timeout" in str(seen.get("impatient")), seen
    patient = threading.Thread(target=patient_writer)
    patient.start()
    patient.join(0.5)
    assert patient.is_alive(), "the second writer must wait while the first one's event is uncommitted"
    release_first.set()
    first.join(10)
    patient.join(10)
    # The first writer rolled back, so the second takes the same place in the chain: no gap, no fork.
    assert seen["patient"] == seen["first"]
