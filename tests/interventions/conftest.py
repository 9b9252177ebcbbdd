"""Small hand-made cohorts for the interventions tests: the cast's school with the test maths
framework (three Year 3 and three Year 4 objectives), eight more Year 3 pupils in 3 Oak, and
helpers to give pupils a judgement, a test result or a weekly rating on a day."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from nextsteps.assessment.services import record_judgement
from nextsteps.interventions import services
from nextsteps.results import services as results
from nextsteps.results.models import AssessmentDefinition
from nextsteps.reviews.models import ReviewArea, WeeklyRating
from tests.cast import add_pupils_to_oak
from tests.curriculum_cast import build_maths


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def judge(pupil, objectives, grade, day: date, hour: int = 12):
    for objective in objectives:
        record_judgement(pupil, objective, grade, by=None, at=at(day, hour))


def rate(pupil, area, week: date, rating: str):
    return WeeklyRating.objects.create(pupil=pupil, area=area, week=week, rating=rating)


@dataclass
class Setting:
    cast: object
    maths: object
    extras: list
    start: date  # a Monday four weeks into the year
    end: date
    reading: AssessmentDefinition

    @property
    def y3(self):
        return self.maths.objectives[:3]

    def day(self, weeks: int, days: int = 0) -> date:
        """A day counted from the start."""
        return self.start + timedelta(weeks=weeks, days=days)

    def intervention(self, pupils=(), *, joined=None, **fields):
        defaults = {
            "name": "Number group",
            "kind": "intervention",
            "start_date": self.start,
            "end_date": self.end,
            "sessions_per_week": 3,
            "minutes_per_session": 30,
            "measure_kind": "objectives",
            "subject": self.maths.maths,
            "stage": self.maths.y3,
        }
        defaults.update(fields)
        item = services.create_intervention(self.cast.school, by=self.cast.head, **defaults)
        if pupils:
            services.add_members(item, pupils, joined=joined or item.start_date, by=self.cast.head)
        return item

    def area(self, name="Engagement"):
        return ReviewArea.objects.create(school=self.cast.school, name=name)

    def sitting(self, day: date, scores: dict):
        sitting = results.create_sitting(self.reading, date=day, by=self.cast.leader)
        for pupil, score in scores.items():
            results.record_result(sitting, pupil, by=self.cast.leader, score=score)
        return sitting


@pytest.fixture
def setting(cast):
    maths = build_maths(cast.school)
    extras = add_pupils_to_oak(cast, 8)
    year_start = cast.year.start_date
    start = year_start + timedelta(days=28 - year_start.weekday())
    reading = AssessmentDefinition.objects.get(school=cast.school, code="standardised-reading")
    return Setting(cast, maths, extras, start, start + timedelta(weeks=8, days=4), reading)
