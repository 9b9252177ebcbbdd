"""A teacher sets traffic lights by keyboard on the lesson capture screen, then opens the
summary judgement screen and a pupil's conversations; every page axe-clean."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.assessment import lessons
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.browser


def test_lights_by_keyboard_and_summary_screen(browse, live_cast):
    page = browse.page
    maths = build_maths(live_cast.school)
    lesson = lessons.create_lesson(
        live_cast.oak,
        date=date.today(),
        title="Number bonds",
        learning_intention="To recall number bonds to 100",
        objectives=maths.objectives[:1],
        by=live_cast.teacher,
    )
    amara, bart = live_cast.amara.pk, live_cast.bartholomew.pk
    browse.sign_in(live_cast.teacher)
    browse.goto(reverse("assessment:lesson_capture", args=[lesson.pk]))
    green = page.locator(f"#fb-{amara}-teacher-green")
    green.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#status-{amara}")).to_have_text("Saved teacher")
    expect(green).to_have_attribute("aria-pressed", "true")
    expect(green).to_be_focused()  # focus stays put after the row is swapped
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # amber instead
    expect(page.locator(f"#fb-{amara}-teacher-amber")).to_have_attribute("aria-pressed", "true")
    expect(green).to_have_attribute("aria-pressed", "false")
    page.locator(f"#fb-{bart}-self-red").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#status-{bart}")).to_have_text("Saved self")
    browse.check()

    browse.goto(reverse("assessment:lesson_capture", args=[lesson.pk]))
    expect(page.locator(f"#fb-{amara}-teacher-amber")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#fb-{bart}-self-red")).to_have_attribute("aria-pressed", "true")

    browse.goto(reverse("assessment:lesson_list", args=[live_cast.oak.pk]))
    expect(page.get_by_role("link", name="Number bonds")).to_be_visible()
    browse.goto(reverse("assessment:lesson_create", args=[live_cast.oak.pk]))
    browse.goto(reverse("assessment:summary", args=[live_cast.oak.pk]))
    expect(page.get_by_role("heading", level=2)).to_contain_text("Mathematics")
    page.get_by_label("Summary judgement for Amara Okonkwo-Test").select_option(label="Expected")
    page.locator(f"#save-{amara}").click()
    expect(page.locator(f"#pupil-{amara}")).to_contain_text("Now: Expected")
    browse.check()
    browse.goto(reverse("assessment:conversations", args=[amara]))
