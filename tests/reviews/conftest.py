"""Weekly reviews at the cast's hub: a class (Key Stage 3 Nurture) holding Priya (placed by
Northgate) and Tomasz (placed by Southmoor), its teacher and teaching assistant, the usual five
areas, and helpers to rate and to move the clock."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from nextsteps.reviews import services
from nextsteps.reviews.weeks import monday_of
from nextsteps.schools import services as schools
from nextsteps.schools.models import Role
from tests.api.conftest import ApiCaller, openapi_schema  # noqa: F401 (a fixture)
from tests.cast import make_user


@dataclass
class Hub:
    school: object
    nurture: object
    teacher: object
    ta: object
    areas: list
    week: object  # this week's Monday
    last_week: object


def this_week():
    return monday_of(timezone.localdate())


@pytest.fixture
def hub(cast):
    school = cast.hub
    teacher = make_user("hub_teacher")
    ta = make_user("hub_ta")
    schools.grant_role(teacher, Role.Kind.CLASS_TEACHER, school=school)
    schools.grant_role(ta, Role.Kind.TEACHING_ASSISTANT, school=school)
    nurture = schools.create_class(
        school, cast.hub_year, "KS3 Nurture", None, teachers=[teacher], assistants=[ta]
    )
    for pupil in (cast.priya, cast.tomasz):
        enrolment = pupil.enrolments.get(school=school)
        schools.enrol_pupil(
            pupil,
            school,
            enrolment.year_group,
            school_class=nurture,
            academic_year=cast.hub_year,
            start_date=enrolment.start_date,
        )
    areas = services.active_areas(school)
    week = this_week()
    return Hub(school, nurture, teacher, ta, areas, week, week - timedelta(days=7))


def rate(pupil, area, week, rating, by=None, comment=None):
    """Record a rating over whatever is there (tests of history, not of conflicts)."""
    from nextsteps.reviews.models import WeeklyRating

    current = WeeklyRating.objects.filter(pupil=pupil, area=area, week=week).first()
    return services.record_rating(
        pupil,
        area,
        week,
        rating,
        expected_version=current.version if current else 0,
        by=by,
        comment=comment,
    ).rating


def at(day, hour=12, minute=0):
    """An aware moment on `day` in the server's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def api(openapi_schema, db):  # noqa: F811 (the fixture imported above)
    """Calls the API as a member of the cast and checks each answer against the schema."""
    return ApiCaller(openapi_schema)
