"""Alerts test helpers: review areas at the cast's learning hub, weekly ratings written from a
string (one character a week, "-" for a week with no rating, the last being last week), and
the sweep run as the command runs it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from nextsteps.alerts import services
from nextsteps.alerts.detect import monday
from nextsteps.reviews.models import ReviewArea, WeeklyRating


def this_monday():
    return monday(timezone.localdate())


def rate(pupil, area, history: str, *, last=None):
    """Ratings for `pupil` in `area`, one character a week, oldest first; the last character
    is the week before `last` (default: this week, whose rating is not in yet)."""
    last = last or this_monday()
    first = last - timedelta(weeks=len(history))
    made = [
        WeeklyRating(pupil=pupil, area=area, week=first + timedelta(weeks=i), rating=r)
        for i, r in enumerate(history)
        if r != "-"
    ]
    return WeeklyRating.objects.bulk_create(made)


@pytest.fixture
def hub(cast):
    """The hub's provider and placement with e-mail addresses, and two review areas."""
    cast.north.email = "office@northgate.example"
    cast.north.save()
    placement = cast.priya.placements.get()
    placement.contact_email = "senco@northgate.example"
    placement.save()
    cast.objects["engagement"] = ReviewArea.objects.create(school=cast.hub, name="Engagement")
    cast.objects["numeracy"] = ReviewArea.objects.create(
        school=cast.hub, name="Progress in numeracy", order=1
    )
    only(cast.hub, "rag_deteriorating")
    return cast


def only(school, *names, by=None):
    """Switch every rule off at `school` but those named (a fresh school's settings)."""
    from nextsteps.alerts.rules import RULES

    values = {rule: {"enabled": rule in names} for rule in RULES}
    return services.save_settings(school, values, None, by=by)


def sweep(school=None, **kwargs):
    kwargs.setdefault("trigger", "test")
    return services.run(school, **kwargs)
