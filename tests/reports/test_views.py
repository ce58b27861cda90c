"""The partnership statistics page: chairs, admins and auditors; calendar periods; nothing small shown."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from core.models import AuditEvent, AuditVerb
from partnership.models import AgencyKind, Role
from referrals.models import Referral
from tests.conftest import sign_in_verified
from tests.partnership.factories import AdminUserFactory, AgencyFactory, AuditorUserFactory, UserFactory, clearance
from tests.sharing import worlds

pytestmark = pytest.mark.django_db
URL = "/referrals/reports/outcomes/"


def _client(user) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def _referrals(n: int, kind: str, when: dt.datetime) -> None:
    author = UserFactory(agency=AgencyFactory(kind=kind), clearance=clearance(1), roles=[Role.PRACTITIONER])
    for i in range(n):
        referral, _ = worlds.submit(author, given_name=f"Zqperson{i}", family_name="Zqstats", classification=1)
        Referral.objects.filter(pk=referral.pk).update(submitted_at=when)


def _cells(page: str, caption: str) -> dict[str, str]:
    table = page.split(caption, 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th><td[^>]*>(.*?)</td>', table))


def test_chairs_admins_and_auditors_see_a_year_or_quarter_with_small_numbers_hidden():
    year = timezone.localdate().year
    when = dt.datetime(year, 1, 15, 10, tzinfo=dt.UTC)
    _referrals(8, AgencyKind.EDUCATION, when)
    _referrals(5, AgencyKind.POLICE, when)
    _referrals(1, AgencyKind.HEALTH, when)
    chair = UserFactory(agency=AgencyFactory(), clearance=clearance(1), roles=[Role.PANEL_CHAIR])
    for reader in (chair, AdminUserFactory(), AuditorUserFactory()):
        response = _client(reader).get(URL)
        assert response.status_code == 200, reader.roles
        page = response.content.decode()
        sectors = _cells(page, "Referrals by referring sector")
        assert sectors["Education"] == "8"
        assert "[hidden]" in sectors["Health"]
        assert "[hidden]" in sectors["Police"]  # else Health = 14 - 8 - 5
        assert sectors["Total"] == "14"
        assert "Zqperson" not in page
        assert "Zqstats" not in page
        quarter = _client(reader).get(URL, {"period": f"{year}-Q1"})
        assert _cells(quarter.content.decode(), "Referrals by referring sector")["Education"] == "8"
    assert AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, object_type="report.statistics").count() == 6


@pytest.mark.parametrize("period", ["2026-07", "last-month", "1999", "2026-Q5"])
def test_any_other_period_is_an_error_on_the_form(period):
    response = _client(AuditorUserFactory()).get(URL, {"period": period})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Choose a year or a quarter from the list" in page
    assert "[hidden]" not in page
    assert "Total" not in page


def test_case_workers_get_the_not_found_page():
    for roles in ([Role.PRACTITIONER], [Role.SCREENING_OFFICER], [Role.SPOC], [Role.PANEL_MEMBER]):
        user = UserFactory(agency=AgencyFactory(), clearance=clearance(3), roles=roles)
        assert _client(user).get(URL).status_code == 404, roles
    assert Client().get(URL).status_code == 302  # to sign in
