"""The nightly jobs: meetings generated from each panel's cadence with their reminders, and
every open record's reminders re-stated (for records written before a kind existed), idempotently."""

from __future__ import annotations

import datetime as dt

import pytest

from cases import tasks as case_tasks
from cases.reminders import REQUEST_DUE_SOON, REQUEST_OVERDUE
from core.models import Reminder, ReminderStatus
from panels import tasks as panel_tasks
from panels.models import Meeting
from panels.reminders import MEETING_NOTICE
from referrals import tasks as referral_tasks
from referrals.reminders import SCREENING_AT_RISK
from tests.reminders.helpers import T0, emailed, london, sweep, travel

pytestmark = pytest.mark.django_db


def test_nightly_recheck_restores_missing_reminders_once_and_never_resends(world):
    with travel(T0):
        referral = world.referral()
        case = world.case()
        world.ask(case, question="Q", due_date=dt.date(2026, 12, 29))
    # As if written before these kinds existed.
    Reminder.objects.filter(kind__in=[SCREENING_AT_RISK, REQUEST_DUE_SOON, REQUEST_OVERDUE]).delete()
    with travel(T0 + dt.timedelta(hours=12)):
        referral_tasks.sync_open_reminders.run()
        referral_tasks.sync_open_reminders.run()
        case_tasks.sync_open_requests.run()
        case_tasks.sync_open_requests.run()
    assert Reminder.objects.filter(kind=SCREENING_AT_RISK, object_id=referral.pk).count() == 2
    assert Reminder.objects.filter(kind__in=[REQUEST_DUE_SOON, REQUEST_OVERDUE]).count() == 2
    sweep(london(2026, 12, 23, 9))
    with travel(london(2026, 12, 23, 23)):
        referral_tasks.sync_open_reminders.run()
        case_tasks.sync_open_requests.run()
    sweep(london(2026, 12, 24, 9))
    assert sum(emailed(REQUEST_DUE_SOON).values()) == 1


def test_nightly_meetings_come_with_their_notices(world):
    with travel(T0):
        created = panel_tasks.generate_upcoming_meetings.run()
        assert created == Meeting.objects.filter(panel=world.panel).count() > 1
        assert panel_tasks.generate_upcoming_meetings.run() == 0
    meetings = Meeting.objects.filter(panel=world.panel)
    notices = Reminder.objects.filter(kind=MEETING_NOTICE, status=ReminderStatus.PENDING)
    # Chair, Health's representative and the council's SPOC, for each meeting.
    assert notices.count() == 3 * meetings.count()
