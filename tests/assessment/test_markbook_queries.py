"""The markbook grid is read in a fixed number of queries: the count with 4 pupils by 3
objectives equals the count with 12 pupils by 9 objectives (each cell judged, one pupil at
another stage, filters on)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nextsteps.assessment.services import record_judgement
from nextsteps.curriculum import services as curriculum
from nextsteps.schools import services
from tests.cast import add_pupils_to_oak
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db


def grow(cast, maths, pupils, objectives):
    """Bring 3 Oak up to `pupils` pupils and Year 3 maths up to `objectives` objectives, with
    every cell judged."""
    oak_pupils = cast.oak.enrolments.count()
    add_pupils_to_oak(cast, max(0, pupils - oak_pupils), start=oak_pupils, eal=True)
    y3 = [o for o in maths.objectives if o.stage_id == maths.y3.pk]
    for i in range(len(y3), objectives):
        y3.append(curriculum.add_objective(maths.number, maths.y3, f"X3.{i}", f"Extra {i}"))
    grades = list(maths.grades.values())
    for n, pupil in enumerate(cast.oak.enrolments.all()):
        for m, objective in enumerate(y3):
            record_judgement(pupil.pupil, objective, grades[(n + m) % 4], by=cast.teacher)


def count(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize(
    "params", [{}, {"characteristic": "eal", "sort": "attainment"}, {"key": "1"}]
)
def test_grid_queries_do_not_grow_with_pupils_or_objectives(cast, login, params):
    maths = build_maths(cast.school)
    group = services.create_group(cast.school, "Everyone")
    client = login(cast.teacher)
    url = reverse("assessment:markbook_class", args=[cast.oak.pk])
    grow(cast, maths, 4, 3)
    curriculum.set_working_stage(cast.bartholomew, maths.maths, maths.y4, since=date(2020, 1, 1))
    for e in cast.oak.enrolments.all():
        services.add_to_group(group, e.pupil)
    params = {**params, "group": group.pk}
    small, small_body = count(client, url, params)
    grow(cast, maths, 12, 9)
    for e in cast.oak.enrolments.all():
        services.add_to_group(group, e.pupil)
    large, large_body = count(client, url, params)
    assert large_body.count('role="gridcell"') > small_body.count('role="gridcell"')
    assert large == small, f"{small} queries for 4 x 3, {large} for 12 x 9"
