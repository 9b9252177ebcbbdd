"""Tests beside teacher judgement in a real browser: the head chooses a class by keyboard,
reads the matrix and the disagreement list, opens a pupil from it and finds the pupil's
timeline; every page axe-clean."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from nextsteps.assessment.services import record_judgement
from tests.curriculum_cast import build_maths
from tests.results.test_comparison import judge, points, result, shipped, sit

pytestmark = pytest.mark.browser


def build(cast):
    maths = build_maths(cast.school)
    point = points(cast)[0]
    sitting = sit(shipped(cast.school), point.date - timedelta(days=7), point=point)
    result(sitting, cast.amara, "at")
    result(sitting, cast.bartholomew, "below")
    judge(cast.amara, maths.maths, point, "EXS", cast.teacher)
    judge(cast.bartholomew, maths.maths, point, "GDS", cast.teacher)
    start = cast.year.start_date
    for n, objective in enumerate(o for o in maths.objectives if o.stage_id == maths.y3.pk):
        when = timezone.make_aware(datetime.combine(start + timedelta(days=7 * (n + 1)), time(9)))
        record_judgement(cast.bartholomew, objective, maths.grades["S"], by=cast.teacher, at=when)
    return maths, point


def test_head_compares_a_class_and_opens_a_pupil_from_the_list(browse, live_cast):
    maths, point = build(live_cast)
    page = browse.page
    browse.sign_in(live_cast.head)
    browse.goto(reverse("results:compare"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tests beside teacher judgement")

    scope = page.get_by_label("Compare for")
    scope.focus()
    scope.select_option(label="3 Oak (class)")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show the comparison")).to_be_focused()
    browse.press("Enter")  # submits the form, redirected to the class's page
    expect(page.get_by_role("heading", level=1)).to_contain_text("3 Oak")

    page.get_by_label("Subject", exact=True).select_option(label="Mathematics (Test primary)")
    page.get_by_label("Assessment point", exact=True).select_option(value=str(point.pk))
    browse.follow(page.get_by_role("button", name="Show"))
    matrix = page.get_by_role("table", name="Concordance of test and teacher for Mathematics")
    expect(matrix).to_be_visible()
    at_row = matrix.get_by_role("row", name="Test: at expected")
    expect(at_row.get_by_role("cell").nth(1)).to_contain_text("1 (50%) agree")
    expect(page.get_by_text("2 steps: teacher higher than test")).to_be_visible()

    browse.follow(page.get_by_role("link", name="Bartholomew Quillfeather"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bartholomew Quillfeather")
    timeline = page.get_by_role("region", name="Tests and judgements over time")
    expect(
        timeline.get_by_role("img", name="Mathematics: tests, summary judgements")
    ).to_be_visible()
    table = timeline.get_by_role("table", name="Mathematics: tests, summary judgements")
    expect(table).to_contain_text("Greater depth")
    expect(table).to_contain_text("band Below average")
    expect(table).to_contain_text("3 of 3 (100%)")
    browse.check()
