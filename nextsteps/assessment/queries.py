"""Read paths for the markbook. Every function takes the user (or a queryset already scoped to
the user) so that no pupil outside their view is read. The grid is read in a fixed number of
queries however many pupils and objectives it shows."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from nextsteps.curriculum.models import Objective, PupilStage, Stage, Subject
from nextsteps.schools import policy
from nextsteps.schools.models import Enrolment, Group, Pupil, SchoolClass
from nextsteps.schools.queries import CHARACTERISTIC_FILTERS, filter_by_characteristic

from .models import CurrentJudgement

# The characteristic filters the markbook offers (keys of CHARACTERISTIC_FILTERS).
MARKBOOK_FILTERS = ("sen_k", "sen_e", "disadvantaged", "pupil_premium", "eal")
SORTS = {"name": "Name", "attainment": "Attainment (share secure, highest first)"}


def subjects_for_school(school):
    """The subjects of every framework the school uses, framework and scales loaded."""
    return (
        Subject.objects.filter(framework__school_links__school=school)
        .select_related(
            "framework__judgement_scale", "judgement_scale", "framework", "summary_scale"
        )
        .order_by("framework__name", "order", "name")
    )


def subject_for_school(school, subject_id):
    """One subject of a framework the school uses, or None."""
    return subjects_for_school(school).filter(pk=subject_id).first()


def class_for(user, pk) -> SchoolClass | None:
    return (
        SchoolClass.objects.visible_to(user)
        .select_related("school", "year_group", "academic_year")
        .filter(pk=pk)
        .first()
    )


def group_for(user, pk) -> Group | None:
    """A group at a school where the user is a member of staff (its rows still only show the
    members they may see)."""
    group = Group.objects.select_related("school").filter(pk=pk).first()
    if group is None or not policy.is_staff_member(user):
        return None
    if not policy.can(user, "view_school", group.school):
        return None
    return group


def group_pupils(user, group, on=None):
    on = on or timezone.localdate()
    return (
        Pupil.objects.visible_to(user)
        .filter(group_memberships__group=group)
        .filter(pk__in=Pupil.objects.current_at(group.school, on).values("pk"))
    )


def usual_year_stage(pupils, school, on=None) -> int | None:
    """The year group stage most of these pupils are in now (for a group's default stage)."""
    on = on or timezone.localdate()
    stages = Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        school=school,
        start_date__lte=on,
        pupil__in=pupils.values("pk"),
    ).values_list("year_group__stage", flat=True)
    counts = Counter(stages)
    return counts.most_common(1)[0][0] if counts else None


def default_stage(stages: list[Stage], year_stage: int | None) -> Stage | None:
    for stage in stages:
        if year_stage is not None and stage.year_stage == year_stage:
            return stage
    return stages[0] if stages else None


def filter_pupils(pupils, *, group_id=None, characteristics=()):
    if group_id:
        pupils = pupils.filter(group_memberships__group_id=group_id)
    for key in characteristics:
        if key in CHARACTERISTIC_FILTERS:
            pupils = filter_by_characteristic(pupils, key)
    return pupils


@dataclass
class Row:
    pupil: Pupil
    # one (judgement id or None, curriculum.Grade or None) per column, in column order
    cells: list[tuple] = field(default_factory=list)
    secure: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.secure / len(self.cells)) if self.cells else 0


@dataclass
class Column:
    objective: Objective
    secure: int = 0
    judged: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.secure / self.total) if self.total else 0


@dataclass
class Elsewhere:
    pupil: Pupil
    stage: Stage


@dataclass
class Grid:
    subject: Subject
    stage: Stage
    grades: list
    columns: list[Column]
    rows: list[Row]
    elsewhere: list[Elsewhere]


def latest_working_stages(pupil_ids, subject, on=None) -> dict[int, Stage]:
    """pupil id -> the stage they are tracked at in `subject` (only pupils with one set)."""
    on = on or timezone.localdate()
    found: dict[int, Stage] = {}
    rows = (
        PupilStage.objects.filter(pupil_id__in=pupil_ids, subject=subject, since__lte=on)
        .select_related("stage")
        .order_by("pupil_id", "-since", "-id")
    )
    for row in rows:
        found.setdefault(row.pupil_id, row.stage)
    return found


def build_grid(
    pupils, subject, stage, *, strand=None, key_only=False, sort="name", on=None
) -> Grid:
    """The markbook grid for `pupils` (already scoped to the user) against the active
    objectives of `subject` at `stage`. Pupils tracked at another stage of this subject are
    not given rows (they are not failing this stage): they are listed in `elsewhere`.
    A fixed number of queries, whatever the size of the grid."""
    pupils = list(pupils.order_by("legal_last_name", "legal_first_name", "pk"))
    objectives = Objective.objects.active().filter(subject=subject, stage=stage)
    if strand is not None:
        objectives = objectives.filter(strand=strand)
    if key_only:
        objectives = objectives.filter(key=True)
    objectives = list(objectives.order_by("order", "pk"))
    grades = list(subject.objective_scale().grades.order_by("order"))
    by_grade = {g.pk: g for g in grades}

    working = latest_working_stages([p.pk for p in pupils], subject, on)
    shown, elsewhere = [], []
    for pupil in pupils:
        tracked = working.get(pupil.pk)
        if tracked is not None and tracked.pk != stage.pk:
            elsewhere.append(Elsewhere(pupil, tracked))
        else:
            shown.append(pupil)

    objective_ids = [o.id for o in objectives]
    by_pupil: dict[int, dict] = {p.id: {} for p in shown}
    if shown and objectives:
        for pupil_id, objective_id, judgement_id, grade_id in CurrentJudgement.objects.filter(
            pupil__in=list(by_pupil), objective__in=objective_ids
        ).values_list("pupil_id", "objective_id", "judgement_id", "grade_id"):
            by_pupil[pupil_id][objective_id] = (judgement_id, by_grade.get(grade_id))

    columns = [Column(o, total=len(shown)) for o in objectives]
    secure_by_column = [0] * len(columns)
    judged_by_column = [0] * len(columns)
    empty = (None, None)
    rows = []
    for pupil in shown:
        found = by_pupil[pupil.id]
        cells = [found.get(objective_id, empty) for objective_id in objective_ids]
        secure = 0
        for index, (_, grade) in enumerate(cells):
            if grade is not None:
                judged_by_column[index] += 1
                if grade.secure:
                    secure_by_column[index] += 1
                    secure += 1
        rows.append(Row(pupil, cells, secure))
    for column, secure, judged in zip(columns, secure_by_column, judged_by_column, strict=True):
        column.secure, column.judged = secure, judged
    if sort == "attainment":
        # stable: equal shares keep name order
        rows.sort(key=lambda r: -r.percent)
    return Grid(subject, stage, grades, columns, rows, elsewhere)
