"""Interventions in a real browser: the inclusion manager sets up a group (a mistake shown
beside its field first), adds two pupils, reads its impact, the provision map and a pupil's
interventions; every page is checked by axe-core and everything is done by label or key."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.interventions.models import Intervention
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.browser


def test_senco_sets_up_a_group_adds_pupils_and_reads_the_provision_map(browse, live_cast):
    c = live_cast
    build_maths(c.school)
    page = browse.page
    browse.sign_in(c.senco)
    browse.goto(reverse("interventions:index"))
    browse.follow(page.get_by_role("link", name="Set up an intervention"))
    start = c.year.start_date + timedelta(days=7)
    page.get_by_label("Name (required)").fill("Number bonds club")
    page.get_by_label("Starts (required)").fill(start.isoformat())
    page.get_by_label("Ends", exact=True).fill((start - timedelta(days=1)).isoformat())
    page.get_by_label("Sessions a week (required)").fill("3")
    page.get_by_label("Minutes a session (required)").fill("20")
    page.get_by_label("Cost in pounds").fill("360")
    page.get_by_label("What it aims to move (required)").select_option("objectives")
    page.get_by_label("Objectives", exact=True).select_option(label="Year 3: every strand")
    browse.follow(page.get_by_role("button", name="Set it up"))
    expect(page.locator("#id_end_date_error")).to_contain_text("cannot be before the start")
    assert not Intervention.objects.exists()
    page.get_by_label("Ends", exact=True).fill((start + timedelta(weeks=10)).isoformat())
    page.get_by_label("Ends", exact=True).press("Enter")
    page.wait_for_url("**/members/")
    browse.check()
    expect(page.get_by_role("status")).to_contain_text("Number bonds club set up")

    pupils = page.get_by_label("Pupils to add (required)")
    pupils.select_option(label=["Okonkwo-Test, Amara (3 Oak)", "Quillfeather, Bartholomew (3 Oak)"])
    browse.follow(page.get_by_role("button", name="Add them"))
    expect(page.get_by_role("status")).to_contain_text("Added 2 pupils.")
    expect(page.get_by_role("button", name="Record that Amara left")).to_be_visible()

    browse.follow(page.get_by_role("link", name="Back to Number bonds club"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Number bonds club")
    expect(page.locator("#h-impact")).to_be_visible()
    expect(page.get_by_text("£360.00 in all, £180.00 a pupil")).to_be_visible()
    page.get_by_text("How impact is worked out").click()
    expect(page.get_by_text("at least 3 members and 5 similar pupils")).to_be_visible()

    browse.goto(reverse("interventions:map"))
    expect(page.get_by_role("table").first).to_contain_text("Number bonds club")
    expect(page.locator("main")).to_contain_text("Year 3: 2 pupils, 2.00 hours a week, £360.00")
    page.get_by_label("Group pupils by").select_option("class")
    browse.follow(page.get_by_role("button", name="Show"))
    expect(page.locator("main")).to_contain_text("3 Oak: 2 pupils")

    browse.goto(reverse("interventions:pupil", args=[c.amara.pk]))
    expect(page.get_by_role("heading", level=3, name="Number bonds club")).to_be_visible()
    expect(page.locator("main")).to_contain_text("£180.00 a pupil")
