"""Calling the API as a member of the cast, with a real personal token, and checking every
answer against the OpenAPI schema the API publishes."""

import json

import pytest
from django.test import Client

from nextsteps.accounts.models import ApiToken

PREFIX = "/api/v1"


@pytest.fixture(scope="session")
def openapi_schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.json()


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def check_shape(schema: dict, node: dict, value, where: str = "body") -> None:
    """A small structural check: types, required keys, enums and nullability, recursively."""
    node = _resolve(schema, node)
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        failures = []
        for option in options:
            try:
                check_shape(schema, option, value, where)
                return
            except AssertionError as exc:
                failures.append(str(exc))
        raise AssertionError(f"{where}: matches none of {failures}")
    if "allOf" in node:
        for part in node["allOf"]:
            check_shape(schema, part, value, where)
        return
    kind = node.get("type")
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "number": (int, float),
        "boolean": bool,
        "null": type(None),
    }
    if kind:
        assert isinstance(value, types[kind]), f"{where}: {value!r} is not {kind}"
        if kind == "integer":
            assert not isinstance(value, bool), f"{where}: {value!r} is not integer"
    if "enum" in node:
        assert value in node["enum"], f"{where}: {value!r} not in {node['enum']}"
    if kind == "object":
        for key in node.get("required", []):
            assert key in value, f"{where}: missing {key}"
        for key, sub in node.get("properties", {}).items():
            if key in value:
                check_shape(schema, sub, value[key], f"{where}.{key}")
    if kind == "array":
        for i, item in enumerate(value):
            check_shape(schema, node.get("items", {}), item, f"{where}[{i}]")


def _template_for(schema: dict, method: str, path: str) -> str:
    """The schema path (with {placeholders}) that a concrete path matches."""
    path = path.split("?", 1)[0]
    parts = path.strip("/").split("/")
    for template, operations in schema["paths"].items():
        tparts = template.strip("/").split("/")
        if len(tparts) != len(parts) or method.lower() not in operations:
            continue
        if all(
            t == p or (t.startswith("{") and t.endswith("}"))
            for t, p in zip(tparts, parts, strict=True)
        ):
            return template
    raise AssertionError(f"{method} {path} is not in the OpenAPI schema")


def validate(schema: dict, method: str, path: str, response) -> None:
    template = _template_for(schema, method, path)
    documented = schema["paths"][template][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {template} answered {status}, not documented"
    content = documented[status].get("content", {}).get("application/json")
    if content and response.content:
        check_shape(schema, content["schema"], json.loads(response.content))


class ApiCaller:
    """`api.get(user, "/pupils")` and friends: calls as `user` with a fresh personal token
    (or anonymously with user=None) and checks the answer against the schema."""

    def __init__(self, schema):
        self.schema = schema
        self.tokens = {}

    def token(self, user) -> str:
        if user.pk not in self.tokens:
            self.tokens[user.pk] = ApiToken.issue(user, "tests")[1]
        return self.tokens[user.pk]

    def call(self, method, user, path, data=None, **headers):
        client = Client()
        if user is not None:
            headers.setdefault("Authorization", f"Bearer {self.token(user)}")
        kwargs = {"headers": headers}
        if data is not None:
            kwargs.update(data=json.dumps(data), content_type="application/json")
        response = getattr(client, method.lower())(PREFIX + path, **kwargs)
        validate(self.schema, method, PREFIX + path, response)
        return response

    def get(self, user, path, **headers):
        return self.call("GET", user, path, **headers)

    def post(self, user, path, data=None, **headers):
        return self.call("POST", user, path, data if data is not None else {}, **headers)

    def patch(self, user, path, data, **headers):
        return self.call("PATCH", user, path, data, **headers)

    def delete(self, user, path, **headers):
        return self.call("DELETE", user, path, **headers)


@pytest.fixture
def api(openapi_schema, db):
    return ApiCaller(openapi_schema)


PUPIL_NAMES = [
    "Amara",
    "Okonkwo",
    "Bartholomew",
    "Quillfeather",
    "Zebedee",
    "Marchbanks",
    "Priya",
    "Hollowaygate",
    "Tomasz",
    "Wrenfield",
]


def assert_no_pupil_names(response) -> None:
    body = response.content.decode()
    leaked = [name for name in PUPIL_NAMES if name in body]
    assert not leaked, f"refused answer leaks {leaked}: {body[:300]}"


def names_in(response) -> set[str]:
    data = response.json()
    items = data["items"] if isinstance(data, dict) and "items" in data else data
    return {item["legal_first_name"] for item in items}
