"""Every support API route, called by a role allowed to use it and refused to outsiders (as
tests/api/test_access.py does for the rest of the API), and every support route in the route
table has a case."""

import pytest

from tests.api.conftest import assert_no_pupil_names

from .api_cases import CASES, support_ids

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_route_allows_its_roles_and_refuses_outsiders(api, cast, case):
    path = case.path.format(**support_ids(cast))
    body = case.body(cast) if callable(case.body) else case.body
    if case.method in {"POST", "PATCH"} and body is None:
        body = {}
    anonymous = api.call(case.method, None, path, body)
    assert anonymous.status_code == 401
    for who, status in case.refused.items():
        response = api.call(case.method, getattr(cast, who), path, body)
        assert response.status_code == status, (who, response.content)
        assert_no_pupil_names(response)
    response = api.call(case.method, getattr(cast, case.allowed), path, body)
    assert response.status_code == case.ok, response.content


def test_every_support_route_has_a_case():
    import nextsteps.api.routes  # noqa: F401 (it merges the tables: import it first)
    from nextsteps.api.tables.support import ROUTES

    def shape(path):
        return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))

    covered = {(c.method, shape("/api/v1" + c.path.split("?")[0])) for c in CASES}
    assert {(method, shape(path)) for method, path in ROUTES} == covered
