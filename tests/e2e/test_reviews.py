"""Weekly reviews in a real browser: a teacher rates a 30-student class in five areas by
keyboard alone, with last week's ratings showing, repeats last week's for a row, comments on a
cell, is told of a cell someone else changed meanwhile, and reloads to find every rating kept;
then the student's history, and a provider reading its weekly update. Every page is checked
with axe-core."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.reviews import services, updates
from nextsteps.reviews.models import WeeklyRating
from nextsteps.reviews.weeks import monday_of
from tests.cast import add_pupils_to_oak

pytestmark = pytest.mark.browser

PUPILS = 30
KEYS = "RAG"


def this_week():
    from django.utils import timezone

    return monday_of(timezone.localdate())


def focus_grid_by_tab(page):
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "gridcell":
            return
    pytest.fail("the grid could not be reached with Tab")


def test_a_teacher_rates_a_class_by_keyboard(browse, live_cast):
    cast = live_cast
    add_pupils_to_oak(cast, PUPILS - 2)
    services.ensure_default_areas(cast.school)
    areas = services.active_areas(cast.school)
    week, last_week = this_week(), this_week() - timedelta(days=7)
    # last week, Amara was Red in literacy with a comment
    services.record_rating(
        cast.amara,
        areas[0],
        last_week,
        "R",
        expected_version=0,
        by=cast.ta,
        comment="Would not read aloud",
    )
    page = browse.page
    browse.sign_in(cast.teacher)
    browse.goto(reverse("reviews:index"))
    browse.follow(page.get_by_role("link", name="3 Oak"))
    cells = page.locator("td[role=gridcell]")
    expect(cells).to_have_count(PUPILS * 5)
    amara_row = page.locator("tr", has=page.locator("th[data-name='Amara Okonkwo-Test']"))
    first = amara_row.locator("td[role=gridcell]").first
    expect(first).to_have_attribute(
        "aria-label", "Amara Okonkwo-Test, Progress in literacy: not rated (last week Red)"
    )

    # every student, every area, by keyboard: letters or numbers, Enter and Home to go on
    focus_grid_by_tab(page)
    for r in range(PUPILS):
        for c in range(5):
            key = KEYS[(r + c) % 3] if r % 2 else str((r + c) % 3 + 1)
            page.keyboard.press(key)
            if c < 4:
                page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.keyboard.press("Home")
        page.keyboard.press("ArrowRight")
    status = page.locator("#reviews-status")
    expect(status).to_have_text("All changes saved.", timeout=30_000)
    assert WeeklyRating.objects.filter(week=week).count() == PUPILS * 5
    browse.check()

    # a comment: C opens the dialog on the cell, the rating can be changed there too
    page.keyboard.press("ArrowUp")  # back onto the last row's first area
    page.keyboard.press("c")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    browse.check()
    page.keyboard.type("Read two pages to the group")
    dialog.get_by_label("Rating this week").select_option("G")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(status).to_have_text("All changes saved.")
    commented = WeeklyRating.objects.get(comment="Read two pages to the group")
    assert commented.rating == "G" and commented.version == 2

    # someone else changes a cell after this page loaded: theirs is shown, not overwritten
    other = WeeklyRating.objects.get(pupil=cast.amara, area=areas[1], week=week)
    services.record_rating(
        cast.amara, areas[1], week, "R", expected_version=other.version, by=cast.ta
    )
    second = amara_row.locator("td[role=gridcell]").nth(1)
    second.click()
    page.keyboard.press("g")
    expect(second).to_have_attribute("data-state", "failed")
    expect(second).to_have_attribute("data-rating", "R")
    expect(page.locator("#reviews-problems")).to_contain_text("yours was not saved")
    browse.check()
    page.keyboard.press("g")  # again, over what is there now: saved
    expect(second).to_have_attribute("data-state", "saved")
    assert WeeklyRating.objects.get(pk=other.pk).rating == "G"

    # Delete clears; S on a name repeats last week's in the empty cells of the row
    first.click()
    page.keyboard.press("Delete")
    expect(first).to_have_attribute("data-state", "saved")
    page.keyboard.press("Home")
    page.keyboard.press("s")
    expect(first).to_have_attribute("data-rating", "R")
    expect(status).to_have_text("All changes saved.")
    assert WeeklyRating.objects.get(pupil=cast.amara, area=areas[0], week=week).rating == "R"

    # reload: every rating is there, last week's beside this week's
    browse.goto(reverse("reviews:class_week", args=[cast.oak.pk]))
    expect(first).to_have_attribute(
        "aria-label", "Amara Okonkwo-Test, Progress in literacy: Red (last week Red)"
    )
    assert WeeklyRating.objects.filter(week=week).count() == PUPILS * 5

    # the student's history, from the row's link
    browse.follow(amara_row.get_by_role("link", name="History of Amara Okonkwo-Test"))
    expect(page.locator("#rag-chart-title")).to_have_text("Amara's ratings each week, by colour")
    expect(page.locator("main")).to_contain_text("Would not read aloud")


def test_a_provider_reads_its_weekly_update(browse, live_cast):
    cast = live_cast
    area = services.active_areas(cast.hub)[2]
    week = this_week()
    services.record_rating(
        cast.priya,
        area,
        week,
        "A",
        expected_version=0,
        by=cast.ap_head,
        comment="Joined the cooking session",
    )
    updates.make_update(cast.hub, cast.north, week)
    page = browse.page
    browse.sign_in(cast.provider)
    browse.goto(reverse("reviews:updates"))
    browse.follow(page.get_by_role("link", name=f"{week:%-d %B %Y}"))
    main = page.locator("main")
    expect(main).to_contain_text("Priya Hollowaygate")
    expect(main).to_contain_text("Joined the cooking session")
    expect(main).not_to_contain_text("Wrenfield")
