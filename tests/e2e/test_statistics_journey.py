"""Partnership statistics in the browser: the chair opens the statistics from the navigation, picks a
quarter, reads the charts (each an SVG image named by its title, with its table) and the partnership
today, and downloads the Home Office return. axe-core finds no serious or critical violation on any
page, and each page fits 375 px."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.browser import assert_checked, sign_in
from tests.world import Partnership

pytestmark = pytest.mark.e2e

_check = functools.partial(assert_checked, journey="statistics")


def _charts_render(page: Any) -> None:
    charts = page.locator(".app-chart svg[role=img]")
    assert charts.count() >= 5
    for i in range(charts.count()):
        chart = charts.nth(i)
        title = chart.locator("title").text_content()
        assert title.startswith("Chart: ")
        expect(chart).to_have_accessible_name(title)
        assert chart.locator("desc").count() == 1
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 50


def test_the_chair_reads_the_statistics_and_downloads_the_return(page: Any, live_server: Any) -> None:
    world = Partnership().join_panel()
    for i in range(6):
        world.referral(world.teacher, ideology="islamist", given_name=f"Zqperson{i}")
    for i in range(5):
        world.referral(world.health_baseline, ideology="extreme_right_wing", given_name=f"Zqother{i}")
    world.referral(world.health_baseline, ideology="left_wing")
    quarter = (timezone.localdate().month - 1) // 3 + 1
    year = timezone.localdate().year

    sign_in(page, world.chair)
    page.get_by_role("link", name="Partnership statistics").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnership statistics")
    page.get_by_label("Period").select_option(value=f"{year}-Q{quarter}")
    page.get_by_role("button", name="Show the counts").click()
    _charts_render(page)
    concern = page.get_by_role("region", name="Referrals by type of concern", exact=True)
    expect(concern.get_by_role("row", name="Islamist")).to_contain_text("6")
    # Left-wing's 1 is hidden, and with it the next smallest (extreme right-wing's 5).
    expect(concern.get_by_role("row", name="Left-wing, anarchist or single-issue")).to_contain_text("[hidden]")
    expect(concern.get_by_role("row", name="Extreme right-wing")).to_contain_text("[hidden]")
    expect(page.locator("body")).not_to_contain_text("Zqperson")
    _check(page, "a quarter")

    download = page.request.get(f"{live_server.url}/referrals/reports/home-office-return.csv?period={year}")
    assert download.status == 200
    assert "Referrals by type of concern" in download.text()

    page.get_by_role("link", name="The partnership today").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The partnership today")
    assert page.locator(".app-chart svg[role=img]").count() >= 3
    _check(page, "today")

    page.goto(f"{live_server.url}/referrals/reports/outcomes/?period={year}-07")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a year or a quarter from the list")
    assert page.locator("svg[role=img]").count() == 0
    _check(page, "a bad period")
