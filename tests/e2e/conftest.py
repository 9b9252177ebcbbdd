"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live server, with an axe-core audit of every page the test loads.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Without it the tests
are skipped with the command to install it, unless NEXTSTEPS_REQUIRE_BROWSER=1 (CI), where a
missing browser is a failure.
"""

import os
from pathlib import Path

import pytest

from tests.e2e.browsing import Browsing
from tests.smtp import smtp_server  # noqa: F401 (a fixture, used by name)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"Chromium not installed at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("NEXTSTEPS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (NEXTSTEPS_REQUIRE_BROWSER=1 requires the browser tests)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def live_cast(transactional_db):
    """The test cast, committed, so that the live server's thread sees it."""
    from django.core.cache import cache

    from tests.cast import build_cast

    # The cache is a database table that a transactional test's flush leaves alone: without
    # this, failed sign-ins (counted per IP, and every browser test comes from 127.0.0.1) and
    # used two-factor codes would carry over from one test to the next.
    cache.clear()
    return build_cast()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture
def browse(page, live_server):
    """Navigate and audit: every page loaded is checked by axe-core; a page loaded but not
    audited fails the test."""
    browsing = Browsing(page, live_server.url)
    yield browsing
    browsing.assert_all_audited()
