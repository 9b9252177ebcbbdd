"""Signing in and out through allauth's real forms, with the test client."""

import pytest
from django.urls import reverse

from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def signed_in_user(client):
    return client.get(reverse("home")).wsgi_request.user


def test_login_page_uses_our_layout_and_offers_no_sign_up(client):
    page = client.get(reverse("account_login")).content.decode()
    assert page.count("<h1") == 1
    assert 'class="skip-link"' in page
    assert '<label for="id_login">Email address or username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert "sign up" not in page.lower()
    assert reverse("account_signup") not in page


def test_sign_up_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert "Accounts are made by your school" in response.content.decode()


def test_sign_in_by_email(client, cast):
    response = sign_in(client, cast.teacher.email)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert signed_in_user(client) == cast.teacher


def test_sign_in_by_username(client, cast):
    response = sign_in(client, "pupil")
    assert response.status_code == 302
    assert signed_in_user(client) == cast.pupil


def test_wrong_password_is_refused_with_an_error(client, cast):
    response = sign_in(client, cast.teacher.email, "not-the-password")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "email address and/or password you specified are not correct" in page
    assert not signed_in_user(client).is_authenticated


def test_empty_fields_get_errors_beside_them(client, cast):
    page = client.post(reverse("account_login"), {"login": "", "password": ""}).content.decode()
    assert 'id="id_login_error"' in page
    assert 'id="id_password_error"' in page
    assert 'aria-invalid="true"' in page
    assert "This field is required." in page


def test_sixth_sign_in_after_five_failures_is_refused_even_with_the_right_password(client, cast):
    for _ in range(5):
        response = sign_in(client, cast.teacher.email, "not-the-password")
        assert "not correct" in response.content.decode()
    response = sign_in(client, cast.teacher.email)
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_failures_for_one_account_do_not_lock_out_another_from_a_different_address(client, cast):
    for _ in range(5):
        sign_in(client, cast.teacher.email, "not-the-password")
    other = client.__class__(REMOTE_ADDR="192.0.2.10")
    response = sign_in(other, cast.head.email)
    assert response.status_code == 302


def test_sign_out(client, cast):
    sign_in(client, cast.teacher.email)
    page = client.get(reverse("account_logout")).content.decode()
    assert "Do you want to sign out" in page
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response.url == reverse("account_login")
    assert not signed_in_user(client).is_authenticated


def test_pages_need_sign_in(client, cast):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
