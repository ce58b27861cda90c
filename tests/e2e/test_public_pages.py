"""Pages reachable without signing in: GOV.UK layout, accessible, no CSP violations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.browser import assert_accessible, assert_styled
from tests.partnership.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/account/password-reset/", 200, "Reset your password"),
        ("/account/password-reset/sent/", 200, "Check your email"),
        ("/account/password-reset/MQ/not-a-token/", 200, "This link does not work"),
        ("/privacy/", 200, "Privacy notice"),
        ("/no-such-page/", 404, "Page not found"),
    ],
)
def test_public_page(page: Any, live_server: Any, path: str, status: int, heading: str) -> None:
    response = page.goto(path)
    assert response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_styled(page)
    assert_accessible(page, path)


def test_password_reset_form_shows_errors(page: Any, live_server: Any) -> None:
    page.goto("/account/password-reset/")
    page.get_by_label("Email").fill("not an email address")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Reset your password"))
    expect(page.get_by_label("Email")).to_have_class(re.compile(r"govuk-input--error"))
    assert_accessible(page, "password reset with an error")


def test_repeated_failures_show_the_lockout_page(page: Any, live_server: Any) -> None:
    user = UserFactory()
    page.goto("/account/sign-in/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(page, user.username, "wrong password")
        expect(page.locator(".govuk-error-summary")).to_be_visible()

    # The failure that reaches the limit is answered with the lockout page ...
    with page.expect_response(re.compile(r"/account/sign-in/")) as response:
        sign_in(page, user.username, "wrong password")
    assert response.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed sign-in attempts")
    assert_accessible(page, "locked out")

    # ... and so is the right password, until the cool-off ends.
    page.goto("/account/sign-in/")
    with page.expect_response(re.compile(r"/account/sign-in/")) as response:
        sign_in(page, user.username, PASSWORD)
    assert response.value.status == 429


def sign_in(page: Any, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
