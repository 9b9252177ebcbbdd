"""Every reviews API route, called by a role allowed to use it and refused to outsiders (as
tests/api/test_access.py does for the rest of the API), and every reviews route in the schema
has a case."""

import pytest

from tests.api.test_access import check_case, covered_routes, table_routes

from .api_cases import CASES, reviews_ids

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_route_allows_its_roles_and_refuses_outsiders(api, cast, case):
    check_case(api, cast, case, reviews_ids(cast))


def test_every_reviews_route_has_a_case():
    import nextsteps.api.routes  # noqa: F401 (it merges the tables: import it first)
    from nextsteps.api.tables.reviews import ROUTES

    assert table_routes(ROUTES) == covered_routes(CASES)
