"""From a referral to a case the panel can decide on, in the browser (issue 4 acceptance).

The screening officer screens a referral to the panel through the task list
(deconfliction, RAG, a decision with an error corrected on the way, checked, then
recorded); the coordinator asks two agencies
for information and adds a Security Check note; health's single point of
contact returns a contribution at Security Check with a releasable summary; a
Baseline reader in health sees the summary and the withheld count, a Security
Check reader sees the full text and downloads the chronology. axe-core finds no
serious or critical violation on any page, and the browser reports no CSP or
console errors.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from cases.models import Case, CaseStatus, InformationRequest, RequestStatus
from partnership.models import AgencyKind, Panel, Role
from referrals.models import ChronologyEntry, EntryType
from tests.e2e.browser import assert_accessible, assert_styled, banner, expect_errors, heading, shows_error, sign_in
from tests.partnership.factories import UserFactory, clearance
from tests.referrals.factories import submitted_referral
from tests.world import new_agency, new_police, new_user

pytestmark = pytest.mark.e2e

FULL_TEXT = "Known to the crisis team since 2024; two admissions under the Mental Health Act."
SUMMARY = "Health services have been involved; the details are held at Security Check."
SC_NOTE = "Intelligence suggests contact with a known recruiter."


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Your work")


def nav(page: Any, label: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=label).click()


def test_screening_to_a_contribution_read_at_two_clearances(page: Any, live_server: Any, tmp_path: Path) -> None:
    police = new_police("Northshire Police")
    council = new_agency("Northshire Council", AgencyKind.CHILDRENS_SERVICES)
    school = new_agency("Northtown High")
    health = new_agency("Northshire Health", AgencyKind.HEALTH)
    housing = new_agency("Northshire Housing", AgencyKind.HOUSING)
    officer = UserFactory(
        agency=police, clearance=clearance(3), roles=[Role.SCREENING_OFFICER], first_name="Ola", last_name="Officer"
    )
    chair = UserFactory(
        agency=council,
        clearance=clearance(2),
        roles=[Role.PANEL_CHAIR, Role.PRACTITIONER],
        first_name="Cara",
        last_name="Chair",
    )
    teacher = new_user(school, 1, Role.PRACTITIONER)
    health_spoc = UserFactory(
        agency=health, clearance=clearance(2), roles=[Role.SPOC], first_name="Sol", last_name="Spoc"
    )
    health_reader = new_user(health, 1, Role.PRACTITIONER)
    new_user(housing, 2, Role.SPOC)
    panel = Panel.objects.create(
        name="Northshire Channel Panel", chair=chair, first_meeting_at=timezone.now() + dt.timedelta(days=10)
    )
    referral = submitted_referral(teacher, given_name="Jordan", family_name="Testperson", urgency="priority")

    # --- The screening officer screens the referral to the panel. -------------------------------------
    sign_in(page, officer)
    nav(page, "Referrals to screen")
    expect(heading(page)).to_have_text("Referrals to screen")
    assert_styled(page)
    row = page.get_by_role("row", name=re.compile(referral.reference))
    expect(row).to_contain_text("3 working days left")  # a priority referral's clock
    expect(row).to_contain_text("Not rated")
    assert_accessible(page, "screening queue")
    page.get_by_role("link", name=referral.reference).click()

    expect(heading(page)).to_have_text("Jordan Testperson")
    assert_accessible(page, "screening task list")
    page.get_by_role("button", name="Start screening").click()
    expect(banner(page)).to_contain_text(f"You have started screening {referral.reference}")

    page.get_by_role("link", name="Check for duplicates and deconfliction").click()
    expect(page.get_by_label("Security Check")).to_be_checked()  # the officer holds it
    expect(page.get_by_label("Keep this inside my agency")).to_be_checked()
    page.get_by_label("What did the deconfliction checks find?").fill("PNC and local systems: nothing held.")
    page.get_by_role("button", name="Save and return to the tasks").click()
    expect(banner(page)).to_contain_text("The deconfliction check has been recorded.")
    page.get_by_role("link", name="Check for duplicates and deconfliction").click()
    expect(page.locator(".govuk-summary-card").first).to_contain_text("PNC and local systems")
    assert_accessible(page, "deconfliction page with a deconfliction entry")
    page.get_by_role("link", name="Back to the screening tasks").click()

    page.get_by_role("link", name="RAG rating").click()
    page.get_by_role("group", name="What is the RAG rating now?").get_by_label("Amber").check()
    page.get_by_label("Why this rating?").fill("Escalating activity online.")
    page.get_by_role("button", name="Save and return to the tasks").click()
    expect(banner(page)).to_contain_text("The RAG rating has been saved.")
    expect(page.locator("#task-rag-status")).to_have_text("Amber")

    page.get_by_role("link", name="Check and record the decision").click()
    page.get_by_label("Refer to the panel").check()
    page.get_by_label("Rationale for the decision").fill("Vulnerable, susceptible and at risk: meets the threshold.")
    page.get_by_role("button", name="Continue").click()
    expect(expect_errors(page, "Choose the panel", "Choose the case owner")).to_be_focused()
    assert_accessible(page, "decision with errors")
    page.get_by_label("If you are referring to the panel, which panel?").select_option(label=panel.name)
    page.get_by_label("Who will own the case?").select_option(label="Cara Chair (Northshire Council)")
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Check your answers before recording the decision")
    page.get_by_role("button", name="Record the decision").click()
    expect(heading(page)).to_have_text("Decision recorded")

    case = Case.objects.get(pk=referral.pk)
    page.get_by_role("link", name=f"Go to case {case.reference}").click()
    expect(heading(page)).to_have_text("Jordan Testperson")
    expect(page.locator(".govuk-caption-l")).to_have_text(f"Case {case.reference}")
    assert_accessible(page, "case page for the screening officer")
    sign_out(page)

    # --- The coordinator asks two agencies and adds a Security Check note. ----------------------------
    sign_in(page, chair)
    nav(page, "Cases")
    expect(heading(page)).to_have_text("Cases")
    assert_accessible(page, "cases")
    page.get_by_role("link", name=case.reference).click()
    expect(heading(page)).to_have_text("Jordan Testperson")
    assert_accessible(page, "case page for the coordinator")
    page.get_by_role("button", name="Send the requests").click()
    shows_error(page, "Select one or more agencies", "request form with errors")
    asking = page.get_by_role("group", name="Which agencies are you asking?")
    asking.get_by_label("Northshire Health", exact=True).check()
    asking.get_by_label("Northshire Housing", exact=True).check()
    page.get_by_label("What do you need to know?").fill("Any contact with Jordan in the last two years?")
    page.get_by_role("button", name="Send the requests").click()
    expect(banner(page)).to_contain_text("Information has been requested from Northshire Health, Northshire Housing")
    requests_table = page.locator("#requests ~ .app-table-container table").first
    expect(requests_table).to_contain_text("Northshire Health")
    expect(requests_table).to_contain_text("Northshire Housing")
    expect(page.get_by_text("0 of 2 requests answered or closed.")).to_be_visible()
    assert_accessible(page, "case page with requests")

    note_form = page.locator("form[action$='/notes/']")
    note_form.get_by_label("Note", exact=True).fill(SC_NOTE)
    note_form.get_by_label("Security Check").check()
    note_form.get_by_role("button", name="Add the note").click()
    expect(banner(page)).to_contain_text("Your note has been added to the chronology.")
    sign_out(page)

    # --- Health's SPOC returns a contribution at Security Check with a releasable summary. --------------
    sign_in(page, health_spoc)
    nav(page, "Information requests")
    expect(heading(page)).to_have_text("Information requests")
    assert_accessible(page, "information requests")
    page.get_by_role("link", name=re.compile(case.reference)).click()
    expect(heading(page)).to_have_text("Information request to Northshire Health")
    assert_accessible(page, "information request")
    page.get_by_label("What does your agency know?").fill(FULL_TEXT)
    page.get_by_role("group", name="What clearance does someone need to read this?").get_by_label(
        "Security Check"
    ).check()
    page.get_by_role("button", name="Return the contribution").click()
    shows_error(
        page,
        "Above Baseline, give a summary that readers with Baseline clearance can see",
        "contribution with an error",
    )
    page.get_by_label("Summary for readers with Baseline clearance").fill(SUMMARY)
    document = tmp_path / "health-letter.pdf"
    document.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page.get_by_label("Upload documents (optional)").set_input_files(str(document))
    page.get_by_role("button", name="Return the contribution").click()
    expect(banner(page)).to_contain_text(f"Your agency's contribution to {case.reference} has been returned.")
    assert_accessible(page, "information request answered")
    assert InformationRequest.objects.get(case=case, agency=health).status == RequestStatus.RETURNED
    contribution = ChronologyEntry.objects.get(referral=case.referral, entry_type=EntryType.CONTRIBUTION)
    assert (contribution.classification, contribution.releasable_summary) == (2, SUMMARY)

    # The Security Check reader: the full text and the document, and the chronology as a download.
    page.get_by_role("link", name="Read the case chronology").click()
    expect(heading(page)).to_have_text("Chronology")
    main = page.get_by_role("main")
    expect(main).to_contain_text(FULL_TEXT)
    expect(main).to_contain_text(SC_NOTE)
    expect(main).not_to_contain_text("Summary released at")
    expect(main).not_to_contain_text("PNC and local systems")  # the police's own deconfliction
    expect(page.get_by_role("link", name="health-letter.pdf")).to_be_visible()
    assert_accessible(page, "chronology at Security Check")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV (spreadsheet)").click()
    assert download.value.suggested_filename.startswith(f"chronology-{case.reference}-")
    assert FULL_TEXT in Path(download.value.path()).read_text()
    page.get_by_label("Type of entry").select_option(label="Agency contribution")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 entry matching the filters")).to_be_visible()
    # Only the case owner and the panel's chair mark significance (it changes every member's pack).
    expect(page.get_by_role("button", name=re.compile(r"^Mark as significant"))).to_have_count(0)
    assert_accessible(page, "filtered chronology")
    sign_out(page)

    # --- The chair marks the contribution significant. ----------------------------------------------------
    sign_in(page, chair)
    page.goto(f"/referrals/cases/{case.pk}/chronology/?entry_type=contribution")
    expect(page.get_by_role("heading", name="1 entry matching the filters")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Mark as significant")).click()
    expect(banner(page)).to_contain_text("is now marked as significant")
    assert ChronologyEntry.objects.get(pk=contribution.pk).significant
    assert_accessible(page, "filtered chronology for the chair")
    sign_out(page)

    # --- A Baseline reader in health: the summary, marked as such, and the withheld count. --------------
    sign_in(page, health_reader)
    nav(page, "Cases")
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("link", name="Read the chronology").click()
    expect(heading(page)).to_have_text("Chronology")
    main = page.get_by_role("main")
    expect(main).to_contain_text(SUMMARY)
    expect(main).to_contain_text("Summary released at Baseline")
    expect(main).not_to_contain_text(FULL_TEXT)
    expect(main).not_to_contain_text(SC_NOTE)
    expect(page.locator("#withheld")).to_have_text("1 entry is withheld at a higher classification.")
    expect(page.get_by_role("link", name="health-letter.pdf")).to_have_count(0)
    assert_accessible(page, "chronology at Baseline")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    assert Case.objects.get(pk=case.pk).status == CaseStatus.INFORMATION_GATHERING


def test_the_other_pages_are_accessible(page: Any, live_server: Any) -> None:
    """Extending a request (with an error), the outcomes report (with an error), a referral's chronology
    before any case, and the decided screening page, checked with axe."""
    from tests.world import Partnership

    w = Partnership()
    case = w.case(given_name="Robin", family_name="Example")
    referral = w.referral(given_name="Alex", family_name="Early")
    [info_request] = case_services.request_information(
        actor=w.chair, case_id=case.pk, agency_ids=[w.health.pk], question="Anything known?"
    )

    sign_in(page, w.chair)
    nav(page, "Partnership statistics")
    expect(heading(page)).to_have_text("Partnership statistics")
    expect(page.get_by_role("table", name="Referrals by referring sector", exact=True)).to_be_visible()
    assert_accessible(page, "partnership statistics")
    page.get_by_label("Period").select_option(index=1)
    page.get_by_role("button", name="Show the counts").click()
    expect(page.get_by_role("table", name="Outcomes", exact=True)).to_contain_text("Accepted, waiting for the panel")
    page.goto("/referrals/reports/outcomes/?period=2026-07")
    shows_error(page, "Choose a year or a quarter from the list", "partnership statistics with an error")

    page.goto(f"/referrals/cases/{case.pk}/")
    page.get_by_role("link", name="Extend the request to Health").click()
    expect(heading(page)).to_have_text("Extend the request to Health")
    assert_accessible(page, "extend a request")
    page.get_by_role("button", name="Extend the request").click()
    # The current due date is filled in: sending it unchanged is an error.
    shows_error(page, "The new due date must be later than the current one", "extend a request with an error")
    page.goto(f"/referrals/requests/{info_request.pk}/")
    expect(heading(page)).to_have_text("Information request to Health")
    assert_accessible(page, "information request for the coordinator")
    sign_out(page)

    sign_in(page, w.officer)
    page.goto(f"/referrals/{referral.pk}/chronology/")
    expect(heading(page)).to_have_text("Chronology")
    expect(page.get_by_role("main")).to_contain_text(f"Referral {referral.reference}")
    assert_accessible(page, "a referral's chronology")
    page.goto(f"/referrals/{case.pk}/screening/")
    expect(page.get_by_role("main")).to_contain_text("Meets threshold")
    assert_accessible(page, "a decided referral's screening page")
