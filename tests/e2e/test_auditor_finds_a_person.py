"""The auditor finds everything about one person in the browser: the trail searched by the person's
names, the access report of their case (exactly the people the world made read or change it), the
events of that record searched by its reference and downloaded as CSV — the download itself then in
the trail. axe-core finds no serious or critical violation on the way, and every page fits a phone."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from core.models import AuditEvent, AuditVerb
from tests.e2e.browser import assert_accessible, assert_fits_a_phone, assert_styled, heading, sign_in
from tests.governance.conftest import build_trail_world

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def test_the_auditor_finds_everything_about_one_person_and_exports_it(page: Any, live_server: Any) -> None:
    tw = build_trail_world()
    w = tw.w

    sign_in(page, tw.auditor)
    page.goto("/governance/audit/")
    assert_styled(page)
    page.get_by_label("Given name").fill("Amira")
    page.get_by_label("Family name").fill("Khan")
    page.get_by_role("button", name="Search").click()
    matches = page.locator(".govuk-inset-text")
    expect(matches).to_contain_text("Records of people with these names:")
    expect(matches).to_contain_text(f"{tw.case.reference} (referral {tw.referral.reference})")
    # The other person referred by the same teacher is not among the matches.
    expect(matches).not_to_contain_text(tw.other.reference)
    assert_accessible(page, "the trail searched by a person's names")
    assert_fits_a_phone(page, "the trail searched by a person's names")

    matches.get_by_role("link", name=tw.case.reference).click()
    expect(heading(page)).to_have_text(tw.case.reference)
    people = page.locator("table").first.locator("tbody tr")
    # Who the world made read or change the referral, its case, attachment, request and contribution.
    readers = {w.teacher.username, w.officer.username, w.chair.username, w.health_spoc.username, tw.outsider.username}
    expect(people).to_have_count(len(readers))
    for username in readers:
        expect(people.filter(has_text=username)).to_have_count(1)
    expect(people.filter(has_text=tw.outsider.username).locator(".govuk-tag--red")).to_have_text("1")
    assert_accessible(page, "a case's access report")
    assert_fits_a_phone(page, "a case's access report")

    page.get_by_role("link", name="Search or download these events").click()
    expect(page.get_by_label("Record reference")).to_have_value(tw.case.reference)
    assert_accessible(page, "the events of one record")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this search (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows, "the download holds the record's events"
    actors = {row[key] for row in rows for key in row if key == "User"}
    assert readers <= actors, (readers, actors)
    assert not any(tw.other.reference in value for row in rows for value in row.values())

    # Downloading the search is itself in the trail, by the auditor.
    assert AuditEvent.objects.filter(actor_id=tw.auditor.pk, verb=AuditVerb.EXPORTED).exists()
