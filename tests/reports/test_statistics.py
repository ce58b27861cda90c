"""Partnership statistics: calendar periods only, small numbers suppressed so that no cell can be
recovered from the total or the other cells, and only for chairs, admins and auditors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from core.models import AuditEvent, AuditVerb
from partnership.models import AgencyKind, Role
from referrals.models import Referral
from reports.disclosure import parse_period, suppress
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import AdminUserFactory, AgencyFactory, AuditorUserFactory, UserFactory, clearance
from tests.sharing import worlds

pytestmark = pytest.mark.django_db


# --- disclosure control, as a statistician would check it by hand --------------------------------


def _cells(table):
    return [(c.label, c.count, c.suppressed) for c in table.rows]


def test_counts_of_one_to_four_are_never_shown():
    table = suppress("t", [("a", 1), ("b", 4), ("c", 5), ("d", 0), ("e", 12)])
    assert _cells(table) == [("a", None, True), ("b", None, True), ("c", 5, False), ("d", 0, False), ("e", 12, False)]
    assert table.total == 22


def test_a_lone_small_cell_takes_the_next_smallest_with_it_so_the_total_gives_nothing_away():
    table = suppress("t", [("a", 3), ("b", 9), ("c", 6), ("d", 0)])
    # Without the second suppression, a = 18 - 9 - 6 = 3 would be plain.
    assert _cells(table) == [("a", None, True), ("b", 9, False), ("c", None, True), ("d", 0, False)]
    assert table.total == 18


def test_a_small_total_is_suppressed_and_so_is_a_lone_cell_with_nothing_to_hide_beside():
    assert suppress("t", [("a", 2), ("b", 0)]).total is None
    lone = suppress("t", [("a", 3), ("b", 0), ("c", 0)])
    assert lone.total is None
    assert _cells(lone)[0] == ("a", None, True)


def test_no_lone_suppressed_cell_can_be_recovered_from_any_table():
    for counts in ([1, 7, 8], [4, 5], [2, 2, 30], [0, 3, 40, 41], [6, 7, 1, 0, 9]):
        table = suppress("t", [(str(i), n) for i, n in enumerate(counts)])
        hidden = [c for c in table.rows if c.suppressed]
        if table.total is not None and hidden:
            assert len(hidden) >= 2, counts


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ],
)
def test_periods_are_calendar_years_and_quarters(value, start, end):
    period = parse_period(value)
    assert (period.label, period.start, period.end) == (value, start, end)


# --- the API --------------------------------------------------------------------------------------


def _referrals(n: int, kind: str, when: dt.datetime) -> None:
    author = UserFactory(agency=AgencyFactory(kind=kind), clearance=clearance(1), roles=[Role.PRACTITIONER])
    for i in range(n):
        referral, _ = worlds.submit(author, given_name=f"Person{i}", family_name=kind.title(), classification=1)
        Referral.objects.filter(pk=referral.pk).update(submitted_at=when)


def _get(user, period):
    return Client().get("/api/v1/statistics/", {"period": period}, **token_headers(user))


@pytest.mark.parametrize("period", ["2026-07", "2026-06-01", "last-month", "", "2026-Q5", "26"])
def test_any_other_period_is_a_400_with_a_field_message(period):
    response = _get(AuditorUserFactory(), period)
    assert response.status_code == 400
    assert "period" in response.json()


def test_chairs_admins_and_auditors_read_the_tables_with_small_numbers_suppressed():
    when = dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC)
    _referrals(7, AgencyKind.EDUCATION, when)
    _referrals(6, AgencyKind.POLICE, when)
    _referrals(2, AgencyKind.HEALTH, when)
    chair = UserFactory(agency=AgencyFactory(), clearance=clearance(1), roles=[Role.PANEL_CHAIR])
    for reader in (chair, AdminUserFactory(), AuditorUserFactory()):
        response = _get(reader, "2026-Q3")
        assert response.status_code == 200, reader.roles
        body = response.json()
        assert body["period"] == "2026-Q3"
        sectors = next(t for t in body["tables"] if t["name"] == "Referrals by referring sector")
        by_label = {row["label"]: row for row in sectors["rows"]}
        assert by_label["Education"] == {"label": "Education", "count": 7, "suppressed": False}
        assert by_label["Health"] == {"label": "Health", "count": None, "suppressed": True}
        # Health's 2 would be 15 - 7 - 6: police is suppressed with it.
        assert by_label["Police"] == {"label": "Police", "count": None, "suppressed": True}
        assert sectors["total"] == 15
        for table in body["tables"]:
            for row in table["rows"]:
                assert row["count"] is None or row["count"] == 0 or row["count"] >= 5
    # The period before shows none of them; each read is audited.
    empty = _get(AuditorUserFactory(), "2026-Q2").json()
    assert all(t["total"] == 0 for t in empty["tables"])
    assert AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, object_type="report.statistics").count() == 4


def test_case_workers_and_anonymous_callers_get_nothing():
    practitioner = UserFactory(agency=AgencyFactory(), clearance=clearance(3), roles=[Role.PRACTITIONER, Role.SPOC])
    assert _get(practitioner, "2026").status_code == 403
    anonymous = Client().get("/api/v1/statistics/", {"period": "2026"})
    assert anonymous.status_code in (401, 403)
    assert "tables" not in anonymous.json()


def test_a_hidden_quarter_cannot_be_had_from_the_year_through_the_api():
    # Education: 3 in Q1 and 6 in Q3; police: 6 in Q3. Publishing Q3 in full would give Q1's 3 as the
    # year's 9 minus Q3's 6, so Q3's education figure is hidden too, and the quarters' totals (3 and
    # 12) with it. Police's 6 can stay: education's two quarters and the two totals are then only
    # known to add up (e1 + e3 = 9, e1 = Q1's total, e3 + 6 = Q3's total, the totals 15), never each.
    _referrals(3, AgencyKind.EDUCATION, dt.datetime(2025, 2, 3, 9, tzinfo=dt.UTC))
    _referrals(6, AgencyKind.EDUCATION, dt.datetime(2025, 8, 3, 9, tzinfo=dt.UTC))
    _referrals(6, AgencyKind.POLICE, dt.datetime(2025, 8, 4, 9, tzinfo=dt.UTC))
    auditor = AuditorUserFactory()

    def sectors(period):
        table = next(t for t in _get(auditor, period).json()["tables"] if t["name"] == "Referrals by referring sector")
        return {r["label"]: r["count"] for r in table["rows"] if r["label"] in {"Education", "Police"}}, table["total"]

    assert sectors("2025-Q1") == ({"Education": None, "Police": 0}, None)
    assert sectors("2025-Q3") == ({"Education": None, "Police": 6}, None)
    assert sectors("2025") == ({"Education": 9, "Police": 6}, 15)
