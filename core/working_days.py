"""Working days in England and Wales: weekends and bank holidays skipped.

Bank holidays come from the govuk-bank-holidays package's bundled data (no
network at run time). Clocks are computed on London dates, stored in UTC; the
London-moment helpers here are what reminders are scheduled and worded with."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from govuk_bank_holidays.bank_holidays import BankHolidays

LONDON = ZoneInfo("Europe/London")
DIVISION = BankHolidays.ENGLAND_AND_WALES


@lru_cache(maxsize=1)
def _holidays() -> frozenset[dt.date]:
    calendar = BankHolidays(use_cached_holidays=True)
    return frozenset(h["date"] for h in calendar.get_holidays(division=DIVISION))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays()


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + dt.timedelta(days=n)))


def due_at_end_of_working_day(start: dt.datetime, days: int) -> dt.datetime:
    """End of the London working day ``days`` working days after ``start``, as an aware datetime."""
    local_start = start.astimezone(LONDON).date()
    due_day = add_working_days(local_start, days)
    return dt.datetime.combine(due_day, dt.time(23, 59, 59), tzinfo=LONDON)


def working_days_before(day: dt.date, days: int) -> dt.date:
    """The working day ``days`` working days before ``day`` (``day`` itself does not count)."""
    while days > 0:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    """The first working day after ``day``."""
    return add_working_days(day, 1)


# --- London moments -------------------------------------------------------------------------

MORNING = dt.time(9, 0)


def at_london(day: dt.date, clock: dt.time = MORNING) -> dt.datetime:
    """``clock`` on ``day`` in London, as an aware datetime (stored as UTC)."""
    return dt.datetime.combine(day, clock, tzinfo=LONDON)


def london_date(moment: dt.datetime) -> dt.date:
    """The London calendar date of an aware moment."""
    return moment.astimezone(LONDON).date()


def format_moment(moment: dt.datetime | None, show_time: bool) -> str:
    """``Tuesday 3 March 2026`` or ``Tuesday 3 March 2026 at 10:00 (UK time)``: shown in London time."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    text = f"{local:%A} {local.day} {local:%B %Y}"
    return f"{text} at {local:%H:%M} (UK time)" if show_time else text
