"""Helpers for browser journeys: pages, signing in, axe-core checks and asset sanity checks."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django_otp.oath import TOTP, totp
from playwright.sync_api import expect

from partnership.models import User
from tests.partnership.factories import PASSWORD, enrol_totp

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
# How long one step (a click, a page, an ``expect``) may wait before the journey fails. Generous on purpose:
# beside other busy processes a step that takes 0.2 s alone has taken over 20 s, and a test must not fail
# because the machine is slow. A step that never happens still fails, only later.
STEP_TIMEOUT_MS = 60_000
CSP_MESSAGE = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)
SCREENSHOTS = Path(os.environ.get("CONVENE_SCREENSHOTS", "var/screenshots"))


@dataclass
class PageProblems:
    """What the browser complained about while a test ran."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_assets: list[str] = field(default_factory=list)

    def on_console(self, message: Any) -> None:
        text = message.text
        if CSP_MESSAGE.search(text):
            self.csp_violations.append(text)
        elif message.type == "error" and not text.startswith("Failed to load resource"):
            # Failed loads are judged by on_response: a 4xx page is often expected, a 4xx asset never.
            self.console_errors.append(text)

    def on_response(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_assets.append(f"{response.status} {response.url}")

    def assert_clean(self) -> None:
        problems = {
            "CSP violations": self.csp_violations,
            "console errors": self.console_errors,
            "uncaught page errors": self.page_errors,
            "failed assets": self.failed_assets,
        }
        found = {name: items for name, items in problems.items() if items}
        assert not found, "The browser reported problems:\n" + json.dumps(found, indent=2)

    def watch(self, page: Any) -> None:
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("response", self.on_response)


@contextlib.contextmanager
def new_page(
    browser: Any, live_server: Any, problems: PageProblems | None = None, timeout_ms: int | None = STEP_TIMEOUT_MS
) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies) on the live server, watched for ``problems``;
    ``timeout_ms=None`` keeps Playwright's own default wait."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    if timeout_ms is not None:
        context.set_default_timeout(timeout_ms)
    page = context.new_page()
    if problems is not None:
        problems.watch(page)
    try:
        yield page
    finally:
        context.close()


def _unused_code(device: Any) -> str:
    """A code for a time step this device has not accepted yet: a second sign-in within the same
    30 seconds uses the next step, which the device allows (tolerance 1), since a code is never reused."""
    device.refresh_from_db()
    now_t = TOTP(device.bin_key, device.step, device.t0, device.digits).t()
    drift = max(0, device.last_t + 1 - now_t)
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)).zfill(6)


def sign_in(page: Any, user: User, *, password: str = PASSWORD) -> None:
    """Sign in through the pages: password, then a code from the user's authenticator."""
    device = user.totpdevice_set.first() or enrol_totp(user)
    page.goto("/account/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(_unused_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")


def shows_error(page: Any, message: str, label: str) -> None:
    """The page's error summary says ``message``, and the page showing it is accessible."""
    expect(page.locator(".govuk-error-summary")).to_contain_text(message)
    assert_accessible(page, label)


def expect_errors(page: Any, *messages: str) -> Any:
    """The page's error summary is shown and says each of ``messages``, and the page's title starts
    "Error: "; the summary, for what else the test expects of it."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    for message in messages:
        expect(summary).to_contain_text(message)
    expect(page).to_have_title(re.compile(r"^Error: "))
    return summary


def heading(page: Any) -> Any:
    return page.get_by_role("heading", level=1)


def banner(page: Any) -> Any:
    return page.locator(".govuk-notification-banner").first


def _format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def assert_accessible(page: Any, label: str = "") -> None:
    """Run axe-core on the current page; fail on any serious or critical violation.

    axe is injected with page.evaluate, which the page's content security
    policy does not govern (a <script> tag would be refused, as it should be).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if violations:
        print(f"axe on {label or page.url}:\n{_format_violations(violations)}")
    assert not blocking, f"axe found serious or critical violations on {label or page.url}:\n" + _format_violations(
        blocking
    )


PHONE_WIDTH = 375


def assert_fits_a_phone(page: Any, label: str, *, screenshot: Path | None = None) -> None:
    """At 375 px the page is no wider than the screen (wide tables scroll inside their own box), and
    axe still finds nothing serious or critical; the viewport is put back afterwards."""
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    try:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{label}: the page is {width} px wide at {PHONE_WIDTH} px: {_wider(page)}"
        assert_accessible(page, f"{label} at {PHONE_WIDTH} px")
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.set_viewport_size(size)


def assert_checked(page: Any, label: str, journey: str) -> None:
    """axe at the desktop width, then the page at 375 px (``assert_fits_a_phone``); a screenshot at
    each width is kept under ``SCREENSHOTS / journey`` for people to look at."""
    assert_accessible(page, label)
    shots = SCREENSHOTS / journey
    shots.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"\W+", "-", label)
    page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=True)
    assert_fits_a_phone(page, label, screenshot=shots / f"{name}-375.png")


def _wider(page: Any) -> list[str]:
    """The first elements reaching past the screen's right edge, to say what widened the page."""
    return list(
        page.evaluate(
            f"""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > {PHONE_WIDTH} + 1).slice(0, 8)
                .map(e => e.tagName.toLowerCase() + '.' + e.className)"""
        )
    )


def assert_styled(page: Any) -> None:
    """The stylesheet and the GOV.UK Frontend module both loaded (static files are served, CSP allows them)."""
    page.wait_for_function("() => document.body.classList.contains('govuk-frontend-supported')")
    font = page.evaluate("() => getComputedStyle(document.querySelector('.govuk-body, .govuk-heading-l')).fontFamily")
    assert "arial" in font.lower() or "GDS Transport" in font, f"application.css did not apply (font-family: {font})"
