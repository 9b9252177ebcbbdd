"""Summary judgements at assessment points: suggesting, recording, locking. Permission checks
belong to the caller (the views); these functions guard the data itself."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from nextsteps.lib.suggest import Suggestion, suggest
from nextsteps.schools.models import Enrolment

from . import rules
from .models import PointLock, SummaryJudgement


class PointLocked(ValidationError):
    """The assessment point is locked: nothing may be recorded for it."""

    def __init__(self, point):
        super().__init__(
            f"{point} is locked, so summary judgements cannot be recorded for it. "
            "Ask the assessment leader to unlock it."
        )


@dataclass
class Row:
    standing: rules.PupilStanding
    suggestion: Suggestion
    suggested_grade: object
    current: SummaryJudgement | None

    @property
    def pupil(self):
        return self.standing.pupil


def suggest_summary(pupils, subject, point) -> dict[int, Row]:
    """For each pupil (already limited to those the user may see): their standing in `subject`
    at `point`, the suggestion with its reason, and their current summary judgement there.
    The evidence is the current objective judgements."""
    scale = subject.point_scale()
    grades = list(scale.grades.order_by("order"))
    deep_from = rules.first_secure_order(subject.objective_scale())
    thresholds = rules.thresholds_for(point.academic_year.school)
    position = rules.point_position(point)
    current = current_summaries([p.pk for p in pupils], subject, point)
    rows = {}
    for pupil_id, standing in rules.standings(pupils, subject, on=point.date).items():
        evidence = standing.evidence(
            deep_from=deep_from, position=position, point_name=point.name.lower()
        )
        suggestion = suggest(evidence, [g.secure for g in grades], thresholds)
        grade = grades[suggestion.index] if suggestion.index is not None else None
        rows[pupil_id] = Row(standing, suggestion, grade, current.get(pupil_id))
    return rows


def current_summaries(pupil_ids, subject, point) -> dict[int, SummaryJudgement]:
    latest = {}
    for item in (
        SummaryJudgement.objects.filter(
            pupil_id__in=pupil_ids, subject=subject, assessment_point=point
        )
        .select_related("grade", "recorded_by")
        .order_by("recorded_at", "id")
    ):
        latest[item.pupil_id] = item
    return latest


def refresh_current(subject, point, pupil_ids) -> None:
    """Bring CurrentSummary in step for these pupils in `subject` at `point`: the latest summary
    judgement of each (by recorded time, then id). Called in the transaction that appends."""
    from .models import CurrentSummary

    pupil_ids = list(pupil_ids)
    latest = current_summaries(pupil_ids, subject, point)
    CurrentSummary.objects.filter(
        pupil_id__in=pupil_ids, subject=subject, assessment_point=point
    ).delete()
    CurrentSummary.objects.bulk_create(
        [
            CurrentSummary(
                pupil_id=pupil_id,
                subject=subject,
                assessment_point=point,
                judgement=item,
                grade_id=item.grade_id,
            )
            for pupil_id, item in latest.items()
        ]
    )


def is_locked(point) -> bool:
    return PointLock.objects.filter(assessment_point=point).exists()


@transaction.atomic
def record_summary(
    pupil, subject, point, grade, *, by, suggested=None, note: str = "", at=None
) -> SummaryJudgement:
    """Append `grade` as the pupil's summary judgement in `subject` at `point`. Refuses with a
    ValidationError, writing nothing, when the point is locked (PointLocked), the grade is not
    on the subject's summary scale, the subject's framework is not used by the point's school,
    or the pupil was not on roll there in the point's year. Recording the grade that is already
    current writes nothing and returns the current judgement."""
    # Lock the point's row so a lock and a save cannot cross.
    type(point).objects.select_for_update().filter(pk=point.pk).first()
    if is_locked(point):
        raise PointLocked(point)
    if grade is None or grade.scale_id != subject.point_scale().pk:
        raise ValidationError({"grade": f"Choose a grade on the {subject} summary scale."})
    year = point.academic_year
    if not year.school.framework_links.filter(framework_id=subject.framework_id).exists():
        raise ValidationError({"subject": f"{year.school} does not use {subject.framework}."})
    if not Enrolment.objects.filter(pupil=pupil, academic_year=year).exists():
        raise ValidationError({"pupil": f"That pupil was not on roll in {year}."})
    current = current_summaries([pupil.pk], subject, point).get(pupil.pk)
    if current is not None and current.grade_id == grade.pk:
        return current
    made = SummaryJudgement.objects.create(
        pupil=pupil,
        subject=subject,
        assessment_point=point,
        grade=grade,
        suggested=suggested,
        recorded_by=by,
        recorded_at=at or timezone.now(),
        note=(note or "")[:300],
    )
    refresh_current(subject, point, [pupil.pk])
    return made


@transaction.atomic
def accept_suggestions(rows, subject, point, *, by) -> int:
    """Record the suggestion for every row that has one and no summary judgement yet (a
    teacher's own choice is never overwritten). All or nothing; returns how many were saved."""
    saved = 0
    for row in rows:
        if row.suggested_grade is not None and row.current is None:
            record_summary(
                row.pupil, subject, point, row.suggested_grade, by=by, suggested=row.suggested_grade
            )
            saved += 1
    return saved


@transaction.atomic
def lock_point(point, *, by) -> PointLock:
    """Lock `point`: from now on record_summary refuses it. Locking a locked point keeps the
    first lock."""
    type(point).objects.select_for_update().filter(pk=point.pk).first()
    lock, _ = PointLock.objects.get_or_create(assessment_point=point, defaults={"locked_by": by})
    return lock


@transaction.atomic
def unlock_point(point, *, by) -> bool:
    """Unlock `point`; returns whether it was locked. The audit log keeps who unlocked."""
    type(point).objects.select_for_update().filter(pk=point.pk).first()
    deleted, _ = PointLock.objects.filter(assessment_point=point).delete()
    return bool(deleted)
