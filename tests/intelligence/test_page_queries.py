"""Every list and detail page of intelligence/ costs the same number of queries whatever it shows.

Every signed-in page costs one query before its own (docs/adr/0031): the user, with their agency, their
confirmed two-factor devices and the header's unread-notifications count; the session comes from the
cache. Each constant below adds what the page itself asks,
and each test asks it with one row and with several, so a query per row fails it. A change here needs a
reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from intelligence.models import Area, AssessmentDimension, TensionReport
from partnership.models import Role
from sharing.models import Share, ShareBasis
from tests.intelligence.conftest import TensionWorld
from tests.sharing.worlds import verified_session
from tests.world import add_action, link_march, new_agency, new_user

pytestmark = pytest.mark.django_db

ROWS = [1, 4]
# The week's grants (with the reports, areas and agencies), the withheld count, the audited list read.
FRAME = 1
LOG_QUERIES = FRAME + 3
# The report with how the viewer reads it, the audited read, its events, their actions (with owners), the
# share ledger (with agencies and who granted), and the agencies of the share form.
DETAIL_QUERIES_FOR_THE_AUTHOR = FRAME + 6
# A reader who may review and plan but not share: no ledger, no share form; whether they chair a panel.
DETAIL_QUERIES_FOR_A_REVIEWER = FRAME + 4
# The counts per area and month, the areas, the audited disclosure.
TRENDS_QUERIES = FRAME + 3
# The report (with its read basis), the share (with its agency and who granted it).
REVOKE_QUERIES = FRAME + 2
# The report, the agencies of the lead-agency list.
EVENT_FORM_QUERIES = FRAME + 2
# The report with how the viewer reads it and the event joined, the agencies and the people (with their
# agencies) who may own the action.
RESPONSE_ACTION_FORM_QUERIES = FRAME + 3
# The years with how many dimensions each has scored, whether the viewer chairs a panel, the dimensions.
ASSESSMENTS_QUERIES = FRAME + 3
# The year (with the year before it and whether the viewer chairs a panel), the dimensions with the year's
# score of each, its actions (with owners and dimensions).
ASSESSMENT_QUERIES = FRAME + 3
# The years, their scores, the dimensions.
HISTORY_QUERIES = FRAME + 3
# The year (with whether the viewer chairs a panel), the dimension with the year's score of it, its descriptors.
SCORE_QUERIES = FRAME + 3
# The year (with whether the viewer chairs a panel), the dimensions and the members (with their agencies)
# offered as owners.
ASSESSMENT_ACTION_FORM_QUERIES = FRAME + 3
# The dimension (with whether the viewer chairs a panel), its descriptors.
FRAMEWORK_QUERIES = FRAME + 2


def _pinned(client: Client, url: str, queries: int, assert_num_queries: Any) -> str:
    client.get(url)  # warm the session's lazy state
    with assert_num_queries(queries):
        answer = client.get(url)
    assert answer.status_code == 200
    return str(answer.content.decode())


def _report_with(world: TensionWorld, rows: int) -> TensionReport:
    """A report with ``rows`` events, each with ``rows`` actions owned by different people, shared ``rows`` times."""
    report = world.report()
    for i in range(rows):
        world.share(report, new_agency(f"Partner {i}"))
        event = link_march(
            world.officer_council,
            report,
            title=f"Event {i}",
            starts_at=timezone.now() + dt.timedelta(days=3 + i),
            lead_agency=world.police,
        )
        for j in range(rows):
            add_action(
                world.officer_council,
                event,
                description=f"Action {i}.{j}",
                owner_agency=world.health,
                owner=new_user(world.health, 2, Role.PRACTITIONER),
                due_date=timezone.localdate() + dt.timedelta(days=4),
            )
    world.share(report, world.health)
    return report


@pytest.mark.parametrize("rows", ROWS)
def test_the_weekly_log(world: TensionWorld, rows: int, django_assert_num_queries: Any) -> None:
    for i in range(rows):
        world.share(world.report(area=Area.objects.create(name=f"Ward {i}")), world.health)
        world.share(world.report(classification=2), world.health)
    page = _pinned(
        verified_session(Client(), world.health_baseline),
        "/intelligence/tensions/",
        LOG_QUERIES,
        django_assert_num_queries,
    )
    assert page.count(">TEN-") == rows  # the Baseline reader's reports; the Security Check ones withheld
    assert f"{rows} report{'s' if rows > 1 else ''} " in page


@pytest.mark.parametrize("rows", ROWS)
def test_a_report_for_its_author(world: TensionWorld, rows: int, django_assert_num_queries: Any) -> None:
    report = _report_with(world, rows)
    client = verified_session(Client(), world.officer_council)
    page = _pinned(
        client, f"/intelligence/tensions/{report.pk}/", DETAIL_QUERIES_FOR_THE_AUTHOR, django_assert_num_queries
    )
    assert page.count("Mark done") == rows * rows
    assert page.count("/revoke/") == rows + 1


@pytest.mark.parametrize("rows", ROWS)
def test_a_report_for_a_reviewer(world: TensionWorld, rows: int, django_assert_num_queries: Any) -> None:
    report = _report_with(world, rows)
    client = verified_session(Client(), world.health_spoc)
    page = _pinned(
        client, f"/intelligence/tensions/{report.pk}/", DETAIL_QUERIES_FOR_A_REVIEWER, django_assert_num_queries
    )
    assert page.count("Mark done") == rows * rows
    assert "/revoke/" not in page


@pytest.mark.parametrize("rows", ROWS)
def test_the_trends(world: TensionWorld, rows: int, django_assert_num_queries: Any) -> None:
    for i in range(rows):
        area = Area.objects.create(name=f"Ward {i}")
        for _ in range(5):
            world.report(area=area)
    page = _pinned(
        verified_session(Client(), world.officer_council),
        "/intelligence/tensions/trends/",
        TRENDS_QUERIES,
        django_assert_num_queries,
    )
    assert page.count("<svg") == rows


@pytest.mark.parametrize("rows", ROWS)
def test_the_revoke_page(world: TensionWorld, rows: int, django_assert_num_queries: Any) -> None:
    report = _report_with(world, rows)
    share = Share.objects.filter(object_id=report.pk, basis=ShareBasis.EXPLICIT).last()
    url = f"/intelligence/tensions/{report.pk}/shares/{share.pk}/revoke/"
    page = _pinned(verified_session(Client(), world.officer_council), url, REVOKE_QUERIES, django_assert_num_queries)
    assert "Revoke Health" in page


@pytest.mark.parametrize("rows", ROWS)
def test_the_response_forms(world: TensionWorld, rows: int, django_assert_num_queries: Any) -> None:
    report = _report_with(world, rows)
    client = verified_session(Client(), world.officer_council)
    _pinned(client, f"/intelligence/tensions/{report.pk}/events/new/", EVENT_FORM_QUERIES, django_assert_num_queries)
    event = report.events.first()
    page = _pinned(
        client, f"/intelligence/events/{event.pk}/actions/new/", RESPONSE_ACTION_FORM_QUERIES, django_assert_num_queries
    )
    assert page.count("(Health)") >= rows * rows


@pytest.mark.parametrize("rows", ROWS)
def test_the_self_assessment_pages(world: TensionWorld, rows: int, django_assert_num_queries: Any) -> None:
    made = world.assessed_years(rows)
    chair = verified_session(Client(), world.chair)
    page = _pinned(chair, "/intelligence/self-assessment/", ASSESSMENTS_QUERIES, django_assert_num_queries)
    assert page.count('href="/intelligence/self-assessment/framework/') == AssessmentDimension.objects.count()
    latest = made[-1]
    page = _pinned(chair, f"/intelligence/self-assessment/{latest.pk}/", ASSESSMENT_QUERIES, django_assert_num_queries)
    assert page.count("Mark done") == rows
    page = _pinned(chair, "/intelligence/self-assessment/history/", HISTORY_QUERIES, django_assert_num_queries)
    assert page.count('<span class="govuk-!-font-weight-bold">3</span>') == rows * rows
    dimension = AssessmentDimension.objects.first()
    _pinned(
        chair,
        f"/intelligence/self-assessment/{latest.pk}/dimensions/{dimension.pk}/",
        SCORE_QUERIES,
        django_assert_num_queries,
    )
    _pinned(
        chair,
        f"/intelligence/self-assessment/{latest.pk}/actions/new/",
        ASSESSMENT_ACTION_FORM_QUERIES,
        django_assert_num_queries,
    )
    _pinned(
        chair, f"/intelligence/self-assessment/framework/{dimension.pk}/", FRAMEWORK_QUERIES, django_assert_num_queries
    )
