"""A person of an agency with single sign-on signs in through a real OpenID Connect provider in the
browser: the email-first step, the provider's page, back to Convene verified by the provider's MFA."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from partnership import services
from partnership.models import AgencyKind
from tests.e2e.browser import assert_accessible, assert_fits_a_phone
from tests.oidc.harness import OidcProvider
from tests.world import new_agency, new_user

pytestmark = pytest.mark.e2e

DOMAIN = "police.example.gov.uk"
SECRET = "e2e-client-secret"


@pytest.fixture
def provider(live_server: Any) -> Iterator[OidcProvider]:
    callback = f"{live_server.url}/account/sign-in/work-account/callback/"
    accounts = {"amy": {"password": "idp-pass", "email": f"amy@{DOMAIN}", "amr": ["pwd", "mfa"]}}
    clients = [{"client_id": "convene", "client_secret": SECRET, "redirect_uris": [callback]}]
    with OidcProvider(clients=clients, accounts=accounts) as running:
        yield running


def test_a_police_officer_signs_in_with_their_work_account(page: Any, provider: OidcProvider) -> None:
    police = new_agency("Northshire Police", AgencyKind.POLICE)
    values = {
        "is_enabled": True,
        "issuer": provider.issuer,
        "client_id": "convene",
        "client_secret": SECRET,
        "allowed_email_domains": [DOMAIN],
        "mfa_amr_values": ["mfa"],
        "mfa_acr_values": [],
    }
    services.configure_single_sign_on(actor=None, agency=police, values=values)
    new_user(police, 1, first_name="Amy", last_name="Reed", email=f"amy@{DOMAIN}")

    page.goto("/account/sign-in/")
    assert_accessible(page, "sign-in with a work account")
    page.set_viewport_size({"width": 375, "height": 800})
    assert_fits_a_phone(page, "sign-in at 375 px")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_label("Work email address").fill("someone@council.example.gov.uk")
    page.get_by_role("button", name="Continue to your agency's sign-in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("use your username and password")
    assert_accessible(page, "sign-in with a work account, error")

    page.get_by_label("Work email address").fill(f"amy@{DOMAIN}")
    page.get_by_role("button", name="Continue to your agency's sign-in").click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + r"/interaction/"))
    expect(page.get_by_label("Login")).to_have_value(f"amy@{DOMAIN}")  # the hint
    page.get_by_label("Login").fill("amy")
    page.get_by_label("Password").fill("idp-pass")
    page.get_by_role("button", name="Sign in").click()

    # Back in Convene, signed in and verified by the provider's MFA: no security code asked.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header")).to_contain_text("Northshire Police")
    assert_accessible(page, "home after single sign-on")
