"""A practitioner refers a person in the browser, end to end; another agency cannot open it.

axe-core runs on every page of the journey, including the pages that show errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from partnership.models import Role
from referrals.models import Referral, ReferralStatus
from tests.e2e.browser import assert_accessible, assert_styled, expect_errors, heading, new_page, shows_error, sign_in
from tests.pages import PDF
from tests.partnership.factories import UserFactory, clearance
from tests.world import new_agency, new_police, new_user

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def fill(page: Any, answers: dict[str, str]) -> None:
    """Type each answer into the field its label names."""
    for label, answer in answers.items():
        page.get_by_label(label).fill(answer)


def save_and_continue(page: Any) -> None:
    page.get_by_role("button", name="Save and continue").click()


def test_practitioner_refers_a_person_and_another_agency_cannot_see_it(
    page: Any, browser: Any, live_server: Any, tmp_path: Path
) -> None:
    school = new_agency("Northshire Academy Trust")
    new_police("Northshire Police")
    teacher = UserFactory(
        agency=school,
        clearance=clearance(2),
        roles=[Role.PRACTITIONER],
        first_name="Priya",
        last_name="Shah",
        job_title="Designated safeguarding lead",
    )
    outsider = UserFactory(
        agency=new_agency("Southshire Housing"), clearance=clearance(3), roles=[Role.PRACTITIONER, Role.SPOC]
    )

    sign_in(page, teacher)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Make a referral").click()
    expect(heading(page)).to_have_text("Make a referral")
    assert_styled(page)
    assert_accessible(page, "start page")
    page.get_by_role("button", name="Start now").click()

    # The person's name, with an error corrected on the way.
    expect(heading(page)).to_have_text("What is the person's name?")
    assert_accessible(page, "person")
    page.get_by_label("First name").fill("Jordan")
    save_and_continue(page)
    summary = expect_errors(page, "Enter the person's last name")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Last name")).to_have_class(re.compile(r"govuk-input--error"))
    assert_accessible(page, "person with an error")
    summary.get_by_role("link", name="Enter the person's last name").click()
    expect(page.get_by_label("Last name")).to_be_focused()
    page.get_by_label("Last name").fill("Testperson")
    save_and_continue(page)

    # An impossible date is an error, not a crash.
    expect(heading(page)).to_have_text("What is the person's date of birth?")
    assert_accessible(page, "date of birth")
    fill(page, {"Day": "31", "Month": "2", "Year": "2010"})
    save_and_continue(page)
    shows_error(page, "Date of birth must be a real date", "date of birth with an error")
    fill(page, {"Day": "14", "Month": "3"})
    save_and_continue(page)

    expect(heading(page)).to_have_text("About the person")
    assert_accessible(page, "about")
    page.get_by_role("group", name="Sex (optional)").get_by_label("Male", exact=True).check()
    page.get_by_label("Main language (optional)").fill("English")
    save_and_continue(page)

    expect(heading(page)).to_have_text("Where does the person live?")
    assert_accessible(page, "address")
    fill(
        page,
        {
            "Address (optional)": "1 High Street\nNorthtown",
            "Postcode (optional)": "NS1 4AB",
            "School, college or employer (optional)": "Northtown High",
        },
    )
    save_and_continue(page)

    expect(heading(page)).to_have_text("Parent or guardian")  # under 18
    assert_accessible(page, "guardian")
    page.get_by_label("Name of parent or guardian (optional)").fill("Sam Testperson")
    save_and_continue(page)

    expect(heading(page)).to_have_text("Does the person have any reference numbers?")
    assert_accessible(page, "identifiers")
    page.get_by_label("Type of reference 1").select_option("upn")
    page.get_by_label("Reference 1", exact=True).fill("A123456789012")
    save_and_continue(page)

    expect(heading(page)).to_have_text("What are your concerns?")
    assert_accessible(page, "concerns")
    page.get_by_label("What are your concerns?").fill("Sharing extremist videos with classmates since March.")
    save_and_continue(page)

    expect(heading(page)).to_have_text("What type of concern is this?")
    assert_accessible(page, "ideology")
    page.get_by_label("Extreme right-wing").check()
    save_and_continue(page)

    expect(heading(page)).to_have_text("What have you noticed? (optional)")
    assert_accessible(page, "indicators")
    page.get_by_label("Accessing or sharing extremist material online").check()
    page.get_by_label("Withdrawal from family and friends").check()
    save_and_continue(page)

    expect(heading(page)).to_have_text("Urgency and risk")
    assert_accessible(page, "urgency and risk")
    page.get_by_label("Priority").check()
    page.get_by_role("group", name="Is anyone at immediate risk of harm?").get_by_label("Yes").check()
    save_and_continue(page)
    shows_error(page, "Describe the risk", "urgency and risk with an error")
    page.get_by_label("If yes, describe the risk").fill("Talked about hurting a classmate.")
    save_and_continue(page)

    expect(heading(page)).to_have_text("Consent and awareness")
    assert_accessible(page, "consent")
    page.get_by_role("group", name="Does the person know you are referring them?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("group", name="Does their parent or guardian know?").get_by_label("Not known").check()
    page.get_by_role("group", name="Have you asked for consent").get_by_label("No", exact=True).check()
    save_and_continue(page)

    expect(heading(page)).to_have_text("Your details")
    assert_accessible(page, "referrer")
    expect(page.get_by_label("Your name")).to_have_value("Priya Shah")  # prefilled
    save_and_continue(page)

    expect(heading(page)).to_have_text("Who may read this referral?")
    assert_accessible(page, "classification")
    expect(page.get_by_label("Developed Vetting")).to_have_count(0)  # above the teacher's clearance
    page.get_by_label("Security Check").check()
    save_and_continue(page)

    expect(heading(page)).to_have_text("Attach documents")
    assert_accessible(page, "attachments")
    document = tmp_path / "notes.pdf"
    document.write_bytes(PDF)
    page.get_by_label("Upload a file").set_input_files(str(document))
    page.get_by_role("button", name="Upload file").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("notes.pdf has been uploaded")
    assert_accessible(page, "attachments with a document")
    page.get_by_role("button", name="Continue").click()

    expect(heading(page)).to_have_text("Check your answers before sending your referral")
    main = page.get_by_role("main")
    for answer in (
        "Jordan Testperson",
        "14 March 2010",
        "NS1 4AB",
        "Extreme right-wing",
        "Security Check",
        "notes.pdf",
    ):
        expect(main).to_contain_text(answer)
    assert_accessible(page, "check your answers")
    # Change an answer and come back.
    page.get_by_role("link", name="Change other names").click()
    expect(heading(page)).to_have_text("What is the person's name?")
    page.get_by_label("Other names (optional)").fill("JT")
    page.get_by_role("button", name="Save and go back to check your answers").click()
    expect(heading(page)).to_have_text("Check your answers before sending your referral")
    expect(main).to_contain_text("JT")

    page.get_by_role("button", name="Accept and send referral").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Referral sent")
    referral = Referral.objects.get(created_by=teacher)
    assert referral.status == ReferralStatus.SUBMITTED
    expect(page.locator(".govuk-panel__body")).to_contain_text(referral.reference)
    assert re.fullmatch(r"REF-\d{4}-\d{6}", referral.reference)
    assert_accessible(page, "confirmation")

    page.get_by_role("link", name="My referrals").first.click()
    expect(heading(page)).to_have_text("My referrals")
    expect(page.get_by_role("link", name=referral.reference)).to_be_visible()
    assert_accessible(page, "my referrals")
    page.get_by_role("link", name=referral.reference).click()
    expect(heading(page)).to_have_text("Jordan Testperson")
    expect(page.get_by_role("link", name="notes.pdf")).to_be_visible()
    assert_accessible(page, "referral page")
    detail_url = page.url

    # Someone in an unrelated agency gets "Page not found", with nothing of the referral on it.
    with new_page(browser, live_server, timeout_ms=None) as other_page:
        sign_in(other_page, outsider)
        response = other_page.goto(detail_url)
        assert response.status == 404
        expect(heading(other_page)).to_have_text("Page not found")
        expect(other_page.get_by_role("main")).not_to_contain_text("Testperson")
        assert_accessible(other_page, "404 for another agency")
        other_page.goto("/referrals/caseload/")
        expect(other_page.get_by_role("main")).not_to_contain_text(referral.reference)
        assert_accessible(other_page, "caseload for another agency")


def test_pages_around_a_referral_are_accessible(page: Any, browser: Any, live_server: Any) -> None:
    """Share and revoke, search, the screening queue, the caseload and break-glass, checked with axe."""
    from tests.referrals.factories import submitted_referral

    school = new_agency("Northshire Academy Trust")
    police = new_police("Northshire Police")
    health = new_agency("Northshire Health")
    teacher = new_user(school, 2, Role.PRACTITIONER, Role.SPOC)
    referral = submitted_referral(teacher, given_name="Morgan", family_name="Example", urgency="urgent")

    sign_in(page, teacher)
    page.goto(f"/referrals/{referral.pk}/")
    expect(heading(page)).to_have_text("Morgan Example")
    assert_accessible(page, "referral page with access table")
    page.get_by_role("button", name="Share with another agency").click()
    expect(heading(page)).to_have_text("Share with another agency")
    assert_accessible(page, "share")
    page.get_by_role("button", name="Share referral").click()
    shows_error(page, "Select an agency", "share with errors")
    page.get_by_label("Agency to share with").select_option(label="Northshire Health")
    page.get_by_label("Why are you sharing this referral?").fill("Health input needed for the panel")
    page.get_by_role("button", name="Share referral").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now shared with Northshire Health")
    assert_accessible(page, "referral page after sharing")
    page.get_by_role("button", name="Revoke access for Northshire Health").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Access for Northshire Health has been revoked")
    assert_accessible(page, "referral page after revoking")

    page.goto("/referrals/caseload/")
    expect(page.get_by_role("link", name=referral.reference)).to_be_visible()
    assert_accessible(page, "caseload")
    page.goto("/referrals/search/")
    assert_accessible(page, "search")
    page.get_by_label("Reference, name or postcode").fill("Example")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name=referral.reference)).to_be_visible()
    assert "Example" not in page.url  # searched by POST
    assert_accessible(page, "search results")

    screener = new_user(police, 3, Role.SCREENING_OFFICER)
    nurse = new_user(health, 3, Role.PRACTITIONER)
    for user, check in ((screener, "screening"), (nurse, "break-glass")):
        with new_page(browser, live_server, timeout_ms=None) as other:
            sign_in(other, user)
            if check == "screening":
                other.goto("/referrals/screening/")
                expect(heading(other)).to_have_text("Referrals to screen")
                expect(other.get_by_role("link", name=referral.reference)).to_be_visible()
                assert_accessible(other, "screening queue")
            else:
                assert other.goto(f"/referrals/{referral.pk}/").status == 404
                other.goto("/referrals/break-glass/")
                assert_accessible(other, "break-glass")
                other.get_by_label("Referral reference").fill("REF-1999-000001")
                other.get_by_label("Why do you need to open this referral now?").fill("Admitted to A&E tonight")
                other.get_by_role("button", name="Open the referral").click()
                shows_error(other, "No referral you can open with that reference", "break-glass with an error")
                other.get_by_label("Referral reference").fill(referral.reference)
                other.get_by_role("button", name="Open the referral").click()
                expect(heading(other)).to_have_text("Morgan Example")
                expect(other.locator(".govuk-warning-text")).to_contain_text("break-glass access until")
                assert_accessible(other, "referral page through break-glass")
