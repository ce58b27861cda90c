"""An agency's single sign-on on /manage/: partnership admins only; the client secret is stored
encrypted, never shown back and never in the audit trail; bad input is an error summary."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent, AuditVerb
from partnership import sso
from partnership.models import Agency, AgencyKind, SingleSignOn
from tests.pages import error_summary
from tests.world import Partnership, client_for, new_admin, new_agency, new_auditor

pytestmark = pytest.mark.django_db

SECRET = "a-client-secret-never-in-plain-text"


def form(**changes: Any) -> dict[str, Any]:
    values = {
        "is_enabled": "on",
        "issuer": "https://login.example.gov.uk/tenant/v2.0",
        "client_id": "convene",
        "client_secret": SECRET,
        "allowed_email_domains": "police.example.gov.uk\nPOLICE2.example.gov.uk",
        "mfa_amr_values": "mfa otp",
        "mfa_acr_values": "",
    }
    return {key: value for key, value in {**values, **changes}.items() if value is not None}


def url(agency: Agency) -> str:
    return f"/manage/agencies/{agency.pk}/single-sign-on/"


def test_an_admin_sets_it_up_with_the_secret_encrypted_and_out_of_the_trail() -> None:
    agency = new_agency("Northshire Police", AgencyKind.POLICE)
    client = client_for(new_admin())
    page = client.get(url(agency))
    assert page.status_code == 200
    assert "/account/sign-in/work-account/callback/" in page.content.decode()
    response = client.post(url(agency), form())
    assert response.status_code == 302, response.content
    config = SingleSignOn.objects.get(agency=agency)
    assert config.allowed_email_domains == ["police.example.gov.uk", "police2.example.gov.uk"]
    assert config.mfa_amr_values == ["mfa", "otp"]
    assert SECRET not in config.client_secret_encrypted
    assert sso.decrypt_secret(config.client_secret_encrypted) == SECRET
    event = AuditEvent.objects.get(verb=AuditVerb.CONFIGURED, object_type="partnership.singlesignon")
    assert SECRET not in str(event.details)
    assert event.details["after"]["issuer"] == "https://login.example.gov.uk/tenant/v2.0"
    # The secret is never shown back; saving without it keeps it.
    assert SECRET not in client.get(url(agency)).content.decode()
    assert client.post(url(agency), form(client_secret="", client_id="convene-2")).status_code == 302
    config.refresh_from_db()
    assert (config.client_id, sso.decrypt_secret(config.client_secret_encrypted)) == ("convene-2", SECRET)
    assert "single sign-on" in client.get("/manage/agencies/").content.decode().lower()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": "http://login.example.gov.uk"}, "issuer"),
        ({"issuer": ""}, "issuer"),
        ({"client_id": ""}, "client_id"),
        ({"client_secret": ""}, "client_secret"),
        ({"allowed_email_domains": ""}, "allowed_email_domains"),
        ({"allowed_email_domains": "not a domain"}, "allowed_email_domains"),
        ({"mfa_amr_values": ""}, "mfa_amr_values"),
    ],
)
def test_bad_input_is_an_error_summary_and_writes_nothing(changes: dict[str, Any], field: str) -> None:
    agency = new_agency("Northshire Police", AgencyKind.POLICE)
    response = client_for(new_admin()).post(url(agency), form(**changes))
    assert response.status_code == 400
    assert f"#id_{field}" in [href for href, _ in error_summary(response)]
    assert not SingleSignOn.objects.exists()
    assert not AuditEvent.objects.filter(object_type="partnership.singlesignon").exists()


def test_a_domain_belongs_to_one_agency_only() -> None:
    client = client_for(new_admin())
    assert client.post(url(new_agency("Northshire Police", AgencyKind.POLICE)), form()).status_code == 302
    response = client.post(url(new_agency("Other Police", AgencyKind.POLICE)), form())
    assert response.status_code == 400
    assert "Northshire Police already signs in" in " ".join(text for _, text in error_summary(response))


def test_only_partnership_admins_reach_it() -> None:
    world = Partnership()
    agency = world.police
    for outsider in (world.teacher, world.health_spoc, world.officer, world.chair, new_auditor(3)):
        client = client_for(outsider)
        assert client.get(url(agency)).status_code == 403
        assert client.post(url(agency), form()).status_code == 403
    assert not SingleSignOn.objects.exists()
    assert Client().get(url(agency)).status_code == 302
    assert client_for(new_admin()).get("/manage/agencies/999999/single-sign-on/").status_code == 404


def test_the_agency_list_reads_single_sign_on_without_a_query_per_agency() -> None:
    client = client_for(new_admin())

    def queries() -> int:
        client.get("/manage/agencies/")  # warm the session and the settings row
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/manage/agencies/").status_code == 200
        return len(captured)

    client.post(url(new_agency("A Police", AgencyKind.POLICE)), form(allowed_email_domains="a.gov.uk"))
    one = queries()
    for name in ("B", "C"):
        client.post(url(new_agency(f"{name} Police", AgencyKind.POLICE)), form(allowed_email_domains=f"{name}.gov.uk"))
    assert queries() == one
