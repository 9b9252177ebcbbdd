"""Targets and tracking in a real browser: the assessment leader sets a year group's targets
on one page (suggestions filled in, a change refused until it has a reason, then one save);
the teacher reads on-track for the class and the pupil's page, adds a goal and a milestone;
every page is checked by axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.tracking.models import PupilGoal, Target
from tests.tracking.conftest import build_ladder, points_of, summary

pytestmark = pytest.mark.browser


def test_leader_sets_year_group_targets_in_one_save(browse, live_cast):
    c = live_cast
    ladder = build_ladder(c.school)
    _, _, summer = points_of(c.last_year)
    summary(c.amara, ladder.maths, summer, ladder.summary["EXS"])
    page = browse.page
    browse.sign_in(c.leader)
    browse.goto(reverse("tracking:index"))
    browse.follow(page.get_by_role("link", name="Year 3", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("End-of-year targets for Year 3")
    amara = page.get_by_label("Target for Amara Okonkwo-Test")
    expect(amara).to_have_value(str(ladder.summary["EXS"].pk))  # the suggestion, filled in
    expect(page.locator(f"#basis-{c.amara.pk}")).to_contain_text("Own trajectory")
    bart = page.get_by_label("Target for Bartholomew Quillfeather")
    expect(bart).to_have_value("")  # nothing to suggest from

    amara.select_option(label="GDS: Greater depth")
    bart.select_option(label="WTS: Working towards")
    browse.follow(page.get_by_role("button", name="Save targets for Year 3"))
    summary_box = page.locator("#error-summary")
    expect(summary_box).to_contain_text("Nothing was saved: 1 row needs attention")
    expect(summary_box).to_be_focused()
    expect(page.locator(f"#error-{c.amara.pk}")).to_contain_text("differs from the suggestion")
    assert not Target.objects.exists()
    # the choices are kept; give the reason and save again
    expect(page.get_by_label("Target for Bartholomew Quillfeather")).to_have_value(
        str(ladder.summary["WTS"].pk)
    )
    page.get_by_label("Reason for Amara Okonkwo-Test's target").fill("Strong reasoning")
    browse.follow(page.get_by_role("button", name="Save targets for Year 3"))
    expect(page.get_by_role("status")).to_contain_text("Saved 2 targets for Mathematics.")
    assert {t.grade.short_label for t in Target.objects.select_related("grade")} == {"GDS", "WTS"}

    browse.follow(page.get_by_role("link", name="Okonkwo-Test, Amara"))
    page.get_by_text("Target history (1 change)").click()
    expect(page.get_by_text("Strong reasoning").first).to_be_visible()
    browse.check()
    browse.follow(page.get_by_role("link", name="Change the Mathematics target"))
    expect(page.get_by_label("Target", exact=True)).to_have_value(str(ladder.summary["GDS"].pk))
    browse.goto(reverse("tracking:rule"))
    expect(page.get_by_role("heading", name="On track (OnTrackRule)")).to_be_visible()


def test_teacher_reads_on_track_and_adds_a_goal_and_a_milestone(browse, live_cast):
    c = live_cast
    ladder = build_ladder(c.school)
    page = browse.page
    browse.sign_in(c.teacher)
    browse.goto(reverse("tracking:class", args=[c.oak.pk]))
    expect(page.get_by_role("table")).to_contain_text("No target set for this year.")
    browse.goto(reverse("tracking:pupil", args=[c.amara.pk]))
    browse.follow(page.get_by_role("link", name="Add a target or goal"))
    page.get_by_label("Kind of target").select_option(label="Numeracy target")
    page.get_by_label("Target (required)", exact=True).fill("I can count in fours")
    page.get_by_label("Linked objective").select_option(str(ladder.key[3][0].pk))
    browse.follow(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("link", name="I can count in fours")).to_be_visible()
    assert PupilGoal.objects.get().objective == ladder.key[3][0]

    browse.follow(page.get_by_role("link", name="Add a milestone"))
    page.get_by_label("Milestone (required)", exact=True).fill("Number bonds to 20")
    page.get_by_label("Due by (required)").fill("2000-01-01")
    browse.follow(page.get_by_role("button", name="Save"))
    expect(page.locator("#id_due_date_error")).to_contain_text("cannot be before the start")
    page.get_by_label("Due by (required)").fill(f"{c.year.end_date:%Y-%m-%d}")
    browse.follow(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("link", name="Number bonds to 20")).to_be_visible()
    browse.goto(reverse("tracking:staff_targets"))
    page.get_by_label("Target (required)", exact=True).fill("Model reading aloud daily")
    browse.follow(page.get_by_role("button", name="Add the target"))
    expect(page.get_by_role("link", name="Model reading aloud daily")).to_be_visible()
