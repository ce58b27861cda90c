"""Screening clocks per urgency (issue 11 item 6): a referral's screening is due a number of England and
Wales working days after it is sent, the partnership's clock for its urgency (urgent 1, priority 3, routine
5 by default). The confirmation page and the screening queue show the due date; the screening reminder
follows it; a referral already sent keeps the date it was given."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from core.models import AuditEvent, AuditVerb, Reminder, ReminderStatus
from core.working_days import LONDON
from partnership.models import PartnershipSettings
from referrals import services
from referrals.models import Referral
from referrals.reminders import SCREENING_AT_RISK
from tests.referrals.factories import draft_referral, submitted_referral
from tests.world import Partnership, client_for, new_admin

pytestmark = pytest.mark.django_db

# Thursday 24 December 2026, 10:00 in London: Friday 25 and Monday 28 December are bank holidays, and so
# is Friday 1 January 2027.
CHRISTMAS_EVE = dt.datetime(2026, 12, 24, 10, 0, tzinfo=LONDON)

DUE_AFTER_CHRISTMAS_EVE = {
    "urgent": dt.date(2026, 12, 29),  # Tuesday: 1 working day
    "priority": dt.date(2026, 12, 31),  # Thursday: 3 working days
    "routine": dt.date(2027, 1, 5),  # Tuesday: 5 working days, skipping New Year's Day too
}


@pytest.fixture
def world() -> Partnership:
    return Partnership()


def _sent(world: Partnership, at: dt.datetime = CHRISTMAS_EVE, **changes: str) -> Referral:
    with time_machine.travel(at, tick=False):
        return submitted_referral(world.teacher, **changes)


def _due_day(referral: Referral) -> dt.date:
    assert referral.screening_due_at is not None
    return referral.screening_due_at.astimezone(LONDON).date()


@pytest.mark.parametrize(("urgency", "due"), DUE_AFTER_CHRISTMAS_EVE.items())
def test_each_urgency_has_its_own_clock_across_the_christmas_bank_holidays(
    world: Partnership, urgency: str, due: dt.date
) -> None:
    referral = _sent(world, urgency=urgency)
    assert _due_day(referral) == due
    assert referral.screening_due_at == dt.datetime.combine(due, dt.time(23, 59, 59), tzinfo=LONDON)


def test_a_referral_sent_without_an_urgency_takes_the_routine_clock(world: Partnership) -> None:
    draft = draft_referral(world.teacher, urgency="")
    with time_machine.travel(CHRISTMAS_EVE, tick=False):
        referral = services.submit_referral(actor=world.teacher, referral_id=draft.pk, require_structured=False)
    assert _due_day(referral) == DUE_AFTER_CHRISTMAS_EVE["routine"]


def test_the_clocks_are_the_partnerships_settings(world: Partnership) -> None:
    PartnershipSettings.objects.filter(pk=PartnershipSettings.current().pk).update(
        urgent_screening_working_days=2, priority_screening_working_days=4, screening_working_days=6
    )
    due = {u: _due_day(_sent(world, urgency=u)) for u in ("urgent", "priority", "routine")}
    assert due == {"urgent": dt.date(2026, 12, 30), "priority": dt.date(2027, 1, 4), "routine": dt.date(2027, 1, 6)}


def test_a_referral_already_sent_keeps_its_due_date_when_the_clocks_change(world: Partnership) -> None:
    referral = _sent(world, urgency="urgent")
    PartnershipSettings.objects.filter(pk=PartnershipSettings.current().pk).update(urgent_screening_working_days=5)
    referral.refresh_from_db()
    assert _due_day(referral) == DUE_AFTER_CHRISTMAS_EVE["urgent"]


@pytest.mark.parametrize(
    ("urgency", "reminded_on"),
    [
        ("urgent", dt.date(2026, 12, 24)),  # due Tuesday 29th: the working day before is Christmas Eve
        ("priority", dt.date(2026, 12, 30)),
        ("routine", dt.date(2027, 1, 4)),
    ],
)
def test_the_screening_reminder_follows_the_clock_of_the_urgency(
    world: Partnership, urgency: str, reminded_on: dt.date
) -> None:
    referral = _sent(world, urgency=urgency)
    reminders = Reminder.objects.filter(kind=SCREENING_AT_RISK, object_id=referral.pk, status=ReminderStatus.PENDING)
    assert {r.recipient_id for r in reminders} == {world.officer.pk}
    [reminder] = reminders
    assert reminder.due_at == dt.datetime.combine(reminded_on, dt.time(9, 0), tzinfo=LONDON)
    assert reminder.event_at == referral.screening_due_at


def test_the_confirmation_page_says_when_screening_is_due(world: Partnership) -> None:
    referral = _sent(world, urgency="urgent")
    page = client_for(world.teacher).get(f"/referrals/{referral.pk}/confirmation/").content.decode()
    assert "As an urgent referral, it is due to be screened by the end of <strong>Tuesday 29 December 2026" in page
    assert "(1 working day after it was sent, not counting weekends and bank holidays)" in page


def test_the_confirmation_page_counts_the_working_days_of_a_routine_clock(world: Partnership) -> None:
    referral = _sent(world, urgency="routine")
    page = client_for(world.teacher).get(f"/referrals/{referral.pk}/confirmation/").content.decode()
    assert "As a routine referral, it is due to be screened by the end of <strong>Tuesday 5 January 2027" in page
    assert "(5 working days after it was sent" in page


def test_the_screening_queue_shows_each_due_date(world: Partnership) -> None:
    urgent, priority = _sent(world, urgency="urgent"), _sent(world, urgency="priority")
    page = client_for(world.officer).get("/referrals/screening/").content.decode()
    for referral, shown in ((urgent, "29 Dec 2026"), (priority, "31 Dec 2026")):
        row = page.split(f">{referral.reference}</a>", 1)[1].split("</tr>", 1)[0]
        assert shown in row


def test_a_partnership_admin_sets_the_clocks_and_the_draft_retention_on_the_settings_page(
    world: Partnership,
) -> None:
    settings_page = "/manage/settings/"
    browser = client_for(new_admin())
    form = browser.get(settings_page).content.decode()
    for field in ("urgent_screening_working_days", "priority_screening_working_days", "draft_retention_days"):
        assert f'name="{field}"' in form
    response = browser.post(
        settings_page,
        {
            "urgent_screening_working_days": 2,
            "priority_screening_working_days": 3,
            "screening_working_days": 5,
            "draft_retention_days": 60,
            "information_request_working_days": 10,
            "break_glass_minutes": 60,
            "second_admin_approval": "on",
        },
    )
    assert response.status_code == 302
    [event] = AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED, object_type="partnership.partnershipsettings")
    assert (event.details["before"], event.details["after"]) == (
        {"urgent_screening_working_days": 1, "draft_retention_days": 90},
        {"urgent_screening_working_days": 2, "draft_retention_days": 60},
    )
    assert _due_day(_sent(world, urgency="urgent")) == dt.date(2026, 12, 30)
