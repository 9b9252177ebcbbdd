"""The assessment leader imports a publisher's results file in the browser: upload, check the
columns, wait for the check, choose the pupil for a row whose surname was mistyped, skip a
pupil who is not at the school, leave out a row in error, confirm, and read the report. Forms
are sent from the keyboard and every page is audited by axe-core.

As for the pupils' import, the check and the import run on the real database queue, worked
by `nextsteps worker --batch` from the test while the page's progress polls are held (see
tests/e2e/browsing.py)."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.results import services
from nextsteps.results.models import AssessmentDefinition, Result
from tests.e2e.browsing import hold_progress_polls, work_while_polled
from tests.results.conftest import norm_rows

pytestmark = pytest.mark.browser


def a_sitting(cast):
    definition = AssessmentDefinition.objects.get(school=cast.school, code="standardised-reading")
    definition.max_mark = 40
    definition.save()
    table = services.load_norm_table(definition, rows=norm_rows(), by=cast.leader)
    return services.create_sitting(
        definition,
        date=date(cast.year.start_date.year + 1, 5, 12),
        by=cast.leader,
        norm_table=table,
    )


def results_file(cast) -> str:
    def born(pupil):
        return f"{pupil.date_of_birth:%d/%m/%Y}"

    return (
        "Surname,Forename,Date of Birth,UPN,Raw Score,Age (y:m)\n"
        f"Okonkwo-Test,Amara,{born(cast.amara)},{cast.amara.upn},30,8:07\n"
        f"Quilfeather,Bartholomew,{born(cast.bartholomew)},,25,8:10\n"
        "Stranger,Sam,01/01/2015,,20,\n"
        f"Marchbanks,Zebedee,{born(cast.zebedee)},,41,\n"
    )


def test_leader_imports_a_results_file_in_the_browser(browse, live_cast):
    c = live_cast
    sitting = a_sitting(c)
    page = browse.page
    main = page.locator("main")
    hold_progress_polls(page)
    browse.sign_in(c.leader)
    browse.goto(reverse("results:import_upload", args=[sitting.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Import results for {sitting.name}")

    page.get_by_label("Results file (CSV or Excel .xlsx)").set_input_files(
        {"name": "reading.csv", "mimeType": "text/csv", "buffer": results_file(c).encode()}
    )
    page.get_by_role("button", name="Upload and choose columns").focus()
    browse.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the columns")
    expect(page.get_by_label("Last name")).to_have_value("0")  # "Surname", by its heading
    expect(page.get_by_label("Raw score")).to_have_value("4")
    page.get_by_role("button", name="Check every row").focus()
    browse.press("Enter")
    expect(page.locator("#job-progress")).to_contain_text("Status: Checking")
    work_while_polled(browse)
    expect(main).to_contain_text("What the check found")

    # the two rows that matched nobody: Bartholomew's surname is mistyped, Sam is not ours
    choices = page.get_by_role("table", name="Choose the pupil for each row")
    expect(choices.get_by_role("row")).to_have_count(3)  # a heading row and two rows
    bart = page.get_by_label("Pupil for line 3, Bartholomew Quilfeather")
    bart.select_option(str(c.bartholomew.pk))
    page.get_by_label("Pupil for line 4, Sam Stranger").select_option("skip")
    page.get_by_role("button", name="Save these choices and check again").focus()
    browse.press("Enter")
    work_while_polled(browse)
    decided = page.get_by_role("table", name="Rows you decided")
    expect(decided.get_by_role("row").filter(has_text="Quilfeather")).to_contain_text(
        "Bartholomew Quillfeather (chosen by you)"
    )
    expect(decided.get_by_role("row").filter(has_text="Stranger")).to_contain_text("Skipped by you")
    errors = page.get_by_role("table", name="Rows with errors (first 50)")
    expect(errors.get_by_role("row").filter(has_text="Marchbanks")).to_contain_text(
        "The raw score must be between 0 and 40."
    )
    assert not Result.objects.exists()  # nothing written before the confirmation

    # confirm, leaving out the row in error
    box = page.get_by_label("Leave out the 1 row with errors")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.get_by_role("button", name="Import 2 results").focus()
    browse.press("Enter")
    expect(page.locator("#job-progress")).to_contain_text("Status: Importing")
    work_while_polled(browse)
    expect(page.locator("#job-progress")).to_contain_text("Status: Imported")
    expect(main).to_contain_text("What was imported")
    assert set(Result.objects.values_list("pupil_id", flat=True)) == {
        c.amara.pk,
        c.bartholomew.pk,
    }

    browse.follow(page.get_by_role("link", name="The full line-by-line report"))
    report = page.get_by_role("table", name="Rows of the file")
    expect(report.get_by_role("row")).to_have_count(5)  # every row accounted for
    expect(report.get_by_role("row").filter(has_text="Okonkwo-Test")).to_contain_text("Added")
    expect(report.get_by_role("row").filter(has_text="Marchbanks")).to_contain_text(
        "Error: not imported"
    )
