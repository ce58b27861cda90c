"""A reminder ahead of a record's due day (``DueAhead``): at 09:00 London some working days before the London
day it is due, bank holidays and weekends skipped and the clocks' change honoured; still due only while its
record is open and due when it was written for. And the nightly re-check (``DueDateKinds.resync``) re-states
the open records due from a week ago on, and no older ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cases.lifecycle import REQUEST_OPEN
from cases.models import InformationRequest
from core.models import Reminder
from core.notifications.due_dates import DueAhead, DueDateKinds
from referrals.models import Referral
from tests.world import Partnership

UTC = dt.UTC


def _ahead(open_records: Any = None, due_field: str = "due_date", working_days: int = 2) -> DueAhead:
    """A kind that is never registered: only its moments and its still-due check are asked."""
    return DueAhead(
        kind="test_widget_due",
        open_records=open_records if open_records is not None else InformationRequest.objects.all(),
        due_field=due_field,
        timing="test_widget_due_working_days",
        working_days=working_days,
    )


# --- the moment ---------------------------------------------------------------------------------------


def test_two_working_days_before_easter_tuesday_skip_the_four_day_weekend() -> None:
    # Tuesday 7 April 2026: Easter Monday 6 April and Good Friday 3 April are bank holidays, so two working
    # days before is Wednesday 1 April; 09:00 British Summer Time is 08:00 UTC.
    assert _ahead().moment(dt.date(2026, 4, 7)) == dt.datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def test_a_moment_due_counts_its_london_day() -> None:
    # 23:30 UTC on Tuesday 7 April 2026 is 00:30 on Wednesday 8 April in London: two working days before the
    # Wednesday are Tuesday 7 and Thursday 2 April (the Easter weekend between).
    due = dt.datetime(2026, 4, 7, 23, 30, tzinfo=UTC)
    assert _ahead(due_field="screening_due_at").moment(due) == dt.datetime(2026, 4, 2, 8, 0, tzinfo=UTC)


def test_one_working_day_before_the_tuesday_after_christmas_is_christmas_eve_in_winter_time() -> None:
    # Tuesday 29 December 2026: Monday 28 December is the substitute Boxing Day, Friday 25 Christmas Day;
    # 09:00 Greenwich Mean Time on Thursday 24 December is 09:00 UTC.
    assert _ahead(working_days=1).moment(dt.date(2026, 12, 29)) == dt.datetime(2026, 12, 24, 9, 0, tzinfo=UTC)


def test_the_configured_timing_overrides_the_default(settings: Any) -> None:
    settings.CONVENE_REMINDER_TIMINGS = {"test_widget_due_working_days": 1}
    # One working day before Tuesday 7 April 2026 is Thursday 2 April.
    assert _ahead(working_days=2).moment(dt.date(2026, 4, 7)) == dt.datetime(2026, 4, 2, 8, 0, tzinfo=UTC)


# --- still due ------------------------------------------------------------------------------------------


def _reminder(pk: int, record: Any, event_at: dt.datetime) -> Reminder:
    return Reminder(pk=pk, object_id=record.pk, event_at=event_at)


@pytest.mark.django_db
def test_a_dated_reminder_is_still_due_while_its_record_is_open_and_its_date_unchanged() -> None:
    world = Partnership()
    [kept, moved] = world.ask(world.case(), world.health, world.school)
    InformationRequest.objects.filter(pk=kept.pk).update(due_date=dt.date(2026, 7, 15))
    InformationRequest.objects.filter(pk=moved.pk).update(due_date=dt.date(2026, 7, 16))
    ahead = _ahead(InformationRequest.objects.filter(status__in=REQUEST_OPEN))
    reminders = [
        # Written for 15 July (its London midnight): still the due date.
        _reminder(1, kept, dt.datetime(2026, 7, 14, 23, 0, tzinfo=UTC)),
        # Written for 15 July, but the request is now due on the 16th.
        _reminder(2, moved, dt.datetime(2026, 7, 14, 23, 0, tzinfo=UTC)),
        # A record that is no longer open (here: not there at all).
        Reminder(pk=3, object_id=kept.pk + moved.pk + 1000, event_at=dt.datetime(2026, 7, 14, 23, 0, tzinfo=UTC)),
    ]
    assert set(ahead.still_due(reminders, timezone.now())) == {1}


@pytest.mark.django_db
def test_a_timed_reminder_is_still_due_only_for_the_exact_moment() -> None:
    referral = Partnership().referral()
    Referral.objects.filter(pk=referral.pk).update(screening_due_at=dt.datetime(2026, 7, 15, 16, 59, tzinfo=UTC))
    ahead = _ahead(Referral.objects.all(), due_field="screening_due_at", working_days=1)
    reminders = [
        _reminder(1, referral, dt.datetime(2026, 7, 15, 16, 59, tzinfo=UTC)),
        _reminder(2, referral, dt.datetime(2026, 7, 15, 17, 0, tzinfo=UTC)),
    ]
    assert set(ahead.still_due(reminders, timezone.now())) == {1}


# --- the nightly re-check -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_resync_restates_open_records_due_from_a_week_ago_on() -> None:
    world = Partnership()
    [week_ago, too_old, ahead, closed] = world.ask(
        world.case(), world.health, world.school, world.police, world.council
    )
    today = timezone.localdate()
    InformationRequest.objects.filter(pk=week_ago.pk).update(due_date=today - dt.timedelta(days=7))
    InformationRequest.objects.filter(pk=too_old.pk).update(due_date=today - dt.timedelta(days=8))
    InformationRequest.objects.filter(pk=ahead.pk).update(due_date=today + dt.timedelta(days=3))
    InformationRequest.objects.filter(pk=closed.pk).update(due_date=today)
    kinds = DueDateKinds(
        soon="test_widget_soon",
        overdue="test_widget_overdue",
        open_records=InformationRequest.objects.exclude(pk=closed.pk),
        soon_timing="test_widget_soon_working_days",
    )
    synced: list[InformationRequest] = []

    count = kinds.resync(synced.append)

    assert count == 2
    assert {request.pk for request in synced} == {week_ago.pk, ahead.pk}
    assert all(isinstance(request, InformationRequest) for request in synced)
