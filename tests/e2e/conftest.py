"""Browser journeys: Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

Needs `/usr/bin/chromium` (`apt-get install chromium`; never `playwright install`)
and built assets (`npm ci && npm run build`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.e2e.browser import AXE_JS

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# the tests make (factories, reading TOTP devices) are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BUILT_CSS = Path(settings.BASE_DIR) / "static" / "build" / "application.css"
GOVUK_JS = Path(settings.BASE_DIR) / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "govuk-frontend.min.js"
CSP_MESSAGE = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    missing = [path for path in (BUILT_CSS, GOVUK_JS, AXE_JS) if not path.exists()]
    if missing:
        names = ", ".join(str(path) for path in missing)
        pytest.fail(f"Front-end assets are missing: {names}. Run `npm ci && npm run build` first.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


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


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Any, live_server: Any, page_problems: PageProblems) -> Iterator[Any]:
    """A fresh browser context (no cookies) on the live server; fails the test on CSP or console errors."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", page_problems.on_console)
    page.on("pageerror", lambda error: page_problems.page_errors.append(str(error)))
    page.on("response", page_problems.on_response)
    try:
        yield page
        page_problems.assert_clean()
    finally:
        context.close()
