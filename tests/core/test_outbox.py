"""The outbox: an object's pending reminders made exactly what its latest event wants,
with sent ones left as history. Any model can hold reminders; a user stands in here."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from core.models import Reminder, ReminderStatus
from core.notifications import Due, cancel_reminders, sync_reminders
from core.working_days import LONDON
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 14, 10, 0, tzinfo=LONDON)
MONDAY = dt.datetime(2026, 12, 21, 9, 0, tzinfo=LONDON)
TUESDAY = dt.datetime(2026, 12, 22, 9, 0, tzinfo=LONDON)
KINDS = ("soon", "late")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _rows(obj):
    return {(r.kind, r.recipient_id, r.due_at): r.status for r in Reminder.objects.filter(object_id=obj.pk)}


def test_wanted_reminders_are_written_once(frozen):
    thing, person = UserFactory(), UserFactory()
    wanted = [Due("soon", person.pk, MONDAY, link="/x/"), Due("late", person.pk, TUESDAY)]

    first = sync_reminders(obj=thing, kinds=KINDS, wanted=wanted)
    again = sync_reminders(obj=thing, kinds=KINDS, wanted=wanted)

    assert (first.created, first.cancelled, first.revived) == (2, 0, 0)
    assert (again.created, again.cancelled, again.revived) == (0, 0, 0)
    assert _rows(thing) == {
        ("soon", person.pk, MONDAY): ReminderStatus.PENDING,
        ("late", person.pk, TUESDAY): ReminderStatus.PENDING,
    }


def test_a_reminder_no_longer_wanted_is_cancelled_and_comes_back_when_wanted_again(frozen):
    thing, person = UserFactory(), UserFactory()
    soon = Due("soon", person.pk, MONDAY, reference="REF-1")
    sync_reminders(obj=thing, kinds=KINDS, wanted=[soon, Due("late", person.pk, TUESDAY)])

    dropped = sync_reminders(obj=thing, kinds=KINDS, wanted=[Due("late", person.pk, TUESDAY)])
    cancelled = Reminder.objects.get(object_id=thing.pk, kind="soon")
    assert dropped.cancelled == 1
    assert (cancelled.status, cancelled.finished_at, cancelled.note) == (
        ReminderStatus.CANCELLED,
        NOW,
        "No longer due: the event changed",
    )

    back = sync_reminders(
        obj=thing, kinds=KINDS, wanted=[Due("soon", person.pk, MONDAY, link="/y/", reference="REF-2")]
    )
    revived = Reminder.objects.get(pk=cancelled.pk)
    assert (back.created, back.revived, back.cancelled) == (0, 1, 1)
    assert (revived.status, revived.finished_at, revived.note) == (ReminderStatus.PENDING, None, "")
    assert (revived.link, revived.reference) == ("/y/", "REF-2")


def test_sent_reminders_are_history_and_never_written_again(frozen):
    thing, person = UserFactory(), UserFactory()
    sync_reminders(obj=thing, kinds=KINDS, wanted=[Due("soon", person.pk, MONDAY)])
    Reminder.objects.filter(object_id=thing.pk).update(status=ReminderStatus.SENT)

    assert cancel_reminders(obj=thing, kinds=KINDS) == 0
    result = sync_reminders(obj=thing, kinds=KINDS, wanted=[Due("soon", person.pk, MONDAY)])

    assert (result.created, result.revived) == (0, 0)
    assert _rows(thing) == {("soon", person.pk, MONDAY): ReminderStatus.SENT}


def test_only_the_named_kinds_are_touched(frozen):
    thing, person = UserFactory(), UserFactory()
    sync_reminders(obj=thing, kinds=["other"], wanted=[Due("other", person.pk, MONDAY)])

    assert cancel_reminders(obj=thing, kinds=KINDS) == 0
    assert _rows(thing) == {("other", person.pk, MONDAY): ReminderStatus.PENDING}


def test_a_wanted_reminder_outside_the_kinds_is_refused(frozen):
    thing, person = UserFactory(), UserFactory()
    with pytest.raises(ValueError, match="outside"):
        sync_reminders(obj=thing, kinds=["soon"], wanted=[Due("late", person.pk, MONDAY)])
    assert _rows(thing) == {}
