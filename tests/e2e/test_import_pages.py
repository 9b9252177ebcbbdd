"""The head imports pupils in the browser: a file with a bad row is checked and refused line
by line, a good one is checked and imported, and the new pupil is in the class. Then the
export and the rollover preview. Forms are sent from the keyboard; every page is audited.

The check and the import run on the real database queue, worked by `nextsteps worker
--batch` from the test at the moment the test chooses (as the worker process would pick the
job up). That shows the page while the job waits, then its live refresh when the job is done,
with no timing left to chance. With SQLite's in-memory test database the live server shares
the test's connection, so the worker must not run while the server answers a request: the
page's progress polls are held in Playwright while the worker runs (see `work_while_polled`).
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.lib.upn import make_upn
from nextsteps.schools.models import Pupil
from tests.e2e.browsing import hold_progress_polls, work_while_polled

pytestmark = pytest.mark.browser

HEADER = "UPN,Legal forename,Surname,Date of birth,Sex,NC year,Class\n"
GOOD_ROW = f"{make_upn(201, 2001, 19, 71)},Hesper,Underwood,03/03/2017,F,3,3 Oak\n"
BAD_ROW = f"{make_upn(201, 2001, 19, 72)},Lucan,Underwood,31/02/2017,M,3,3 Oak\n"


def upload_from_keyboard(browse, name: str, text: str):
    page = browse.page
    browse.follow(page.get_by_role("link", name="Import pupils"))
    expect(page.get_by_label("What the file holds")).to_have_value("pupils")
    page.get_by_label("File (CSV or Excel .xlsx)").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}
    )
    page.get_by_role("button", name="Upload and choose columns").focus()
    browse.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the columns")


def check_from_keyboard(browse):
    page = browse.page
    # the columns were matched by their headings
    expect(page.get_by_label("Date of birth (required)")).to_have_value("3")
    page.get_by_role("button", name="Check every row").focus()
    browse.press("Space")
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.locator("#job-progress")).to_contain_text("Status: Checking")


def test_head_imports_pupils_in_the_browser(browse, live_cast):
    c = live_cast
    page = browse.page
    main = page.locator("main")
    hold_progress_polls(page)
    browse.sign_in(c.head)
    browse.goto(reverse("interop:index"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import and export")

    # a file with one bad row: checked line by line and refused
    upload_from_keyboard(browse, "pupils-bad.csv", HEADER + GOOD_ROW + BAD_ROW)
    check_from_keyboard(browse)
    work_while_polled(browse)
    expect(main).to_contain_text("What the check found")
    expect(main).to_contain_text("1 with errors")
    errors = page.get_by_role("table", name="Rows with errors (first 50)")
    row = errors.get_by_role("row").filter(has_text="Lucan")
    expect(row.get_by_role("cell").first).to_have_text("3")  # the file's line number
    expect(row).to_contain_text("not a real date")
    expect(main).to_contain_text("Nothing can be imported until every row is right")
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    browse.follow(page.get_by_role("link", name="The full line-by-line report"))
    expect(main.get_by_role("row").filter(has_text="Hesper")).to_contain_text("Will create")
    expect(main.get_by_role("row").filter(has_text="Lucan")).to_contain_text("Error")
    assert not Pupil.objects.filter(legal_last_name="Underwood").exists()

    # the corrected file: checked, imported, and the pupil is in the class
    browse.goto(reverse("interop:index"))
    upload_from_keyboard(browse, "pupils.csv", HEADER + GOOD_ROW)
    check_from_keyboard(browse)
    work_while_polled(browse)
    expect(main).to_contain_text("0 with errors")
    import_button = page.get_by_role("button", name="Import 1 row")
    import_button.focus()
    browse.press("Enter")
    expect(page.locator("#job-progress")).to_contain_text("Status: Importing")
    expect(page.get_by_role("progressbar")).to_be_visible()
    assert not Pupil.objects.filter(legal_last_name="Underwood").exists()  # queued, not done
    work_while_polled(browse)
    expect(page.locator("#job-progress")).to_contain_text("Status: Imported")
    expect(main).to_contain_text("What was imported")
    browse.goto(reverse("class_detail", args=[c.oak.pk]))
    expect(main).to_contain_text("Hesper")

    # the export choices, with the new pupil in the export
    browse.goto(reverse("interop:index"))
    exports = page.get_by_role("table", name=c.school.name)
    expect(exports.get_by_role("row")).to_have_count(6)  # a heading row and five lists
    with page.expect_download() as download:
        exports.get_by_role("link", name="CSV of pupils").click()
    assert download.value.suggested_filename.endswith(".csv")
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert "Underwood" in exported and "Hesper" in exported

    # the rollover preview
    browse.follow(page.get_by_role("link", name=f"Preview the rollover for {c.school.name}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("September rollover")
    expect(page.get_by_role("table", name="Each pupil's move")).to_contain_text("Hesper")
