"""Password reset by email and two-factor set-up, in the browser, every page audited."""

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from playwright.sync_api import expect

from tests.cast import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-new-and-rather-long-password"


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + steps_ahead
    return format_hotp_value(hotp_value(secret, counter))


def a_wrong_code(secret: str) -> str:
    near = {totp_code(secret, step) for step in range(-3, 4)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def test_reset_password_from_the_emailed_link(browse, live_cast, live_server, smtp_server):
    page = browse.page
    browse.goto(reverse("account_reset_password"))
    page.get_by_label("Email").fill(live_cast.teacher.email)
    browse.follow(page.get_by_role("button", name="Email me a reset link"))

    [message] = smtp_server.to(live_cast.teacher.email)
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", smtp_server.body(message))
    assert link and link.group(0).startswith(live_server.url)
    browse.goto(link.group(0)[len(live_server.url) :])
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")

    page.get_by_label("New Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New Password (again)").fill(NEW_PASSWORD + "typo")
    browse.follow(page.get_by_role("button", name="Save new password"))
    expect(page.locator("#id_password2_error")).to_contain_text("same password")

    page.get_by_label("New Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New Password (again)").fill(NEW_PASSWORD)
    browse.follow(page.get_by_role("button", name="Save new password"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")

    browse.sign_in(live_cast.teacher, password=NEW_PASSWORD)
    expect(page).to_have_url(live_server.url + reverse("home"))


def test_staff_turn_on_two_factor_and_then_sign_in_with_a_code(
    browse, live_cast, live_server, settings
):
    settings.MFA_TOTP_TOLERANCE = 1  # a code made at the end of a step may arrive in the next
    page = browse.page
    browse.sign_in(live_cast.teacher)
    browse.follow(page.get_by_role("link", name="Account"))
    browse.follow(page.get_by_role("link", name="Two-factor authentication"))
    browse.follow(page.get_by_role("link", name="Set up an authenticator app"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_label("Password").fill(PASSWORD)
    browse.follow(page.get_by_role("button", name="Confirm"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    secret = page.get_by_label("Secret (if you cannot scan the code)").input_value()
    page.get_by_label("Code from the app").fill(totp_code(secret))
    browse.follow(page.get_by_role("button", name="Turn on two-factor authentication"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")

    browse.follow(page.get_by_role("link", name="Back to two-factor authentication"))
    expect(page.locator("main")).to_contain_text("On.")
    browse.follow(page.get_by_role("button", name="Sign out"))

    browse.sign_in(live_cast.teacher)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your authentication code")
    page.get_by_label("Authentication code").fill(a_wrong_code(secret))
    browse.follow(page.get_by_role("button", name="Sign in"))
    expect(page.locator("#id_code_error")).to_contain_text("Incorrect code")
    page.get_by_label("Authentication code").fill(totp_code(secret))
    browse.follow(page.get_by_role("button", name="Sign in"))
    expect(page).to_have_url(live_server.url + reverse("home"))
