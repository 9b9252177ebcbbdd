"""Where a pupil is working and what their judgements add up to: the database side of the
suggestion rule in nextsteps/lib/suggest.py. Everything here reads in bulk (a fixed number of
queries for a whole class) so the summary screen does not grow a query per pupil."""

from dataclasses import dataclass, field
from fractions import Fraction

from django.utils import timezone

from nextsteps.curriculum.models import Objective, PupilStage, Stage
from nextsteps.lib.suggest import Evidence, Thresholds
from nextsteps.schools.models import Enrolment

from .models import CurrentJudgement


def thresholds_for(school) -> Thresholds:
    """The school's thresholds. Defaults live in code (nextsteps/lib/suggest.py); a school may
    override them once it has a JSON setting {"suggestion_rule": {...}} (see the README)."""
    settings = getattr(school, "settings", None)
    overrides = settings.get("suggestion_rule") if isinstance(settings, dict) else None
    return Thresholds.from_mapping(overrides)


def point_position(point) -> Fraction:
    """The point's place in its year: its number among the year's points over how many there
    are (autumn 1/3, spring 2/3, summer 1 with three points)."""
    dates = list(point.academic_year.assessment_points.order_by("date", "id").values_list("pk"))
    ids = [row[0] for row in dates]
    return Fraction(ids.index(point.pk) + 1, len(ids))


@dataclass
class PupilStanding:
    """One pupil in one subject: their year, the stage they are tracked at, their evidence."""

    pupil: object
    year_group: object | None
    stage: Stage | None
    below_stage: bool = False
    objectives: list = field(default_factory=list)  # the stage's active objectives, in order
    grades: dict = field(default_factory=dict)  # objective id -> current Grade (or None)

    def secure(self, objective) -> bool:
        grade = self.grades.get(objective.pk)
        return grade is not None and grade.secure

    def evidence(self, *, deep_from: int | None, **words) -> Evidence:
        key = [o for o in self.objectives if o.key]
        return Evidence(
            key_secure=sum(self.secure(o) for o in key),
            key_judged=sum(self.grades.get(o.pk) is not None for o in key),
            key_total=len(key),
            all_secure=sum(self.secure(o) for o in self.objectives),
            all_total=len(self.objectives),
            deep=sum(
                1
                for o in self.objectives
                if deep_from is not None
                and self.grades.get(o.pk) is not None
                and self.grades[o.pk].order > deep_from
            ),
            stage_name=self.stage.name if self.stage else "the stage",
            below_stage=self.below_stage,
            year_name=str(self.year_group or ""),
            **words,
        )


def first_secure_order(scale) -> int | None:
    """The order of the scale's first secure grade: grades above it count as "deep"."""
    grade = scale.grades.filter(secure=True).order_by("order").first()
    return grade.order if grade else None


def standings(pupils, subject, *, on=None) -> dict[int, PupilStanding]:
    """Each pupil's standing in `subject` on date `on` (default today): the latest PupilStage
    set on or before that date, else the framework stage expected in the pupil's year group
    there. `pupils` must already be the ones the user may see."""
    on = on or timezone.localdate()
    pupils = list(pupils)
    ids = [p.pk for p in pupils]
    years = {}
    for enrolment in (
        Enrolment.objects.filter(pupil_id__in=ids, start_date__lte=on)
        .select_related("year_group")
        .order_by("start_date", "id")
    ):
        years[enrolment.pupil_id] = enrolment.year_group  # the latest start wins
    chosen = {}
    for row in (
        PupilStage.objects.filter(pupil_id__in=ids, subject=subject, since__lte=on)
        .select_related("stage")
        .order_by("since", "id")
    ):
        chosen[row.pupil_id] = row.stage
    stages = list(Stage.objects.filter(framework_id=subject.framework_id).order_by("order"))
    by_year = {s.year_stage: s for s in stages if s.year_stage is not None}
    objectives = list(
        Objective.objects.active().filter(subject=subject).order_by("stage__order", "order")
    )
    current = {
        (c.pupil_id, c.objective_id): c.grade
        for c in CurrentJudgement.objects.filter(
            pupil_id__in=ids, objective__subject=subject
        ).select_related("grade")
    }
    result = {}
    for pupil in pupils:
        year = years.get(pupil.pk)
        year_stage = by_year.get(year.stage) if year is not None else None
        stage = chosen.get(pupil.pk) or year_stage
        below = bool(
            stage is not None
            and year is not None
            and stage.year_stage is not None
            and stage.year_stage < year.stage
        )
        mine = [o for o in objectives if stage is not None and o.stage_id == stage.pk]
        result[pupil.pk] = PupilStanding(
            pupil=pupil,
            year_group=year,
            stage=stage,
            below_stage=below,
            objectives=mine,
            grades={o.pk: current.get((pupil.pk, o.pk)) for o in objectives},
        )
    return result


def ladder(subject, from_stage):
    """The subject's active objectives from `from_stage` upwards, in ladder order."""
    objectives = Objective.objects.active().filter(subject=subject).select_related("stage")
    if from_stage is not None:
        objectives = objectives.filter(stage__order__gte=from_stage.order)
    return objectives.order_by("stage__order", "order", "id")
