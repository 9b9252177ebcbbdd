"""Areas and ratings through the services: what they guarantee about the data."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from nextsteps.audit.models import AuditEvent
from nextsteps.reviews import services
from nextsteps.reviews.models import ReviewArea, WeeklyRating
from nextsteps.schools import services as schools
from nextsteps.schools.services import ConflictError

from .conftest import rate

pytestmark = pytest.mark.django_db


def test_a_centre_gets_the_usual_five_areas_once(cast):
    areas = services.active_areas(cast.hub)
    assert [a.name for a in areas] == [name for name, _ in services.DEFAULT_AREAS]
    assert services.ensure_default_areas(cast.hub) == []
    assert ReviewArea.objects.filter(school=cast.hub).count() == 5
    # a primary school starts with none: it chooses its own
    assert services.active_areas(cast.school) == []


def test_areas_are_added_renamed_reordered_and_retired_keeping_their_ratings(cast, hub):
    extra = services.add_area(cast.hub, name="  Independence ", description="Works alone")
    assert (extra.name, extra.order) == ("Independence", 5)
    with pytest.raises(ValidationError, match="already has an area called 'engagement'"):
        services.add_area(cast.hub, name="engagement")
    with pytest.raises(ValidationError, match="Name the area"):
        services.add_area(cast.hub, name=" ")

    behaviour = hub.areas[3]
    rate(cast.priya, behaviour, hub.week, "A", by=hub.teacher)
    renamed = services.update_area(behaviour, {"name": "Conduct"}, behaviour.version)
    with pytest.raises(ConflictError) as stale:
        services.update_area(behaviour, {"name": "Behaviour for learning"}, behaviour.version)
    assert stale.value.current.name == "Conduct"
    retired = services.update_area(renamed, {"active": False}, renamed.version)
    assert not retired.active
    assert WeeklyRating.objects.filter(area=behaviour).count() == 1
    assert "Conduct" not in [a.name for a in services.active_areas(cast.hub)]
    with pytest.raises(ValidationError, match="Conduct is retired"):
        rate(cast.priya, retired, hub.week, "G", by=hub.teacher)

    services.move_area(extra, -1)
    services.move_area(hub.areas[0], -1)  # already first: nothing moves
    names = list(ReviewArea.objects.filter(school=cast.hub).values_list("name", flat=True))
    assert names == [
        "Progress in literacy",
        "Progress in numeracy",
        "Engagement",
        "Conduct",
        "Independence",
        "Attendance",
    ]


def test_a_rating_is_set_changed_commented_and_cleared_with_its_version(cast, hub):
    literacy = hub.areas[0]
    saved = services.record_rating(
        cast.priya, literacy, hub.week, "A", expected_version=0, by=hub.ta, comment="Read aloud"
    )
    assert (saved.rating.rating, saved.rating.comment, saved.version) == ("A", "Read aloud", 1)
    again = services.record_rating(
        cast.priya, literacy, hub.week, "A", expected_version=1, by=hub.ta
    )
    assert again.version == 1  # nothing changed, nothing written
    changed = services.record_rating(
        cast.priya, literacy, hub.week, "G", expected_version=1, by=hub.teacher
    )
    assert (changed.rating.rating, changed.rating.comment, changed.version) == (
        "G",
        "Read aloud",
        2,
    )
    assert changed.rating.recorded_by == hub.teacher
    cleared = services.record_rating(
        cast.priya, literacy, hub.week, None, expected_version=2, by=hub.teacher
    )
    assert cleared.rating is None and cleared.version == 0
    assert not WeeklyRating.objects.exists()
    # every change is in the audit log, with the values before and after
    events = AuditEvent.objects.filter(model="reviews.weeklyrating").order_by("id")
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert events[1].changes["changed"]["rating"] == ["A", "G"]
    assert events[2].changes["before"]["comment"] == "Read aloud"


def test_a_stale_version_changes_nothing_and_says_what_is_there(cast, hub):
    engagement = hub.areas[2]
    services.record_rating(cast.priya, engagement, hub.week, "G", expected_version=0, by=hub.ta)
    # the teacher's page still showed an empty cell
    with pytest.raises(services.StaleRating) as stale:
        services.record_rating(
            cast.priya, engagement, hub.week, "R", expected_version=0, by=hub.teacher
        )
    assert stale.value.current.rating == "G"
    assert str(hub.ta) in str(stale.value)
    # the TA's own page showed version 1; the teacher clears it meanwhile
    services.record_rating(
        cast.priya, engagement, hub.week, None, expected_version=1, by=hub.teacher
    )
    with pytest.raises(services.StaleRating, match="Cleared by someone else") as gone:
        services.record_rating(cast.priya, engagement, hub.week, "A", expected_version=1, by=hub.ta)
    assert gone.value.current is None
    assert not WeeklyRating.objects.exists()


def test_two_saves_from_one_version_cannot_both_win(cast, hub, monkeypatch):
    """The conditional UPDATE decides: a save that read version 1 just before another save
    moved the cell on is refused, though what it read looked current."""
    area = hub.areas[1]
    rate(cast.priya, area, hub.week, "A", by=hub.ta)
    row = WeeklyRating.objects.get()
    real_cell = services._cell
    reads = []

    def read_then_lose_the_race(pupil, area, week):
        found = real_cell(pupil, area, week)
        if not reads:  # the other save lands between this read and the write
            WeeklyRating.objects.filter(pk=row.pk).update(version=2, rating="G")
        reads.append(found)
        return found

    monkeypatch.setattr(services, "_cell", read_then_lose_the_race)
    with pytest.raises(services.StaleRating) as stale:
        services.record_rating(cast.priya, area, hub.week, "R", expected_version=1, by=hub.teacher)
    assert reads[0].version == 1 and stale.value.current.rating == "G"
    # (the refusal rolled back this test's stand-in for the other save too; in life it is
    # another transaction and stays)
    assert WeeklyRating.objects.get().rating != "R"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"week_offset": 3}, "week", "Weeks are named by their Monday"),
        ({"week_offset": 7}, "week", "That week has not started yet"),
        ({"rating": "B"}, "rating", "Choose Red, Amber or Green"),
        ({"rating": None, "comment": "Lovely week"}, "comment", "Give a rating before"),
        ({"comment": "x" * 501}, "comment", "500 characters"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(cast, hub, change, field, message):
    week = hub.week + timedelta(days=change.get("week_offset", 0))
    with pytest.raises(ValidationError) as refused:
        services.record_rating(
            cast.priya,
            hub.areas[0],
            week,
            change.get("rating", "G"),
            expected_version=0,
            by=hub.ta,
            comment=change.get("comment"),
        )
    assert message in refused.value.message_dict[field][0]
    assert not WeeklyRating.objects.exists()


def test_only_weeks_the_student_was_on_roll_at_the_areas_school(cast, hub):
    # Amara is at Oakfield, not the hub
    with pytest.raises(ValidationError, match="was not on roll at Riverside Learning Hub"):
        rate(cast.amara, hub.areas[0], hub.week, "G", by=hub.ta)
    # Priya leaves the hub last Friday: last week can be rated, this week not
    schools.mark_left(cast.priya, cast.hub, on=hub.last_week + timedelta(days=4))
    assert rate(cast.priya, hub.areas[0], hub.last_week, "G", by=hub.ta).rating == "G"
    with pytest.raises(ValidationError, match="not on roll"):
        rate(cast.priya, hub.areas[0], hub.week, "G", by=hub.ta)
