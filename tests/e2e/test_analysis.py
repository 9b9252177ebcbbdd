"""The analysis pages in a real browser: the head opens the index, who needs help, the
attainment page with its SVG chart, the pupils behind one figure and a transition matrix; a
governor opens the school's attainment, anonymised. Every page is checked by axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.assessment.summary import record_summary
from tests.cast import add_pupils_to_oak
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.browser

NAMES = ("Okonkwo", "Quillfeather", "Extra0", "Extra1", "Extra2")


def _maths(c):
    """Maths summaries for 3 Oak at the year's first two points: Amara falls EXS to WTS,
    Bartholomew stays WTS, three more pupils are EXS then GDS."""
    maths = build_maths(c.school)
    extra = add_pupils_to_oak(c, 3)
    first, second = c.year.assessment_points.order_by("date")[:2]
    g = {x.short_label: x for x in maths.summary.grades.all()}
    for pupil, was, now in [
        (c.amara, "EXS", "WTS"),
        (c.bartholomew, "WTS", "WTS"),
        *[(p, "EXS", "GDS") for p in extra],
    ]:
        record_summary(pupil, maths.maths, first, g[was], by=c.leader)
        record_summary(pupil, maths.maths, second, g[now], by=c.leader)
    return maths, first, second, g


def test_head_reads_the_analysis_and_drills_down(browse, live_cast):
    c = live_cast
    maths, first, second, g = _maths(c)
    page = browse.page
    browse.sign_in(c.head)
    browse.goto(reverse("analysis:index"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Analysis")
    browse.follow(page.get_by_role("link", name="who needs help").first)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Who needs help now")
    expect(page.get_by_role("table")).to_contain_text("down from EXS")

    query = f"?subject={maths.maths.pk}&point={second.pk}"
    browse.goto(reverse("analysis:attainment", args=["class", c.oak.pk]) + query)
    chart = page.locator("svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("desc")).to_contain_text("3 of 5")
    table = page.get_by_role("table").first
    expect(table.get_by_role("row", name="All pupils")).to_contain_text("3 (60%)")
    # the pupils behind "WTS" for all pupils: Amara and Bartholomew
    browse.follow(table.get_by_role("row", name="All pupils").get_by_role("link", name="2"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("judged WTS")
    expect(page.get_by_role("table")).to_contain_text("Okonkwo")
    expect(page.get_by_role("table")).to_contain_text("Quillfeather")
    expect(page.get_by_role("table")).not_to_contain_text("Extra0")

    browse.goto(reverse("analysis:progress", args=["class", c.oak.pk]) + f"{query}&from={first.pk}")
    matrix = page.get_by_role("table", name="Transition matrix, 5 pupils")
    expect(matrix).to_be_visible()
    expect(page.get_by_text("Moved up: 3; stayed: 1; moved down: 1.")).to_be_visible()
    browse.follow(matrix.get_by_role("row", name="EXS").get_by_role("link", name="3"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("EXS at")
    expect(page.get_by_role("table")).to_contain_text("Extra2")


def test_governor_sees_attainment_without_names(browse, live_cast):
    c = live_cast
    maths, _, second, _ = _maths(c)
    page = browse.page
    browse.sign_in(c.governor)
    browse.goto(
        reverse("analysis:attainment", args=["school", c.school.pk])
        + f"?subject={maths.maths.pk}&point={second.pk}"
    )
    expect(page.get_by_text("These figures are anonymised")).to_be_visible()
    expect(page.locator("svg[role=img]")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("Fewer than 5 pupils: not shown")
    body = page.content()
    for name in NAMES:
        assert name not in body
    assert page.locator("a[href*='/pupils/']").count() == 0
