"""Password reset by email, delivered through a real SMTP server on 127.0.0.1."""

import re

import pytest
from django.urls import reverse

from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-and-rather-long-password"


def reset_link(mailbox, message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailbox.body(message))
    assert match, mailbox.body(message)
    return match.group(1)


def test_reset_by_email_then_sign_in_with_the_new_password(client, cast, smtp_server):
    response = client.post(reverse("account_reset_password"), {"email": cast.teacher.email})
    assert response.status_code == 302
    assert "Check your email" in client.get(response.url).content.decode()

    [message] = smtp_server.to(cast.teacher.email)
    assert message["Subject"] == "[NextSteps] Reset your password"
    link = reset_link(smtp_server, message)

    # The emailed link stores its key in the session and redirects to a key-free address, so
    # the key does not leak through the Referer header.
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Password changed" in client.get(response.url).content.decode()

    refused = client.post(
        reverse("account_login"), {"login": cast.teacher.email, "password": PASSWORD}
    )
    assert "not correct" in refused.content.decode()
    response = client.post(
        reverse("account_login"), {"login": cast.teacher.email, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == cast.teacher


def test_the_link_works_once(client, cast, smtp_server):
    client.post(reverse("account_reset_password"), {"email": cast.teacher.email})
    link = reset_link(smtp_server, smtp_server.to(cast.teacher.email)[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    page = client.get(link, follow=True).content.decode()
    assert "Reset link not valid" in page


def test_mismatched_new_passwords_get_an_error_beside_the_field(client, cast, smtp_server):
    client.post(reverse("account_reset_password"), {"email": cast.teacher.email})
    link = reset_link(smtp_server, smtp_server.to(cast.teacher.email)[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_password2_error"' in page
    assert "You must type the same password each time." in page


def test_unknown_address_gets_no_link_and_no_sign_up_offer(client, cast, smtp_server):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    # The same answer as for a known address, so the page does not reveal who has an account.
    assert response.status_code == 302
    [message] = smtp_server.to("nobody@example.org")
    body = smtp_server.body(message)
    assert "No account uses that email address" in body
    assert "/accounts/password/reset/key/" not in body
    assert "signup" not in body and "sign up" not in body.lower()


def test_a_malformed_address_is_refused_beside_the_field(client, smtp_server):
    response = client.post(reverse("account_reset_password"), {"email": "not an address"})
    page = response.content.decode()
    assert 'id="id_email_error"' in page
    assert smtp_server.messages == []
