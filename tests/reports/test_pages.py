"""The statistics pages, the Home Office return and the printable report: who may have them, that each
chart draws exactly its table's figures, that the downloads carry the same suppressed figures, and
how many queries each costs."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client

from core.models import AuditEvent, AuditVerb
from partnership.models import AgencyKind, Role
from tests.world import Api, Partnership, client_for, new_agency, new_user

pytestmark = pytest.mark.django_db

STATISTICS = "/referrals/reports/outcomes/"
TODAY = "/referrals/reports/today/"
RETURN = "/referrals/reports/home-office-return.csv"
REPORT = "/referrals/reports/partnership-statistics.pdf"
EVERY_PAGE = [
    (STATISTICS, {"period": "2026-Q3"}),
    (TODAY, {}),
    (RETURN, {"period": "2026-Q3"}),
    (REPORT, {"period": "2026"}),
]


# --- who ----------------------------------------------------------------------------------------------


@pytest.fixture
def readers(db: Any) -> Partnership:
    """The standard partnership with a chair of another agency at Baseline, an admin, an auditor, and
    every case-working role at the top clearance besides."""
    world = Partnership()
    housing = new_agency("Housing", AgencyKind.HOUSING)
    return world.people(
        baseline_chair=(housing, 1, Role.PANEL_CHAIR),
        admin=(None, 3, Role.PARTNERSHIP_ADMIN),
        auditor=(None, 1, Role.AUDITOR),
        practitioner=(world.school, 3, Role.PRACTITIONER),
        screener=(world.police, 3, Role.SCREENING_OFFICER),
        spoc=(world.health, 3, Role.SPOC),
        member=(world.health, 3, Role.PANEL_MEMBER),
    )


@pytest.mark.parametrize(("path", "query"), EVERY_PAGE)
@pytest.mark.parametrize("name", ["chair", "baseline_chair", "admin", "auditor"])
def test_chairs_admins_and_auditors_have_every_page_and_download(readers, name, path, query):
    response = client_for(getattr(readers, name)).get(path, query)
    assert response.status_code == 200


@pytest.mark.parametrize(("path", "query"), EVERY_PAGE)
@pytest.mark.parametrize("name", ["teacher", "practitioner", "screener", "spoc", "member", "health_baseline"])
def test_case_workers_get_the_not_found_page_for_every_page_and_download(readers, name, path, query):
    response = client_for(getattr(readers, name)).get(path, query)
    assert response.status_code == 404
    assert b"Referrals by" not in response.content


@pytest.mark.parametrize(("path", "query"), EVERY_PAGE)
def test_nobody_signed_out_gets_anything(db, path, query):
    response = Client().get(path, query)
    assert response.status_code == 302
    assert "/sign-in" in response["Location"] or "login" in response["Location"]


def test_every_reader_sees_the_same_figures_whatever_their_agency_or_clearance(counted):
    """Aggregates are not reads of records: a Baseline chair of housing counts the same referrals as the
    auditor (suppression, not grants, protects the people behind them)."""
    counted.people(lowly_chair=(new_agency("Fire", AgencyKind.FIRE_AND_RESCUE), 1, Role.PANEL_CHAIR))
    auditor = new_user(None, 3, Role.AUDITOR)
    assert (
        Api(counted.lowly_chair).get("statistics/?period=2026").json()
        == Api(auditor).get("statistics/?period=2026").json()
    )


# --- bad periods --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [STATISTICS, RETURN, REPORT])
@pytest.mark.parametrize("period", ["2026-07", "2026-06-01", "2026-H2", "last-quarter", "2026-Q5"])
def test_any_other_period_is_an_error_summary_on_the_page_not_a_download(readers, path, period):
    response = client_for(readers.auditor).get(path, {"period": period})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Choose a year or a quarter from the list" in page
    assert "<svg" not in page


# --- the chart draws its table ------------------------------------------------------------------------


def _figures(page: str) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]]:
    """(chart title, the chart's bars as (label, figure), its table's rows as (label, figure))."""
    found = []
    for svg, table in re.findall(
        r'<div class="app-chart">(<svg.*?</svg>)(?:</div>\s*)+(<div class="app-table.*?</table>)', page, re.S
    ):
        title = re.search(r"<title[^>]*>([^<]*)</title>", svg)[1]
        texts = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
        # bar_chart: each bar is its label then its figure ("s" when suppressed).
        bars = list(zip(texts[0::2], texts[1::2], strict=True))
        rows = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th><td[^>]*>(.*?)</td>', table)
        cells = [(label, "s" if value.startswith("[hidden]") else value) for label, value in rows if label != "Total"]
        found.append((title, bars, cells))
    return found


def test_each_chart_draws_exactly_the_figures_of_its_table(counted):
    page = client_for(new_user(None, 1, Role.AUDITOR)).get(STATISTICS, {"period": "2026-Q3"}).content.decode()
    figures = _figures(page)
    titles = [title for title, _, _ in figures]
    assert "Chart: Referrals by type of concern" in titles
    assert "Chart: From referral to exit" in titles
    for title, bars, cells in figures:
        if title.startswith("Chart: Referrals a quarter"):
            # Columns: the figure above each column, then its label; no column for a quarter with none.
            continue
        assert bars == cells, title
    concern = next(cells for title, _, cells in figures if title == "Chart: Referrals by type of concern")
    assert ("Islamist", "5") in concern
    assert ("Extreme right-wing", "10") in concern
    funnel = next(cells for title, _, cells in figures if title == "Chart: From referral to exit")
    assert funnel == [
        ("Referred", "15"),
        ("Screened", "10"),
        ("Discussed at panel", "5"),
        ("Adopted", "5"),
        ("Exited", "0"),
    ]
    assert "<strong>50%</strong>" in page
    assert page.count('role="img"') == page.count("<desc ")
    assert "Zqperson" not in page


def test_a_suppressed_figure_draws_no_bar(readers):
    for _ in range(3):
        readers.referral(ideology="islamist")
    page = client_for(readers.auditor).get(STATISTICS).content.decode()
    concern = next(f for f in _figures(page) if f[0] == "Chart: Referrals by type of concern")
    assert ("Islamist", "s") in concern[1]
    assert ("Islamist", "s") in concern[2]


# --- the downloads ------------------------------------------------------------------------------------


def test_the_home_office_return_lists_the_published_tables_with_the_same_figures(counted):
    response = client_for(new_user(None, 1, Role.AUDITOR)).get(RETURN, {"period": "2026-Q3"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="prevent-return-2026-Q3.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Table", "Period", "Category", "Number"]
    figures = {(table, category): number for table, _, category, number in rows[1:] if table != "Note"}
    assert figures[("Referrals by sector of referral", "Education")] == "5"
    assert figures[("Referrals by sector of referral", "Police")] == "5"
    assert figures[("Referrals by sector of referral", "Family, friends or the public")] == "5"
    assert figures[("Referrals by sector of referral", "Health")] == "0"
    assert figures[("Referrals by sector of referral", "Total")] == "15"
    assert figures[("Referrals by type of concern", "Extreme right-wing")] == "10"
    assert figures[("Referrals by age group", "11 to 15")] == "5"
    assert figures[("Referrals by age group", "31 to 40")] == "5"
    assert figures[("Referrals by gender", "Male")] == "10"
    assert figures[("Referrals by gender", "Female")] == "5"
    assert figures[("Referrals discussed at a Channel panel", "Total")] == "5"
    assert figures[("Adopted as a Channel case", "Total")] == "5"
    assert {period for _, period, _, _ in rows[1:]} == {"2026-Q3"}


def test_the_return_withholds_what_the_api_withholds(readers):
    for _ in range(3):
        readers.referral(ideology="islamist")
    period = str(__import__("django.utils.timezone", fromlist=["x"]).localdate().year)
    rows = list(csv.reader(io.StringIO(client_for(readers.auditor).get(RETURN, {"period": period}).content.decode())))
    by = {(table, category): number for table, _, category, number in rows[1:]}
    assert by[("Referrals by type of concern", "Islamist")] == "[c]"
    assert by[("Referrals by type of concern", "Total")] == "[c]"
    api = Api(readers.auditor).get(f"statistics/?period={period}").json()
    concern = next(t for t in api["tables"] if t["name"] == "Referrals by type of concern")
    assert next(r for r in concern["rows"] if r["label"] == "Islamist")["suppressed"] is True
    assert not any(number in {"1", "2", "3", "4"} for _, _, _, number in rows[1:])


def test_the_printable_report_is_a_pdf_and_its_reading_is_audited(counted):
    auditor = new_user(None, 1, Role.AUDITOR)
    response = client_for(auditor).get(REPORT, {"period": "2026-Q3"})
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="partnership-statistics-2026-Q3.pdf"'
    assert response["Cache-Control"].startswith("max-age=0")
    events = AuditEvent.objects.filter(actor_id=auditor.pk, verb=AuditVerb.EXPORTED)
    assert sorted(events.values_list("object_type", flat=True)) == ["report.operations", "report.statistics"]


# --- the partnership today ----------------------------------------------------------------------------


def test_the_partnership_today_counts_open_cases_overdue_work_and_attendance(db):
    import datetime as dt

    from django.utils import timezone

    from cases.models import InformationRequest
    from referrals.models import Referral
    from tests.world import hold_quorate, meeting_today

    world = Partnership().join_panel()
    cases = [world.case() for _ in range(6)]
    Referral.objects.filter(pk__in=[c.pk for c in cases]).update(rag="red")
    for case in cases:
        world.ask(case, world.health)
    InformationRequest.objects.update(due_date=timezone.localdate() - dt.timedelta(days=1))
    meeting = meeting_today(world.panel, world.chair)
    hold_quorate(world, meeting)
    page = client_for(new_user(None, 1, Role.AUDITOR)).get(TODAY).content.decode()
    figures = {title: cells for title, _, cells in _figures(page)}
    assert figures["Chart: Open cases by RAG rating"] == [
        ("Red", "6"),
        ("Amber", "0"),
        ("Green", "0"),
        ("Not rated", "0"),
    ]
    assert ("Health", "6") in figures["Chart: Overdue information requests by agency"]
    attendance = page.split("Panel attendance by agency", 1)[1]
    rows = dict(re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th><td[^>]*>(\d+)</td>', attendance))
    assert rows == {"Council": "1", "Health": "1", "Police": "1", "School": "0"}


# --- queries ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "queries"),
    [
        # Nine counts (one a dimension, each over the whole year), the national lists' categories (one
        # query), the audit event, the frame (the user with their devices and, on pages, the header's
        # unread count: one query, docs/adr/0031).
        (STATISTICS, {"period": "2026-Q3"}, 12),
        (TODAY, {}, 9),
        (RETURN, {"period": "2026-Q3"}, 12),
        (REPORT, {"period": "2026"}, 20),
    ],
)
@pytest.mark.parametrize("world", ["readers", "counted"])
def test_each_page_costs_the_same_queries_however_many_referrals(
    request, django_assert_num_queries, world, path, query, queries
):
    request.getfixturevalue(world)
    client = client_for(new_user(None, 1, Role.AUDITOR))
    client.get(path, query)  # warm the session
    with django_assert_num_queries(queries):
        client.get(path, query)
