"""Search from the header (issue 11 acceptance), in the browser.

A case worker types a case reference in the header's search box and finds the case, then a misspelt
name finds the person; a case worker of another agency searching the same finds nothing, on a page that
is the same as a search for nonsense. The case list's tabs and filters work at 375 px. axe-core finds no
serious or critical violation on any page, and no page is wider than a phone.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partnership.models import AgencyKind, Panel, Role
from tests.e2e.browser import assert_accessible, assert_fits_a_phone, heading, sign_in
from tests.partnership.factories import AgencyFactory, PoliceAgencyFactory, UserFactory, clearance
from tests.referrals.factories import submitted_referral
from tests.world import refer_to_panel

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("CONVENE_SCREENSHOTS", "/tmp"))  # noqa: S108 - only where screenshots go


def _search_from_the_header(page: Any, query: str) -> None:
    box = page.get_by_role("search", name="Referrals and cases")
    box.get_by_label("Search referrals and cases").fill(query)
    box.get_by_role("button", name="Search").click()
    expect(heading(page)).to_have_text("Search referrals and cases")


def _search_again(page: Any, query: str) -> None:
    """On the search page, whose own box stands in for the header's."""
    page.get_by_label("Reference, name or postcode").fill(query)
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(heading(page)).to_have_text("Search referrals and cases")


def _results(page: Any) -> str:
    """What the page says about the search, without the words typed."""
    text: str = page.locator("main").inner_text()
    return text


def test_a_case_worker_finds_a_case_from_the_header_and_another_agency_finds_nothing(
    page: Any, live_server: Any
) -> None:
    police = PoliceAgencyFactory(name="Northshire Police")
    council = AgencyFactory(name="Northshire Council", kind=AgencyKind.CHILDRENS_SERVICES)
    school = AgencyFactory(name="Northtown High")
    housing = AgencyFactory(name="Northshire Housing", kind=AgencyKind.HOUSING)
    officer = UserFactory(agency=police, clearance=clearance(3), roles=[Role.SCREENING_OFFICER])
    chair = UserFactory(agency=council, clearance=clearance(2), roles=[Role.PANEL_CHAIR, Role.PRACTITIONER])
    teacher = UserFactory(agency=school, clearance=clearance(1), roles=[Role.PRACTITIONER])
    stranger = UserFactory(agency=housing, clearance=clearance(3), roles=[Role.PRACTITIONER, Role.SPOC])
    panel = Panel.objects.create(
        name="Northshire Channel Panel", chair=chair, first_meeting_at=timezone.now() + dt.timedelta(days=10)
    )
    referral = submitted_referral(
        teacher, given_name="Jordan", family_name="Testperson", date_of_birth=dt.date(2008, 3, 14)
    )
    case = refer_to_panel(referral, officer=officer, panel=panel, owner=chair)

    # --- The chair finds the case by its reference, typed in the header. --------------------------------------
    sign_in(page, chair)
    assert_accessible(page, "home with the header search")
    _search_from_the_header(page, case.reference.lower())
    expect(page.locator("#results")).to_have_text("1 result")
    assert_accessible(page, "search results")
    page.screenshot(path=str(SHOTS / "search-results-desktop.png"), full_page=True)
    assert_fits_a_phone(page, "search results", screenshot=SHOTS / "search-results-375.png")
    assert case.reference not in page.url  # searched by POST: nothing personal in the address
    page.get_by_role("link", name=case.reference).click()
    expect(heading(page)).to_have_text("Jordan Testperson")

    # --- A misspelt name finds the person; so does the date of birth as people type it. ---------------------
    _search_from_the_header(page, "Jordon Testperson")
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
    _search_again(page, "14/3/2008")
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()

    # --- The case list: tabs and filters, at a phone's width too. ------------------------------------------
    page.goto("/referrals/cases/")
    page.get_by_role("link", name="My cases").click()
    page.get_by_label("Urgency").select_option(label="Priority")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
    assert "tab=mine" in page.url
    assert "urgency=priority" in page.url
    assert_accessible(page, "case list, filtered")
    page.screenshot(path=str(SHOTS / "case-list-desktop.png"), full_page=True)
    assert_fits_a_phone(page, "case list, filtered", screenshot=SHOTS / "case-list-375.png")
    page.get_by_role("button", name="Sign out").click()

    # --- Another agency's case worker: the same searches find nothing, like nonsense does. -----------------------
    sign_in(page, stranger)
    _search_from_the_header(page, "Qwxz Nonsenseperson")
    nonsense = _results(page).replace("Qwxz Nonsenseperson", "")
    for query in (case.reference, "Jordon Testperson", "14/3/2008"):
        _search_again(page, query)
        expect(page.locator("#results")).to_have_text("0 results")
        expect(page.get_by_text("Testperson")).to_have_count(0)
        assert _results(page).replace(query, "") == nonsense, query
    assert_accessible(page, "search with nothing found")
    assert_fits_a_phone(page, "search with nothing found", screenshot=SHOTS / "search-nothing-375.png")
