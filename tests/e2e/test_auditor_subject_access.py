"""Information governance produces a subject access bundle in the browser: from the audit trail to
subject access, an error summary for a reference that is not one, the person's page counting what
is held, and the JSON and PDF downloads, each item marked with its agency and classification.
axe-core finds no serious or critical violation on the way; the browser reports no CSP or console
errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from core.models import AuditEvent, AuditVerb
from tests.e2e.browser import assert_accessible, assert_styled, heading, sign_in
from tests.governance.conftest import CONCERNS, build_trail_world

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def test_information_governance_produces_a_subject_access_bundle(page: Any, live_server: Any) -> None:
    tw = build_trail_world()

    sign_in(page, tw.auditor)
    page.goto("/governance/audit/")
    assert_styled(page)
    page.get_by_role("link", name="Subject access", exact=True).click()
    expect(heading(page)).to_have_text("Subject access")
    assert_accessible(page, "subject access")

    page.get_by_label("Record reference").fill("Amira Khan")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a reference like REF-2026-000123")
    assert_accessible(page, "subject access with an error")

    page.get_by_label("Record reference").fill(tw.case.reference.lower())
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text(f"The person referred in {tw.case.reference}")
    held = page.get_by_role("table")
    expect(held).to_contain_text("Contribution document")
    expect(held).to_contain_text("Referral attachment")
    assert_accessible(page, "the person's page")

    with page.expect_download() as json_download:
        page.get_by_role("link", name="Download the bundle (JSON)").click()
    bundle = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    referral = next(item for item in bundle["items"] if item["model"] == "referrals.referral")
    assert referral["fields"]["concerns"] == CONCERNS
    assert referral["originating_agency"] == tw.w.school.name
    assert referral["classification"]["name"] == "Baseline"
    assert any(line["break_glass"] for line in bundle["access_log"])

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download the bundle (PDF)").click()
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF")

    produced = AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, actor_id=tw.auditor.pk, object_id=str(tw.referral.pk))
    assert sorted(event.details["subject_access"] for event in produced) == ["json", "pdf"]
