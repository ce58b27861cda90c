"""The in-app inbox: one notification per person, read only by its recipient, counted cheaply."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from core.models import Notification
from core.notifications import mark_all_read, mark_read, notify, unread_count
from core.working_days import LONDON
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 12, 14, 9, 0, tzinfo=LONDON)
AFTERNOON = dt.datetime(2026, 12, 14, 15, 0, tzinfo=LONDON)


def test_notify_writes_one_notification_per_person():
    alice, bob = UserFactory(), UserFactory()
    rows = notify(recipients=[alice, bob, alice], kind="note", title="A headline", link="/x/")
    assert sorted(r.recipient_id for r in rows) == sorted([alice.pk, bob.pk])
    assert Notification.objects.filter(kind="note", title="A headline", link="/x/").count() == 2


def test_only_the_recipient_can_mark_a_notification_read_and_the_first_reading_is_kept():
    alice, bob = UserFactory(), UserFactory()
    [note] = notify(recipients=[alice], kind="note", title="A headline")

    assert mark_read(user=bob, notification_id=note.pk) is None
    assert Notification.objects.get(pk=note.pk).read_at is None

    with time_machine.travel(MORNING, tick=False):
        assert mark_read(user=alice, notification_id=note.pk) is not None
    with time_machine.travel(AFTERNOON, tick=False):
        assert mark_read(user=alice, notification_id=note.pk).read_at == MORNING
    assert Notification.objects.get(pk=note.pk).read_at == MORNING


def test_unread_count_stops_at_the_cap_and_mark_all_read_clears_it():
    alice, bob = UserFactory(), UserFactory()
    for n in range(5):
        notify(recipients=[alice], kind="note", title=f"Headline {n}")
    notify(recipients=[bob], kind="note", title="Not alice's")

    assert unread_count(alice) == 5
    assert unread_count(alice, cap=3) == 3
    assert mark_all_read(user=alice) == 5
    assert unread_count(alice) == 0
    assert unread_count(bob) == 1
