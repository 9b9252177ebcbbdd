"""Fixtures for the support tests: the cast with its support objects (tests/support/cast.py)
and the API caller that checks every answer against the published schema."""

import pytest

from tests.api.conftest import ApiCaller, openapi_schema  # noqa: F401 (a fixture)

from .cast import add_support


@pytest.fixture
def support(cast):
    """The cast with Bartholomew's IEP and need, Amara's shared plan and Priya's plan."""
    add_support(cast)
    return cast


@pytest.fixture
def api(openapi_schema, db):  # noqa: F811 (the fixture imported above)
    return ApiCaller(openapi_schema)
