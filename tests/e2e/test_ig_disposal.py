"""An information-governance officer disposes of a due batch in the browser: from the audit trail to
retention and disposal, the batch waiting with its records by reference, an error summary when the
approval is not confirmed, then the batch approved, the records and their files gone, and the
disposal log showing it. axe-core finds no serious or critical violation on any page, and each page
fits a 375 px screen. A partnership admin sets the schedule, and the officer places and lifts a
legal hold, on pages held to the same checks."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from cases.models import Case, EntryDocument
from governance import services
from governance.models import DisposalBatch
from referrals.models import Attachment, Referral
from tests.e2e.browser import (
    assert_checked,
    assert_styled,
    banner,
    expect_errors,
    heading,
    new_page,
    sign_in,
)
from tests.governance.conftest import build_trail_world
from tests.world import new_admin

pytestmark = pytest.mark.e2e

_checked = functools.partial(assert_checked, journey="ig-disposal")


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def test_the_ig_officer_approves_a_due_batch_and_the_log_shows_it(page: Any, live_server: Any) -> None:
    tw = build_trail_world()
    for to, reason in (("adopted", "Adopted by the panel"), ("exited", "Risk reduced")):
        case_services.transition_case(actor=None, case_id=tw.case.pk, to_status=to, reason=reason)
    # The journey happens now: move the exit back past the six years the schedule keeps a case.
    Case.objects.filter(pk=tw.case.pk).update(exited_at=timezone.now() - relativedelta(years=6, days=1))
    (batch,) = services.list_due_for_disposal()
    files = [a.file for a in Attachment.objects.filter(referral=tw.referral)]
    files += [d.file for d in EntryDocument.objects.filter(entry__referral=tw.referral)]
    assert files
    assert all(f.storage.exists(f.name) for f in files)

    sign_in(page, tw.auditor)
    page.goto("/governance/audit/")
    assert_styled(page)
    page.get_by_role("link", name="Retention and disposal").click()
    expect(heading(page)).to_have_text("Retention and disposal")
    row = page.locator("tbody tr").filter(has_text=f"Batch {batch.pk}")
    expect(row).to_contain_text("Waiting for approval")
    _checked(page, "retention overview")

    row.get_by_role("link", name=f"Batch {batch.pk}").click()
    expect(heading(page)).to_have_text(f"Disposal batch {batch.pk}")
    item = page.locator("tbody tr").filter(has_text=tw.case.reference)
    expect(item).to_contain_text("Case")
    expect(item).to_contain_text("6 years")
    expect(item.locator(".govuk-tag")).to_have_text("Due")
    expect(page.locator("main")).not_to_contain_text("Amira")
    _checked(page, "a batch waiting for approval")

    page.get_by_role("button", name=f"Approve and dispose of batch {batch.pk}").click()
    expect_errors(page, "Confirm that you approve the disposal of these records")
    _checked(page, "an approval not confirmed")

    page.get_by_label("I have checked this batch and approve the disposal of these records").check()
    page.get_by_role("button", name=f"Approve and dispose of batch {batch.pk}").click()
    expect(banner(page)).to_contain_text(f"Batch {batch.pk} approved: 1 record disposed of.")
    expect(page.locator("tbody tr").filter(has_text=tw.case.reference).locator(".govuk-tag")).to_have_text(
        "Disposed of"
    )
    _checked(page, "the batch after disposal")

    assert not Referral.objects.filter(pk=tw.referral.pk).exists()
    assert not Case.objects.filter(pk=tw.case.pk).exists()
    assert not any(f.storage.exists(f.name) for f in files)
    assert Referral.objects.filter(pk=tw.other.pk).exists()

    page.get_by_role("link", name="Disposal log").click()
    expect(heading(page)).to_have_text("Disposal log")
    logged = page.locator("tbody tr").filter(has_text=f"Batch {batch.pk}")
    expect(logged).to_contain_text(tw.auditor.username)
    expect(logged.locator("td").nth(3)).to_have_text("1")
    _checked(page, "the disposal log")
    assert DisposalBatch.objects.get(pk=batch.pk).status == "disposed"


def test_an_admin_sets_the_schedule_and_the_ig_officer_holds_a_case(page: Any, live_server: Any, browser: Any) -> None:
    tw = build_trail_world()
    admin = new_admin()
    sign_in(page, admin)
    page.goto("/manage/")
    page.get_by_role("link", name="Retention schedule").click()
    expect(heading(page)).to_have_text("Retention schedule")
    _checked(page, "the retention schedule")
    page.get_by_label("Referrals that never became cases").fill("9")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("cannot be kept longer than cases")
    _checked(page, "a schedule with an error")
    page.get_by_label("Referrals that never became cases").fill("3")
    page.get_by_role("button", name="Save the schedule").click()
    expect(banner(page)).to_contain_text("The retention schedule has been saved.")

    with new_page(browser, live_server) as ig:
        sign_in(ig, tw.auditor)
        ig.goto("/governance/retention/")
        expect(ig.locator("#schedule")).to_contain_text("3 years after screening closed them")
        ig.get_by_role("link", name="Legal holds").click()
        _checked(ig, "legal holds, none yet")
        ig.get_by_label("Record reference").fill(tw.case.reference.lower())
        ig.get_by_label("The person: this record").check()
        ig.get_by_label("Reason").fill("Civil claim by the family")
        ig.get_by_role("button", name="Place the hold").click()
        expect(banner(ig)).to_contain_text("The legal hold is in place")
        held = ig.locator("tbody tr").filter(has_text=tw.case.reference)
        expect(held.locator(".govuk-tag")).to_have_text("In place")
        _checked(ig, "legal holds with a hold in place")
        held.get_by_role("link", name=re.compile(r"^Lift")).click()
        expect(heading(ig)).to_have_text(f"Lift the legal hold on {tw.case.reference}")
        _checked(ig, "lifting a hold")
        ig.get_by_label("Why can the hold be lifted?").fill("The claim was withdrawn")
        ig.get_by_role("button", name="Lift the hold").click()
        expect(banner(ig)).to_contain_text("The legal hold has been lifted.")
        expect(ig.locator("tbody tr").filter(has_text=tw.case.reference).locator(".govuk-tag")).to_have_text("Lifted")
