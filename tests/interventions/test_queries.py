"""The intervention page, the provision map and a pupil's interventions read a fixed number of
queries however many pupils take part (no query per pupil)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nextsteps.interventions import services
from tests.cast import add_pupils_to_oak

from .conftest import judge

pytestmark = pytest.mark.django_db


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_pages_stay_flat_as_members_grow(setting, login):
    s = setting
    c = s.cast
    g, o = s.maths.grades, s.y3
    item = s.intervention(s.extras[:2])
    client = login(c.head)
    urls = [
        reverse("interventions:detail", args=[item.pk]),
        reverse("interventions:map"),
        reverse("interventions:index"),
    ]
    for pupil in s.extras:
        judge(pupil, o[:1], g["S"], s.day(1))
    small = [count(client, url) for url in urls]
    more = add_pupils_to_oak(c, 12, start=100)
    services.add_members(item, [*s.extras[2:], *more], joined=s.start, by=c.head)
    for pupil in more:
        judge(pupil, o[:2], g["S"], s.day(1))
    assert [count(client, url) for url in urls] == small
