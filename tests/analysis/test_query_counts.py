"""The analysis reads a fixed number of queries however many pupils there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nextsteps.analysis import figures, groups
from nextsteps.results.comparison import class_cohort
from tests.cast import add_pupils_to_oak

pytestmark = pytest.mark.django_db


def _count(cast, oak_maths):
    later = cast.year.assessment_points.order_by("date")[1]
    with CaptureQueriesContext(connection) as seen:
        own = groups.custom_groups([cast.school])
        cohort = class_cohort(cast.head, cast.oak, oak_maths.point)
        figures.attainment(cohort, oak_maths.subject, oak_maths.point, groups=own)
        figures.transition(cohort, oak_maths.subject, oak_maths.point, later)
    return len(seen)


def test_queries_do_not_grow_with_pupils(cast, oak_maths):
    _count(cast, oak_maths)  # the user's roles are read once and kept on the user
    before = _count(cast, oak_maths)
    add_pupils_to_oak(cast, 8, start=10, disadvantaged=True)
    assert _count(cast, oak_maths) == before
