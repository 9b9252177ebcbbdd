"""Signing in through the real form in Chromium; the sign-in and reset pages pass axe-core."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.cast import PASSWORD

pytestmark = pytest.mark.browser


def test_teacher_signs_in_through_the_form_and_lands_on_home(browse, live_cast, live_server):
    browse.sign_in(live_cast.teacher)
    expect(browse.page).to_have_url(live_server.url + reverse("home"))
    expect(browse.page.get_by_role("button", name="Sign out")).to_be_visible()


def test_wrong_password_shows_the_error_in_an_alert(browse, live_cast):
    browse.sign_in(live_cast.teacher, password="not-the-password")
    expect(browse.page.get_by_role("alert")).to_contain_text("not correct")
    expect(browse.page.get_by_role("heading", level=1)).to_have_text("Sign in to NextSteps")


def test_login_and_password_reset_pages_pass_axe(browse, live_cast):
    browse.goto(reverse("account_login"))
    browse.follow(browse.page.get_by_role("link", name="Forgot your password?"))
    expect(browse.page.get_by_role("heading", level=1)).to_have_text("Reset your password")

    browse.follow(browse.page.get_by_role("button", name="Email me a reset link"))
    expect(browse.page.get_by_role("textbox", name="Email")).to_have_attribute(
        "aria-invalid", "true"
    )

    browse.page.get_by_label("Email").fill(live_cast.teacher.email)
    browse.follow(browse.page.get_by_role("button", name="Email me a reset link"))
    expect(browse.page.get_by_role("heading", level=1)).to_have_text("Check your email")


def test_login_form_works_with_the_keyboard_alone(browse, live_cast, live_server):
    page = browse.page
    browse.goto(reverse("account_login"))

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    login = page.get_by_label("Email address or username")
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "id_login":
            break
        page.keyboard.press("Tab")
    expect(login).to_be_focused()
    page.keyboard.type(live_cast.teacher.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    browse.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(live_server.url + reverse("home")) + "$"))
