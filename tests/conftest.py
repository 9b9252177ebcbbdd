import os

import pytest

from tests.smtp import smtp_server  # noqa: F401 (a fixture: a real local SMTP server)

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Real hashing costs a quarter of a second a user; the tests make hundreds."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def cast(db):
    from tests.cast import build_cast

    return build_cast()


@pytest.fixture
def login(client):
    """Sign the test client in as a user (force_login: sign-in itself is tested on its own)."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login
