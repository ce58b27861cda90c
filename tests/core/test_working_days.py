"""Working days in England and Wales, and the London moments reminders are scheduled with.

Every expected date here is spelled out from the published calendar: Christmas
2026 falls on Friday 25 December with Boxing Day's substitute on Monday 28
December, and the spring bank holiday of 2027 is Monday 31 May. Counting calendar
days, or weekdays alone, gives a different answer in each case."""

from __future__ import annotations

import datetime as dt

import pytest

from core.working_days import (
    LONDON,
    add_working_days,
    at_london,
    due_at_end_of_working_day,
    format_moment,
    is_working_day,
    london_date,
    next_working_day,
    working_days_before,
    working_days_between,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 12, 24), True),  # Thursday
        (dt.date(2026, 12, 25), False),  # Christmas Day
        (dt.date(2026, 12, 26), False),  # Saturday
        (dt.date(2026, 12, 27), False),  # Sunday
        (dt.date(2026, 12, 28), False),  # Boxing Day (substitute)
        (dt.date(2026, 12, 29), True),  # Tuesday
        (dt.date(2027, 5, 31), False),  # Spring bank holiday
        (dt.date(2027, 6, 1), True),
    ],
)
def test_weekends_and_bank_holidays_are_not_working_days(day, working):
    assert is_working_day(day) is working


def test_adding_working_days_skips_christmas_and_boxing_day():
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
    assert add_working_days(dt.date(2026, 12, 23), 2) == dt.date(2026, 12, 29)
    assert add_working_days(dt.date(2026, 12, 21), 5) == dt.date(2026, 12, 30)


def test_working_days_before_skips_christmas_and_boxing_day():
    assert working_days_before(dt.date(2026, 12, 29), 1) == dt.date(2026, 12, 24)
    assert working_days_before(dt.date(2026, 12, 29), 2) == dt.date(2026, 12, 23)
    assert working_days_before(dt.date(2026, 12, 29), 0) == dt.date(2026, 12, 29)


def test_working_days_either_side_of_the_spring_bank_holiday():
    assert working_days_before(dt.date(2027, 6, 1), 1) == dt.date(2027, 5, 28)
    assert add_working_days(dt.date(2027, 5, 28), 1) == dt.date(2027, 6, 1)
    # Ten working days before Monday 14 June 2027 reach back past the 31st: Friday 28 May.
    assert working_days_before(dt.date(2027, 6, 14), 10) == dt.date(2027, 5, 28)


def test_the_next_working_day_after_christmas_eve_is_the_29th():
    assert next_working_day(dt.date(2026, 12, 24)) == dt.date(2026, 12, 29)
    assert next_working_day(dt.date(2027, 5, 28)) == dt.date(2027, 6, 1)
    assert next_working_day(dt.date(2026, 12, 29)) == dt.date(2026, 12, 30)


def test_working_days_between_counts_the_end_but_not_the_start():
    assert working_days_between(dt.date(2026, 12, 24), dt.date(2026, 12, 29)) == 1
    assert working_days_between(dt.date(2026, 12, 29), dt.date(2026, 12, 24)) == -1
    assert working_days_between(dt.date(2026, 12, 24), dt.date(2026, 12, 24)) == 0
    assert working_days_between(dt.date(2026, 12, 21), dt.date(2027, 1, 4)) == 7


def test_a_clock_started_on_christmas_eve_runs_to_the_end_of_the_29th_in_london():
    started = dt.datetime(2026, 12, 24, 16, 30, tzinfo=LONDON)
    assert due_at_end_of_working_day(started, 1) == dt.datetime(2026, 12, 29, 23, 59, 59, tzinfo=LONDON)


def test_a_clock_uses_the_london_date_not_the_utc_one():
    # 23:30 UTC on Thursday 27 May 2027 is already Friday 28 May in London (BST).
    started = dt.datetime(2027, 5, 27, 23, 30, tzinfo=UTC)
    assert due_at_end_of_working_day(started, 1) == dt.datetime(2027, 6, 1, 23, 59, 59, tzinfo=LONDON)


def test_at_london_is_nine_in_the_morning_local_time_in_winter_and_summer():
    assert at_london(dt.date(2026, 12, 29)).astimezone(UTC) == dt.datetime(2026, 12, 29, 9, 0, tzinfo=UTC)
    assert at_london(dt.date(2027, 6, 1)).astimezone(UTC) == dt.datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
    assert at_london(dt.date(2027, 6, 1), dt.time(17, 30)).astimezone(UTC) == dt.datetime(
        2027, 6, 1, 16, 30, tzinfo=UTC
    )


def test_london_date_of_a_late_evening_in_summer_is_the_next_day():
    assert london_date(dt.datetime(2027, 5, 31, 23, 30, tzinfo=UTC)) == dt.date(2027, 6, 1)
    assert london_date(dt.datetime(2026, 12, 24, 23, 30, tzinfo=UTC)) == dt.date(2026, 12, 24)


def test_moments_are_worded_in_london_time():
    moment = dt.datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    assert format_moment(moment, False) == "Tuesday 1 June 2027"
    assert format_moment(moment, True) == "Tuesday 1 June 2027 at 10:00 (UK time)"
    assert format_moment(None, True) == ""
