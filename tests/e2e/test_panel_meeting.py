"""The chair runs a whole meeting in the browser, and a member of another agency sees the outcome.

Build the agenda, record attendance (quorate), adopt a case with a discussion, a
dissent and a review date, add an action, record a parent's consent, activate the
support plan, close the meeting and sign the minutes. Then a health panel member
signs in and reads the signed minutes and the case's plan. axe-core finds no
serious or critical violation on any page on the way, and the browser reports no
CSP or console errors.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseStatus
from panels import services as panel_services
from panels.models import Meeting, MeetingStatus
from tests.e2e.browser import (
    PageProblems,
    assert_accessible,
    assert_fits_a_phone,
    assert_styled,
    banner,
    new_page,
    sign_in,
)
from tests.world import PanelSitting

pytestmark = pytest.mark.e2e


def fill_date(page: Any, field_id: str, day: dt.date) -> None:
    page.locator(f"#{field_id}_day").fill(str(day.day))
    page.locator(f"#{field_id}_month").fill(str(day.month))
    page.locator(f"#{field_id}_year").fill(str(day.year))


def test_the_chair_runs_a_meeting_and_a_member_sees_the_outcome(
    page: Any, browser: Any, live_server: Any, page_problems: PageProblems
) -> None:
    world = PanelSitting()
    case = world.case(given_name="Callum", family_name="Reid", date_of_birth=dt.date(2011, 5, 17))
    meeting = world.meeting
    review = timezone.localdate() + dt.timedelta(weeks=6)
    due = timezone.localdate() + dt.timedelta(days=14)

    sign_in(page, world.chair)
    page.get_by_role("link", name="Panels").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Panels")
    assert_styled(page)
    assert_accessible(page, "chair's dashboard")

    page.get_by_role("button", name="Open the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meeting on")
    assert_accessible(page, "meeting before the agenda")
    page.get_by_role("button", name="Build the agenda").click()
    expect(banner(page)).to_contain_text("1 case added to the agenda.")
    expect(page.locator("#agenda ~ .app-table-container table").first).to_contain_text(case.reference)
    page.get_by_role("button", name="Start the meeting").click()
    expect(banner(page)).to_contain_text("The meeting has started.")

    for agency, attendee in ((world.council, world.chair), (world.health, world.member), (world.police, None)):
        if attendee is not None:
            page.get_by_label(f"Who attended for {agency.name}").select_option(str(attendee.pk))
        page.get_by_role("button", name=f"Present for {agency.name}").click()
        expect(banner(page)).to_contain_text(f"{agency.name} recorded as present.")
    expect(page.locator("#attendance ~ p").first).to_contain_text("Quorate")
    assert_accessible(page, "meeting in progress")

    # The live record of the case: a decision to adopt, with dissent and the next review.
    page.get_by_role("link", name=case.reference).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    assert_accessible(page, "agenda item")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the panel's decision")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page, "agenda item with errors")
    page.get_by_label("Adopt", exact=True).check()
    page.get_by_label("Discussion notes").fill("Agreed to adopt. Mentoring offered through the school.")
    page.get_by_label("Dissent (optional)").fill("Police would have waited one more cycle.")
    fill_date(page, "id_decision-next_review_date", review)
    page.get_by_role("button", name="Record decision").click()
    expect(banner(page)).to_contain_text(f"The decision on {case.reference} has been recorded.")
    expect(page.locator("#decision ~ dl").first).to_contain_text("Adopt")

    page.get_by_label("Action", exact=True).fill("Arrange the first mentoring session")
    page.get_by_label("Owning agency").select_option(label=world.health.name)
    page.get_by_label("Owner (optional)").select_option(str(world.member.pk))
    fill_date(page, "id_action-due_date", due)
    page.get_by_role("button", name="Add action").click()
    expect(banner(page)).to_contain_text("The action has been added.")
    expect(page.locator("main table")).to_contain_text("Arrange the first mentoring session")
    assert_accessible(page, "agenda item decided")

    # Consent from a parent (the person is 15), then the support plan.
    page.get_by_role("link", name="Open the case's panel record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Callum Reid")
    assert_accessible(page, "case panel record")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record consent")
    assert_accessible(page, "record consent")
    page.get_by_label("Channel support", exact=True).check()
    page.get_by_label("Given", exact=True).check()
    page.get_by_label("The person", exact=True).check()
    page.get_by_label("Written", exact=True).check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "For under-18s, consent comes from a parent or guardian"
    )
    assert_accessible(page, "record consent with errors")
    page.get_by_label("Parent or guardian", exact=True).check()
    page.get_by_label("Their name (optional)").fill("Mrs Reid")
    page.get_by_role("button", name="Record consent").click()
    expect(banner(page)).to_contain_text("The consent has been recorded.")
    expect(page.locator("#consent ~ .app-table-container table").first).to_contain_text("Mrs Reid")
    page.get_by_label("Objectives of the support plan").fill("Weekly mentoring; re-engage with school.")
    page.get_by_role("button", name="Activate the support plan").click()
    expect(banner(page)).to_contain_text("The support plan is active.")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUPPORT_ACTIVE
    assert_accessible(page, "case with an active plan")

    # Close the meeting and sign the minutes.
    page.goto(f"/panels/meetings/{meeting.pk}/")
    assert_fits_a_phone(page, "meeting with its agenda and attendance")
    page.get_by_role("button", name="Close meeting and sign minutes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the meeting and sign the minutes")
    assert_accessible(page, "sign the minutes")
    page.get_by_label("General minutes (optional)").fill("Quorate throughout. One case adopted.")
    page.get_by_label("I confirm these minutes are a true record of the meeting").check()
    page.get_by_role("button", name="Close meeting and sign minutes").click()
    expect(banner(page)).to_contain_text("The meeting is closed and the minutes are signed.")
    expect(page.locator("main")).to_contain_text("Quorate throughout. One case adopted.")
    expect(page.get_by_role("button", name="Build the agenda")).to_have_count(0)
    assert_accessible(page, "signed minutes")
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CLOSED

    # A health panel member signs in (another agency) and reads the outcome.
    with new_page(browser, live_server, page_problems) as member:
        sign_in(member, world.member)
        member.get_by_role("link", name="Panels").first.click()
        expect(member.get_by_role("heading", level=1)).to_have_text("Panels")
        expect(member.locator("main")).not_to_contain_text("Agenda readiness")
        assert_accessible(member, "member's dashboard")
        member.get_by_role(
            "link", name=re.compile(timezone.localtime(meeting.scheduled_at).strftime("%-d %b %Y"))
        ).click()
        main = member.locator("main")
        expect(main).to_contain_text("Minutes signed")
        expect(main).to_contain_text("Agreed to adopt. Mentoring offered through the school.")
        expect(main).to_contain_text("Police would have waited one more cycle.")
        expect(main).to_contain_text(review.strftime("%-d %B %Y"))
        expect(member.get_by_role("button", name="Close meeting and sign minutes")).to_have_count(0)
        assert_accessible(member, "member reads the minutes")
        member.goto(f"/panels/cases/{case.pk}/")
        expect(member.locator("#plan ~ dl").first).to_contain_text("Active")
        expect(member.locator("#actions ~ .app-table-container table").first).to_contain_text(
            "Arrange the first mentoring session"
        )
        expect(member.get_by_role("button", name=re.compile("Mark as done"))).to_have_count(1)
        assert_accessible(member, "member reads the case")


def test_the_chair_runs_attendance_of_people_and_reads_the_decision_brief(
    page: Any, live_server: Any, tmp_path: Any
) -> None:
    """Invited attendees from the built agenda, present per person, confidentiality confirmed in the
    room, quorum reached; the item page sets out the concerns and every contribution; the page fits
    a phone and axe finds nothing serious."""
    world = PanelSitting()
    case = world.case(given_name="Dylan", family_name="Price", concerns="Shares extremist videos at school.")
    [request] = world.ask(case)
    world.answer(request, "Seen twice by the school nurse; no health concerns.")
    meeting = world.meeting
    world.build()
    police = panel_services.invite_person(actor=world.chair, meeting_id=meeting.pk, person_id=world.police_member.pk)
    panel_services.invite_person(actor=world.chair, meeting_id=meeting.pk, person_id=world.member.pk)
    assert police.item_id is None

    sign_in(page, world.chair)
    page.goto(f"/panels/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Start the meeting").click()
    expect(banner(page)).to_contain_text("The meeting has started.")
    expect(page.locator("#attendees ~ .app-table-container table").first).to_contain_text(world.member.get_full_name())
    page.get_by_role("button", name="I confirm the confidentiality statement").click()
    expect(banner(page)).to_contain_text("You have confirmed the confidentiality statement.")
    expect(page.get_by_role("button", name=f"Confirmed in the room by {world.chair.get_full_name()}")).to_have_count(0)
    for person in (world.member, world.police_member):
        name = person.get_full_name()
        page.get_by_role("button", name=f"Confirmed in the room by {name}").click()
        expect(banner(page)).to_contain_text(f"{name}'s confirmation of the confidentiality statement is recorded.")
    expect(page.locator("#attendance ~ p").first).to_contain_text("Quorate")
    assert_accessible(page, "meeting with invited attendees")
    assert_fits_a_phone(page, "meeting with invited attendees")

    page.get_by_role("link", name=case.reference).first.click()
    main = page.locator("main")
    expect(main).to_contain_text("Shares extremist videos at school.")
    expect(main).to_contain_text("Seen twice by the school nurse; no health concerns.")
    expect(main).to_contain_text("Consent to Channel support")
    assert_accessible(page, "decision brief")
    page.screenshot(path=str(tmp_path / "item-desktop.png"), full_page=True)
    assert_fits_a_phone(page, "decision brief", screenshot=tmp_path / "item-phone.png")
