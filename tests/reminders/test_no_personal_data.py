"""The demo partnership, every kind of reminder driven to send over a year and more, and
every email scanned for the demo people's names, dates of birth and case text: none appears."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from cases import services as case_services
from cases.models import Case, CaseStatus
from core import notifications
from panels import services as panel_services
from partnership.models import Agency, Panel, PanelMembership, User
from referrals.models import Referral, ReferralStatus
from sharing import services as sharing_services
from tests.reminders.helpers import T0, sweep, travel
from tests.reminders.personal_data import date_formats, leaks, personal_data

pytestmark = pytest.mark.django_db


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _drive_every_kind() -> None:
    chair = _user("chair")
    panel = Panel.objects.get(name="Northshire Channel Panel")
    for agency in Agency.objects.filter(is_active=True):
        PanelMembership.objects.get_or_create(panel=panel, agency=agency)
    probation = Agency.objects.get(users__username="probation.spoc")
    panel_services.generate_meetings(panel=panel, until=T0 + dt.timedelta(days=60))

    gathering = list(Case.objects.filter(status=CaseStatus.INFORMATION_GATHERING).order_by("pk"))
    assert len(gathering) >= 1
    case = gathering[0]
    case_services.request_information(
        actor=chair,
        case_id=case.pk,
        agency_ids=[probation.pk],
        question="Any supervision history we should know?",
        due_date=T0.date() + dt.timedelta(days=14),
    )
    panel_services.add_action(
        actor=chair,
        case_id=case.pk,
        description="Arrange mentoring introduction at the youth centre",
        owner_agency_id=probation.pk,
        due_date=T0.date() + dt.timedelta(days=21),
    )
    # Adopted with a review date, at one meeting; a second case adopted then exited (post-exit reviews).
    decided = list(Case.objects.filter(status__in=[CaseStatus.INFORMATION_GATHERING, CaseStatus.DISCUSSED]))
    first = panel_services.add_meeting(actor=chair, panel=panel, scheduled_at=T0, reason="Extra demo meeting")
    for c in decided:
        panel_services.add_to_agenda(actor=chair, meeting_id=first.pk, case_id=c.pk, reason="Ready to decide")
    panel_services.start_meeting(actor=chair, meeting_id=first.pk)
    for c in decided:
        item = first.items.get(case=c)
        panel_services.record_decision(
            actor=chair,
            item_id=item.pk,
            decision="adopt",
            notes="Agreed to adopt after a long discussion of risk",
            next_review_date=T0.date() + dt.timedelta(days=42),
        )
    second = panel_services.add_meeting(actor=chair, panel=panel, scheduled_at=T0, reason="Exit review")
    panel_services.add_to_agenda(actor=chair, meeting_id=second.pk, case_id=decided[-1].pk, reason="Exit")
    panel_services.start_meeting(actor=chair, meeting_id=second.pk)
    panel_services.record_decision(
        actor=chair,
        item_id=second.items.get().pk,
        decision="exit",
        exit_reason="EXIT-RISK",
        notes="Risk reduced; family support in place and school reports settled behaviour",
    )

    referral = Referral.objects.filter(status=ReferralStatus.SUBMITTED).order_by("pk").first()
    sharing_services.open_break_glass(
        actor=_user("probation.dv"), record=referral, reason="Urgent welfare concern raised out of hours"
    )
    own = Referral.objects.filter(created_by__username="school.sc").exclude(status=ReferralStatus.DRAFT).first()
    sharing_services.share_with_agency(
        actor=_user("school.sc"),
        record=own,
        agency=probation,
        reason="Probation asked to see the referral",
        expires_at=T0 + dt.timedelta(days=20),
    )


def test_no_email_carries_a_name_a_date_of_birth_or_case_text():
    with travel(T0):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        _drive_every_kind()
    sweep(T0 + dt.timedelta(minutes=1))
    day = T0.replace(hour=23)
    for _ in range(400):  # every evening for over a year: beat's sweep, catching each day's reminders
        sweep(day)
        day += dt.timedelta(days=1)

    kinds = {m.extra_headers["X-Convene-Kind"] for m in mail.outbox}
    assert kinds == set(notifications.reminder_kinds()), "every kind of reminder was emailed"
    names, texts = personal_data()
    assert {"Callum", "Reid", "Amira", "Haddad"} <= names
    assert date_formats(dt.date(2009, 5, 17)) <= texts
    assert any("race war" in t for t in texts)
    assert leaks(mail.outbox) == []


def test_the_scan_would_catch_a_leak():
    with travel(T0):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    person = Referral.objects.exclude(subject__family_name="").first().subject
    bad = [
        mail.EmailMessage(subject=f"About {person.family_name}", body="x", to=["a@example.com"]),
        mail.EmailMessage(subject="x", body=f"Born {person.date_of_birth:%d/%m/%Y}", to=["a@example.com"]),
        mail.EmailMessage(subject="x", body=person.referral.concerns.upper(), to=["a@example.com"]),
    ]
    assert len(leaks(bad)) == 3
