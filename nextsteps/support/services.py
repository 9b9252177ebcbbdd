"""The SEN register and support plans: every change goes through these functions (pages, API,
demo, the alerts and tests alike). Permission checks belong to the caller (support/access.py);
these guard the data: each runs in one transaction and writes everything or nothing.

Changes to a plan, a target, a provision line or an area of need name the version the editor
read; if someone has saved since, nothing is written and schools.services.ConflictError
carries what is there now (the pages show it, the API answers 409). A review also names the
plan's version, since it moves the plan's review date (or closes it).

SEN status itself is the pupil's "sen" characteristic (schools.services.set_characteristic):
`change_sen_status` is the register's way in to it."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nextsteps.curriculum.models import Objective, SchoolFramework
from nextsteps.schools import services as schools
from nextsteps.schools.models import Characteristic, ClassStaff, Enrolment, Role
from nextsteps.schools.policy import STAFF_KINDS
from nextsteps.schools.services import ConflictError

from .models import Area, Plan, PlanReview, PlanTarget, Provision, SenNeed, TargetProgress
from .models import TargetStatus as TS

TITLE_LIMIT = 200
TEXT_LIMIT = 300


def _text(value, field, what, limit=TEXT_LIMIT, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"{what}."})
    if len(value) > limit:
        raise ValidationError({field: f"Keep it to {limit} characters."})
    return value


def _locked(model, pk, expected_version):
    current = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current)
    return current


def _only(changes: dict, allowed: set[str]) -> None:
    for key in changes:
        if key not in allowed:
            raise ValidationError({key: "This field cannot be changed here."})


def staff_user_ids(school) -> set[int]:
    """Who works at `school`: a staff role there, or a class there."""
    school_id = getattr(school, "pk", school)
    return set(
        Role.objects.filter(school_id=school_id, kind__in=STAFF_KINDS).values_list(
            "user_id", flat=True
        )
    ) | set(
        ClassStaff.objects.filter(school_class__school_id=school_id).values_list(
            "user_id", flat=True
        )
    )


def _check_owner(owner, school_id) -> None:
    if owner is None:
        raise ValidationError({"owner": "Choose who owns the plan."})
    if owner.pk not in staff_user_ids(school_id):
        raise ValidationError({"owner": "The owner must work at the plan's school."})


def _check_plan(plan: Plan) -> None:
    if plan.kind not in Plan.Kind.values:
        raise ValidationError({"kind": "Choose a kind of plan from the list."})
    plan.title = _text(plan.title, "title", "Give the plan a title", TITLE_LIMIT)
    plan.reason = (plan.reason or "").strip()
    plan.strengths = (plan.strengths or "").strip()
    if plan.start_date is None:
        raise ValidationError({"start_date": "Give the date the plan starts."})
    if plan.review_date is None:
        raise ValidationError({"review_date": "Choose when the plan is reviewed."})
    if plan.review_date < plan.start_date:
        raise ValidationError({"review_date": "The review cannot be before the plan starts."})
    _check_owner(plan.owner, plan.school_id)
    if not Enrolment.objects.filter(pupil_id=plan.pupil_id, school_id=plan.school_id).exists():
        raise ValidationError({"school": "The pupil has never been on roll at that school."})


# Plans ------------------------------------------------------------------------------------------


@transaction.atomic
def open_plan(
    pupil,
    *,
    school,
    kind,
    title,
    owner,
    review_date,
    start_date=None,
    reason="",
    strengths="",
    shared_with_family=False,
    by=None,
) -> Plan:
    """Open a plan of `kind` for `pupil` at `school` (where the pupil is or was on roll), owned
    by a member of that school's staff, starting `start_date` (default today) and reviewed by
    `review_date` (not before the start). `by` None: NextSteps opened it. Writes the plan or,
    with a ValidationError naming the field, nothing."""
    plan = Plan(
        school=school,
        pupil=pupil,
        kind=kind,
        title=title,
        reason=reason,
        strengths=strengths,
        owner=owner,
        start_date=start_date or timezone.localdate(),
        review_date=review_date,
        shared_with_family=shared_with_family,
        opened_by=by,
    )
    _check_plan(plan)
    plan.save()
    return plan


def open_action_plan(pupil, *, school, owner, review_date, title, reason, opened_by=None) -> Plan:
    """Open an action plan for `pupil` at `school`, owned by `owner` and reviewed by
    `review_date`, starting today: what an alert does when it fires. `opened_by` None means
    NextSteps opened it. Writes the plan or nothing (ValidationError)."""
    return open_plan(
        pupil,
        school=school,
        kind=Plan.Kind.ACTION_PLAN,
        title=(title or "").strip()[:TITLE_LIMIT],
        reason=reason or "",
        owner=owner,
        review_date=review_date,
        by=opened_by,
    )


PLAN_FIELDS = {
    "kind",
    "title",
    "reason",
    "strengths",
    "owner",
    "start_date",
    "review_date",
    "shared_with_family",
    "status",
    "closed_reason",
}


@transaction.atomic
def update_plan(plan, changes: dict, expected_version: int | None, *, by=None) -> Plan:
    """Change a plan's details if nobody has since `expected_version`; otherwise ConflictError
    and nothing changed. Setting `status` to closed needs a `closed_reason` and closes it today;
    setting it back to open reopens it (the review date must then be given again)."""
    current = _locked(Plan, plan.pk, expected_version)
    _only(changes, PLAN_FIELDS)
    was_open = current.is_open
    for key, value in changes.items():
        setattr(current, key, value)
    if current.status not in Plan.Status.values:
        raise ValidationError({"status": "A plan is open or closed."})
    current.closed_reason = (current.closed_reason or "").strip()
    if current.status == Plan.Status.CLOSED:
        if was_open:
            _text(current.closed_reason, "closed_reason", "Say why the plan is closing")
            current.closed_on = timezone.localdate()
    else:
        current.closed_on = None
        if not was_open:
            current.closed_reason = ""
    _check_plan(current)
    current.version += 1
    current.save()
    return current


# Targets ----------------------------------------------------------------------------------------


def _objectives_for(plan, objectives) -> list:
    objectives = list(objectives or [])
    if not objectives:
        return []
    frameworks = set(
        SchoolFramework.objects.filter(school_id=plan.school_id).values_list(
            "framework_id", flat=True
        )
    )
    ids = [getattr(o, "pk", o) for o in objectives]
    found = list(
        Objective.objects.filter(pk__in=ids, subject__framework_id__in=frameworks).select_related(
            "subject"
        )
    )
    if len(found) != len(set(ids)):
        raise ValidationError(
            {"objectives": "Choose objectives from a framework the plan's school uses."}
        )
    return found


def _check_target(target: PlanTarget, plan: Plan) -> None:
    target.specific = _text(target.specific, "specific", "Say what the pupil will be able to do")
    target.measure = _text(target.measure, "measure", "Say how you will know it is achieved")
    if target.target_date is None:
        raise ValidationError({"target_date": "Give the date it should be achieved by."})
    if target.target_date < plan.start_date:
        raise ValidationError({"target_date": "The target date cannot be before the plan starts."})
    if target.status not in TS.values:
        raise ValidationError({"status": "Choose a status from the list."})
    if target.status == TS.ACHIEVED:
        target.achieved_on = target.achieved_on or timezone.localdate()
    else:
        target.achieved_on = None


@transaction.atomic
def add_target(
    plan, *, specific, measure, target_date, objectives=(), status=TS.NOT_STARTED, by=None
) -> PlanTarget:
    """A SMART target on the plan: what the pupil will do (`specific`), how success is measured,
    by when (not before the plan starts), optionally linked to objectives of a framework the
    plan's school uses. Writes the target or nothing."""
    position = plan.targets.count()
    target = PlanTarget(
        plan=plan,
        specific=specific,
        measure=measure,
        target_date=target_date,
        status=status,
        position=position,
        created_by=by,
    )
    _check_target(target, plan)
    chosen = _objectives_for(plan, objectives)
    target.save()
    target.objectives.set(chosen)
    return target


@transaction.atomic
def update_target(target, changes: dict, expected_version: int | None, *, by=None) -> PlanTarget:
    """Change a target's wording, measure, date, objectives or status (achieved today when set
    to achieved without a date) if nobody has since `expected_version`; otherwise
    ConflictError, nothing changed."""
    current = _locked(PlanTarget, target.pk, expected_version)
    changes = dict(changes)
    objectives = changes.pop("objectives", None)
    _only(changes, {"specific", "measure", "target_date", "status", "achieved_on"})
    for key, value in changes.items():
        setattr(current, key, value)
    plan = Plan.objects.get(pk=current.plan_id)
    _check_target(current, plan)
    chosen = _objectives_for(plan, objectives) if objectives is not None else None
    current.version += 1
    current.save()
    if chosen is not None:
        current.objectives.set(chosen)
    return current


# Provision --------------------------------------------------------------------------------------


def _check_provision(item: Provision) -> None:
    item.what = _text(item.what, "what", "Say what is provided")
    item.who = _text(item.who, "who", "Say who provides it", 150)
    item.frequency = _text(item.frequency, "frequency", "", 100, required=False)
    if item.hours_per_week is not None:
        hours = Decimal(str(item.hours_per_week))
        if hours <= 0 or hours > 40:
            raise ValidationError({"hours_per_week": "Give the hours a week, from 0.1 to 40."})
        item.hours_per_week = hours.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if item.start_date and item.end_date and item.end_date < item.start_date:
        raise ValidationError({"end_date": "The end cannot be before the start."})


@transaction.atomic
def add_provision(
    plan, *, what, who, frequency="", hours_per_week=None, start_date=None, end_date=None
) -> Provision:
    """A line of provision on the plan: what, who provides it, how often, hours a week."""
    item = Provision(
        plan=plan,
        what=what,
        who=who,
        frequency=frequency,
        hours_per_week=hours_per_week,
        start_date=start_date,
        end_date=end_date,
        position=plan.provision.count(),
    )
    _check_provision(item)
    item.save()
    return item


@transaction.atomic
def update_provision(item, changes: dict, expected_version: int | None) -> Provision:
    """Change a provision line if nobody has since `expected_version` (else ConflictError)."""
    current = _locked(Provision, item.pk, expected_version)
    _only(changes, {"what", "who", "frequency", "hours_per_week", "start_date", "end_date"})
    for key, value in changes.items():
        setattr(current, key, value)
    _check_provision(current)
    current.version += 1
    current.save()
    return current


# Reviews ----------------------------------------------------------------------------------------


@transaction.atomic
def record_review(
    plan,
    *,
    held_on: date,
    outcome: str,
    expected_version: int | None,
    next_review_date: date | None = None,
    summary: str = "",
    pupil_views: str = "",
    family_views: str = "",
    progress: dict | None = None,
    by=None,
    today: date | None = None,
) -> PlanReview:
    """Record a review of an open plan: when it was held (not in the future, not before the
    plan started), the outcome, how each target went (`progress`: target id -> (status, note);
    each target's status becomes the one given), and either the next review date (after the
    meeting) or, with the outcome "close", the plan closes on the day of the review. Refuses
    with ConflictError if the plan changed since `expected_version`; writes all or nothing.
    `today` is for the demo, which builds history as of its own date."""
    current = _locked(Plan, plan.pk, expected_version)
    if not current.is_open:
        raise ValidationError({"outcome": "The plan is closed; reopen it to review it."})
    if outcome not in PlanReview.Outcome.values:
        raise ValidationError({"outcome": "Choose the outcome of the review."})
    today = today or timezone.localdate()
    if held_on is None:
        raise ValidationError({"held_on": "Give the date of the review."})
    if held_on > today:
        raise ValidationError({"held_on": "The review cannot be in the future."})
    if held_on < current.start_date:
        raise ValidationError({"held_on": "The review cannot be before the plan started."})
    closing = outcome == PlanReview.Outcome.CLOSE
    if closing:
        next_review_date = None
    elif next_review_date is None:
        raise ValidationError({"next_review_date": "Give the date of the next review."})
    elif next_review_date <= held_on:
        raise ValidationError({"next_review_date": "The next review must be after this one."})
    targets = {t.pk: t for t in current.targets.select_for_update()}
    progress = progress or {}
    for target_id, (status, note) in progress.items():
        if target_id not in targets:
            raise ValidationError({"progress": "That target is not on this plan."})
        if status not in TS.values:
            raise ValidationError({f"progress-{target_id}": "Choose how the target went."})
        if len(note or "") > TEXT_LIMIT:
            raise ValidationError({f"progress-{target_id}": "Keep the note to 300 characters."})
    review = PlanReview.objects.create(
        plan=current,
        held_on=held_on,
        outcome=outcome,
        summary=(summary or "").strip(),
        pupil_views=(pupil_views or "").strip(),
        family_views=(family_views or "").strip(),
        next_review_date=next_review_date,
        recorded_by=by,
    )
    for target_id, (status, note) in progress.items():
        target = targets[target_id]
        TargetProgress.objects.create(
            review=review, target=target, status=status, note=(note or "").strip()
        )
        if target.status != status:
            target.status = status
            target.achieved_on = held_on if status == TS.ACHIEVED else None
            target.version += 1
            target.save()
    if closing:
        current.status = Plan.Status.CLOSED
        current.closed_on = held_on
        current.closed_reason = "Closed at the review: needs met"
    else:
        current.review_date = next_review_date
    current.version += 1
    current.save()
    plan.version = current.version
    return review


# The SEN register -------------------------------------------------------------------------------


@transaction.atomic
def change_sen_status(pupil, code: str, *, start_date=None, details: str = "", by=None):
    """Put the pupil on the SEN register (K: SEN support; E: EHC plan) or take them off it (N)
    from `start_date` (default today): the record in force ends the day before and a new one
    starts (schools.services.set_characteristic), so the history is kept. Taking a pupil off
    the register also ends their current areas of need that day. Returns the new record, or
    None when nothing changed."""
    start_date = start_date or timezone.localdate()
    if start_date > timezone.localdate() + timedelta(days=366):
        raise ValidationError({"start_date": "Give a date within the next year."})
    code = str(code or "").upper()
    record = schools.set_characteristic(
        pupil, Characteristic.Kind.SEN, code, start_date=start_date, details=details, by=by
    )
    if record is not None and code == "N":
        for need in SenNeed.objects.select_for_update().filter(
            Q(end_date__isnull=True) | Q(end_date__gte=start_date), pupil=pupil
        ):
            need.end_date = max(need.start_date, start_date - timedelta(days=1))
            need.version += 1
            need.save()
    return record


def _check_need(need: SenNeed) -> None:
    if need.area not in Area.values:
        raise ValidationError({"area": "Choose one of the four broad areas of need."})
    need.description = _text(need.description, "description", "", required=False)
    if need.start_date is None:
        raise ValidationError({"start_date": "Give the date the need was identified."})
    if need.end_date is not None and need.end_date < need.start_date:
        raise ValidationError({"end_date": "The end cannot be before the start."})


def _demote_other_primary(need: SenNeed) -> None:
    SenNeed.objects.filter(pupil_id=need.pupil_id, primary=True, end_date__isnull=True).exclude(
        pk=need.pk
    ).update(primary=False)


@transaction.atomic
def add_need(pupil, *, area, start_date=None, description="", primary=False, by=None) -> SenNeed:
    """An area of need for the pupil from `start_date` (default today). Marked primary, it
    becomes the pupil's one primary need (another current primary need stops being primary).
    The same area already current for the pupil is refused: change that one instead."""
    need = SenNeed(
        pupil=pupil,
        area=area,
        description=description,
        primary=primary,
        start_date=start_date or timezone.localdate(),
        recorded_by=by,
    )
    _check_need(need)
    if SenNeed.objects.filter(pupil=pupil, area=area, end_date__isnull=True).exists():
        raise ValidationError({"area": "That area of need is already recorded; change it there."})
    if need.primary:
        _demote_other_primary(need)
    need.save()
    return need


@transaction.atomic
def update_need(need, changes: dict, expected_version: int | None, *, by=None) -> SenNeed:
    """Change an area of need's description, whether it is primary, or end it (`end_date`), if
    nobody has since `expected_version`; otherwise ConflictError, nothing changed."""
    current = _locked(SenNeed, need.pk, expected_version)
    _only(changes, {"description", "primary", "end_date", "start_date"})
    for key, value in changes.items():
        setattr(current, key, value)
    _check_need(current)
    if current.primary and current.end_date is None:
        _demote_other_primary(current)
    current.version += 1
    current.save()
    return current
