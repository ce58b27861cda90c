"""The chair runs a whole meeting from the fresh demo, in a real browser.

``seed_demo`` (what ``make run`` gives) leaves the panel's next meeting weeks away, and a meeting cannot
start before its day; so the chair does what a chair would: adds an extraordinary meeting for today on
the panel's meetings page. Then: build the agenda (the last meeting's open action comes back, the
panel's people are invited), start it, see a decision refused on the item page while it is not quorate,
record each person's attendance and confidentiality statement until it is, decide every item, close the
carried-forward action, and sign the minutes. Every page on the way: axe finds nothing serious or
critical, and no page is wider than a phone.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from panels.models import Action, ActionStatus, Invitation, Meeting, MeetingStatus
from partnership.demo import DEMO_PASSWORD
from partnership.models import User
from tests.e2e.browser import PageProblems, assert_accessible, assert_fits_a_phone, banner, heading, sign_in

pytestmark = pytest.mark.e2e

CARRIED = "Introduce the mentoring provider to the family and agree a first session."
NOT_DONE_REASON = "The family asked to meet after the school holidays; the provider has a date in January."


def checked(page: Any, label: str, shots: Path | None = None) -> None:
    """axe at desktop width and at 375 px, where the page must not be wider than the screen."""
    assert_accessible(page, label)
    if shots is not None:
        name = label.replace(" ", "-")
        page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=True)
        assert_fits_a_phone(page, label, screenshot=shots / f"{name}-phone.png")
    else:
        assert_fits_a_phone(page, label)


def fill_date(page: Any, field_id: str, day: dt.date) -> None:
    page.locator(f"#{field_id}_day").fill(str(day.day))
    page.locator(f"#{field_id}_month").fill(str(day.month))
    page.locator(f"#{field_id}_year").fill(str(day.year))


def name_of(username: str) -> str:
    return User.objects.get(username=username).get_full_name()


def test_the_chair_runs_a_whole_meeting_from_the_fresh_demo(
    page: Any, live_server: Any, page_problems: PageProblems, tmp_path: Path
) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    chair = User.objects.get(username="chair")
    now = timezone.localtime()
    shots = tmp_path

    # The demo's next meeting is weeks away: the chair cannot start it yet.
    sign_in(page, chair, password=DEMO_PASSWORD)
    page.get_by_role("link", name="Panels").first.click()
    expect(heading(page)).to_have_text("Panels")
    checked(page, "chair's dashboard")
    page.get_by_role("button", name="Open the meeting").click()
    expect(heading(page)).to_contain_text("Meeting on")
    expect(page.get_by_role("button", name="Start the meeting")).to_have_count(0)
    checked(page, "the demo's next meeting")

    # An extraordinary meeting for today, on the panel's meetings page.
    page.get_by_role("link", name="All meetings of Northshire Channel Panel").click()
    expect(heading(page)).to_have_text("Meetings")
    checked(page, "the panel's meetings")
    fill_date(page, "id_add-date", now.date())
    page.get_by_label("Time").fill(now.strftime("%H:%M"))
    page.get_by_label("Reason").fill("Police ask for an early review of a case discussed at the last meeting.")
    page.get_by_role("button", name="Add meeting").click()
    expect(banner(page)).to_contain_text(f"A meeting has been added on {now:%d %B %Y at %H:%M}.")
    page.get_by_role("link", name=now.strftime("%a %-d %b %Y, %H:%M")).click()
    meeting = Meeting.objects.get(panel__name="Northshire Channel Panel", slot__isnull=True)
    meeting_url = f"/panels/meetings/{meeting.pk}/"

    page.get_by_role("button", name="Build the agenda").click()
    expect(banner(page)).to_contain_text("added to the agenda")
    carried = page.locator("#carried-forward ~ .app-table-container table").first
    expect(carried).to_contain_text(CARRIED)
    invited = page.locator("#attendees ~ .app-table-container table").first
    for username in ("chair", "police.dv", "health.spoc", "school.spoc", "probation.spoc"):
        expect(invited).to_contain_text(name_of(username))
    page.get_by_role("button", name="Start the meeting").click()
    expect(banner(page)).to_contain_text("The meeting has started.")
    expect(page.locator("main")).to_contain_text("This meeting is not quorate.")
    checked(page, "meeting started, not quorate", shots)

    # Without a quorum, no decision: the item page says why instead of offering the form.
    items = list(meeting.items.select_related("case").order_by("position"))
    assert len(items) >= 2
    page.get_by_role("link", name=items[0].case.reference).first.click()
    expect(page.locator("#decision ~ .govuk-warning-text").first).to_contain_text("This meeting is not quorate.")
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    checked(page, "item refused without quorum")

    # Attendance of people: the chair confirms the statement, the others are confirmed in the room,
    # probation sent apologies.
    page.goto(meeting_url)
    expect(page.locator("#confidentiality ~ .govuk-inset-text").first).to_contain_text("I will keep what is shared")
    page.get_by_role("button", name="I confirm the confidentiality statement").click()
    expect(banner(page)).to_contain_text("You have confirmed the confidentiality statement.")
    for username in ("police.dv", "health.spoc", "school.spoc"):
        name = name_of(username)
        page.get_by_role("button", name=f"Confirmed in the room by {name}").click()
        expect(banner(page)).to_contain_text(f"{name}'s confirmation of the confidentiality statement is recorded.")
    probation = name_of("probation.spoc")
    page.get_by_role("button", name=f"Apologies for {probation}").click()
    expect(banner(page)).to_contain_text(f"{probation} recorded as apologies.")
    expect(page.locator("#attendance ~ p").first).to_contain_text("Quorate")
    expect(page.locator("main")).not_to_contain_text("This meeting is not quorate.")
    checked(page, "meeting quorate", shots)

    # The carried-forward action: not done, with the reason asked for on its own page.
    page.get_by_role("link", name="Not done or could not be done").click()
    expect(heading(page)).to_have_text("Close an action")
    page.get_by_label("Not done", exact=True).check()
    page.get_by_role("button", name="Close the action").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    checked(page, "close an action, reason missing")
    page.get_by_label("Reason").fill(NOT_DONE_REASON)
    page.get_by_role("button", name="Close the action").click()
    expect(banner(page)).to_contain_text("The action is closed: not done.")
    expect(page.locator("main")).to_contain_text(NOT_DONE_REASON)

    # A decision on every item.
    decisions = {}
    for item in items:
        page.goto(meeting_url)
        page.get_by_role("link", name=item.case.reference).first.click()
        expect(heading(page)).to_contain_text(item.case.reference)
        checked(page, f"item {item.position} before its decision", shots if item is items[0] else None)
        adopted = item.case.status == "support_active"
        label = "Continue support" if adopted else "Adopt"
        page.get_by_label(label, exact=True).check()
        page.get_by_label("Discussion notes").fill(f"{label}: agreed by the agencies present.")
        fill_date(page, "id_decision-next_review_date", now.date() + dt.timedelta(weeks=6))
        page.get_by_role("button", name="Record decision").click()
        expect(banner(page)).to_contain_text(f"The decision on {item.case.reference} has been recorded.")
        expect(page.locator("#decision ~ dl").first).to_contain_text(label)
        decisions[item.case.reference] = label
        checked(page, f"item {item.position} decided")

    # Sign the minutes.
    page.goto(meeting_url)
    page.get_by_role("button", name="Close meeting and sign minutes").click()
    expect(heading(page)).to_have_text("Close the meeting and sign the minutes")
    # Probation's apologies are its attendance: nothing stands between the chair and the signature.
    expect(page.locator("main")).not_to_contain_text("Attendance is not recorded")
    checked(page, "sign the minutes", shots)
    page.get_by_label("General minutes (optional)").fill("Quorate: council (chair), police, health and schools.")
    page.get_by_label("I confirm these minutes are a true record of the meeting").check()
    page.get_by_role("button", name="Close meeting and sign minutes").click()
    expect(banner(page)).to_contain_text("The meeting is closed and the minutes are signed.")
    main = page.locator("main")
    expect(main).to_contain_text("Minutes signed")
    expect(main).to_contain_text("Quorate: council (chair), police, health and schools.")
    checked(page, "signed minutes", shots)

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    assert meeting.signed_by == chair
    assert meeting.quorum_overridden_at is None
    action = Action.objects.get(description=CARRIED)
    assert (action.status, action.outcome_reason) == (ActionStatus.NOT_DONE, NOT_DONE_REASON)
    attended = {i.person.username: (i.status, i.confirmed) for i in Invitation.objects.filter(meeting=meeting)}
    for username in ("chair", "police.dv", "health.spoc", "school.spoc"):
        assert attended[username] == ("present", True)
    assert attended["probation.spoc"] == ("apologies", False)
    assert set(decisions) == {item.case.reference for item in items}
