import pytest

from tests.smtp import smtp_server  # noqa: F401 (a fixture, used by name)


@pytest.fixture(autouse=True)
def static_files_without_manifest(settings):
    # With DEBUG off the settings choose whitenoise's manifest storage, which needs
    # `collectstatic` first; the tests render pages without it. (Belongs in tests/conftest.py.)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
