"""Every published figure checked against a partnership whose counts the test sets by hand.

The world is ``counted`` (tests/reports/conftest.py): every non-zero count is at least 5, so nothing
is suppressed and every figure below is the world's own count, spelled out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from referrals.models import Referral
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
    assert _nonzero(tables["Referrals by source sector"]) == {
        "Education": 5,
        "Police": 5,
        "Family, friends or the public": 5,
    }
    assert _nonzero(tables["Referrals by type of concern"]) == {"Islamist": 5, "Extreme right-wing": 10}
    assert _nonzero(tables["Referrals by age"]) == {"11 to 15": 5, "16 to 17": 5, "31 to 40": 5}
    assert _nonzero(tables["Referrals by gender"]) == {"Female": 5, "Male": 10}
    assert _nonzero(tables["Referrals by ethnic group"]) == {"White": 10, "Asian, Asian British or Asian Welsh": 5}
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
    assert _nonzero(tables["Referrals by source sector"]) == {
        "Education": 10,
        "Police": 5,
        "Family, friends or the public": 5,
    }
    assert _nonzero(tables["Referrals by type of concern"]) == {"Islamist": 10, "Extreme right-wing": 10}
    assert _nonzero(tables["Referrals by age"]) == {"11 to 15": 10, "16 to 17": 5, "31 to 40": 5}
    assert _nonzero(tables["Referrals by gender"]) == {"Female": 5, "Male": 10, "Not recorded": 5}
    assert _nonzero(tables["Referrals by ethnic group"]) == {
        "White": 10,
        "Asian, Asian British or Asian Welsh": 5,
        "Not known or not recorded": 5,
    }
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


def test_ages_count_in_the_bands_valid_on_the_first_day_of_the_periods_year() -> None:
    """Five 16-year-olds referred in August 2024, after the 2024-25 bands began in April: the whole of
    2024 counts in the bands of 1 January 2024 ("15 to 17"), so a quarter and its year never count the
    same referrals in two different partitions; 2025 counts in the new bands ("16 to 17")."""
    world = Partnership()
    born = dt.date(2008, 1, 1)
    for submitted in (dt.datetime(2024, 8, 5, 10, tzinfo=dt.UTC), dt.datetime(2025, 2, 3, 10, tzinfo=dt.UTC)):
        referrals = [
            world.referral(date_of_birth=born + dt.timedelta(days=365 * (submitted.year - 2024))) for _ in range(5)
        ]
        Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(submitted_at=submitted)
    for period in ("2024", "2024-Q3"):
        ages = _tables(period)["Referrals by age"]["rows"]
        assert _nonzero({"rows": ages}) == {"15 to 17": 5}
        assert "16 to 17" not in ages
        assert list(ages)[:2] == ["Under 15", "15 to 17"]
    ages = _tables("2025")["Referrals by age"]["rows"]
    assert _nonzero({"rows": ages}) == {"16 to 17": 5}
    assert list(ages)[:3] == ["10 or under", "11 to 15", "16 to 17"]


def test_a_year_before_the_national_lists_began_counts_on_their_first_version(record_national: Any) -> None:
    """Five referrals of January 2024 recorded (as migrated data is) on the 2024-25 lists, which begin in
    April 2024: 2024 and its first quarter count them by those lists' categories, not as unrecorded."""
    world = Partnership()
    referrals = [world.referral() for _ in range(5)]
    for referral in referrals:
        record_national(
            referral, concern_type="incel", source_sector="community", gender="female", ethnicity="white_irish"
        )
    Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(
        submitted_at=dt.datetime(2024, 1, 15, 10, tzinfo=dt.UTC)
    )
    for period in ("2024", "2024-Q1"):
        tables = _tables(period)
        assert _nonzero(tables["Referrals by type of concern"]) == {"Incel": 5}
        assert _nonzero(tables["Referrals by source sector"]) == {"Community (including faith groups)": 5}
        assert _nonzero(tables["Referrals by gender"]) == {"Female": 5}
        assert _nonzero(tables["Referrals by ethnic group"]) == {"White": 5}
