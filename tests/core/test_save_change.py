"""The write every service ends with (``core.services.save_change``): the listed changes set, saved as exactly
those columns (and ``updated_at`` on a timestamped row, through ``stamped``), and one audit event of the change;
with ``validate`` the row's own checks first, a refusal writing nothing, uniqueness left to the database."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import InformationRequest
from core.models import AuditEvent, AuditVerb, Reminder, ReminderStatus
from core.services import save_change, stamped
from partnership.models import Agency
from tests.world import Partnership, new_agency, new_user

pytestmark = pytest.mark.django_db


def _one_request() -> tuple[Partnership, InformationRequest]:
    world = Partnership()
    [request] = world.ask(world.case(), world.health, question="What do you know?")
    return world, request


def _updates(queries: CaptureQueriesContext) -> list[tuple[str, set[str]]]:
    """Each UPDATE run: its table and the columns it set."""
    updates = []
    for query in queries.captured_queries:
        found = re.match(r'UPDATE "(\w+)" SET (.*) WHERE ', query["sql"])
        if found:
            updates.append((found[1], set(re.findall(r'"(\w+)" = ', found[2]))))
    return updates


def test_only_the_listed_columns_and_updated_at_are_saved() -> None:
    world, request = _one_request()
    InformationRequest.objects.filter(pk=request.pk).update(updated_at=dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC))
    row = InformationRequest.objects.get(pk=request.pk)
    row.question = "Changed in memory, never listed"

    with CaptureQueriesContext(connection) as queries:
        save_change(row, {"chase_count": 3}, actor=world.chair, verb=AuditVerb.CHANGED)

    assert _updates(queries) == [("cases_informationrequest", {"chase_count", "updated_at"})]
    saved = InformationRequest.objects.get(pk=request.pk)
    assert saved.chase_count == 3
    assert saved.question == "What do you know?"
    assert saved.updated_at > dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def test_a_row_without_timestamps_saves_only_the_listed_columns() -> None:
    agency = new_agency()
    user = new_user(agency)
    reminder = Reminder.objects.create(
        kind="test_kind",
        content_type=ContentType.objects.get_for_model(Agency),
        object_id=agency.pk,
        recipient=user,
        due_at=timezone.now(),
    )

    with CaptureQueriesContext(connection) as queries:
        save_change(reminder, {"status": ReminderStatus.CANCELLED}, actor=None, verb=AuditVerb.CHANGED)

    assert _updates(queries) == [("core_reminder", {"status"})]
    assert Reminder.objects.get(pk=reminder.pk).status == "cancelled"


def test_one_audit_event_records_the_change_its_actor_and_details() -> None:
    world, request = _one_request()
    before = AuditEvent.objects.count()

    save_change(
        request,
        {"chase_count": 1},
        actor=world.chair,
        verb=AuditVerb.CHANGED,
        reason="Chased by phone",
        details={"chased": 1},
    )

    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.verb == "changed"
    assert event.object_type == "cases.informationrequest"
    assert event.object_id == str(request.pk)
    assert event.actor_id == world.chair.pk
    assert event.agency_name == "Council"
    assert event.reason == "Chased by phone"
    assert event.details == {"chased": 1}


def test_it_returns_the_row_it_saved() -> None:
    world, request = _one_request()
    assert save_change(request, {"chase_count": 2}, actor=world.chair, verb=AuditVerb.CHANGED) is request


def test_validate_refuses_a_bad_change_before_anything_is_written() -> None:
    world, request = _one_request()
    before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        save_change(request, {"status": "nonsense"}, actor=world.chair, verb=AuditVerb.CHANGED, validate=True)

    assert set(refused.value.message_dict) == {"status"}
    assert InformationRequest.objects.get(pk=request.pk).status == "open"
    assert AuditEvent.objects.count() == before


def test_without_validate_the_rows_checks_are_not_run() -> None:
    world, request = _one_request()
    # Not a status the model offers: only full_clean would refuse it, and nothing asks it to.
    save_change(request, {"status": "nonsense"}, actor=world.chair, verb=AuditVerb.CHANGED)
    assert InformationRequest.objects.get(pk=request.pk).status == "nonsense"


def test_validate_leaves_uniqueness_to_the_database() -> None:
    new_agency("Taken")
    agency = new_agency("Free")

    with pytest.raises(IntegrityError), transaction.atomic():
        save_change(agency, {"name": "Taken"}, actor=None, verb=AuditVerb.CHANGED, validate=True)


@pytest.mark.parametrize(
    ("row", "fields", "expected"),
    [
        (InformationRequest(), ["status", "closed_at"], ["status", "closed_at", "updated_at"]),
        (InformationRequest(), (name for name in ["status"]), ["status", "updated_at"]),
        (Reminder(), ("status",), ["status"]),
        (Reminder(), [], []),
    ],
)
def test_stamped_adds_updated_at_only_on_a_timestamped_row(row: Any, fields: Any, expected: list[str]) -> None:
    assert stamped(row, fields) == expected
