"""Minutes that survive mistakes, in the browser: an action agreed at the last meeting comes back on the
next meeting's page, the chair closes it as could not be done (the reason asked for on its own page),
and signing with an item undecided shows what blocks it and keeps the minutes typed. axe-core finds no
serious or critical violation on any page on the way."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from panels import services
from panels.models import Action, ActionStatus
from tests.e2e.browser import PageProblems, assert_accessible, banner, sign_in
from tests.world import PanelSitting

pytestmark = pytest.mark.e2e

TYPED = "Police sent apologies; health joined by phone."


def test_a_carried_forward_action_is_closed_and_the_typed_minutes_survive_a_refusal(
    page: Any, live_server: Any, page_problems: PageProblems
) -> None:
    world = PanelSitting()
    case = world.case()
    world.build()
    action = services.add_action(
        actor=world.chair,
        case_id=case.pk,
        meeting_id=world.meeting.pk,
        description="Book a place at the youth club",
        owner_agency_id=world.health.pk,
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    later = services.add_meeting(
        actor=world.chair, panel=world.panel, scheduled_at=timezone.now() + dt.timedelta(days=7), reason="Next"
    )

    sign_in(page, world.chair)
    page.goto(f"/panels/meetings/{later.pk}/")
    carried = page.locator("#carried-forward ~ .app-table-container table").first
    expect(carried).to_contain_text("Book a place at the youth club")
    expect(carried).to_contain_text(case.reference)
    assert_accessible(page, "next meeting with a carried-forward action")

    page.get_by_role("link", name="Not done or could not be done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close an action")
    assert_accessible(page, "close an action")
    page.get_by_label("Could not be done").check()
    page.get_by_role("button", name="Close the action").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the action could not be done")
    assert_accessible(page, "close an action, reason missing")
    page.get_by_label("Reason").fill("The youth club has closed")
    page.get_by_role("button", name="Close the action").click()
    expect(banner(page)).to_contain_text("The action is closed: could not be done.")
    expect(page.locator("#carried-forward ~ p").first).to_have_text("No open actions from earlier meetings.")
    expect(page.locator("main")).to_contain_text("The youth club has closed")
    assert Action.objects.get(pk=action.pk).status == ActionStatus.NOT_POSSIBLE

    world.start()
    world.quorate()
    page.goto(f"/panels/meetings/{world.meeting.pk}/sign/")
    expect(page.locator("#blockers")).to_contain_text("1 agenda item has no decision or deferral yet.")
    page.get_by_label("General minutes (optional)").fill(TYPED)
    page.get_by_label("I confirm these minutes are a true record of the meeting").check()
    page.get_by_role("button", name="Close meeting and sign minutes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("1 agenda item has no decision or deferral yet.")
    expect(page.get_by_label("General minutes (optional)")).to_have_value(TYPED)
    assert_accessible(page, "sign refused with the minutes kept")
    page.locator("#blockers").get_by_role("link", name="defer it").click()
    expect(page.get_by_role("heading", name="Defer")).to_be_visible()
