"""Partnership intelligence in the browser: a council officer records a tension report, a SPOC it was
shared with reviews the week's log, the officer then revokes that share, and the chair completes this
year's self-assessment and compares it with last year's. axe-core finds no serious or critical violation on any page, and each page fits 375 px."""

from __future__ import annotations

import datetime as dt
import functools
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from playwright.sync_api import expect

from intelligence import services
from intelligence.models import Area, AssessmentDimension, TensionReport
from partnership.models import Role
from tests.e2e.browser import (
    PageProblems,
    assert_checked,
    banner,
    new_page,
    sign_in,
)
from tests.world import Partnership, new_user

pytestmark = pytest.mark.e2e

_check = functools.partial(assert_checked, journey="tension")


def test_record_a_report_and_review_the_weekly_log(
    browser: Any, page: Any, live_server: Any, page_problems: PageProblems
) -> None:
    world = Partnership()
    officer = new_user(world.council, 2, Role.PRACTITIONER)
    Area.objects.create(name="Northgate")

    sign_in(page, officer)
    page.goto("/intelligence/tensions/")
    _check(page, "empty log")
    page.get_by_role("link", name="Record a tension report").click()
    _check(page, "record form")
    page.get_by_role("button", name="Record the report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the ward or neighbourhood")
    _check(page, "record form with errors")
    page.get_by_label("Ward or neighbourhood").select_option(label="Northgate")
    page.get_by_label("Counter-demonstration").check()
    page.get_by_label("4 High").check()
    page.get_by_label("Rising").check()
    page.get_by_label("Summary").fill("Counter-demonstration called against Saturday's march")
    page.get_by_label("What is happening?").fill("Posts on local groups since Tuesday.")
    page.get_by_role("button", name="Record the report").click()
    expect(banner(page)).to_contain_text("recorded")
    report = TensionReport.objects.get()
    page.get_by_label("Agency to share with").select_option(label="Health")
    page.get_by_label("Why are you sharing it?").fill("For the weekly tension review")
    page.get_by_role("button", name="Share the report").click()
    expect(banner(page)).to_contain_text("Shared with Health")
    _check(page, "report page")

    with new_page(browser, live_server, page_problems) as reviewer:
        sign_in(reviewer, world.health_spoc)
        reviewer.goto("/intelligence/tensions/")
        row = reviewer.get_by_role("row").filter(has_text=report.reference)
        expect(row).to_contain_text("Not reviewed")
        _check(reviewer, "weekly log")
        reviewer.get_by_role("link", name=report.reference).click()
        reviewer.get_by_label("What did the review agree?").fill("Police to lead; council to brief community leaders.")
        reviewer.get_by_role("button", name="Record the review").click()
        expect(banner(reviewer)).to_contain_text("reviewed")
        reviewer.goto("/intelligence/tensions/")
        expect(reviewer.get_by_role("row").filter(has_text=report.reference)).to_contain_text("Reviewed")
        reviewer.goto("/intelligence/tensions/trends/")
        _check(reviewer, "trends")

    page.goto(f"/intelligence/tensions/{report.pk}/")
    page.get_by_role("link", name="Revoke access for Health").click()
    _check(page, "revoke a share")
    page.get_by_role("button", name="Revoke access").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give a reason for revoking the access")
    _check(page, "revoke a share with errors")
    page.get_by_label("Why are you revoking it?").fill("The march was called off")
    page.get_by_role("button", name="Revoke access").click()
    expect(banner(page)).to_contain_text("Access for Health has been revoked")
    expect(page.get_by_role("row").filter(has_text="Health")).to_contain_text("Revoked")


def test_complete_a_self_assessment_and_compare_it_with_last_year(page: Any, live_server: Any) -> None:
    # The live server's database is emptied between tests: seed the framework as the migration does.
    import_module("intelligence.migrations.0002_seed_ni35_framework").seed(django_apps, None)
    world = Partnership()
    year = timezone.localdate().year
    dimensions = list(AssessmentDimension.objects.all())
    last = services.start_self_assessment(actor=world.chair, year=year - 1)
    for dimension in dimensions:
        services.score_dimension(
            actor=world.chair, assessment_id=last.pk, dimension=dimension, score=2, evidence="Last year's board review"
        )
    services.complete_self_assessment(actor=world.chair, assessment_id=last.pk)

    sign_in(page, world.chair)
    page.goto("/intelligence/self-assessment/")
    _check(page, "self-assessments")
    page.get_by_label("Which year are you assessing?").fill(str(year))
    page.get_by_role("button", name="Start the self-assessment").click()
    expect(banner(page)).to_contain_text(f"Self-assessment {year} started")
    for dimension in dimensions:
        page.get_by_role("link", name=f"Score {dimension.title}").click()
        if dimension == dimensions[0]:
            _check(page, "score a dimension")
        page.get_by_label("3: ", exact=False).check()
        page.get_by_label("Evidence").fill("Tension reports shared every week")
        page.get_by_role("button", name="Save the score").click()
        expect(banner(page)).to_contain_text("scored")
    page.get_by_role("link", name="Add an action to the plan").click()
    page.get_by_label("What needs doing?").fill("Agree a risk-based plan with every partner")
    page.get_by_label("Who owns it?").select_option(index=1)
    due = timezone.localdate() + dt.timedelta(days=30)
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year", exact=True).fill(str(due.year))
    page.get_by_role("button", name="Add the action").click()
    expect(banner(page)).to_contain_text("Action added to the plan")
    page.get_by_role("button", name=f"Complete the {year} self-assessment").click()
    expect(banner(page)).to_contain_text(f"Self-assessment {year} completed")
    _check(page, "completed self-assessment")
    page.get_by_role("link", name=f"Compare with {year - 1}").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text(str(year - 1))
    expect(table).to_contain_text(str(year))
    expect(table.get_by_role("row").nth(1)).to_contain_text("2: ")
    expect(table.get_by_role("row").nth(1)).to_contain_text("3: ")
    _check(page, "years side by side")
