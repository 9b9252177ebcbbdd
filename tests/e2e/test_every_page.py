"""Every page of the foundation, opened in the browser by someone allowed to use it, passes
axe-core (the Browsing helper audits each load and fails on serious or critical findings)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def visit(browse, name, *args):
    response = browse.goto(reverse(name, args=args))
    assert response.status == 200, f"{name}: {response.status}"
    expect(browse.page.get_by_role("heading", level=1)).to_have_count(1)


def test_head_uses_every_school_page(browse, live_cast):
    c = live_cast
    browse.sign_in(c.head)
    for name, args in [
        ("home", ()),
        ("class_list", ()),
        ("class_create", ()),
        ("class_detail", (c.oak.pk,)),
        ("pupil_list", ()),
        ("pupil_create", ()),
        ("pupil_detail", (c.bartholomew.pk,)),
        ("pupil_edit", (c.amara.pk,)),
        ("guardian_create", (c.amara.pk,)),
        ("school_settings", ()),
        ("staff_list", ()),
        ("group_list", ()),
        ("governor_summary", ()),
        ("audit:log", ()),
    ]:
        visit(browse, name, *args)


def test_head_edits_a_pupil_and_sees_a_bad_upn_beside_the_field(browse, live_cast):
    page = browse.page
    browse.sign_in(live_cast.head)
    visit(browse, "pupil_edit", live_cast.amara.pk)
    page.get_by_label("UPN").fill("Z123456789012")
    browse.follow(page.get_by_role("button", name="Save"))
    expect(page.locator("#id_upn_error")).to_contain_text("check letter")
    page.get_by_label("UPN").fill(live_cast.amara.upn)
    page.get_by_label("Preferred first name").fill("Mara")
    browse.follow(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mara Okonkwo-Test")


def test_other_roles_pages(browse, live_cast):
    c = live_cast
    browse.sign_in(c.ap_head)
    visit(browse, "placement_create", c.priya.pk)
    visit(browse, "placement_edit", c.priya.pk, c.priya.placements.get().pk)
    browse.goto("/accounts/logout/")
    browse.follow(browse.page.locator("main").get_by_role("button", name="Sign out"))

    browse.sign_in(c.governor)
    expect(browse.page.locator("main")).to_contain_text("pupils on roll")
    browse.goto("/accounts/logout/")
    browse.follow(browse.page.locator("main").get_by_role("button", name="Sign out"))

    browse.sign_in(c.provider)
    expect(browse.page.locator("main")).to_contain_text("Hollowaygate")
    visit(browse, "pupil_detail", c.priya.pk)
    browse.goto("/accounts/logout/")
    browse.follow(browse.page.locator("main").get_by_role("button", name="Sign out"))

    browse.sign_in(c.pupil)
    expect(browse.page.get_by_role("heading", level=1)).to_contain_text("Hello, Amara")
