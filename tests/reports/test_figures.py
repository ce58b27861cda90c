"""Every published figure checked against a partnership whose counts the test sets by hand.

The world is ``counted`` (tests/reports/conftest.py): every non-zero count is at least 5, so nothing
is suppressed and every figure below is the world's own count, spelled out."""

from __future__ import annotations

from typing import Any

import pytest

from reports import selectors
from tests.world import Api, Partnership, new_auditor

pytestmark = pytest.mark.django_db


def _tables(period: str) -> dict[str, dict[str, Any]]:
    body = Api(new_auditor()).get(f"statistics/?period={period}").json()
    assert body["period"] == period
    return {
        t["name"]: {"rows": {r["label"]: r["count"] for r in t["rows"]}, "total": t["total"]} for t in body["tables"]
    }


def _nonzero(table: dict[str, Any]) -> dict[str, int]:
    return {label: n for label, n in table["rows"].items() if n != 0}


def test_the_third_quarter_counts_what_the_world_holds(counted: Partnership) -> None:
    tables = _tables("2026-Q3")
    assert _nonzero(tables["Referrals by referring sector"]) == {"Education": 5, "Police": 5, "Health": 5}
    assert _nonzero(tables["Referrals by source sector"]) == {"Education": 5, "Police": 5, "Health": 5}
    assert _nonzero(tables["Referrals by type of concern"]) == {"Islamist": 5, "Extreme right-wing": 10}
    assert _nonzero(tables["Referrals by age"]) == {"Under 15": 5, "15 to 17": 5, "31 to 40": 5}
    assert _nonzero(tables["Referrals by sex"]) == {"Female": 5, "Male": 10}
    assert _nonzero(tables["Outcomes"]) == {
        "Awaiting screening": 5,
        "Screening: no further action": 5,
        "Adopted: support under way": 5,
    }
    assert _nonzero(tables["Screening against the clock"]) == {
        "Screened within the clock": 5,
        "Screened after the clock": 5,
        "Not screened yet, past the clock": 5,
    }
    assert _nonzero(tables["Time from referral to panel"]) == {"Within 4 weeks": 5, "Not discussed at panel (yet)": 10}
    assert {table["total"] for table in tables.values()} == {15}
    assert all(None not in table["rows"].values() for table in tables.values())


def test_the_year_adds_the_first_quarter_to_the_third(counted: Partnership) -> None:
    tables = _tables("2026")
    assert _nonzero(tables["Referrals by referring sector"]) == {"Education": 10, "Police": 5, "Health": 5}
    assert _nonzero(tables["Referrals by type of concern"]) == {"Islamist": 10, "Extreme right-wing": 10}
    assert _nonzero(tables["Referrals by age"]) == {"Under 15": 10, "15 to 17": 5, "31 to 40": 5}
    assert _nonzero(tables["Referrals by sex"]) == {"Female": 5, "Male": 15}
    assert _nonzero(tables["Outcomes"])["Awaiting screening"] == 10
    assert {table["total"] for table in tables.values()} == {20}
    first = _tables("2026-Q1")
    assert _nonzero(first["Referrals by referring sector"]) == {"Education": 5}
    assert _tables("2026-Q2")["Outcomes"]["total"] == 0


def test_the_funnel_and_the_screening_clock(counted: Partnership) -> None:
    statistics = selectors.partnership_statistics(viewer=new_auditor(), period="2026-Q3")
    assert statistics.funnel == [
        ("Referred", 15),
        ("Screened", 10),
        ("Discussed at panel", 5),
        ("Adopted", 5),
        ("Exited", 0),
    ]
    assert statistics.screening_compliance == 50  # 5 of the 10 screened
