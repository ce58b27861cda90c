"""The tension and self-assessment pages: who gets each one and what they see; query counts pinned."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from intelligence.models import TensionReport
from tests.intelligence.conftest import TensionWorld
from tests.sharing.worlds import verified_session

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    return verified_session(Client(), user)


def test_record_a_report_and_find_it_in_the_weekly_log(world: TensionWorld) -> None:
    browser = _client(world.officer_council)
    today = world.days_ago(0)
    answer = browser.post(
        "/intelligence/tensions/new/",
        {
            "occurred_on_day": today.day,
            "occurred_on_month": today.month,
            "occurred_on_year": today.year,
            "area": world.north.pk,
            "category": "counter_demonstration",
            "level": "4",
            "trend": "rising",
            "summary": "Counter-demonstration planned",
            "details": "Online posts",
            "classification": "1",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    report = TensionReport.objects.get()
    assert report.owning_agency_id == world.council.pk
    assert report.reference.startswith(f"TEN-{today.year}-")
    log = browser.get("/intelligence/tensions/")
    assert report.reference in log.content.decode()
    assert browser.get(f"/intelligence/tensions/{report.pk}/").status_code == 200


def test_bad_input_shows_an_error_summary_and_writes_nothing(world: TensionWorld) -> None:
    answer = _client(world.officer_council).post("/intelligence/tensions/new/", {"summary": ""})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "govuk-error-summary" in page
    assert "Select the ward or neighbourhood" in page
    assert not TensionReport.objects.exists()


def test_trends_and_assessment_pages_render(world: TensionWorld) -> None:
    for _ in range(6):
        world.report()
    assert _client(world.officer_council).get("/intelligence/tensions/trends/").status_code == 200
    assert _client(world.admin).get("/intelligence/self-assessment/").status_code == 200
