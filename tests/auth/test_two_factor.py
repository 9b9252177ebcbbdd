"""Two-factor sign-in with an authenticator app (TOTP) and recovery codes, through the pages.

Codes are computed with allauth's own TOTP functions from the secret the set-up page shows,
exactly as a phone app would compute them from the QR code.
"""

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tolerate_one_step_of_clock_drift(settings):
    # A code computed at the very end of a 30-second step may reach the server in the next one.
    settings.MFA_TOTP_TOLERANCE = 1


def code_now(secret: str, steps_ahead: int = 0) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + steps_ahead
    return format_hotp_value(hotp_value(secret, counter))


def a_wrong_code(secret: str) -> str:
    near = {code_now(secret, step) for step in range(-3, 4)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def sign_in_with_password(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def current_user(client):
    return client.get(reverse("home")).wsgi_request.user


def open_after_confirming_password(client, url):
    """Changing security settings asks for the password again, even just after signing in."""
    response = client.get(url)
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert "Confirm it is you" in client.get(response.url).content.decode()
    return client.post(response.url, {"password": PASSWORD}, follow=True).content.decode()


def turn_on_totp(client, user) -> tuple[str, list[str]]:
    """Sign in, set up an authenticator app through the pages; return its secret and the
    recovery codes shown after set-up."""
    assert sign_in_with_password(client, user).status_code == 302
    page = open_after_confirming_password(client, reverse("mfa_activate_totp"))
    assert "Set up an authenticator app" in page
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page).group(1)

    response = client.post(reverse("mfa_activate_totp"), {"code": a_wrong_code(secret)})
    assert 'id="id_code_error"' in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": code_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    codes_page = client.get(response.url).content.decode()
    codes = re.search(r'<textarea id="recovery_codes"[^>]*>([^<]*)</textarea>', codes_page)
    client.post(reverse("account_logout"))
    return secret, codes.group(1).split()


def test_two_factor_page_is_in_our_layout(client, cast):
    sign_in_with_password(client, cast.teacher)
    page = client.get(reverse("mfa_index")).content.decode()
    assert page.count("<h1") == 1
    assert "Set up an authenticator app" in page


def test_after_turning_on_totp_sign_in_asks_for_the_code(client, cast):
    secret, _ = turn_on_totp(client, cast.teacher)

    response = sign_in_with_password(client, cast.teacher)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert not current_user(client).is_authenticated
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert '<label for="id_code">Authentication code</label>' in page

    response = client.post(reverse("mfa_authenticate"), {"code": a_wrong_code(secret)})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert 'id="id_code_error"' in response.content.decode()
    assert not current_user(client).is_authenticated

    response = client.post(reverse("mfa_authenticate"), {"code": code_now(secret)})
    assert response.status_code == 302
    assert current_user(client) == cast.teacher


def test_a_recovery_code_signs_in_once(client, cast):
    _, codes = turn_on_totp(client, cast.teacher)
    assert len(codes) == 10

    sign_in_with_password(client, cast.teacher)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert current_user(client) == cast.teacher
    client.post(reverse("account_logout"))

    sign_in_with_password(client, cast.teacher)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert "Incorrect code." in response.content.decode()
    assert not current_user(client).is_authenticated


def test_turning_totp_off_restores_password_only_sign_in(client, cast):
    secret, _ = turn_on_totp(client, cast.teacher)
    sign_in_with_password(client, cast.teacher)
    client.post(reverse("mfa_authenticate"), {"code": code_now(secret)})

    page = open_after_confirming_password(client, reverse("mfa_deactivate_totp"))
    assert "Turn off the authenticator app" in page
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=cast.teacher, type="totp").exists()
    client.post(reverse("account_logout"))

    response = sign_in_with_password(client, cast.teacher)
    assert response.url == reverse("home")
    assert current_user(client) == cast.teacher


def test_users_without_two_factor_are_not_asked_for_a_code(client, cast):
    response = sign_in_with_password(client, cast.parent)
    assert response.url == reverse("home")
