"""Event notifications through the outbox: due at once, never to whoever made the event, and a later event
of the same kind about the same object replacing one not yet delivered. Any model can be told of; a user
stands in here."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from core.models import Reminder, ReminderStatus
from core.notifications.events import happened, still_among, still_theirs, tell_now
from core.working_days import LONDON
from partnership.models import User
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 14, 10, 0, tzinfo=LONDON)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _pending(obj) -> set[int]:
    return set(
        Reminder.objects.filter(object_id=obj.pk, status=ReminderStatus.PENDING).values_list("recipient_id", flat=True)
    )


def test_told_at_once_to_each_recipient_once_but_never_to_the_actor(frozen):
    obj, actor, a, b = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    result = tell_now(obj=obj, kind="told", recipients=[a.pk, b.pk, a.pk, None, actor.pk], actor=actor, link="/x/")
    assert result.created == 2
    assert _pending(obj) == {a.pk, b.pk}
    for row in Reminder.objects.filter(object_id=obj.pk):
        assert (row.due_at, row.event_at, row.link) == (NOW, NOW, "/x/")


def test_the_moment_spoken_of_may_be_another_than_now(frozen):
    obj, a = UserFactory(), UserFactory()
    later = NOW + dt.timedelta(days=7)
    tell_now(obj=obj, kind="told", recipients=[a.pk], event_at=later, reference="R" * 40)
    row = Reminder.objects.get(object_id=obj.pk)
    assert (row.due_at, row.event_at, row.reference) == (NOW, later, "R" * 32)


def test_a_later_event_replaces_one_not_yet_delivered(frozen):
    obj, first, second = UserFactory(), UserFactory(), UserFactory()
    tell_now(obj=obj, kind="assigned", recipients=[first.pk])
    tell_now(obj=obj, kind="assigned", recipients=[second.pk])
    assert _pending(obj) == {second.pk}
    assert Reminder.objects.get(recipient=first).status == ReminderStatus.CANCELLED


def test_still_due_checks(frozen):
    obj, other = UserFactory(), UserFactory()
    tell_now(obj=obj, kind="assigned", recipients=[obj.pk, other.pk])
    rows = list(Reminder.objects.filter(object_id=obj.pk))
    mine = {r.pk for r in rows if r.recipient_id == obj.pk}
    assert set(happened(rows, NOW)) == {r.pk for r in rows}
    assert set(still_among(User.objects.filter(pk=obj.pk))(rows, NOW)) == {r.pk for r in rows}
    assert set(still_among(User.objects.exclude(pk=obj.pk))(rows, NOW)) == set()
    # Still theirs: the object's field still names the recipient (here the user's own id names itself).
    assert set(still_theirs(User.objects.all(), "pk")(rows, NOW)) == mine
    assert set(still_theirs(User.objects.exclude(pk=obj.pk), "pk")(rows, NOW)) == set()
