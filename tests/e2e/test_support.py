"""Support plans in a real browser: the inclusion manager finds a pupil on the SEN register with
no plan on the inclusion list, opens a plan for him (a mistake shown beside its field first),
adds a SMART target linked to an objective, and reads the plan and the SEN register. Every
page is checked by axe-core; everything is reached by label or role."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from nextsteps.support import services
from nextsteps.support.models import Plan
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.browser


def test_senco_opens_a_plan_with_a_target_from_the_inclusion_list(browse, live_cast):
    c = live_cast
    maths = build_maths(c.school)
    page = browse.page
    today = timezone.localdate()
    browse.sign_in(c.senco)
    browse.goto(reverse("support:index"))
    row = page.get_by_role("row").filter(has_text="Quillfeather, Bartholomew")
    expect(row).to_contain_text("On the SEN register (at SEN support)")
    browse.follow(row.get_by_role("link", name="Open a plan for Bartholomew Quillfeather"))

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Open a plan for Bartholomew Quillfeather"
    )
    expect(page.get_by_label("Kind of plan (required)")).to_have_value("iep")
    page.get_by_label("Title (required)").fill("Speech and language IEP")
    page.get_by_label("Review by (required)").fill((today - timedelta(days=1)).isoformat())
    browse.follow(page.get_by_role("button", name="Open the plan"))
    expect(page.locator("#id_review_date_error")).to_contain_text("cannot be before the start")
    assert not Plan.objects.exists()
    page.get_by_label("Review by (required)").fill((today + timedelta(weeks=6)).isoformat())
    page.get_by_label("Share with the family").check()
    browse.follow(page.get_by_role("button", name="Open the plan"))
    expect(page.get_by_role("status")).to_contain_text("opened. Now add its targets.")

    page.get_by_label("Target (required)").fill("Count in threes to 36")
    page.get_by_label("How we will know (required)").fill("Without error on two days")
    page.get_by_label("Linked objectives").select_option(value=str(maths.objectives[0].pk))
    browse.follow(page.get_by_role("button", name="Save", exact=True))

    expect(page.get_by_role("heading", level=1)).to_have_text("Speech and language IEP")
    targets = page.get_by_role("table", name="SMART targets: what, how we will know, by when")
    expect(targets).to_contain_text("Count in threes to 36")
    expect(targets).to_contain_text(maths.objectives[0].code)
    plan = Plan.objects.get()
    assert (plan.kind, plan.owner, plan.shared_with_family) == ("iep", c.senco, True)

    browse.follow(page.get_by_role("link", name="All Bartholomew's plans"))
    browse.goto(reverse("support:register"))
    register = page.get_by_role("row").filter(has_text="Quillfeather, Bartholomew")
    expect(register).to_contain_text("Individual education plan (IEP)")

    # The plan's other pages and the SEN record pass axe-core too.
    need = services.add_need(c.bartholomew, area="communication", primary=True)
    for name, args in (
        ("support:review_add", [plan.pk]),
        ("support:provision_add", [plan.pk]),
        ("support:plan_edit", [plan.pk]),
        ("support:plan_close", [plan.pk]),
        ("support:plans", []),
        ("support:sen_pupil", [c.bartholomew.pk]),
        ("support:sen_change", [c.bartholomew.pk]),
        ("support:need_edit", [need.pk]),
    ):
        assert browse.goto(reverse(name, args=args)).status == 200, name
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
