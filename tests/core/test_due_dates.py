"""The due-soon and overdue pair of a record's due date: when each is due, what it says the event is, that it
goes when the record closes or its date moves, and that both kinds are registered with the same checks.
Any model with a due date will do; a user with one annotated stands in here."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import DateField, Value

from core.models import Reminder, ReminderStatus
from core.notifications import Wording, kinds
from core.notifications.due_dates import DueDateKinds
from core.working_days import LONDON
from partnership.models import User
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=LONDON)  # a Monday
DUE = dt.date(2026, 12, 16)  # the Wednesday of the next week


def _kinds(due: dt.date = DUE, **extra) -> DueDateKinds:
    open_records = User.objects.filter(is_active=True).annotate(due_date=Value(due, output_field=DateField()))
    return DueDateKinds(
        soon="test_due_soon", overdue="test_overdue", open_records=open_records, soon_timing="test_days", **extra
    )


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _pending(obj) -> dict[tuple[str, int], Reminder]:
    rows = Reminder.objects.filter(object_id=obj.pk, status=ReminderStatus.PENDING)
    return {(r.kind, r.recipient_id): r for r in rows}


def test_due_soon_at_nine_two_working_days_before_and_overdue_the_working_day_after(frozen):
    assert _kinds().moments(DUE) == {
        "test_due_soon": dt.datetime(2026, 12, 14, 9, 0, tzinfo=LONDON),
        "test_overdue": dt.datetime(2026, 12, 17, 9, 0, tzinfo=LONDON),
    }
    # A due date on a Friday is overdue on the Monday after; five working days before it is the Friday before.
    friday = dt.date(2026, 12, 11)
    assert _kinds(soon_working_days=5).moments(friday) == {
        "test_due_soon": dt.datetime(2026, 12, 4, 9, 0, tzinfo=LONDON),
        "test_overdue": dt.datetime(2026, 12, 14, 9, 0, tzinfo=LONDON),
    }


def test_the_partnership_timing_replaces_the_default(frozen, settings):
    settings.CONVENE_REMINDER_TIMINGS = {"test_days": 3}
    assert _kinds().moments(DUE)["test_due_soon"] == dt.datetime(2026, 12, 11, 9, 0, tzinfo=LONDON)


def test_sync_tells_each_recipient_at_both_moments_of_the_day_due(frozen):
    obj, a, b = UserFactory(), UserFactory(), UserFactory()
    _kinds().sync(obj, due_date=DUE, recipients=[a.pk, b.pk], link="/x/", reference="REF-1")
    pending = _pending(obj)
    assert set(pending) == {(kind, pk) for kind in ("test_due_soon", "test_overdue") for pk in (a.pk, b.pk)}
    for row in pending.values():
        assert (row.event_at, row.link, row.reference) == (
            dt.datetime(2026, 12, 16, 0, 0, tzinfo=LONDON),
            "/x/",
            "REF-1",
        )


def test_a_moved_date_moves_the_reminders_and_cancel_takes_them_away(frozen):
    obj, a = UserFactory(), UserFactory()
    pair = _kinds()
    pair.sync(obj, due_date=DUE, recipients=[a.pk], link="")
    pair.sync(obj, due_date=dt.date(2026, 12, 23), recipients=[a.pk], link="")
    assert _pending(obj)[("test_overdue", a.pk)].due_at == dt.datetime(2026, 12, 24, 9, 0, tzinfo=LONDON)
    pair.cancel(obj)
    assert _pending(obj) == {}


def test_still_due_while_open_with_the_date_reminded_of(frozen):
    obj, a = UserFactory(), UserFactory()
    _kinds().sync(obj, due_date=DUE, recipients=[a.pk], link="")
    rows = list(Reminder.objects.filter(object_id=obj.pk))
    assert set(_kinds().still_due(rows, NOW)) == {r.pk for r in rows}
    assert set(_kinds(due=dt.date(2026, 12, 23)).still_due(rows, NOW)) == set()  # the date moved since
    User.objects.filter(pk=obj.pk).update(is_active=False)  # no longer among the open records
    assert set(_kinds().still_due(rows, NOW)) == set()


@pytest.fixture
def registry():
    before = dict(kinds._KINDS)
    yield
    kinds._KINDS.clear()
    kinds._KINDS.update(before)


def test_register_declares_both_kinds_with_their_wording_and_the_same_checks(registry):
    def may_tell(reminders):
        return {r.pk for r in reminders}

    pair = _kinds().register(
        soon=Wording("Soon", "Due within two working days.", "Due on {when}"),
        overdue=Wording("Late", "Past its due date.", "Was due on {when}"),
        may_tell=may_tell,
    )
    soon, overdue = kinds._KINDS["test_due_soon"], kinds._KINDS["test_overdue"]
    assert (soon.label, soon.description, soon.headline) == ("Soon", "Due within two working days.", "Due on {when}")
    assert (overdue.label, overdue.headline) == ("Late", "Was due on {when}")
    assert soon.still_due == overdue.still_due == pair.still_due
    assert soon.may_tell is overdue.may_tell is may_tell
    assert not soon.show_time
    assert pair.kinds == ("test_due_soon", "test_overdue")


def test_the_package_still_offers_the_registry_function():
    # A submodule named like a function the package re-exports would replace it on import.
    from core import notifications

    assert callable(notifications.reminder_kinds)
