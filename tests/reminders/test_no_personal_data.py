"""The demo partnership, every kind of reminder driven to send over a year and more, and
every email scanned for the demo people's names, dates of birth and case text: none appears.
And every email and in-app notification, as it is sent, scanned for a record reference or a link
to a record its recipient may not read (DESIGN.md rule 12): none appears either."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from cases import services as case_services
from cases.models import Case, CaseStatus
from core import notifications
from core.models import Notification
from governance import reminders as governance_reminders
from panels import services as panel_services
from partnership.models import Agency, Panel, PanelMembership, User
from referrals.models import Referral, ReferralStatus
from sharing import services as sharing_services
from tests.referrals.factories import submitted_referral
from tests.reminders.helpers import T0, sweep, travel
from tests.reminders.personal_data import date_formats, leaks, personal_data
from tests.reminders.readers import may_read, told_by_email, told_in_app, unreadable_mentions
from tests.world import ask, refer_to_panel

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
    [request] = ask(
        chair,
        case,
        probation,
        question="Any supervision history we should know?",
        due_date=T0.date() + dt.timedelta(days=14),
    )
    case_services.assign_request(actor=_user("probation.spoc"), request_id=request.pk, assignee=_user("probation.sc"))
    panel_services.add_action(
        actor=chair,
        case_id=case.pk,
        description="Arrange mentoring introduction at the youth centre",
        owner_agency_id=probation.pk,
        due_date=T0.date() + dt.timedelta(days=21),
    )
    # Adopted with a review date, at one meeting; a second case adopted then exited (post-exit reviews).
    decided = list(Case.objects.filter(status__in=[CaseStatus.INFORMATION_GATHERING, CaseStatus.DISCUSSED]))
    # Owned by a council worker rather than the chair, so its owner hears of the decisions.
    Case.objects.filter(pk__in=[c.pk for c in decided]).update(owner=_user("council.sc"))
    first = panel_services.add_meeting(actor=chair, panel=panel, scheduled_at=T0, reason="Extra demo meeting")
    for c in decided:
        panel_services.add_to_agenda(actor=chair, meeting_id=first.pk, case_id=c.pk, reason="Ready to decide")
    # A guest for one item of a meeting ahead: probation's case worker, whose agency reads the case
    # through its request.
    ahead = panel_services.add_meeting(
        actor=chair, panel=panel, scheduled_at=T0 + dt.timedelta(days=7), reason="Extra meeting for one case"
    )
    panel_services.add_to_agenda(actor=chair, meeting_id=ahead.pk, case_id=case.pk, reason="Probation's view")
    panel_services.invite_person(
        actor=chair, meeting_id=ahead.pk, person_id=_user("probation.sc").pk, item_id=ahead.items.get(case=case).pk
    )
    panel_services.start_meeting(actor=chair, meeting_id=first.pk)
    panel_services.override_quorum(actor=chair, meeting_id=first.pk, reason="Attendance is not what this test is about")
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
    panel_services.override_quorum(
        actor=chair, meeting_id=second.pk, reason="Attendance is not what this test is about"
    )
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
    governance_reminders.sync_waiting_openings()  # beat's nightly re-check: the opening's review reminders
    own = Referral.objects.filter(created_by__username="school.sc").exclude(status=ReferralStatus.DRAFT).first()
    sharing_services.share_with_agency(
        actor=_user("school.sc"),
        record=own,
        agency=probation,
        reason="Probation asked to see the referral",
        expires_at=T0 + dt.timedelta(days=20),
    )


def _drive_the_rule_12_reproductions() -> dict[str, Referral]:
    """What rule 12 was broken by, on the demo: a Developed Vetting referral and another agency's
    originator-only referral awaiting screening (police.sc, a Security Check screening officer,
    may read neither); a DV case whose information request goes to probation (its SPOC is SC)
    and whose action is owned by health, which was granted nothing."""
    dv = submitted_referral(_user("school.dv"), classification=3)
    own = submitted_referral(_user("council.sc"), originator_only=True)
    dv_case_referral = submitted_referral(_user("school.dv"), classification=3)
    refer_to_panel(
        dv_case_referral,
        officer=_user("police.dv"),
        panel=Panel.objects.get(name="Northshire Channel Panel"),
        owner=_user("council.dv"),
    )
    probation = Agency.objects.get(users__username="probation.spoc")
    ask(
        _user("council.dv"),
        dv_case_referral.pk,
        probation,
        question="Any supervision history we should know?",
        due_date=T0.date() + dt.timedelta(days=14),
    )
    panel_services.add_action(
        actor=_user("police.dv"),  # police's named representative on the panel, cleared for the case
        case_id=dv_case_referral.pk,
        description="Arrange a health assessment",
        owner_agency_id=Agency.objects.get(users__username="health.spoc").pk,
        due_date=T0.date() + dt.timedelta(days=21),
    )
    return {"dv": dv, "originator_only": own, "dv_case": dv_case_referral}


def test_nothing_sent_names_or_links_to_a_record_its_recipient_may_not_read():
    with travel(T0):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        _drive_every_kind()
        repro = _drive_the_rule_12_reproductions()
    # The reproductions are real: police.sc screens and would be a candidate, but may read neither
    # referral; probation's SPOC and health's may not read the DV case.
    assert not may_read(_user("police.sc"), repro["dv"])
    assert not may_read(_user("police.sc"), repro["originator_only"])
    assert not may_read(_user("probation.spoc"), repro["dv_case"])
    assert not may_read(_user("health.spoc"), repro["dv_case"])
    found = unreadable_mentions(told_in_app(Notification.objects.select_related("recipient")))  # break-glass, at once
    mails, last_note = 0, Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    day = T0 + dt.timedelta(minutes=1)
    for _ in range(400):  # every evening for over a year; each batch scanned as it goes, against access then
        sweep(day)
        with travel(day):
            notes = list(Notification.objects.filter(pk__gt=last_note).select_related("recipient").order_by("pk"))
            found += unreadable_mentions(told_by_email(mail.outbox[mails:]) + told_in_app(notes))
        mails, last_note = len(mail.outbox), (notes[-1].pk if notes else last_note)
        day = day.replace(hour=23) + dt.timedelta(days=1)
    assert {m.extra_headers["X-Convene-Kind"] for m in mail.outbox} == set(notifications.reminder_kinds())
    assert found == []
    told = {a for m in mail.outbox for a in m.to}
    assert _user("police.sc").email in told  # told of what they may read, just not of these
    for key in ("dv", "originator_only"):
        assert not [m for m in mail.outbox if repro[key].reference in m.subject and _user("police.sc").email in m.to]


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
