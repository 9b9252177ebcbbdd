"""The demo's weekly reviews on a small centre: every student rated each term-time week up to
last week, some deteriorating for four weeks or more, some recovering, the past updates
recorded as sent, and the same seed giving the same ratings."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from nextsteps.demo import reviews as demo_reviews
from nextsteps.reviews import trend
from nextsteps.reviews.models import ProviderUpdate, UpdateDelivery, WeeklyRating
from nextsteps.reviews.weeks import monday_of, weeks_between
from nextsteps.schools import services as schools

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 25)  # a Wednesday in the autumn term


@pytest.fixture
def centre(cast):
    """The cast's hub with 22 more students, half placed by Northgate, half by Southmoor."""
    year_group = cast.hub.year_groups.get(stage=10)
    for i in range(22):
        pupil = schools.create_pupil(
            legal_first_name=f"Student{i}",
            legal_last_name="Demo",
            date_of_birth=date(2011, 1 + i % 12, 1 + i),
            sex="F" if i % 2 else "M",
        )
        schools.enrol_pupil(
            pupil,
            cast.hub,
            year_group,
            academic_year=cast.hub_year,
            start_date=cast.hub_year.start_date,
        )
        schools.place_pupil(
            pupil,
            cast.north if i % 2 else cast.south,
            cast.hub,
            start_date=cast.hub_year.start_date,
        )
    return cast.hub


def _ratings():
    return sorted(
        WeeklyRating.objects.values_list("pupil_id", "area__name", "week", "rating", "comment")
    )


def test_a_term_of_ratings_with_deteriorating_and_recovering_students(cast, centre):
    counts = demo_reviews.build(cast.trust, seed=7, today=TODAY)
    this_week = monday_of(TODAY)
    weeks = sorted(set(WeeklyRating.objects.values_list("week", flat=True)))
    # every term-time week so far (the hub's year began on 1 September), up to last week
    assert weeks == weeks_between(date(2026, 9, 7), this_week - timedelta(days=7))
    assert len(weeks) == 11
    students = set(WeeklyRating.objects.values_list("pupil_id", flat=True))
    assert len(students) == 24  # Priya, Tomasz and the 22
    assert not WeeklyRating.objects.filter(rating="R", comment="").exists()
    assert counts.ratings == WeeklyRating.objects.count() == 24 * 5 * len(weeks)

    overall = {}
    for pupil_id in students:
        by_week = [
            list(
                WeeklyRating.objects.filter(pupil_id=pupil_id, week=w).values_list(
                    "rating", flat=True
                )
            )
            for w in weeks
        ]
        averages = [trend.average_rank(week) for week in by_week]
        falls = 0
        for before, after in zip(averages[-5:], averages[-4:], strict=False):
            falls += after < before
        overall[pupil_id] = (falls, trend.overall_trend(by_week).direction)
    deteriorating = [p for p, (falls, _) in overall.items() if falls == 4]
    recovering = [p for p, (_, direction) in overall.items() if direction == trend.RISING]
    assert deteriorating and recovering
    assert sum(counts.patterns.values()) == 24
    assert counts.patterns[demo_reviews.STEADY] > len(students) // 3

    # every past week's updates, made at the due time and sent
    assert ProviderUpdate.objects.count() == 2 * len(weeks) == counts.updates
    assert set(UpdateDelivery.objects.values_list("status", flat=True)) == {"sent"}
    first = ProviderUpdate.objects.order_by("week").first()
    made = timezone.localtime(first.made_at)  # Friday 15:00 in the school's time
    assert (made.date(), made.hour) == (first.week + timedelta(days=4), 15)
    assert "Weekly reviews: 5 areas" in counts.line()


def test_the_same_seed_gives_the_same_ratings(cast, centre):
    class Undo(Exception):
        pass

    def build(seed):
        try:
            with transaction.atomic():
                demo_reviews.build(cast.trust, seed=seed, today=TODAY)
                found = _ratings()
                raise Undo
        except Undo:
            return found

    first = build(3)
    assert build(3) == first
    assert build(4) != first
