"""Targets and tracking: end-of-year targets with their suggestions (one pupil, or a year group
at once, all or nothing), on track at each assessment point, milestones, next-step targets and
learning goals, staff targets, and the school's rule. Scoped as the /tracking/ pages are (see
nextsteps.tracking.access): outside your scope is 404; seeing but not changing is 403. A change
to a goal, milestone or staff target carries the `version` you read (stale: 409); a target
names the current target you saw (`expected_target_id`; stale: 409 with what is there now)."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from nextsteps.accounts.models import User
from nextsteps.curriculum.models import Grade, Objective
from nextsteps.schools import policy
from nextsteps.schools.models import AcademicYear, AssessmentPoint, Pupil
from nextsteps.schools.queries import pupils_in_class
from nextsteps.tracking import access, on_track, services, targets
from nextsteps.tracking.models import PupilGoal
from nextsteps.tracking.models import Status as GoalStatus
from nextsteps.tracking.queries import current_year_group, pupils_in_year_group, subjects_for_stage
from nextsteps.tracking.rule import STATUSES

from .errors import ErrorOut, OutOfScope, Refused, responses
from .scope import acting, caller, get_school

router = Router(tags=["tracking"])

StatusName = Literal[tuple(GoalStatus.values)]  # type: ignore[valid-type]
GoalKind = Literal[tuple(PupilGoal.Kind.values)]  # type: ignore[valid-type]


class TargetOut(Schema):
    id: int
    pupil_id: int
    subject_id: int
    academic_year_id: int
    grade_id: int | None = Field(..., description="null: the target was withdrawn")
    grade: str | None
    suggested_id: int | None
    suggested: str | None
    method: str = Field(..., description="cohort, trajectory, milestones or manual")
    basis: str
    reason: str
    set_by: str | None
    set_at: datetime
    current: bool = Field(False, description="The latest for its pupil, subject and year")

    @staticmethod
    def resolve_grade(obj):
        return obj.grade.short_label if obj.grade_id else None

    @staticmethod
    def resolve_suggested(obj):
        return obj.suggested.short_label if obj.suggested_id else None

    @staticmethod
    def resolve_set_by(obj):
        return str(obj.set_by) if obj.set_by_id else None

    @staticmethod
    def resolve_current(obj):
        return bool(getattr(obj, "is_current", False))


class TargetIn(Schema):
    subject_id: int
    academic_year_id: int | None = Field(None, description="Default: the school's current year")
    grade_id: int | None = Field(None, description="On the subject's summary scale")
    withdraw: bool = Field(False, description="Withdraw the current target (reason needed)")
    reason: str = Field("", max_length=300, description="Needed when differing from the suggestion")
    expected_target_id: int | None = Field(
        ..., description="The id of the current target you saw; null if there was none"
    )


class TargetConflictOut(ErrorOut):
    current: TargetOut | None


class TargetSuggestionOut(Schema):
    grade_id: int | None
    grade: str | None
    method: str
    basis: str


class TargetSheetRowOut(Schema):
    pupil_id: int
    first_name: str
    last_name: str
    suggestion: TargetSuggestionOut | None
    current: TargetOut | None


class TargetSheetOut(Schema):
    year_group_id: int
    subject_id: int
    academic_year_id: int
    rows: list[TargetSheetRowOut]


class TargetSheetFilters(Schema):
    subject_id: int
    academic_year_id: int | None = Field(None, description="Default: the school's current year")


class TargetBulkItemIn(Schema):
    pupil_id: int
    grade_id: int | None = Field(..., description="null leaves the pupil's target alone")
    reason: str = Field("", max_length=300)
    expected_target_id: int | None = Field(
        ..., description="The id of the current target you saw; null if there was none"
    )


class TargetBulkIn(Schema):
    subject_id: int
    academic_year_id: int | None = None
    items: list[TargetBulkItemIn] = Field(..., max_length=2000)


class TargetBulkOut(Schema):
    saved: int
    targets: list[TargetOut]


class OnTrackOut(Schema):
    pupil_id: int
    subject_id: int
    point_id: int
    status: Literal[STATUSES]  # type: ignore[valid-type]
    label: str
    reason: str
    own_milestones: bool = Field(..., description="Judged against the pupil's own milestones")
    target_grade: str | None
    summary_grade: str | None
    stage: str | None
    below_stage: bool
    key_secure: int
    key_total: int
    key_needed: int | None


class OnTrackFilters(Schema):
    subject_id: int | None = Field(None, description="Default: every subject taught in the year")
    point_id: int | None = Field(None, description="Default: the next point not yet past")


class PupilOnTrackFilters(Schema):
    subject_id: int | None = None
    academic_year_id: int | None = Field(None, description="Default: the pupil's current year")


class GoalOut(Schema):
    id: int
    pupil_id: int
    kind: str
    text: str
    objective_id: int | None
    status: str
    review_date: date | None
    owned_by_pupil: bool
    version: int
    created_at: datetime
    updated_at: datetime


class GoalIn(Schema):
    kind: GoalKind
    text: str = Field(..., max_length=300)
    objective_id: int | None = None
    status: StatusName = GoalStatus.NOT_STARTED
    review_date: date | None = None
    owned_by_pupil: bool = False


class GoalPatch(Schema):
    version: int = Field(..., description="The version you read; a newer one on file gives 409")
    kind: GoalKind | None = None
    text: str | None = Field(None, max_length=300)
    objective_id: int | None = None
    status: StatusName | None = None
    review_date: date | None = None
    owned_by_pupil: bool | None = None


class MilestoneOut(Schema):
    id: int
    pupil_id: int
    subject_id: int
    description: str
    objective_ids: list[int]
    start_date: date
    due_date: date
    achieved_at: date | None
    version: int

    @staticmethod
    def resolve_objective_ids(obj):
        return sorted(o.pk for o in obj.objectives.all())


class MilestoneIn(Schema):
    subject_id: int
    description: str = Field(..., max_length=300)
    objective_ids: list[int] = []
    start_date: date
    due_date: date


class MilestonePatch(Schema):
    version: int = Field(..., description="The version you read; a newer one on file gives 409")
    description: str | None = Field(None, max_length=300)
    objective_ids: list[int] | None = None
    start_date: date | None = None
    due_date: date | None = None
    achieved_at: date | None = Field(None, description="null: not achieved yet")


class StaffTargetOut(Schema):
    id: int
    school_id: int
    user_id: int
    user: str
    text: str
    context: str
    pupil_ids: list[int] = Field(..., description="Only the pupils you may see")
    status: str
    review_date: date | None
    version: int

    @staticmethod
    def resolve_user(obj):
        return obj.user.get_full_name() or str(obj.user)

    @staticmethod
    def resolve_pupil_ids(obj):
        return sorted(p.pk for p in getattr(obj, "shown_pupils", []))


class StaffTargetIn(Schema):
    user_id: int | None = Field(None, description="Whose target; default yourself")
    text: str = Field(..., max_length=300)
    context: str = Field("", max_length=200)
    pupil_ids: list[int] = []
    status: StatusName = GoalStatus.NOT_STARTED
    review_date: date | None = None


class StaffTargetPatch(Schema):
    version: int = Field(..., description="The version you read; a newer one on file gives 409")
    text: str | None = Field(None, max_length=300)
    context: str | None = Field(None, max_length=200)
    pupil_ids: list[int] | None = Field(
        None, description="Replaces the pupils you may see; others stay linked"
    )
    status: StatusName | None = None
    review_date: date | None = None


class TrackingRuleOut(Schema):
    school_id: int
    targets: dict
    on_track: dict
    problems: list[str]
    text: str


# Targets --------------------------------------------------------------------------------------


def _year(school, academic_year_id):
    if academic_year_id is None:
        year = school.current_year()
        if year is None:
            raise ValidationError({"academic_year_id": "The school has no academic year yet."})
        return year
    year = AcademicYear.objects.filter(pk=academic_year_id, school=school).first()
    if year is None:
        raise OutOfScope("academic_year_id", "No academic year with that id at this school.")
    return year


def _subject_at(school, subject_id, stage=None):
    subject = next((s for s in subjects_for_stage(school, stage) if s.pk == subject_id), None)
    if subject is None:
        raise OutOfScope("subject_id", "No subject with that id is taught here.")
    return subject


def _mark_current(rows):
    latest = {}
    for row in rows:
        latest[(row.pupil_id, row.subject_id, row.academic_year_id)] = row
    for row in latest.values():
        row.is_current = True
    return rows


@router.get("/pupils/{pupil_id}/targets", response={200: list[TargetOut], **responses(403, 404)})
def pupil_targets(request, pupil_id: int, subject_id: int | None = None):
    """Every target the pupil has had (every change is a row), oldest first per subject and
    year, with `current` on the one in force."""
    pupil = access.readable_pupil(caller(request), pupil_id)
    rows = list(targets.target_history(pupil))
    if subject_id is not None:
        rows = [r for r in rows if r.subject_id == subject_id]
    return _mark_current(rows)


@router.post(
    "/pupils/{pupil_id}/targets",
    response={200: TargetOut, 201: TargetOut, 409: TargetConflictOut, **responses(403, 404, 422)},
)
def set_pupil_target(request, pupil_id: int, payload: TargetIn):
    """Set, change or withdraw one end-of-year target (permission set_targets). A grade other
    than the suggestion needs a reason. 200 when it was already the target (nothing written);
    409 when the target changed since you read it."""
    user = caller(request)
    pupil = access.pupil_for(user, pupil_id, "set_targets")
    enrolment = current_year_group(pupil)
    if enrolment is None:
        raise ValidationError({"pupil_id": "The pupil is not on roll."})
    school = enrolment.school
    if not policy.can(user, "set_targets", school):
        raise Refused()
    year = _year(school, payload.academic_year_id)
    subject = _subject_at(school, payload.subject_id)
    grade = None
    if payload.grade_id is not None:
        grade = Grade.objects.filter(pk=payload.grade_id).first()
        if grade is None:
            raise OutOfScope("grade_id", "No grade with that id.")
    elif not payload.withdraw:
        raise ValidationError({"grade_id": "Choose a grade, or withdraw the target."})
    before = targets.current_targets([pupil.pk], [subject.pk], [year.pk]).get(
        (pupil.pk, subject.pk, year.pk)
    )
    with acting(request):
        try:
            target = targets.set_target(
                pupil,
                subject,
                year,
                grade,
                by=user,
                reason=payload.reason,
                expected=payload.expected_target_id,
                withdraw=payload.withdraw,
            )
        except targets.StaleTarget as exc:
            current = exc.current
            if current is not None:
                current.is_current = True
            return Status(409, {"detail": str(exc), "errors": [], "current": current})
    target.is_current = True
    return Status(200 if before is not None and target.pk == before.pk else 201, target)


def _sheet_context(user, year_group_id, subject_id, academic_year_id):
    group = access.year_group_for_targets(user, year_group_id)
    year = _year(group.school, academic_year_id)
    subject = _subject_at(group.school, subject_id, group.stage)
    pupils = list(
        pupils_in_year_group(user, group, year).order_by("legal_last_name", "legal_first_name")
    )
    return group, year, subject, pupils


@router.get(
    "/year-groups/{year_group_id}/targets",
    response={200: TargetSheetOut, **responses(403, 404, 422)},
)
def year_group_targets(request, year_group_id: int, filters: Query[TargetSheetFilters]):
    """Every pupil in the year group with their suggested target, its basis and their current
    target (permission set_targets): what the year-group target page shows."""
    user = caller(request)
    group, year, subject, pupils = _sheet_context(
        user, year_group_id, filters.subject_id, filters.academic_year_id
    )
    suggestions = targets.suggest_targets(pupils, subject, year)
    current = targets.current_targets([p.pk for p in pupils], [subject.pk], [year.pk])
    rows = []
    for pupil in pupils:
        target = current.get((pupil.pk, subject.pk, year.pk))
        if target is not None:
            target.is_current = True
        s = suggestions.get(pupil.pk)
        rows.append(
            {
                "pupil_id": pupil.pk,
                "first_name": pupil.first_name,
                "last_name": pupil.last_name,
                "suggestion": {
                    "grade_id": s.grade.pk if s.grade else None,
                    "grade": s.grade.short_label if s.grade else None,
                    "method": s.method,
                    "basis": s.basis,
                }
                if s
                else None,
                "current": target,
            }
        )
    return {
        "year_group_id": group.pk,
        "subject_id": subject.pk,
        "academic_year_id": year.pk,
        "rows": rows,
    }


@router.post(
    "/year-groups/{year_group_id}/targets",
    response={200: TargetBulkOut, **responses(403, 404, 422)},
)
def set_year_group_targets(request, year_group_id: int, payload: TargetBulkIn):
    """Set many targets in a year group at once (permission set_targets): all or nothing. Any
    row in error (including one changed since you read it) gives 422 with an error for each
    (field `items.N.grade_id` and so on) and nothing is saved. Rows repeating the current target
    are left alone."""
    user = caller(request)
    group, year, subject, pupils = _sheet_context(
        user, year_group_id, payload.subject_id, payload.academic_year_id
    )
    in_group = {p.pk: p for p in pupils}
    grades = {g.pk: g for g in subject.point_scale().grades.all()}
    errors, rows, index_of = [], [], {}
    for index, item in enumerate(payload.items):
        pupil = in_group.get(item.pupil_id)
        if pupil is None:
            errors.append(
                {
                    "field": f"items.{index}.pupil_id",
                    "message": "Not a pupil of yours in this year group.",
                }
            )
            continue
        grade = None
        if item.grade_id is not None:
            grade = grades.get(item.grade_id)
            if grade is None:
                errors.append(
                    {
                        "field": f"items.{index}.grade_id",
                        "message": f"Choose a grade on the {subject} summary scale.",
                    }
                )
                continue
        index_of[pupil.pk] = index
        rows.append(targets.TargetRow(pupil, grade, item.reason, item.expected_target_id))
    problems = targets.check_targets(rows, subject, year)
    errors += [
        {"field": f"items.{index_of[pk]}", "message": message}
        for pk, message in sorted(problems.items(), key=lambda e: index_of[e[0]])
    ]
    saved = []
    if not errors:
        try:
            with acting(request):
                saved = targets.set_targets(rows, subject, year, by=user)
        except targets.TargetErrors as exc:  # changed between the check and the save
            errors = [
                {"field": f"items.{index_of[pk]}", "message": message}
                for pk, message in exc.errors.items()
            ]
    if errors:
        count = len(errors)
        rows_words = f"{count} rows need" if count != 1 else "1 row needs"
        return Status(
            422, {"detail": f"Nothing was saved: {rows_words} attention.", "errors": errors}
        )
    for target in saved:
        target.is_current = True
    return {"saved": len(saved), "targets": saved}


# On track -------------------------------------------------------------------------------------


def _on_track_out(result: on_track.OnTrack) -> dict:
    return {
        "pupil_id": result.pupil_id,
        "subject_id": result.subject_id,
        "point_id": result.point_id,
        "status": result.status,
        "label": result.label,
        "reason": result.reason,
        "own_milestones": result.own_track,
        "target_grade": result.target_grade.short_label if result.target_grade else None,
        "summary_grade": result.summary.short_label if result.summary else None,
        "stage": result.stage.name if result.stage else None,
        "below_stage": result.below_stage,
        "key_secure": result.key_secure,
        "key_total": result.key_total,
        "key_needed": result.needed,
    }


def _ordered(results):
    return [_on_track_out(r) for _, r in sorted(results.items())]


@router.get("/classes/{class_id}/on-track", response={200: list[OnTrackOut], **responses(403, 404)})
def class_on_track(request, class_id: int, filters: Query[OnTrackFilters]):
    """On track, at risk or off track, with the reason, for the class's pupils you may see at
    one assessment point (the class page's data)."""
    user = caller(request)
    school_class = access.class_for_tracking(user, class_id)
    points = list(school_class.academic_year.assessment_points.order_by("date", "id"))
    today = timezone.localdate()
    if filters.point_id is not None:
        point = next((p for p in points if p.pk == filters.point_id), None)
        if point is None:
            raise OutOfScope("point_id", "No assessment point with that id in the class's year.")
    else:
        point = next((p for p in points if p.date >= today), points[-1] if points else None)
    if point is None:
        return []
    stage = school_class.year_group.stage if school_class.year_group else None
    subjects = subjects_for_stage(school_class.school, stage)
    if filters.subject_id is not None:
        subjects = [_subject_at(school_class.school, filters.subject_id, stage)]
    pupils = pupils_in_class(user, school_class, on=min(point.date, today))
    return _ordered(on_track.statuses(pupils, subjects, [point], today=today))


@router.get("/pupils/{pupil_id}/on-track", response={200: list[OnTrackOut], **responses(403, 404)})
def pupil_on_track(request, pupil_id: int, filters: Query[PupilOnTrackFilters]):
    """The pupil's status in each subject at every assessment point of the year."""
    pupil = access.readable_pupil(caller(request), pupil_id)
    enrolment = current_year_group(pupil)
    if filters.academic_year_id is not None:
        year = AcademicYear.objects.filter(
            pk=filters.academic_year_id, enrolments__pupil=pupil
        ).first()
        if year is None:
            raise OutOfScope("academic_year_id", "The pupil was not on roll in that year.")
    elif enrolment is not None:
        year = enrolment.academic_year
    else:
        return []
    stage_row = pupil.enrolments.filter(academic_year=year).select_related("year_group").last()
    subjects = subjects_for_stage(year.school, stage_row.year_group.stage if stage_row else None)
    if filters.subject_id is not None:
        subjects = [s for s in subjects if s.pk == filters.subject_id]
    points = AssessmentPoint.objects.filter(academic_year=year)
    return _ordered(on_track.statuses([pupil], subjects, points))


# Goals and milestones -------------------------------------------------------------------------


def _objective(pupil, objective_id):
    if objective_id is None:
        return None
    objective = Objective.objects.filter(
        pk=objective_id, subject__framework_id__in=services.frameworks_for_pupil(pupil)
    ).first()
    if objective is None:
        raise OutOfScope("objective_id", "No objective with that id in the pupil's frameworks.")
    return objective


@router.get("/pupils/{pupil_id}/goals", response={200: list[GoalOut], **responses(403, 404)})
def list_goals(request, pupil_id: int):
    """The pupil's next-step targets and learning goals."""
    pupil = access.readable_pupil(caller(request), pupil_id)
    return pupil.goals.order_by("status", "review_date", "id")


@router.post("/pupils/{pupil_id}/goals", response={201: GoalOut, **responses(403, 404, 422)})
def add_goal(request, pupil_id: int, payload: GoalIn):
    """Add a next-step target or learning goal (permission manage_goals)."""
    user = caller(request)
    pupil = access.pupil_for(user, pupil_id, "manage_goals")
    data = payload.model_dump()
    data["objective"] = _objective(pupil, data.pop("objective_id"))
    with acting(request):
        goal = services.add_goal(pupil, by=user, **data)
    return Status(201, goal)


@router.patch("/goals/{goal_id}", response={200: GoalOut, **responses(403, 404, 409, 422)})
def update_goal(request, goal_id: int, payload: GoalPatch):
    """Change a goal: its status, review date, wording, objective. Send the `version` you read."""
    user = caller(request)
    goal = access.goal_for(user, goal_id, write=True)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    if "objective_id" in changes:
        changes["objective"] = _objective(goal.pupil, changes.pop("objective_id"))
    for key in ("kind", "text", "status", "owned_by_pupil"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    with acting(request):
        return services.update_goal(goal, changes, version, by=user)


def _milestones(pupil):
    return pupil.milestones.prefetch_related("objectives").order_by("due_date", "id")


@router.get(
    "/pupils/{pupil_id}/milestones", response={200: list[MilestoneOut], **responses(403, 404)}
)
def list_milestones(request, pupil_id: int):
    """The pupil's milestones: objectives to secure by a date."""
    pupil = access.readable_pupil(caller(request), pupil_id)
    return _milestones(pupil)


def _objectives_for(subject, ids):
    objectives = list(Objective.objects.filter(pk__in=ids, subject=subject))
    if len(objectives) != len(set(ids)):
        raise ValidationError({"objective_ids": f"Choose objectives in {subject}."})
    return objectives


@router.post(
    "/pupils/{pupil_id}/milestones", response={201: MilestoneOut, **responses(403, 404, 422)}
)
def add_milestone(request, pupil_id: int, payload: MilestoneIn):
    """Add a milestone for a pupil working below their year (permission manage_goals)."""
    user = caller(request)
    pupil = access.pupil_for(user, pupil_id, "manage_goals")
    enrolment = current_year_group(pupil)
    if enrolment is None:
        raise ValidationError({"pupil_id": "The pupil is not on roll."})
    subject = _subject_at(enrolment.school, payload.subject_id)
    with acting(request):
        milestone = services.add_milestone(
            pupil,
            subject,
            description=payload.description,
            start_date=payload.start_date,
            due_date=payload.due_date,
            objectives=_objectives_for(subject, payload.objective_ids),
            by=user,
        )
    return Status(201, _milestones(pupil).get(pk=milestone.pk))


@router.patch(
    "/milestones/{milestone_id}", response={200: MilestoneOut, **responses(403, 404, 409, 422)}
)
def update_milestone(request, milestone_id: int, payload: MilestonePatch):
    """Change a milestone or record that it was achieved. Send the `version` you read."""
    user = caller(request)
    milestone = access.milestone_for(user, milestone_id, write=True)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    if "objective_ids" in changes:
        ids = changes.pop("objective_ids") or []
        changes["objectives"] = _objectives_for(milestone.subject, ids)
    for key in ("description", "start_date", "due_date"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    with acting(request):
        services.update_milestone(milestone, changes, version, by=user)
    return _milestones(milestone.pupil).get(pk=milestone.pk)


# Staff targets --------------------------------------------------------------------------------


def _staff_school(user, school_id):
    school = get_school(user, school_id, permission=None)
    if not (user.is_superuser or services.is_staff_at(user, school)):
        raise Refused("Staff targets are for the staff of the school.")
    return school


def _staff_targets(user, school):
    return (
        access.staff_targets_visible_to(user)
        .filter(school=school)
        .select_related("user")
        .prefetch_related(
            Prefetch("pupils", queryset=Pupil.objects.visible_to(user), to_attr="shown_pupils")
        )
        .order_by("user_id", "review_date", "id")
    )


def _pupils_for(user, school, ids):
    pupils = list(
        Pupil.objects.visible_to(user).filter(pk__in=ids, enrolments__school=school).distinct()
    )
    if len(pupils) != len(set(ids)):
        raise OutOfScope("pupil_ids", "A pupil in the list is not yours to see at this school.")
    return pupils


@router.get(
    "/schools/{school_id}/staff-targets",
    response={200: list[StaffTargetOut], **responses(403, 404)},
)
def list_staff_targets(request, school_id: int):
    """Your own staff targets at the school; senior staff see everyone's."""
    user = caller(request)
    school = _staff_school(user, school_id)
    return _staff_targets(user, school)


@router.post(
    "/schools/{school_id}/staff-targets",
    response={201: StaffTargetOut, **responses(403, 404, 422)},
)
def add_staff_target(request, school_id: int, payload: StaffTargetIn):
    """Add a staff target: your own, or (senior staff) anyone's at the school."""
    user = caller(request)
    school = _staff_school(user, school_id)
    owner = user
    if payload.user_id is not None and payload.user_id != user.pk:
        if not access.can_set_staff_targets_for_others(user, school):
            raise Refused("Only senior staff set targets for others.")
        owner = User.objects.filter(pk=payload.user_id).first()
        if owner is None or not services.is_staff_at(owner, school):
            raise OutOfScope("user_id", "No member of staff with that id at this school.")
    with acting(request):
        target = services.add_staff_target(
            school,
            owner,
            text=payload.text,
            context=payload.context,
            pupils=_pupils_for(user, school, payload.pupil_ids),
            status=payload.status,
            review_date=payload.review_date,
            by=user,
        )
    return Status(201, _staff_targets(user, school).get(pk=target.pk))


@router.patch(
    "/staff-targets/{staff_target_id}",
    response={200: StaffTargetOut, **responses(403, 404, 409, 422)},
)
def update_staff_target(request, staff_target_id: int, payload: StaffTargetPatch):
    """Change a staff target you may see (your own, or any at a school where you are senior
    staff). Send the `version` you read."""
    user = caller(request)
    target = access.staff_target_for(user, staff_target_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    if "pupil_ids" in changes:
        ids = changes.pop("pupil_ids") or []
        changes["pupils"] = _pupils_for(user, target.school, ids)
        changes["visible"] = set(
            Pupil.objects.visible_to(user)
            .filter(pk__in=target.pupils.values("pk"))
            .values_list("pk", flat=True)
        )
    for key in ("text", "status"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    if changes.get("context", "") is None:
        changes["context"] = ""
    with acting(request):
        services.update_staff_target(target, changes, version, by=user)
    return _staff_targets(user, target.school).get(pk=target.pk)


# The rule -------------------------------------------------------------------------------------


def _plain(values: dict) -> dict:
    """The rule's values as JSON: shares as fractions in words ("1/4"), lists as lists."""
    out = {}
    for name, value in values.items():
        if isinstance(value, tuple):
            out[name] = [str(item) for item in value]
        elif isinstance(value, bool | int | str) or value is None:
            out[name] = value
        else:
            out[name] = str(value)
    return out


@router.get(
    "/schools/{school_id}/tracking-rule", response={200: TrackingRuleOut, **responses(403, 404)}
)
def tracking_rule(request, school_id: int):
    """The target and on-track rules in words, with the values the school uses."""
    from dataclasses import asdict

    from nextsteps.tracking import rule

    school = get_school(caller(request), school_id)

    return {
        "school_id": school.pk,
        "targets": _plain(asdict(targets.target_rule(school))),
        "on_track": _plain(asdict(on_track.on_track_rule(school))),
        "problems": on_track.rule_problems(school),
        "text": rule.__doc__,
    }
