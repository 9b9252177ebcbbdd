"""Personal API tokens, the browser session with CSRF, the published schema and the docs."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from nextsteps.accounts.models import ApiToken
from nextsteps.audit.models import AuditEvent

from .conftest import PREFIX, names_in

pytestmark = pytest.mark.django_db


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_a_valid_token_acts_with_its_users_own_permissions(api, cast):
    _, raw = ApiToken.issue(cast.teacher, "markbook sync")
    response = api.get(None, "/pupils", **bearer(raw))
    assert response.status_code == 200
    assert names_in(response) == {"Amara", "Bartholomew"}


@pytest.mark.parametrize("state", ["revoked", "expired", "wrong prefix", "unknown", "not bearer"])
def test_a_bad_token_gets_401_as_json(api, cast, state):
    token, raw = ApiToken.issue(cast.head, "old")
    if state == "revoked":
        token.revoked_at = timezone.now()
        token.save()
    elif state == "expired":
        token.expires_at = timezone.now() - timedelta(seconds=1)
        token.save()
    header = {
        "revoked": f"Bearer {raw}",
        "expired": f"Bearer {raw}",
        "wrong prefix": f"Bearer xx_{raw[3:]}",
        "unknown": f"Bearer {raw[:-2]}zz",
        "not bearer": f"Token {raw}",
    }[state]
    response = api.get(None, "/pupils", Authorization=header)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Bearer" in response.json()["detail"]
    assert "Amara" not in response.content.decode()


def test_last_used_is_recorded_at_most_once_a_minute(api, cast):
    token, raw = ApiToken.issue(cast.head, "script")
    api.get(None, "/schools", **bearer(raw))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api.get(None, "/schools", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get(None, "/schools", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


def test_changes_made_with_a_token_are_audited_as_its_user(api, cast):
    _, raw = ApiToken.issue(cast.leader, "script")
    response = api.patch(None, f"/year-groups/{cast.y3.pk}", {"name": "Year Three"}, **bearer(raw))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(model="schools.yeargroup", action="update").latest("pk")
    assert event.actor == cast.leader


def test_the_signed_in_browser_session_works_and_writes_need_the_csrf_token(api, cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.leader, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(f"{PREFIX}/pupils").status_code == 200
    path = f"{PREFIX}/year-groups/{cast.y3.pk}"
    refused = client.patch(path, '{"name": "Year Three"}', content_type="application/json")
    assert refused.status_code == 403
    client.get("/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.patch(
        path,
        '{"name": "Year Three"}',
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert accepted.status_code == 200, accepted.content


def test_the_token_command_prints_a_token_that_works(api, cast):
    # `nextsteps token create --user EMAIL` runs this command; call_command rather than the
    # console entry point, which closes the database connection the test is running in
    out = StringIO()
    call_command("token", "create", "--user", cast.teacher.email, stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("ns_")
    response = api.get(None, "/pupils", **bearer(raw))
    assert response.status_code == 200
    assert names_in(response) == {"Amara", "Bartholomew"}


def test_openapi_schema_is_published_with_bearer_and_session_security(openapi_schema):
    assert openapi_schema["info"]["title"] == "NextSteps API"
    schemes = openapi_schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    for path, operations in openapi_schema["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)
            assert operation.get("security"), (method, path)


def test_docs_page_uses_the_bundled_swagger_ui_not_a_cdn(db):
    client = Client()
    page = client.get(f"{PREFIX}/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    assert "http://" not in html and "https://" not in html
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        url = f"{PREFIX}/docs/assets/{asset}"
        assert url in html
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content)
    assert client.get(f"{PREFIX}/docs/assets/..%2Fmain.py").status_code == 404
    assert client.get(f"{PREFIX}/docs/assets/main.py").status_code == 404
