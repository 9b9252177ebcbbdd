"""Lists must not grow a query per pupil: the count with a few pupils equals the count with
many more."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nextsteps.schools import services
from tests.cast import add_pupils_to_oak

pytestmark = pytest.mark.django_db


def count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_pupils(cast, n, start=0):
    for pupil in add_pupils_to_oak(cast, n, start=start, eal=True, sen="K"):
        services.add_to_group(services.create_group(cast.school, f"Group {pupil.pk}"), pupil)


@pytest.mark.parametrize(
    "who,name,args,params",
    [
        ("teacher", "class_detail", "oak", {}),
        ("teacher", "class_detail", "oak", {"characteristic": "eal"}),
        ("head", "pupil_list", None, {}),
        ("head", "pupil_list", None, {"left": "1", "q": "Pupil"}),
        ("head", "class_list", None, {}),
        ("teacher", "home", None, {}),
        ("governor", "home", None, {}),
        ("head", "group_list", None, {}),
    ],
)
def test_page_queries_do_not_grow_with_pupils(cast, client, who, name, args, params):
    client.force_login(cast.users[who])
    url = reverse(name, args=[cast.oak.pk] if args == "oak" else [])
    add_pupils(cast, 1)  # so that every filtered list has someone in it
    before = count_queries(client, url, **params)
    add_pupils(cast, 8, start=1)
    after = count_queries(client, url, **params)
    assert after == before, f"{name}: {before} queries with 4 pupils, {after} with 12"
