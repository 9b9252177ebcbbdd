"""The markbook in a real browser: a teacher fills a 30-pupil by 20-objective grid by keyboard
alone, reloads and sees every value; a second editor's change is shown, not lost; the index,
history and working-stage pages are used and audited."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.assessment.models import CurrentJudgement
from nextsteps.assessment.services import record_judgement
from nextsteps.curriculum import services as curriculum
from nextsteps.schools import services
from tests.cast import add_pupils_to_oak
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.browser

PUPILS, OBJECTIVES = 30, 20
LABELS = ["Not yet", "Developing", "Secure", "Mastery"]


def build_class(cast):
    maths = build_maths(cast.school)
    add_pupils_to_oak(cast, PUPILS - 2)  # Amara and Bartholomew are already in 3 Oak
    for i in range(OBJECTIVES - 3):
        curriculum.add_objective(maths.number, maths.y3, f"X3.{i:02d}", f"Extra objective {i}")
    return maths


def focus_grid_by_tab(page):
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "gridcell":
            return
    pytest.fail("the grid could not be reached with Tab")


def cell_labels(page):
    return page.eval_on_selector_all(
        "td[role=gridcell]",
        "cells => cells.map(c => [c.dataset.pupil, c.dataset.objective, c.ariaLabel])",
    )


def test_teacher_fills_a_30_by_20_markbook_by_keyboard_and_reloads(browse, live_cast):
    build_class(live_cast)
    page = browse.page
    browse.sign_in(live_cast.teacher)
    url = reverse("assessment:markbook_class", args=[live_cast.oak.pk])
    browse.goto(url)
    expect(page.locator("td[role=gridcell]")).to_have_count(PUPILS * OBJECTIVES)

    focus_grid_by_tab(page)
    for r in range(PUPILS):
        for c in range(OBJECTIVES):
            page.keyboard.press(str((r + c) % 4 + 1))
            if c < OBJECTIVES - 1:
                page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.keyboard.press("Home")
    status = page.locator("#markbook-status")
    expect(status).to_have_text("All changes saved.", timeout=30_000)
    browse.check()
    assert CurrentJudgement.objects.filter(
        pupil__enrolments__school_class=live_cast.oak
    ).count() == (PUPILS * OBJECTIVES)

    browse.goto(url)
    labels = cell_labels(page)
    assert len(labels) == PUPILS * OBJECTIVES
    for index, (_pupil, _objective, label) in enumerate(labels):
        r, c = divmod(index, OBJECTIVES)
        assert label.endswith(": " + LABELS[(r + c) % 4]), (r, c, label)
    # coverage of the first objective: rows 2, 3, 6, 7, ... 26, 27 are Secure or Mastery
    expect(page.locator("thead [data-coverage]").first).to_have_text("14/30 secure (47%)")


def test_second_editor_is_shown_the_other_change_and_history(browse, live_cast):
    maths = build_maths(live_cast.school)
    page = browse.page
    browse.sign_in(live_cast.ta)
    browse.goto(reverse("assessment:markbook"))
    browse.follow(page.get_by_role("link", name="3 Oak"))
    first = maths.objectives[0]
    # the teacher saves in the first cell (Amara, MY3.1) after the TA's page has loaded
    record_judgement(live_cast.amara, first, maths.grades["M"], by=live_cast.teacher)
    focus_grid_by_tab(page)
    page.keyboard.press("2")
    cell = page.locator(f"td[data-pupil='{live_cast.amara.pk}'][data-objective='{first.pk}']")
    expect(cell).to_have_attribute("data-state", "failed")
    expect(cell).to_have_attribute(
        "aria-label",
        f"Amara Okonkwo-Test, objective {first.code}: Mastery (not saved: "
        f"Changed by {live_cast.teacher} while you were editing; yours was not saved.)",
    )
    expect(page.locator("#markbook-problems")).to_contain_text("yours was not saved")
    browse.check()
    # editing again over what is now shown saves
    page.keyboard.press("3")
    expect(cell).to_have_attribute("data-state", "saved")
    expect(page.locator("#markbook-status")).to_have_text("All changes saved.")
    # history on demand, with both events and who made them
    page.keyboard.press("h")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Mastery")
    expect(dialog).to_contain_text("Secure")
    expect(dialog).to_contain_text(str(live_cast.ta))
    browse.check()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # a whole column: from the cell, up to the objective heading, then a number
    page.keyboard.press("ArrowUp")
    page.keyboard.press("2")
    expect(page.locator("#markbook-status")).to_have_text("All changes saved.")
    expect(page.locator("thead [data-coverage]").first).to_have_text("0/2 secure (0%)")

    # working stage: Bartholomew is ahead, tracked at Year 4
    page.locator("details.working-stages summary").click()
    browse.follow(page.locator("details.working-stages").get_by_role("link", name="Bartholomew"))
    page.get_by_label("Working at").select_option(label="Year 4")
    browse.follow(page.get_by_role("button", name="Save working stage"))
    main = page.locator("main")
    expect(main).to_contain_text("Bartholomew Quillfeather: tracked at Year 4 in this subject")
    browse.follow(page.get_by_role("link", name="Open the Year 4 markbook"))
    expect(page.locator(f"td[data-pupil='{live_cast.bartholomew.pk}']").first).to_be_visible()

    # a group's markbook: members the TA may see, at the group's usual stage
    group = services.create_group(live_cast.school, "Maths boosters", "intervention")
    services.add_to_group(group, live_cast.amara)
    browse.goto(reverse("assessment:markbook_group", args=[group.pk]))
    expect(page.locator("td[role=gridcell]")).to_have_count(3)
