"""A teacher opens their class and a pupil; a parent sees only their own child."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_teacher_opens_their_class_and_a_pupil(browse, live_cast, live_server):
    page = browse.page
    browse.sign_in(live_cast.teacher)
    browse.goto(reverse("class_list"))
    browse.follow(page.get_by_role("link", name="3 Oak"))
    expect(page).to_have_url(live_server.url + reverse("class_detail", args=[live_cast.oak.pk]))

    main = page.locator("main")
    expect(main).to_contain_text("Amara")
    expect(main).to_contain_text("Bartholomew")
    expect(main).not_to_contain_text("Zebedee")

    browse.follow(main.get_by_role("link", name=re.compile("Amara")).first)
    expect(page).to_have_url(live_server.url + reverse("pupil_detail", args=[live_cast.amara.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amara")


def test_parent_sees_only_their_child(browse, live_cast, live_server):
    page = browse.page
    browse.sign_in(live_cast.parent)
    main = page.locator("main")
    expect(main).to_contain_text("Amara")
    for other in ("Bartholomew", "Zebedee", "Priya", "Tomasz"):
        expect(main).not_to_contain_text(other)

    response = browse.goto(reverse("pupil_detail", args=[live_cast.amara.pk]))
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amara")

    response = browse.goto(reverse("pupil_detail", args=[live_cast.zebedee.pk]))
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Zebedee")
    expect(page.locator("body")).not_to_contain_text("Marchbanks")
