"""Signing in through the browser: password, two-factor (enrolled and first-time set-up), home, sign out."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from partnership.models import Role
from tests.e2e.browser import assert_accessible, assert_styled
from tests.partnership.factories import PASSWORD, AgencyFactory, UserFactory, enrol_totp

pytestmark = pytest.mark.e2e

SIGN_IN_PATH = re.compile(r"/account/sign-in/")


def current_code(device: TOTPDevice) -> str:
    return str(totp(device.bin_key)).zfill(6)


def sign_in_with_password(page: Any, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_practitioner_signs_in_with_two_factor_and_signs_out(page: Any, live_server: Any) -> None:
    agency = AgencyFactory(name="Northshire County Council")
    user = UserFactory(first_name="Priya", last_name="Shah", agency=agency, roles=[Role.PRACTITIONER])
    device = enrol_totp(user)

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Convene")
    assert_styled(page)
    assert_accessible(page, "sign-in")

    sign_in_with_password(page, user.username, "not the password")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a correct username and password")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Sign in to Convene"))
    assert_accessible(page, "sign-in with an error")

    sign_in_with_password(page, user.username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/two-factor/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    # Not signed in to the service yet: no navigation, no account details.
    expect(page.locator(".govuk-service-navigation")).to_have_count(0)
    expect(page.locator("header")).not_to_contain_text(agency.name)
    assert_accessible(page, "two-factor")

    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    header = page.locator("header")
    expect(header).to_contain_text(agency.name)
    expect(header).to_contain_text("Priya Shah")
    expect(header).to_contain_text("Baseline")
    expect(page.get_by_role("link", name="Change your password").first).to_be_visible()
    assert_styled(page)
    assert_accessible(page, "home")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(SIGN_IN_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Convene")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")
    assert_accessible(page, "signed out")

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_PATH)


def test_first_sign_in_sets_up_two_factor_and_shows_recovery_codes(page: Any, live_server: Any) -> None:
    user = UserFactory(roles=[Role.PRACTITIONER])

    page.goto("/account/sign-in/")
    sign_in_with_password(page, user.username, PASSWORD)

    expect(page).to_have_url(re.compile(r"/account/two-factor/set-up/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    qr_code = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr_code).to_be_visible()
    assert qr_code.get_attribute("src").startswith("data:image/")
    assert page.evaluate("() => document.querySelector('img.app-qr-code').naturalWidth") > 0
    assert_accessible(page, "two-factor set-up")

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Security code").fill("000000" if current_code(device) != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The security code is not right")
    expect(page.get_by_label("Security code")).to_have_class(re.compile(r"govuk-input--error"))
    assert_accessible(page, "two-factor set-up with an error")

    # django-otp throttles a device for a second after a failed code.
    page.wait_for_timeout(1500)
    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(r"/account/two-factor/recovery-codes/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Store these codes somewhere safe")
    expect(page.locator("main li")).to_have_count(10)
    assert_accessible(page, "recovery codes")

    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    assert_accessible(page, "home after set-up")


def test_signed_in_user_changes_password(page: Any, live_server: Any) -> None:
    user = UserFactory(roles=[Role.PRACTITIONER])
    device = enrol_totp(user)
    page.goto("/account/sign-in/")
    sign_in_with_password(page, user.username, PASSWORD)
    page.get_by_label("Security code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")

    page.get_by_role("main").get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_accessible(page, "change password")

    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-error-summary li")).to_have_count(3)
    assert_accessible(page, "change password with errors")

    new_password = "a much longer river of words 42"
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password confirmation").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password has been changed")
    assert_accessible(page, "password changed")
