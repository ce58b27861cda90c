"""Screening through the task list, in the browser (issue 11 acceptance).

The screening officer opens a priority referral from the filtered queue and works through the task
list, one thing per page: the deconfliction check (with the likely duplicates), a note, the RAG rating,
a request to health (which health's SPOC is told of), and the decision: its follow-up questions are
revealed by the choice, every error shows at once and what was typed is kept, "check your answers"
comes before it is recorded, and the confirmation shows the screening clock and what happens next.
Every page: no serious or critical axe violation, and it fits a 375 px screen.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.events import REQUEST_RECEIVED
from cases.models import Case, InformationRequest
from core.models import Reminder
from partnership.models import AgencyKind, Panel, Role
from tests.e2e.browser import assert_accessible, assert_fits_a_phone, banner, expect_errors, heading, sign_in
from tests.partnership.factories import UserFactory, clearance
from tests.referrals.factories import submitted_referral
from tests.world import new_agency, new_police, new_user

pytestmark = pytest.mark.e2e

RATIONALE = "Vulnerable, susceptible and at risk: meets the threshold for the panel."


def test_screening_through_the_task_list(page: Any, live_server: Any, tmp_path: Path) -> None:
    def check(page: Any, label: str) -> None:
        """axe at the desktop width, then the page at 375 px, with a screenshot of each to look at."""
        name = re.sub(r"[^a-z0-9]+", "-", label.lower())
        assert_accessible(page, label)
        page.screenshot(path=str(tmp_path / f"{name}-desktop.png"), full_page=True)
        assert_fits_a_phone(page, label, screenshot=tmp_path / f"{name}-phone.png")

    police = new_police("Northshire Police")
    council = new_agency("Northshire Council", AgencyKind.CHILDRENS_SERVICES)
    school = new_agency("Northtown High")
    health = new_agency("Northshire Health", AgencyKind.HEALTH)
    officer = UserFactory(
        agency=police, clearance=clearance(3), roles=[Role.SCREENING_OFFICER], first_name="Ola", last_name="Officer"
    )
    chair = UserFactory(
        agency=council, clearance=clearance(2), roles=[Role.PANEL_CHAIR], first_name="Cara", last_name="Chair"
    )
    health_spoc = new_user(health, 2, Role.SPOC)
    teacher = new_user(school, 1, Role.PRACTITIONER)
    panel = Panel.objects.create(
        name="Northshire Channel Panel", chair=chair, first_meeting_at=timezone.now() + dt.timedelta(days=10)
    )
    submitted_referral(teacher, given_name="Jordan", family_name="Testperson", urgency="routine")
    referral = submitted_referral(teacher, given_name="Jordan", family_name="Testperson", urgency="priority")

    sign_in(page, officer)
    page.goto("/referrals/screening/")
    page.get_by_label("Urgency").select_option(label="Priority")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"urgency=priority"))
    expect(page.get_by_role("table")).to_contain_text(referral.reference)
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the one priority referral
    check(page, "filtered screening queue")
    page.get_by_role("link", name=referral.reference).click()

    # The task list.
    expect(heading(page)).to_have_text("Jordan Testperson")
    expect(page.get_by_text("You have completed 0 of 3 required tasks.")).to_be_visible()
    check(page, "screening task list")
    page.get_by_role("button", name="Start screening").click()
    expect(banner(page)).to_contain_text(f"You have started screening {referral.reference}")

    # Deconfliction, with the likely duplicate found on submission.
    page.get_by_role("link", name="Check for duplicates and deconfliction").click()
    expect(heading(page)).to_have_text("Check for duplicates and deconfliction")
    expect(page.get_by_role("main")).to_contain_text("REF-")  # the other referral for the same person
    expect(page.get_by_label("Security Check")).to_be_checked()
    expect(page.get_by_label("Keep this inside my agency")).to_be_checked()
    check(page, "deconfliction")
    page.get_by_label("What did the deconfliction checks find?").fill("PNC and local systems: nothing held.")
    page.get_by_role("button", name="Save and return to the tasks").click()
    expect(banner(page)).to_contain_text("The deconfliction check has been recorded.")
    expect(page.locator("#task-deconfliction-status")).to_have_text("Completed")

    # A note.
    page.get_by_role("link", name="Screening notes").click()
    page.get_by_role("button", name="Save and return to the tasks").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the note")
    check(page, "screening note with an error")
    page.get_by_label("Screening note").fill("Spoke to the school's safeguarding lead.")
    page.get_by_role("button", name="Save and return to the tasks").click()
    expect(page.locator("#task-notes-status")).to_have_text("1 note")

    # The RAG rating.
    page.get_by_role("link", name="RAG rating").click()
    check(page, "RAG rating")
    page.get_by_role("group", name="What is the RAG rating now?").get_by_label("Amber").check()
    page.get_by_label("Why this rating?").fill("Escalating activity online.")
    page.get_by_role("button", name="Save and return to the tasks").click()
    expect(page.locator("#task-rag-status")).to_have_text("Amber")
    expect(page.get_by_text("You have completed 2 of 3 required tasks.")).to_be_visible()

    # An information request during screening.
    page.get_by_role("link", name="Ask agencies for information").click()
    check(page, "information requests in screening")
    page.get_by_role("group", name="Which agencies are you asking?").get_by_label("Northshire Health").check()
    page.get_by_label("What do you need to know?").fill("Any contact with Jordan in the last two years?")
    page.get_by_role("button", name="Send the requests").click()
    expect(banner(page)).to_contain_text("Information has been requested from Northshire Health.")
    expect(page.get_by_role("table")).to_contain_text("Northshire Health")
    [info_request] = InformationRequest.objects.filter(referral=referral)
    assert set(Reminder.objects.filter(kind=REQUEST_RECEIVED).values_list("recipient_id", flat=True)) == {
        health_spoc.pk
    }
    page.get_by_role("link", name="Back to the screening tasks").click()
    expect(page.locator("#task-requests-status")).to_have_text("1 request sent, 0 answered")

    # The decision: the follow-up questions come with the choice, every error at once, typed text kept.
    page.get_by_role("link", name="Check and record the decision").click()
    expect(page.get_by_label("If you are referring to the panel, which panel?")).to_be_hidden()
    expect(page.get_by_label("If you are signposting, to which service?")).to_be_hidden()
    check(page, "decision")
    page.get_by_label("Refer to the panel").check()
    expect(page.get_by_label("If you are referring to the panel, which panel?")).to_be_visible()
    expect(page.get_by_label("If you are signposting, to which service?")).to_be_hidden()
    page.get_by_label("Rationale for the decision").fill(RATIONALE)
    page.get_by_role("button", name="Continue").click()
    expect(expect_errors(page, "Choose the panel", "Choose the case owner")).to_be_focused()
    expect(page.get_by_label("Rationale for the decision")).to_have_value(RATIONALE)
    expect(page.get_by_label("If you are referring to the panel, which panel?")).to_be_visible()  # still chosen
    check(page, "decision with errors")
    page.get_by_label("If you are referring to the panel, which panel?").select_option(label=panel.name)
    page.get_by_label("Who will own the case?").select_option(label="Cara Chair (Northshire Council)")
    page.get_by_role("button", name="Continue").click()

    # Check your answers; nothing is recorded yet.
    expect(heading(page)).to_have_text("Check your answers before recording the decision")
    main = page.get_by_role("main")
    for shown in ("Refer to the panel", panel.name, "Cara Chair", RATIONALE):
        expect(main).to_contain_text(shown)
    assert not Case.objects.filter(pk=referral.pk).exists()
    check(page, "check your answers")
    page.get_by_role("button", name="Record the decision").click()

    # The confirmation: the clock and what happens next.
    expect(heading(page)).to_have_text("Decision recorded")
    main = page.get_by_role("main")
    expect(main).to_contain_text("The partnership screens priority referrals within 3 working days.")
    expect(main).to_contain_text("Within the clock")
    case = Case.objects.get(pk=referral.pk)
    expect(main).to_contain_text(f"Case {case.reference} is open for {panel.name}")
    expect(main).to_contain_text("The 1 information request you sent during screening now belongs to the case.")
    check(page, "decision recorded")
    assert InformationRequest.objects.get(pk=info_request.pk).case == case
    page.get_by_role("link", name=f"Go to case {case.reference}").click()
    expect(page.locator(".govuk-caption-l")).to_have_text(f"Case {case.reference}")
