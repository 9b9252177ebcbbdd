"""The demo's targets and tracking (nextsteps/demo/tracking.py), built on a small demo: every
pupil on roll has a target in each subject taught in their year, set from the suggestion or
with a reason; milestones only for pupils set against their own performance; goals and staff
targets. (The same seed giving the same data is tests/demo/test_demo_deterministic.py.)"""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from nextsteps import demo
from nextsteps.schools.models import Enrolment, School
from nextsteps.tracking import on_track
from nextsteps.tracking.models import Milestone, PupilGoal, StaffTarget, Target
from nextsteps.tracking.queries import subjects_for_stage

TODAY = date(2026, 7, 24)  # late July: last year and this year's summer points have passed
SMALL = {"pupils_per_school": 35, "years": 1, "today": TODAY}

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def build(seed):
    """The small demo, whose run ends with the targets and tracking; their counts."""
    return demo.build(seed=seed, **SMALL).tracking


def test_demo_targets_milestones_goals_and_staff_targets():
    counts = build(3)
    assert "targets" in counts.line()
    oakfield = School.objects.get(name="Oakfield Primary School")
    year = oakfield.current_year(TODAY)
    on_roll = Enrolment.objects.filter(
        school=oakfield, academic_year=year, end_date__isnull=True
    ).select_related("year_group")
    expected = {
        (e.pupil_id, s.pk)
        for e in on_roll
        for s in subjects_for_stage(oakfield, e.year_group.stage)
    }
    made = Target.objects.filter(academic_year=year).select_related("grade", "suggested")
    assert {(t.pupil_id, t.subject_id) for t in made} == expected
    set_on = year.start_date + timedelta(days=10)
    set_on = timezone.make_aware(datetime.combine(set_on, time(16, 30)))
    assert {t.set_at for t in made} == {set_on}
    assert {t.method for t in made} >= {"trajectory", "manual"}
    # the suggestion, or a reason for anything else
    changed = [t for t in made if t.suggested and t.grade != t.suggested]
    assert changed and all(t.reason for t in changed)
    assert len(changed) < len(made) * 0.2

    # milestones only for pupils set against their own performance in that subject
    own = set(Target.objects.filter(method="milestones").values_list("pupil_id", "subject_id"))
    milestones = Milestone.objects.prefetch_related("objectives")
    assert milestones.exists()
    for m in milestones:
        assert (m.pupil_id, m.subject_id) in own
        assert all(o.subject_id == m.subject_id for o in m.objectives.all())
    assert PupilGoal.objects.filter(objective__isnull=False).exists()
    assert PupilGoal.objects.filter(owned_by_pupil=True).exists()
    assert StaffTarget.objects.filter(school=oakfield).count() == 7  # one per class teacher

    # on-track reads well: every status has a reason, and several statuses occur
    summer = year.assessment_points.order_by("date").last()
    results = on_track.statuses(
        [e.pupil_id for e in on_roll], {t.subject_id for t in made}, [summer], today=TODAY
    )
    assert all(r.reason for r in results.values())
    assert len({r.status for r in results.values()}) >= 3
