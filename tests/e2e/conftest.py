"""Browser journeys: Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

Needs `/usr/bin/chromium` (`apt-get install chromium`; never `playwright install`)
and built assets (`npm ci && npm run build`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.browser import AXE_JS, STEP_TIMEOUT_MS, PageProblems, new_page

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# the tests make (factories, reading TOTP devices) are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# ``expect`` waits as long as a step may (Playwright's own 5 s is a wall-clock threshold a loaded machine misses).
expect.set_options(timeout=STEP_TIMEOUT_MS)

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


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Any, live_server: Any, page_problems: PageProblems) -> Iterator[Any]:
    """A fresh browser context (no cookies) on the live server; fails the test on CSP or console errors."""
    with new_page(browser, live_server, page_problems) as page:
        yield page
        page_problems.assert_clean()
