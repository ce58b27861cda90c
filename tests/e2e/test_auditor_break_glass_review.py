"""The auditor reviews a break-glass opening in the browser: from the audit trail to the review
queue, an error summary when the decision and note are missing, then the decision saved, the
opening gone from the waiting list and shown as reviewed. axe-core finds no serious or critical
violation on any page on the way, and the browser reports no CSP or console errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from core.models import AuditEvent, AuditVerb
from governance.models import BreakGlassReview
from tests.e2e.browser import assert_accessible, assert_styled, banner, expect_errors, heading, sign_in
from tests.governance.conftest import build_trail_world

pytestmark = pytest.mark.e2e

NOTE = "Checked with the duty desk: the call about risk that night was real."


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def test_the_auditor_reviews_a_break_glass_opening(page: Any, live_server: Any) -> None:
    tw = build_trail_world()
    opening = AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS, actor_id=tw.outsider.pk)

    sign_in(page, tw.auditor)
    page.goto("/governance/audit/")
    assert_styled(page)
    page.get_by_role("link", name="Review break-glass openings").click()
    expect(heading(page)).to_have_text("Break-glass review")
    expect(page.locator("#queue-summary")).to_have_text("1 opening waiting for review.")
    row = page.locator("tbody tr").filter(has_text=tw.outsider.username)
    expect(row).to_contain_text(tw.case.reference)
    expect(row).to_contain_text(f"referral {tw.referral.reference}")
    expect(row).to_contain_text("Urgent safeguarding call from the duty desk")
    expect(row.locator(".govuk-tag")).to_have_text("Waiting")
    assert_accessible(page, "the break-glass queue")

    row.get_by_role("link", name=re.compile(r"^Review")).click()
    expect(heading(page)).to_have_text(f"{tw.case.reference} opened by {tw.outsider.username}")
    assert_accessible(page, "an opening waiting for review")

    page.get_by_role("button", name="Save the review").click()
    summary = expect_errors(
        page, "Select whether the break-glass opening was justified", "Enter a note saying why you decided this"
    )
    assert_accessible(page, "a review with errors")

    summary.get_by_role("link", name="Enter a note saying why you decided this").click()
    expect(page.get_by_label("Note")).to_be_focused()
    page.get_by_label("Justified", exact=True).check()
    page.get_by_label("Note").fill(NOTE)
    page.get_by_role("button", name="Save the review").click()

    expect(heading(page)).to_have_text("Break-glass review")
    expect(banner(page)).to_contain_text("You marked the opening justified.")
    expect(page.locator("#queue-summary")).to_have_text("No openings are waiting for review.")
    assert_accessible(page, "the queue after the review")

    page.get_by_role("link", name="Reviewed", exact=True).click()
    reviewed = page.locator("tbody tr").filter(has_text=tw.outsider.username)
    expect(reviewed.locator(".govuk-tag")).to_have_text("Justified")
    expect(reviewed).to_contain_text(tw.auditor.username)
    assert_accessible(page, "reviewed openings")

    review = BreakGlassReview.objects.get(opening=opening)
    assert (review.decision, review.note, review.reviewed_by_id) == ("justified", NOTE, tw.auditor.pk)
    assert AuditEvent.objects.filter(object_type="governance.breakglassreview", object_id=str(review.pk)).exists()
