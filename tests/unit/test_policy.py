"""The who-sees-what rules of policy.py, role by role."""

from datetime import timedelta

import pytest

from nextsteps.schools import policy, services
from nextsteps.schools.models import Pupil

pytestmark = pytest.mark.django_db


def names(user):
    return {p.legal_first_name for p in Pupil.objects.visible_to(user)}


def test_school_leaders_see_every_pupil_ever_on_roll_at_their_school(cast):
    everyone = {"Amara", "Bartholomew", "Zebedee"}
    assert names(cast.head) == everyone
    assert names(cast.leader) == everyone
    assert names(cast.senco) == everyone


def test_class_staff_see_only_their_current_class(cast):
    assert names(cast.teacher) == {"Amara", "Bartholomew"}
    assert names(cast.ta) == {"Amara", "Bartholomew"}
    # taught Amara and Bartholomew last year in 2 Elm; now only Zebedee in 4 Ash
    assert names(cast.other_teacher) == {"Zebedee"}


def test_parents_pupils_and_governors(cast):
    assert names(cast.parent) == {"Amara"}
    assert names(cast.other_parent) == {"Zebedee"}
    assert names(cast.pupil) == {"Amara"}
    assert names(cast.governor) == set()


def test_provider_sees_placed_pupils_only_while_placement_lasts(cast):
    assert names(cast.provider) == {"Priya"}
    assert names(cast.other_provider) == {"Tomasz"}
    placement = cast.priya.placements.get()
    services.update_placement(placement, end_date=placement.start_date + timedelta(days=0))
    placement.refresh_from_db()
    if placement.end_date < services.timezone.localdate():
        assert names(cast.provider) == set()


def test_trust_staff_see_the_trusts_schools(cast):
    assert names(cast.trust_staff) == {"Amara", "Bartholomew", "Zebedee", "Priya", "Tomasz"}


def test_sen_details_are_for_inclusion_manager_senior_class_teacher_and_placing_provider(cast):
    bart = cast.bartholomew
    allowed = {"head", "senco", "teacher"}
    for key, user in cast.users.items():
        expected = key in allowed
        assert policy.can_see_sen_details(user, bart) is expected, key
    assert policy.can_see_sen_details(cast.provider, cast.priya)
    assert not policy.can_see_sen_details(cast.other_provider, cast.priya)


def test_no_duplicates_when_several_rules_match(cast):
    services.grant_role(cast.teacher, "inclusion_manager", school=cast.school)
    visible = list(Pupil.objects.visible_to(cast.teacher))
    assert len(visible) == len({p.pk for p in visible}) == 3
