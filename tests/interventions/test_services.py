"""Setting up and changing interventions and their members (nextsteps/interventions/services.py):
each refusal names the field and writes nothing; a stale version is a conflict."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from nextsteps.curriculum.services import add_stage
from nextsteps.interventions import services
from nextsteps.interventions.models import Intervention, Participation
from nextsteps.results.models import AssessmentDefinition
from nextsteps.reviews.models import ReviewArea
from nextsteps.schools.services import ConflictError

pytestmark = pytest.mark.django_db


def refused(field, call, *args, **kwargs):
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert field in caught.value.message_dict, caught.value.message_dict
    return caught.value.message_dict[field][0]


def test_a_new_intervention_is_checked_field_by_field(setting):
    s = setting
    assert "before the start" in refused(
        "end_date", s.intervention, end_date=s.start - timedelta(days=1)
    )
    assert refused("name", s.intervention, name="  ")
    assert refused("sessions_per_week", s.intervention, sessions_per_week=0)
    assert refused("cost", s.intervention, cost=-5)
    # a stage of another framework has no objectives of this subject
    other = add_stage(s.maths.framework, "Y6", "Year 6", 6, year_stage=6)
    assert "no objectives" in refused("subject", s.intervention, stage=other)
    # a diagnostic screening is not a measure anyone should see here
    screening = AssessmentDefinition.objects.get(school=s.cast.school, code="dyslexia-screening")
    assert refused(
        "definition",
        s.intervention,
        measure_kind="test",
        definition=screening,
        subject=None,
        stage=None,
    )
    hub_area = ReviewArea.objects.create(school=s.cast.hub, name="Engagement")
    assert refused(
        "review_area",
        s.intervention,
        measure_kind="review",
        review_area=hub_area,
        subject=None,
        stage=None,
    )
    assert refused("staff", s.intervention, staff=[s.cast.provider])
    assert not Intervention.objects.exists()


def test_one_measure_only_the_other_measures_fields_are_cleared(setting):
    s = setting
    item = s.intervention(measure_kind="test", definition=s.reading)
    assert (item.subject, item.stage, item.definition) == (None, None, s.reading)


def test_a_stale_version_changes_nothing(setting):
    s = setting
    item = s.intervention(staff=[s.cast.ta])
    services.update_intervention(item, {"name": "Number bonds"}, item.version, by=s.cast.head)
    with pytest.raises(ConflictError) as caught:
        services.update_intervention(item, {"name": "Mine"}, item.version, by=s.cast.leader)
    assert caught.value.current.name == "Number bonds"
    item.refresh_from_db()
    assert (item.name, item.version) == ("Number bonds", 2)
    updated = services.update_intervention(
        item, {"staff": [s.cast.teacher], "cost": 120}, 2, by=s.cast.head
    )
    assert list(updated.staff.all()) == [s.cast.teacher] and updated.version == 3


def test_dates_cannot_move_past_a_member(setting):
    s = setting
    item = s.intervention([s.cast.amara], joined=s.day(1))
    assert "joined" in refused(
        "start_date", services.update_intervention, item, {"start_date": s.day(2)}, None, by=None
    )
    assert refused(
        "end_date", services.update_intervention, item, {"end_date": s.day(0, 3)}, None, by=None
    )


def test_members_are_added_all_or_nothing(setting):
    s = setting
    c = s.cast
    item = s.intervention()
    # Priya is at the hub, not on roll here: nobody is added
    message = refused(
        "pupils", services.add_members, item, [c.amara, c.priya], joined=s.start, by=c.head
    )
    assert "Priya" in message
    assert not Participation.objects.exists()
    assert refused("joined", services.add_members, item, [c.amara], joined=s.day(-1), by=c.head)
    services.add_members(item, [c.amara], joined=s.start, by=c.head)
    assert "already" in refused(
        "pupils", services.add_members, item, [c.amara], joined=s.start, by=c.head
    )


def test_leaving_keeps_the_history_and_a_mistake_is_taken_off(setting):
    s = setting
    c = s.cast
    item = s.intervention([c.amara])
    services.add_members(item, [c.bartholomew], joined=s.day(2), by=c.head)
    place = services.mark_left(item, c.amara, left=s.day(3), by=c.head)
    assert place.left == s.day(3)
    assert "left on" in refused("left", services.mark_left, item, c.amara, left=s.day(4), by=c.head)
    # Bartholomew was added to start next month, then the plan changed
    assert services.mark_left(item, c.bartholomew, left=s.day(1), by=c.head) is None
    assert list(item.members.values_list("pupil_id", flat=True)) == [c.amara.pk]
    assert refused("pupil", services.mark_left, item, c.zebedee, left=s.day(1), by=c.head)
    services.add_members(item, [c.zebedee], joined=s.start, by=c.head)
    assert "ended" in refused(
        "left", services.mark_left, item, c.zebedee, left=s.end + timedelta(days=1), by=c.head
    )
