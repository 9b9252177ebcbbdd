"""Objective judgements: append-only events, current view, and two editors on one cell."""

import pytest
from django.core.exceptions import ValidationError

from nextsteps.assessment import services
from nextsteps.assessment.models import CurrentJudgement, Judgement
from nextsteps.curriculum.services import retire_objective
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(cast):
    return build_maths(cast.school)


def test_every_change_is_a_new_event_and_current_follows(cast, maths):
    amara, obj, g = cast.amara, maths.objectives[0], maths.grades
    first = services.record_judgement(amara, obj, g["D"], by=cast.teacher)
    second = services.record_judgement(amara, obj, g["S"], by=cast.teacher, expected=first.pk)
    cleared = services.record_judgement(amara, obj, None, by=cast.head, expected=second.pk)
    history = list(services.judgement_history(amara, obj))
    assert [j.grade for j in history] == [g["D"], g["S"], None]
    assert [j.replaces_id for j in history] == [None, first.pk, second.pk]
    current = CurrentJudgement.objects.get(pupil=amara, objective=obj)
    assert current.judgement == cleared and current.grade is None


def test_second_editor_is_told_and_the_first_save_is_kept(cast, maths):
    amara, obj, g = cast.amara, maths.objectives[0], maths.grades
    # both open the markbook on an empty cell
    services.record_judgement(amara, obj, g["S"], by=cast.teacher, expected=None)
    with pytest.raises(services.StaleCell) as refused:
        services.record_judgement(amara, obj, g["D"], by=cast.ta, expected=None)
    assert refused.value.current.grade == g["S"]
    assert "teacher" in str(refused.value)
    assert Judgement.objects.filter(pupil=amara, objective=obj).count() == 1


def test_saving_the_same_grade_again_writes_nothing(cast, maths):
    amara, obj, g = cast.amara, maths.objectives[1], maths.grades
    first = services.record_judgement(amara, obj, g["M"], by=cast.teacher)
    again = services.record_judgement(amara, obj, g["M"], by=cast.teacher, expected=first.pk)
    assert again == first and Judgement.objects.count() == 1


def test_grades_from_another_scale_and_retired_objectives_are_refused(cast, maths):
    exs = maths.summary.grades.get(short_label="EXS")
    with pytest.raises(ValidationError):
        services.record_judgement(cast.amara, maths.objectives[0], exs, by=cast.teacher)
    retire_objective(maths.objectives[2])
    with pytest.raises(ValidationError):
        services.record_judgement(
            cast.amara, maths.objectives[2], maths.grades["S"], by=cast.teacher
        )
    assert not Judgement.objects.exists()
