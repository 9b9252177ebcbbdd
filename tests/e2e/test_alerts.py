"""Alerts in a real browser: the class teacher, who owns the action plan, finds the alert she
was told about, reads its evidence and who was told, and closes it with an outcome (an empty
outcome is refused beside the field); the head changes the school's alert rules (a value out
of range refused beside its field) and asks for a run. Every page is checked by axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nextsteps.alerts import services
from nextsteps.alerts.models import Alert
from tests.matrix.alerts import example_alerts

pytestmark = pytest.mark.browser


def test_the_plan_owner_reads_and_closes_an_alert(browse, live_cast):
    c = live_cast
    alert = example_alerts(c)["amara_alert"]
    page = browse.page
    browse.sign_in(c.teacher)
    browse.goto(reverse("alerts:index"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
    row = page.get_by_role("row", name="Amara Okonkwo-Test")
    expect(row).to_contain_text("New to you")
    expect(row).to_contain_text("Off track against target: Off track in Mathematics at autumn")
    browse.follow(row.get_by_role("link"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Off track against target: Amara Okonkwo-Test"
    )
    expect(page.locator("main")).to_contain_text("1 of 9 key Year 3 objectives secure")
    told = page.get_by_role("table", name="Everyone told about this alert, and how")
    expect(told).to_contain_text("Inclusion manager")
    expect(page.get_by_role("region", name="Action plan")).to_contain_text("owned by teacher")

    browse.follow(page.get_by_role("button", name="Close the alert"))
    expect(page.locator("#id_outcome_error")).to_contain_text("Say what was done")
    page.get_by_role("textbox", name="Outcome (required)").fill(
        "Pre-teaching before each maths lesson; reviewed in spring."
    )
    browse.follow(page.get_by_role("button", name="Close the alert"))
    expect(page.get_by_role("status")).to_contain_text("Alert closed with its outcome.")
    expect(page.get_by_role("region", name="Outcome")).to_contain_text("Pre-teaching")
    alert.refresh_from_db()
    assert alert.closed_by == c.teacher and not alert.is_open
    browse.goto(reverse("alerts:index") + "?status=closed")
    expect(page.get_by_role("row", name="Amara Okonkwo-Test")).to_contain_text("Closed")


def test_the_head_tunes_the_rules_and_asks_for_a_run(browse, live_cast):
    c = live_cast
    page = browse.page
    browse.sign_in(c.head)
    browse.goto(reverse("alerts:rules"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert rules")
    weeks = page.get_by_label("Alert when the run of deterioration is longer than this many weeks")
    expect(weeks).to_have_value("3")
    weeks.fill("0")
    browse.follow(page.get_by_role("button", name="Save the rules"))
    expect(page.locator("#id_rag_deteriorating__weeks_error")).to_contain_text("1 to 26")
    assert services.settings_row(c.school).version == 0  # nothing saved
    page.get_by_label("Alert when the run of deterioration is longer than this many weeks").fill(
        "4"
    )
    browse.follow(page.get_by_role("button", name="Save the rules"))
    expect(page.get_by_role("status")).to_contain_text("Alert rules for Oakfield Primary saved.")
    assert services.settings_for(c.school)["rag_deteriorating"]["weeks"] == 4
    expect(page.get_by_role("heading", name="Weekly progress deteriorating (rag_deteriorating)"))
    browse.follow(page.get_by_role("button", name="Run the rules now"))
    expect(page.get_by_role("status")).to_contain_text("will be run in the background")
    assert not Alert.objects.exists()
