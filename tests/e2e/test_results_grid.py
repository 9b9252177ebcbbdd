"""The results pages in a real browser: the assessment leader loads a norm table and creates a
sitting; a teacher enters a class's raw scores from the keyboard alone, sees an entry that
cannot be saved refused, reloads and finds every score converted and banded. Each page is
audited by axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.curriculum import services as curriculum
from nextsteps.results import services
from nextsteps.results.definitions import install_definitions
from nextsteps.results.models import AssessmentDefinition, Result, Sitting
from tests.cast import add_pupils_to_oak

pytestmark = pytest.mark.browser

EXTRA = 8  # 3 Oak has Amara and Bartholomew already


def norm_csv() -> bytes:
    """Ages 5:00 to 12:11, raw 0 to 40: standardised 60 + 2 x raw, whatever the age."""
    ages = [f"{age // 12}:{age % 12:02d}" for age in range(60, 156)]
    lines = ["Raw," + ",".join(ages)]
    lines += [",".join([str(raw)] + [str(60 + 2 * raw)] * len(ages)) for raw in range(41)]
    return ("\n".join(lines) + "\n").encode()


def raw_inputs(page):
    return page.locator("#results-grid input[name=raw_score]")


def test_leader_sets_up_and_teacher_enters_a_class_by_keyboard(browse, live_cast, tmp_path):
    pupils = add_pupils_to_oak(live_cast, EXTRA)
    page = browse.page
    reading = AssessmentDefinition.objects.get(school=live_cast.school, code="standardised-reading")
    reading.max_mark = 40
    reading.save()

    # The assessment leader loads a norm table and creates the sitting.
    browse.sign_in(live_cast.leader)
    browse.goto(reverse("results:index"))
    browse.follow(page.get_by_role("link", name="Standardised reading test", exact=True))
    browse.follow(page.get_by_role("link", name="Load a norm table"))
    table_file = tmp_path / "reading-norms.csv"
    table_file.write_bytes(norm_csv())
    page.get_by_label("Norm table (CSV or Excel .xlsx)").set_input_files(str(table_file))
    page.get_by_label("Name", exact=True).fill("Reading, spring edition")
    browse.follow(page.get_by_role("button", name="Load"))
    expect(page.get_by_role("table", name="Publishers' tables")).to_contain_text(
        "Reading, spring edition"
    )
    browse.follow(page.get_by_role("link", name="New sitting", exact=True))
    page.get_by_label("Date").fill(live_cast.year.start_date.replace(month=11).isoformat())
    page.get_by_label("Name").fill("Reading, November")
    page.get_by_label("Norm table").select_option(label="Reading, spring edition")
    browse.follow(page.get_by_role("button", name="Create"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reading, November")
    sitting = Sitting.objects.get()
    page.context.clear_cookies()

    # The teacher opens the class grid and types every raw score, Enter going down.
    browse.sign_in(live_cast.teacher)
    browse.goto(reverse("results:sitting", args=[sitting.pk]))
    browse.follow(page.get_by_role("link", name="3 Oak results"))
    inputs = raw_inputs(page)
    count = EXTRA + 2
    expect(inputs).to_have_count(count)
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "raw_score":
            break
    else:
        pytest.fail("the first raw score could not be reached with Tab")
    scores = [10 + 3 * n for n in range(count)]  # standardised 80 to 134: every band
    for score in scores:
        page.keyboard.type(str(score))
        page.keyboard.press("Enter")
    states = page.locator("#results-grid td.state")
    for n in range(count):
        expect(states.nth(n)).to_have_text("Saved")
    browse.check()
    assert Result.objects.filter(sitting=sitting).count() == count

    # An impossible mark is refused beside the row, and nothing changes.
    inputs.first.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("99")
    page.keyboard.press("Enter")
    expect(states.first).to_have_text("Not saved: The raw score must be between 0 and 40.")
    expect(inputs.first).to_have_attribute("aria-invalid", "true")
    browse.check()
    inputs.first.fill("10")
    inputs.first.press("Enter")
    expect(states.first).to_have_text("Saved")
    expect(inputs.first).not_to_have_attribute("aria-invalid", "true")

    # After a reload every score is there, converted and banded.
    browse.goto(reverse("results:grid_class", args=[sitting.pk, live_cast.oak.pk]))
    rows = page.locator("#results-grid tbody tr")
    order = sorted(
        [live_cast.amara, live_cast.bartholomew, *pupils],
        key=lambda p: (p.legal_last_name, p.legal_first_name, p.pk),
    )
    for n, pupil in enumerate(order):
        row = rows.nth(n)
        standardised = 60 + 2 * scores[n]
        band = "Below average" if standardised < 85 else "Average"
        band = "Above average" if standardised >= 115 else band
        expect(row.get_by_label(f"Raw score, {pupil.name}")).to_have_value(str(scores[n]))
        expect(row.get_by_label(f"Standardised score, {pupil.name}")).to_have_value(
            str(standardised)
        )
        expect(row.locator("td.band")).to_have_text(band)


def test_leader_tunes_bands_and_teacher_records_a_profile_by_keyboard(browse, live_cast):
    # A transactional test's flush removes the shipped scales: load them, then the early-years
    # profile that needs one.
    curriculum.load_shipped()
    install_definitions(live_cast.school)
    school = live_cast.school
    profile = AssessmentDefinition.objects.get(school=school, code="eyfs-profile")
    ks2 = AssessmentDefinition.objects.get(school=school, code="ks2-reading")
    day = live_cast.year.start_date.replace(month=11)
    sitting = services.create_sitting(profile, date=day, by=live_cast.leader)
    page = browse.page

    browse.sign_in(live_cast.leader)
    browse.goto(reverse("results:definition_edit", args=[ks2.pk]))
    page.get_by_label("Band 2 up to").fill("108")
    page.get_by_label("Band 3 from").fill("108")
    browse.follow(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("table", name="How a score is read")).to_contain_text("108")
    browse.goto(reverse("results:definition_edit", args=[ks2.pk]))
    page.get_by_label("Band 2 up to").fill("105")  # now a gap before band 3
    browse.follow(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("alert")).to_contain_text("Band 3 must start where band 2 ends.")
    browse.goto(reverse("results:sitting_edit", args=[sitting.pk]))
    expect(page.get_by_label("Pass mark")).to_have_count(0)  # a profile has no pass mark
    page.context.clear_cookies()

    browse.sign_in(live_cast.teacher)
    browse.goto(reverse("results:grid_class", args=[sitting.pk, live_cast.oak.pk]))
    first = page.get_by_label(f"{live_cast.amara.name}, Speaking")
    first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # Not recorded -> Emerging -> Expected
    page.keyboard.press("Enter")  # down to Bartholomew's Speaking
    expect(page.get_by_label(f"{live_cast.bartholomew.name}, Speaking")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    states = page.locator("#results-grid td.state")
    expect(states.nth(0)).to_have_text("Speaking: Saved")
    expect(states.nth(1)).to_have_text("Speaking: Saved")
    browse.check()
    browse.goto(reverse("results:grid_class", args=[sitting.pk, live_cast.oak.pk]))
    expect(page.get_by_label(f"{live_cast.amara.name}, Speaking")).to_have_value(
        str(profile.scale.grades.get(label="Expected").pk)
    )
    got = dict(Result.objects.filter(sitting=sitting).values_list("pupil", "grade__label"))
    assert got == {live_cast.amara.pk: "Expected", live_cast.bartholomew.pk: "Emerging"}
