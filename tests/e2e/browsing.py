"""Helpers for the browser tests: navigate, sign in, and audit every page with axe-core.

axe-core (bundled with axe-playwright-python, so no network) runs after every page load the
test makes through `Browsing`. A violation of impact "serious" or "critical" fails the test
with a readable list; lesser findings are kept on `Browsing.minor_findings` for whoever wants
to read them. `assert_all_audited` makes sure no page slipped through unaudited (say, one
loaded by a plain `page.click()` that nobody checked).

Import jobs (pupils, results) run on the real database queue, worked by `nextsteps worker
--batch` from the test at the moment it chooses. With SQLite's in-memory test database the
live server shares the test's connection, so the worker must not run while the server answers
a request: `hold_progress_polls` routes the job page's progress polls through Playwright, and
`work_while_polled` runs the worker between two polls.
"""

import re
from functools import cache

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from tests.cast import PASSWORD

FAILING_IMPACTS = {"serious", "critical"}


@cache
def axe() -> Axe:
    # Reading the 500 kB axe script once per run is enough.
    return Axe()


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            summary = node.get("failureSummary", "").replace("\n", "\n         ")
            if summary:
                lines.append(f"         {summary}")
    return "\n".join(lines)


def audit(page) -> list[dict]:
    """Run axe-core on the page as it is now; fail on serious or critical violations and
    return the lesser ones."""
    violations = axe().run(page).response["violations"]
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    if failing:
        pytest.fail(
            f"axe-core found {len(failing)} serious or critical accessibility violation(s) "
            f"on {page.url}:\n{describe(failing)}",
            pytrace=False,
        )
    return [v for v in violations if v["impact"] not in FAILING_IMPACTS]


class Browsing:
    """A page plus the habits every browser test needs."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.minor_findings: dict[str, list[dict]] = {}
        self.loads: list[dict] = []
        page.on("load", lambda p: self.loads.append({"url": p.url, "audited": False}))

    def check(self):
        """Audit the page now shown."""
        self.minor_findings[self.page.url] = audit(self.page)
        if self.loads:
            self.loads[-1]["audited"] = True

    def assert_all_audited(self):
        missed = [load["url"] for load in self.loads if not load["audited"]]
        if missed:
            pytest.fail("pages loaded without an axe-core audit: " + ", ".join(missed))

    def goto(self, path: str):
        """Open a path on the live server, audit it and return the HTTP response."""
        response = self.page.goto(self.base_url + path)
        self.check()
        return response

    def follow(self, locator):
        """Click something that loads a new page, wait for it, audit it."""
        with self.page.expect_navigation():
            locator.click()
        self.check()

    def press(self, key: str):
        """Press a key that loads a new page (Enter in a form), wait for it, audit it."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.check()

    def sign_in(self, user, password: str = PASSWORD):
        """Sign in through the real sign-in form, as a person would."""
        self.goto("/accounts/login/")
        self.page.get_by_label("Email address or username").fill(user.email)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.follow(self.page.get_by_role("button", name="Sign in"))


def is_progress(url: str) -> bool:
    """An import job's progress poll (/import/<id>/progress/, for pupils and for results)."""
    return bool(re.search(r"/import/\d+/progress/$", url))


def hold_progress_polls(page):
    """Route the page's progress polls through Playwright: a poll is only sent on while the
    test is inside a Playwright call, never while it runs the worker."""
    page.route(is_progress, lambda route: route.continue_())


def work_while_polled(browse):
    """Wait for a poll to be answered, run the queued jobs, then let the next poll through:
    it finds the job finished and the page reloads itself. Audit the reloaded page."""
    page = browse.page
    with page.expect_response(lambda r: is_progress(r.url)) as answered:
        pass
    answered.value.finished()
    with page.expect_navigation():
        call_command("worker", "--batch")
    browse.check()
