"""Milestones, next-step targets and learning goals, and staff targets: adding them and changing
them. Every change names the version the editor read; if someone else has saved since, nothing
is written and schools.services.ConflictError carries what is there now (the pages show it, the
API answers 409). Permission checks belong to the caller; these functions guard the data.

Attainment targets are in targets.py."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nextsteps.curriculum.models import Objective, SchoolFramework
from nextsteps.schools.models import ClassStaff, Enrolment, Role
from nextsteps.schools.policy import STAFF_KINDS
from nextsteps.schools.services import ConflictError

from .models import Milestone, PupilGoal, StaffTarget, Status

TEXT_LIMIT = 300


def _current_school_ids(pupil, on=None) -> set[int]:
    on = on or timezone.localdate()
    return set(
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on), pupil=pupil, start_date__lte=on
        ).values_list("school_id", flat=True)
    )


def frameworks_for_pupil(pupil) -> set[int]:
    """Ids of the frameworks used by the schools the pupil is on roll at now."""
    return set(
        SchoolFramework.objects.filter(school_id__in=_current_school_ids(pupil)).values_list(
            "framework_id", flat=True
        )
    )


def _text(value, field="text", what="Write the target") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"{what}."})
    if len(value) > TEXT_LIMIT:
        raise ValidationError({field: f"Keep it to {TEXT_LIMIT} characters."})
    return value


def _status(value) -> str:
    if value not in Status.values:
        raise ValidationError({"status": "Choose a status from the list."})
    return value


def _check_version(model, pk, expected_version):
    current = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current)
    return current


def _apply(current, changes: dict, allowed: set[str]) -> None:
    for key in changes:
        if key not in allowed:
            raise ValidationError({key: "This field cannot be changed here."})
    for key, value in changes.items():
        setattr(current, key, value)


# Milestones ---------------------------------------------------------------------------------


def _check_milestone(milestone: Milestone, objectives) -> None:
    milestone.description = _text(milestone.description, "description", "Describe the milestone")
    if milestone.subject.framework_id not in frameworks_for_pupil(milestone.pupil):
        raise ValidationError({"subject": "That subject is not taught at the pupil's school."})
    if milestone.due_date < milestone.start_date:
        raise ValidationError({"due_date": "The due date cannot be before the start date."})
    if milestone.achieved_at is not None and milestone.achieved_at > timezone.localdate():
        raise ValidationError({"achieved_at": "The date achieved cannot be in the future."})
    if objectives is not None and any(o.subject_id != milestone.subject_id for o in objectives):
        raise ValidationError({"objectives": f"Choose objectives in {milestone.subject}."})


@transaction.atomic
def add_milestone(
    pupil, subject, *, description, start_date, due_date, objectives=(), by
) -> Milestone:
    """A milestone for a pupil working below their year: objectives of `subject` to secure by
    `due_date`. Refuses (ValidationError, nothing written) a subject not taught at the pupil's
    school, objectives of another subject, or a due date before the start."""
    objectives = list(objectives)
    milestone = Milestone(
        pupil=pupil,
        subject=subject,
        description=description,
        start_date=start_date,
        due_date=due_date,
        set_by=by,
    )
    _check_milestone(milestone, objectives)
    milestone.save()
    milestone.objectives.set(objectives)
    return milestone


@transaction.atomic
def update_milestone(milestone, changes: dict, expected_version: int | None, *, by) -> Milestone:
    """Change a milestone's description, dates, objectives or the date it was achieved (None:
    not yet), if nobody has changed it since `expected_version` was read; otherwise raise
    ConflictError and change nothing."""
    current = _check_version(Milestone, milestone.pk, expected_version)
    changes = dict(changes)
    objectives = changes.pop("objectives", None)
    if objectives is not None:
        objectives = list(objectives)
    _apply(current, changes, {"description", "start_date", "due_date", "achieved_at"})
    _check_milestone(current, objectives)
    current.version += 1
    current.save()
    if objectives is not None:
        current.objectives.set(objectives)
    return current


# Next-step targets and learning goals ---------------------------------------------------------


def _check_goal(goal: PupilGoal) -> None:
    goal.text = _text(goal.text)
    if goal.kind not in PupilGoal.Kind.values:
        raise ValidationError({"kind": "Choose what kind of target this is."})
    _status(goal.status)
    if goal.objective_id is not None:
        objective = Objective.objects.select_related("subject").get(pk=goal.objective_id)
        if objective.subject.framework_id not in frameworks_for_pupil(goal.pupil):
            raise ValidationError(
                {"objective": "That objective is not in a framework the pupil's school uses."}
            )


@transaction.atomic
def add_goal(
    pupil,
    *,
    kind,
    text,
    objective=None,
    status=Status.NOT_STARTED,
    review_date=None,
    owned_by_pupil=False,
    by,
) -> PupilGoal:
    """A next-step target (literacy, numeracy, other; optionally linked to an objective) or a
    learning goal the pupil owns, with its status and review date."""
    goal = PupilGoal(
        pupil=pupil,
        kind=kind,
        text=text,
        objective=objective,
        status=status,
        review_date=review_date,
        owned_by_pupil=owned_by_pupil,
        created_by=by,
    )
    _check_goal(goal)
    goal.save()
    return goal


@transaction.atomic
def update_goal(goal, changes: dict, expected_version: int | None, *, by) -> PupilGoal:
    """Change a goal (text, kind, objective, status, review date, whether the pupil owns it)
    if nobody has since `expected_version`; otherwise ConflictError, nothing changed."""
    current = _check_version(PupilGoal, goal.pk, expected_version)
    _apply(
        current, changes, {"kind", "text", "objective", "status", "review_date", "owned_by_pupil"}
    )
    _check_goal(current)
    current.version += 1
    current.save()
    return current


# Staff targets ------------------------------------------------------------------------------


def is_staff_at(user, school) -> bool:
    """Whether `user` works at `school`: a staff role there, or a class there."""
    school_id = getattr(school, "pk", school)
    return (
        Role.objects.filter(user=user, school_id=school_id, kind__in=STAFF_KINDS).exists()
        or ClassStaff.objects.filter(user=user, school_class__school_id=school_id).exists()
    )


def _check_staff_target(target: StaffTarget, pupils) -> None:
    target.text = _text(target.text)
    target.context = (target.context or "").strip()
    if len(target.context) > 200:
        raise ValidationError({"context": "Keep it to 200 characters."})
    _status(target.status)
    if not is_staff_at(target.user, target.school_id):
        raise ValidationError({"user": "That person does not work at this school."})
    if pupils:
        on_roll = set(
            Enrolment.objects.filter(
                school_id=target.school_id, pupil__in=[p.pk for p in pupils]
            ).values_list("pupil_id", flat=True)
        )
        if any(p.pk not in on_roll for p in pupils):
            raise ValidationError({"pupils": "Choose pupils of this school."})


@transaction.atomic
def add_staff_target(
    school, user, *, text, context="", pupils=(), status=Status.NOT_STARTED, review_date=None, by
) -> StaffTarget:
    """A member of staff's own target (usually from a pupil progress meeting), optionally about
    some of the school's pupils."""
    pupils = list(pupils)
    target = StaffTarget(
        school=school,
        user=user,
        text=text,
        context=context,
        status=status,
        review_date=review_date,
        created_by=by,
    )
    _check_staff_target(target, pupils)
    target.save()
    target.pupils.set(pupils)
    return target


@transaction.atomic
def update_staff_target(target, changes: dict, expected_version: int | None, *, by):
    """Change a staff target's text, context, status, review date or pupils if nobody has
    since `expected_version`; otherwise ConflictError, nothing changed. `pupils`, when given,
    replaces only the pupils the editor may see (`visible` in changes: their ids); pupils the
    editor cannot see stay linked."""
    current = _check_version(StaffTarget, target.pk, expected_version)
    changes = dict(changes)
    pupils = changes.pop("pupils", None)
    visible = changes.pop("visible", None)
    _apply(current, changes, {"text", "context", "status", "review_date"})
    if pupils is not None:
        pupils = list(pupils)
        kept = [] if visible is None else list(current.pupils.exclude(pk__in=visible))
        pupils = pupils + [p for p in kept if p not in pupils]
    _check_staff_target(current, pupils)
    current.version += 1
    current.save()
    if pupils is not None:
        current.pupils.set(pupils)
    return current
