"""The demo's assessment history, and the bulk judgement import it is written with."""

from collections import defaultdict
from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nextsteps import demo
from nextsteps.accounts.models import User
from nextsteps.assessment.bulk import HistoryEvent, import_history
from nextsteps.assessment.models import (
    Conversation,
    CurrentJudgement,
    Feedback,
    Judgement,
    Lesson,
    PointLock,
    SummaryJudgement,
)
from nextsteps.curriculum.models import PupilStage, SchoolFramework
from nextsteps.schools.models import AssessmentPoint, Enrolment, Pupil, School
from tests.curriculum_cast import build_maths

# Late July: both the previous and the current year's summer points have passed.
TODAY = date(2026, 7, 24)
SMALL = {"pupils_per_school": 35, "years": 1, "today": TODAY}


def _admin():
    return User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "test-admin", "admin@test.example", "x"
    )


def _pupils():
    return Pupil.objects.visible_to(_admin())


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_history_frameworks_judgements_summaries_and_lessons():
    summary = demo.build(seed=3, **SMALL)
    schools = {s.name: s for s in School.objects.all()}
    adopted = {
        name: set(
            SchoolFramework.objects.filter(school=school).values_list("framework__code", flat=True)
        )
        for name, school in schools.items()
    }
    assert adopted["Oakfield Primary School"] == {"england-primary", "early-years"}
    assert adopted["Glenburn Primary School"] == {"scotland-cfe"}
    assert adopted["Riverside Learning Hub"] == {"alternative-provision"}

    # every pupil on roll in Years 1-6 at Oakfield has maths judgements
    oakfield = schools["Oakfield Primary School"]
    on_roll = (
        _pupils()
        .current_at(oakfield)
        .filter(
            enrolments__year_group__stage__gte=1, enrolments__academic_year__start_date__year=2025
        )
    )
    ids = set(on_roll.values_list("pk", flat=True))
    assert len(ids) >= 25
    with_maths = set(
        CurrentJudgement.objects.filter(
            pupil_id__in=ids, objective__subject__code="maths"
        ).values_list("pupil_id", flat=True)
    )
    assert with_maths == ids
    # cells move up through the year: the history holds later, higher judgements
    raised = Judgement.objects.filter(
        pupil_id__in=ids, replaces__isnull=False, grade__order__gt=1
    ).count()
    assert raised > 0

    # summary judgements at every point passed, in both years; last year's points locked
    points = AssessmentPoint.objects.filter(date__lte=TODAY)
    assert points.count() >= 3 * 2 * 3
    for point in points:
        # a point before anyone was on roll (the hub places students through the year) has none
        if Enrolment.objects.filter(
            academic_year=point.academic_year, start_date__lte=point.date
        ).exists():
            assert SummaryJudgement.objects.filter(assessment_point=point).exists(), point
    last_year = points.filter(academic_year__start_date__year=2024)
    assert last_year.exists()
    assert PointLock.objects.filter(assessment_point__in=last_year).count() == last_year.count()
    assert not PointLock.objects.filter(assessment_point__academic_year__start_date__year=2025)
    # mostly the suggestion; sometimes the teacher's own call one grade away
    made = SummaryJudgement.objects.all()
    adjusted = [s for s in made.select_related("grade", "suggested") if s.grade != s.suggested]
    assert 0 < len(adjusted) < made.count() * 0.3
    assert all(abs(s.grade.order - s.suggested.order) == 1 for s in adjusted)

    # some SEN pupils work at an earlier stage, and are never suggested "expected" there
    earlier = PupilStage.objects.filter(
        pupil__in=_pupils(), subject__framework__code="england-primary"
    ).select_related("stage")
    below = set()
    for row in earlier:
        year = Enrolment.objects.filter(pupil=row.pupil, start_date__lte=row.since).latest(
            "start_date"
        )
        if row.stage.year_stage < year.year_group.stage:
            below.add(row.pupil_id)
    assert below
    assert all(
        p.characteristics.filter(kind="sen", value__in=["K", "E"]).exists()
        for p in _pupils().filter(pk__in=below)
    )
    for item in SummaryJudgement.objects.filter(
        pupil_id__in=below, subject__framework__code="england-primary"
    ).select_related("suggested"):
        assert not item.suggested.secure

    # trajectories improve on average between last summer and this summer
    summer = defaultdict(dict)
    for item in SummaryJudgement.objects.filter(
        assessment_point__name="Summer", subject__framework__code="england-primary"
    ).values("pupil_id", "subject_id", "suggested__value", "assessment_point__date"):
        year = item["assessment_point__date"].year
        summer[(item["pupil_id"], item["subject_id"])][year] = float(item["suggested__value"])
    changes = [v[2026] - v[2025] for v in summer.values() if len(v) == 2]
    assert len(changes) >= 30
    assert sum(changes) / len(changes) > 0

    # recent lessons with a teacher light for every pupil in the class, and self-assessment
    lessons = Lesson.objects.filter(school_class__school=oakfield)
    assert lessons.count() >= 5 * 7
    for lesson in lessons:
        members = set(
            Enrolment.objects.filter(
                school_class=lesson.school_class, end_date__isnull=True
            ).values_list("pupil_id", flat=True)
        )
        lit = set(
            lesson.feedback.filter(kind=Feedback.Kind.TEACHER).values_list("pupil_id", flat=True)
        )
        assert lit == members
    assert Feedback.objects.filter(kind=Feedback.Kind.SELF).exists()
    assert Conversation.objects.exclude(next_steps="").count() >= 3

    assert summary.judgements == Judgement.objects.count()
    assert summary.summary_judgements == SummaryJudgement.objects.count()
    assert summary.lessons == Lesson.objects.count()
    assert f"{summary.judgements:,} judgements" in summary.assessment_line()


def _at(day: int, hour: int = 16):
    return timezone.make_aware(datetime.combine(date(2025, 10, day), time(hour)))


@pytest.mark.django_db
def test_import_history_appends_in_order_and_keeps_current_latest(cast):
    m = build_maths(cast.school)
    grades = {g.short_label: g for g in m.scale.grades.all()}
    amara, bart = cast.pupils["amara"], cast.pupils["bartholomew"]
    first, second = m.objectives[0], m.objectives[1]
    written = import_history(
        [
            # given out of order: applied by date
            HistoryEvent(amara.pk, first.pk, grades["S"].pk, _at(9)),
            HistoryEvent(amara.pk, first.pk, grades["N"].pk, _at(2)),
            HistoryEvent(amara.pk, first.pk, grades["D"].pk, _at(5)),
            HistoryEvent(amara.pk, first.pk, grades["D"].pk, _at(6)),  # no change: not written
            HistoryEvent(bart.pk, second.pk, grades["M"].pk, _at(3), cast.teacher.pk, "quiz"),
        ]
    )
    assert written == 4
    chain = list(Judgement.objects.filter(pupil=amara, objective=first).order_by("recorded_at"))
    assert [j.grade.short_label for j in chain] == ["N", "D", "S"]
    assert [j.replaces_id for j in chain] == [None, chain[0].pk, chain[1].pk]
    assert CurrentJudgement.objects.get(pupil=amara, objective=first).judgement == chain[-1]
    bart_now = CurrentJudgement.objects.get(pupil=bart, objective=second)
    assert bart_now.grade == grades["M"]
    assert bart_now.judgement.recorded_by == cast.teacher
    assert bart_now.judgement.source == Judgement.Source.IMPORT

    # a later import builds on what is current, and a clear is an event too
    assert import_history([HistoryEvent(amara.pk, first.pk, None, _at(20))]) == 1
    cleared = CurrentJudgement.objects.get(pupil=amara, objective=first)
    assert cleared.grade is None and cleared.judgement.replaces == chain[-1]
    assert import_history([]) == 0


@pytest.mark.django_db
def test_import_history_refuses_bad_grades_and_writes_nothing(cast):
    m = build_maths(cast.school)
    amara = cast.pupils["amara"]
    wrong = m.summary.grades.first()  # a summary grade, not on the objective scale
    good = m.scale.grades.first()
    with pytest.raises(ValidationError, match="not on the scale"):
        import_history(
            [
                HistoryEvent(amara.pk, m.objectives[0].pk, good.pk, _at(1)),
                HistoryEvent(amara.pk, m.objectives[1].pk, wrong.pk, _at(2)),
            ]
        )
    assert not Judgement.objects.exists()
    assert not CurrentJudgement.objects.exists()


@pytest.mark.django_db
def test_import_summaries_checks_like_record_summary_and_is_audited(cast):
    from nextsteps.assessment import summary
    from nextsteps.assessment.bulk import SummaryRow, import_summaries
    from nextsteps.audit.models import AuditEvent

    m = build_maths(cast.school)
    point = cast.oak.academic_year.assessment_points.order_by("date").first()
    wts, exs = list(m.summary.grades.order_by("order"))[:2]
    amara, bart, priya = (cast.pupils[k] for k in ("amara", "bartholomew", "priya"))
    at = _at(20)
    rows = [
        SummaryRow(amara.pk, exs.pk, at, suggested_id=exs.pk, recorded_by_id=cast.teacher.pk),
        SummaryRow(bart.pk, wts.pk, at, suggested_id=exs.pk, note="moderated"),
    ]
    assert import_summaries(m.maths, point, rows) == 2
    current = summary.current_summaries([amara.pk, bart.pk], m.maths, point)
    assert current[amara.pk].grade == exs and current[amara.pk].recorded_by == cast.teacher
    assert current[bart.pk].suggested == exs and current[bart.pk].note == "moderated"
    logged = AuditEvent.objects.filter(model="assessment.summaryjudgement", action="create")
    assert logged.count() == 2
    # the same grade again writes nothing
    assert import_summaries(m.maths, point, rows[:1]) == 0

    # a pupil not on roll that year, or a grade off the scale: nothing written
    off_roll = [SummaryRow(amara.pk, wts.pk, at), SummaryRow(priya.pk, exs.pk, at)]
    with pytest.raises(ValidationError, match="not on roll"):
        import_summaries(m.maths, point, off_roll)
    objective_grade = m.scale.grades.first()
    with pytest.raises(ValidationError, match="summary scale"):
        import_summaries(m.maths, point, [SummaryRow(amara.pk, objective_grade.pk, at)])
    summary.lock_point(point, by=None)
    with pytest.raises(summary.PointLocked):
        import_summaries(m.maths, point, [SummaryRow(amara.pk, wts.pk, at)])
    assert SummaryJudgement.objects.count() == 2
