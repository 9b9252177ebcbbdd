"""SEN register and support plans: the JSON routes, scoped as the /support/ pages are (see
nextsteps.support.access, the one place for these rules): outside your scope is 404; seeing
but not changing is 403. Changes to a plan, a target, a provision line or an area of need carry
the `version` you read (stale: 409 with `current_version`); a review carries the plan's
version. Every read of SEN details or a plan is audit-logged.

A parent or carer reading a plan shared with the family gets the family's view: `reason`,
`closed_reason`, review `summary` and objective links are null, as on the page."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from nextsteps.accounts.models import User
from nextsteps.schools.models import Characteristic, SchoolClass, YearGroup
from nextsteps.support import access, queries, services
from nextsteps.support.models import Area, Plan, PlanReview, TargetStatus

from .errors import OutOfScope, Refused, responses
from .scope import acting, caller, get_school

router = Router(tags=["support"])

KindName = Literal[tuple(Plan.Kind.values)]  # type: ignore[valid-type]
AreaName = Literal[tuple(Area.values)]  # type: ignore[valid-type]
TargetStatusName = Literal[tuple(TargetStatus.values)]  # type: ignore[valid-type]
OutcomeName = Literal[tuple(PlanReview.Outcome.values)]  # type: ignore[valid-type]
VERSION = Field(..., description="The version you read; a newer one on file gives 409")


# Schemas ----------------------------------------------------------------------------------------


class SenStatusOut(Schema):
    value: str = Field(..., description="N, K (SEN support) or E (EHC plan)")
    label: str
    start_date: date
    end_date: date | None
    details: str
    recorded_by: str | None


class SenNeedOut(Schema):
    id: int
    pupil_id: int
    area: str
    area_label: str
    primary: bool
    description: str
    start_date: date
    end_date: date | None
    version: int


class SenRecordOut(Schema):
    pupil_id: int
    current: SenStatusOut | None
    on_register_since: date | None = Field(..., description="Start of the current K/E spell")
    history: list[SenStatusOut] = Field(..., description="Newest first")
    needs: list[SenNeedOut] = Field(..., description="Current and ended, current first")


class SenStatusIn(Schema):
    value: Literal["N", "K", "E"]
    start_date: date | None = Field(None, description="Default today")
    details: str = Field("", max_length=2000)


class SenNeedIn(Schema):
    area: AreaName
    description: str = Field("", max_length=300)
    primary: bool = False
    start_date: date | None = Field(None, description="Default today")


class SenNeedPatch(Schema):
    version: int = VERSION
    description: str | None = Field(None, max_length=300)
    primary: bool | None = None
    start_date: date | None = None
    end_date: date | None = Field(None, description="Ends the need; null: current")


class SenRegisterRowOut(Schema):
    pupil_id: int
    first_name: str
    last_name: str
    class_name: str | None
    year_group: str | None
    status: str = Field(..., description="K or E")
    status_since: date
    on_register_since: date | None
    needs: list[SenNeedOut]
    open_plan_ids: list[int]
    review_overdue: bool


class PlanTargetOut(Schema):
    id: int
    plan_id: int
    specific: str
    measure: str
    objective_ids: list[int] | None = Field(..., description="null in the family's view")
    target_date: date
    status: str
    achieved_on: date | None
    version: int


class PlanProvisionOut(Schema):
    id: int
    plan_id: int
    what: str
    who: str
    frequency: str
    hours_per_week: float | None
    start_date: date | None
    end_date: date | None
    version: int


class TargetProgressOut(Schema):
    target_id: int
    status: str
    note: str


class PlanReviewOut(Schema):
    id: int
    plan_id: int
    held_on: date
    outcome: str
    summary: str | None = Field(..., description="Staff notes; null in the family's view")
    pupil_views: str
    family_views: str
    next_review_date: date | None
    progress: list[TargetProgressOut]
    recorded_at: datetime


class SupportPlanSummaryOut(Schema):
    id: int
    school_id: int
    pupil_id: int
    kind: str
    kind_label: str
    title: str
    owner_id: int
    owner: str
    start_date: date
    review_date: date
    review_overdue: bool
    status: str = Field(..., description="open or closed")
    closed_on: date | None
    shared_with_family: bool
    version: int


class SupportPlanOut(SupportPlanSummaryOut):
    reason: str | None = Field(..., description="null in the family's view")
    strengths: str
    closed_reason: str | None
    opened_by: str | None = Field(..., description="null: opened by NextSteps (an alert)")
    family_view: bool
    targets: list[PlanTargetOut]
    provision: list[PlanProvisionOut]
    reviews: list[PlanReviewOut] = Field(..., description="Newest first")


class PlanTargetIn(Schema):
    specific: str = Field(..., max_length=300)
    measure: str = Field(..., max_length=300)
    target_date: date
    objective_ids: list[int] = []
    status: TargetStatusName = TargetStatus.NOT_STARTED


class PlanTargetPatch(Schema):
    version: int = VERSION
    specific: str | None = Field(None, max_length=300)
    measure: str | None = Field(None, max_length=300)
    target_date: date | None = None
    objective_ids: list[int] | None = None
    status: TargetStatusName | None = None


class PlanProvisionIn(Schema):
    what: str = Field(..., max_length=300)
    who: str = Field(..., max_length=150)
    frequency: str = Field("", max_length=100)
    hours_per_week: Decimal | None = Field(None, gt=0, le=40, decimal_places=1)
    start_date: date | None = None
    end_date: date | None = None


class PlanProvisionPatch(Schema):
    version: int = VERSION
    what: str | None = Field(None, max_length=300)
    who: str | None = Field(None, max_length=150)
    frequency: str | None = Field(None, max_length=100)
    hours_per_week: Decimal | None = Field(None, gt=0, le=40, decimal_places=1)
    start_date: date | None = None
    end_date: date | None = None


class SupportPlanIn(Schema):
    school_id: int | None = Field(
        None, description="Default: the pupil's school, when you may open plans at only one"
    )
    kind: KindName
    title: str = Field(..., max_length=200)
    reason: str = ""
    strengths: str = ""
    owner_id: int | None = Field(None, description="Default: yourself")
    start_date: date | None = Field(None, description="Default today")
    review_date: date
    shared_with_family: bool = False
    targets: list[PlanTargetIn] = Field([], max_length=50)
    provision: list[PlanProvisionIn] = Field([], max_length=50)


class SupportPlanPatch(Schema):
    version: int = VERSION
    kind: KindName | None = None
    title: str | None = Field(None, max_length=200)
    reason: str | None = None
    strengths: str | None = None
    owner_id: int | None = None
    start_date: date | None = None
    review_date: date | None = None
    shared_with_family: bool | None = None
    status: Literal["open", "closed"] | None = None
    closed_reason: str | None = Field(None, max_length=300, description="Needed to close")


class TargetProgressIn(Schema):
    target_id: int
    status: TargetStatusName
    note: str = Field("", max_length=300)


class PlanReviewIn(Schema):
    version: int = Field(..., description="The plan's version you read; newer gives 409")
    held_on: date
    outcome: OutcomeName
    next_review_date: date | None = Field(None, description="Needed unless the outcome is close")
    summary: str = ""
    pupil_views: str = ""
    family_views: str = ""
    progress: list[TargetProgressIn] = []


class SchoolPlanFilters(Schema):
    state: Literal["open", "overdue", "closed", "all"] = "open"
    kind: KindName | None = None


class InclusionFilters(Schema):
    class_id: int | None = None
    year_group_id: int | None = None
    off_track_only: bool = Field(False, description="Leave out pupils only at risk")


class NotOnTrackOut(Schema):
    subject_id: int
    subject: str
    status: str
    reason: str


class InclusionEntryOut(Schema):
    pupil_id: int
    first_name: str
    last_name: str
    class_name: str | None
    sen_status: str | None = Field(..., description="N, K, E or null when none is recorded")
    kinds: list[str] = Field(..., description="no_plan, sen_not_on_track, sen_no_plan, ...")
    reasons: list[str]
    not_on_track: list[NotOnTrackOut]
    open_plan_ids: list[int]


class InclusionListOut(Schema):
    school_id: int
    point_id: int | None
    pupils_checked: int
    counts: dict[str, int]
    entries: list[InclusionEntryOut]


# Shaping ---------------------------------------------------------------------------------------


def _status_out(record) -> dict:
    return {
        "value": record.value,
        "label": record.label,
        "start_date": record.start_date,
        "end_date": record.end_date,
        "details": record.details,
        "recorded_by": str(record.recorded_by) if record.recorded_by_id else None,
    }


def _need_out(need) -> dict:
    return {
        "id": need.pk,
        "pupil_id": need.pupil_id,
        "area": need.area,
        "area_label": need.get_area_display(),
        "primary": need.primary,
        "description": need.description,
        "start_date": need.start_date,
        "end_date": need.end_date,
        "version": need.version,
    }


def _summary_out(plan, today) -> dict:
    return {
        "id": plan.pk,
        "school_id": plan.school_id,
        "pupil_id": plan.pupil_id,
        "kind": plan.kind,
        "kind_label": plan.get_kind_display(),
        "title": plan.title,
        "owner_id": plan.owner_id,
        "owner": plan.owner.get_full_name() or str(plan.owner),
        "start_date": plan.start_date,
        "review_date": plan.review_date,
        "review_overdue": plan.review_overdue(today),
        "status": plan.status,
        "closed_on": plan.closed_on,
        "shared_with_family": plan.shared_with_family,
        "version": plan.version,
    }


def _target_out(target, family=False) -> dict:
    return {
        "id": target.pk,
        "plan_id": target.plan_id,
        "specific": target.specific,
        "measure": target.measure,
        "objective_ids": None if family else sorted(o.pk for o in target.objectives.all()),
        "target_date": target.target_date,
        "status": target.status,
        "achieved_on": target.achieved_on,
        "version": target.version,
    }


def _provision_out(item) -> dict:
    return {
        "id": item.pk,
        "plan_id": item.plan_id,
        "what": item.what,
        "who": item.who,
        "frequency": item.frequency,
        "hours_per_week": float(item.hours_per_week) if item.hours_per_week is not None else None,
        "start_date": item.start_date,
        "end_date": item.end_date,
        "version": item.version,
    }


def _review_out(review, family=False) -> dict:
    return {
        "id": review.pk,
        "plan_id": review.plan_id,
        "held_on": review.held_on,
        "outcome": review.outcome,
        "summary": None if family else review.summary,
        "pupil_views": review.pupil_views,
        "family_views": review.family_views,
        "next_review_date": review.next_review_date,
        "progress": [
            {"target_id": p.target_id, "status": p.status, "note": p.note}
            for p in review.progress.all()
        ],
        "recorded_at": review.recorded_at,
    }


def _plan_out(plan, *, family=False) -> dict:
    targets, provision, reviews = queries.plan_detail(plan)
    out = _summary_out(plan, timezone.localdate())
    out.update(
        reason=None if family else plan.reason,
        strengths=plan.strengths,
        closed_reason=None if family else plan.closed_reason,
        opened_by=None
        if family or plan.opened_by_id is None
        else (plan.opened_by.get_full_name() or str(plan.opened_by)),
        family_view=family,
        targets=[_target_out(t, family) for t in targets],
        provision=[_provision_out(p) for p in provision],
        reviews=[_review_out(r, family) for r in reviews],
    )
    return out


def _log_plan(user, plan, what="Support plan (API)"):
    access.log_read(user, [plan.pupil], f"{what}: {plan.get_kind_display()}", school=plan.school)


def _sen_record(pupil) -> dict:
    today = timezone.localdate()
    history = list(
        Characteristic.objects.filter(pupil=pupil, kind=Characteristic.Kind.SEN)
        .select_related("recorded_by")
        .order_by("-start_date", "-id")
    )
    needs = sorted(
        pupil.sen_needs.all(), key=lambda n: (not n.current_on(today), not n.primary, n.pk)
    )
    current = next((r for r in history if r.current_on(today)), None)
    return {
        "pupil_id": pupil.pk,
        "current": _status_out(current) if current else None,
        "on_register_since": queries.on_register_since(history, today),
        "history": [_status_out(r) for r in history],
        "needs": [_need_out(n) for n in needs],
    }


def _owner(school, owner_id, user):
    wanted = owner_id if owner_id is not None else user.pk
    if wanted not in services.staff_user_ids(school):
        raise ValidationError({"owner_id": "The owner must work at the plan's school."})
    return User.objects.get(pk=wanted)


# The SEN register ------------------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/sen-register",
    response={200: list[SenRegisterRowOut], **responses(403, 404)},
)
def sen_register(request, school_id: int):
    """The school's SEN register today (permission view_sen_details): each pupil on roll at SEN
    support (K) or with an EHC plan (E), since when, their areas of need and open plans."""
    user = caller(request)
    school = get_school(user, school_id, access.READ_SEN)
    today = timezone.localdate()
    rows = queries.register(list(access.list_pupils(user, school, today)), school, on=today)
    access.log_read(user, [r.pupil for r in rows], "SEN register (API)", school)
    return [
        {
            "pupil_id": r.pupil.pk,
            "first_name": r.pupil.first_name,
            "last_name": r.pupil.last_name,
            "class_name": r.place.school_class.name if r.place and r.place.school_class else None,
            "year_group": r.place.year_group.name if r.place else None,
            "status": r.status.value,
            "status_since": r.status.start_date,
            "on_register_since": r.since,
            "needs": [_need_out(n) for n in r.needs],
            "open_plan_ids": [p.pk for p in r.plans],
            "review_overdue": r.overdue,
        }
        for r in rows
    ]


@router.get("/pupils/{pupil_id}/sen", response={200: SenRecordOut, **responses(403, 404)})
def pupil_sen(request, pupil_id: int):
    """The pupil's SEN status over time and areas of need (whoever may see their SEN details:
    the inclusion manager, head, deputy, their class teacher, the placing provider)."""
    user = caller(request)
    pupil = access.pupil_for_sen(user, pupil_id)
    access.log_read(user, [pupil], "SEN history and areas of need (API)")
    return _sen_record(pupil)


@router.post("/pupils/{pupil_id}/sen", response={200: SenRecordOut, **responses(403, 404, 422)})
def change_pupil_sen(request, pupil_id: int, payload: SenStatusIn):
    """Change the pupil's SEN status from `start_date` (permission manage_sen): the record in
    force ends the day before; N takes the pupil off the register and ends their areas of
    need. Sending the status in force changes nothing. Answers the record as it is now."""
    user = caller(request)
    pupil = access.pupil_for_sen_change(user, pupil_id)
    with acting(request):
        services.change_sen_status(
            pupil,
            payload.value,
            start_date=payload.start_date,
            details=payload.details,
            by=user,
        )
    return _sen_record(pupil)


@router.post("/pupils/{pupil_id}/sen-needs", response={201: SenNeedOut, **responses(403, 404, 422)})
def add_sen_need(request, pupil_id: int, payload: SenNeedIn):
    """Add an area of need (permission manage_sen). Primary: it becomes the one primary need."""
    user = caller(request)
    pupil = access.pupil_for_sen_change(user, pupil_id)
    with acting(request):
        need = services.add_need(pupil, by=user, **payload.model_dump())
    return Status(201, _need_out(need))


@router.patch("/sen-needs/{need_id}", response={200: SenNeedOut, **responses(403, 404, 409, 422)})
def update_sen_need(request, need_id: int, payload: SenNeedPatch):
    """Change an area of need's description, whether it is primary, or end it."""
    user = caller(request)
    need = access.need_for(user, need_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    for key in ("description", "primary", "start_date"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    with acting(request):
        need = services.update_need(need, changes, version, by=user)
    return _need_out(need)


# Plans -----------------------------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/plans",
    response={200: list[SupportPlanSummaryOut], **responses(403, 404)},
)
def school_plans(request, school_id: int, filters: Query[SchoolPlanFilters]):
    """The school's plans for the pupils whose plans you may read (the inclusion manager,
    head and deputy: every pupil; a class teacher: their class), soonest review first."""
    user = caller(request)
    school = get_school(user, school_id, None)
    if school not in access.list_schools(user):
        raise Refused("Support plans are for the inclusion manager, senior staff and teachers.")
    rows = list(
        queries.plans_at(
            school, access.staff_plan_pupils(user), state=filters.state, kind=filters.kind
        )
    )
    access.log_read(user, {p.pupil for p in rows}, "Support plans (API school list)", school)
    today = timezone.localdate()
    return [_summary_out(p, today) for p in rows]


@router.get("/pupils/{pupil_id}/plans", response={200: list[SupportPlanOut], **responses(403, 404)})
def pupil_plans(request, pupil_id: int):
    """The pupil's plans in full (a parent or carer: only those shared with the family, in the
    family's view)."""
    user = caller(request)
    pupil, as_staff = access.pupil_for_plans(user, pupil_id)
    plans = list(
        access.plans_visible_to(user)
        .filter(pupil=pupil)
        .select_related("pupil", "school", "owner", "opened_by")
        .order_by("status", "-start_date", "-id")
    )
    if plans:
        access.log_read(user, [pupil], "Support plans (API)")
    return [_plan_out(p, family=not as_staff) for p in plans]


@router.post("/pupils/{pupil_id}/plans", response={201: SupportPlanOut, **responses(403, 404, 422)})
def open_plan(request, pupil_id: int, payload: SupportPlanIn):
    """Open a plan (permission manage_plans at a school the pupil is on roll at, for a pupil
    you may see), with its first targets and provision if given: all or nothing."""
    user = caller(request)
    pupil, schools = access.pupil_to_plan_for(user, pupil_id)
    if payload.school_id is None:
        if len(schools) > 1:
            raise ValidationError({"school_id": "Say which school the plan is at."})
        school = schools[0]
    else:
        school = next((s for s in schools if s.pk == payload.school_id), None)
        if school is None:
            raise OutOfScope("school_id", "You cannot open plans for this pupil at that school.")
    owner = _owner(school, payload.owner_id, user)
    with acting(request), transaction.atomic():
        plan = services.open_plan(
            pupil,
            school=school,
            kind=payload.kind,
            title=payload.title,
            reason=payload.reason,
            strengths=payload.strengths,
            owner=owner,
            start_date=payload.start_date,
            review_date=payload.review_date,
            shared_with_family=payload.shared_with_family,
            by=user,
        )
        for index, item in enumerate(payload.targets):
            try:
                _add_target(plan, item, user)
            except ValidationError as exc:
                raise _nested(exc, f"targets.{index}") from exc
        for index, item in enumerate(payload.provision):
            try:
                services.add_provision(plan, **item.model_dump())
            except ValidationError as exc:
                raise _nested(exc, f"provision.{index}") from exc
    plan.pupil = pupil
    return Status(201, _plan_out(plan))


def _nested(exc: ValidationError, prefix: str) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError({f"{prefix}.{k}": v for k, v in exc.message_dict.items()})
    return ValidationError({prefix: exc.messages})


def _add_target(plan, item: PlanTargetIn, user):
    data = item.model_dump()
    data["objectives"] = data.pop("objective_ids")
    return services.add_target(plan, by=user, **data)


@router.get("/plans/{plan_id}", response={200: SupportPlanOut, **responses(404)})
def get_plan(request, plan_id: int):
    """One plan with its targets, provision and reviews."""
    user = caller(request)
    plan = access.plan_for(user, plan_id)
    _log_plan(user, plan)
    return _plan_out(plan, family=plan.family_view)


@router.patch("/plans/{plan_id}", response={200: SupportPlanOut, **responses(403, 404, 409, 422)})
def update_plan(request, plan_id: int, payload: SupportPlanPatch):
    """Change a plan's details, close it (`status` closed with a `closed_reason`) or reopen
    it. Send the `version` you read."""
    user = caller(request)
    plan = access.plan_for(user, plan_id, write=True)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    if "owner_id" in changes:
        owner_id = changes.pop("owner_id")
        if owner_id is None:
            raise ValidationError({"owner_id": "A plan always has an owner."})
        changes["owner"] = _owner(plan.school, owner_id, user)
    for key in ("kind", "title", "start_date", "review_date", "shared_with_family", "status"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    for key in ("reason", "strengths", "closed_reason"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    with acting(request):
        updated = services.update_plan(plan, changes, version, by=user)
    updated.pupil = plan.pupil
    return _plan_out(updated)


@router.post("/plans/{plan_id}/targets", response={201: PlanTargetOut, **responses(403, 404, 422)})
def add_plan_target(request, plan_id: int, payload: PlanTargetIn):
    """Add a SMART target, optionally linked to objectives of the school's frameworks."""
    user = caller(request)
    plan = access.plan_for(user, plan_id, write=True)
    with acting(request):
        target = _add_target(plan, payload, user)
    return Status(201, _target_out(target))


@router.patch(
    "/plan-targets/{target_id}", response={200: PlanTargetOut, **responses(403, 404, 409, 422)}
)
def update_plan_target(request, target_id: int, payload: PlanTargetPatch):
    """Change a target; achieved (without a date) is achieved today."""
    user = caller(request)
    target = access.target_for(user, target_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    if "objective_ids" in changes:
        changes["objectives"] = changes.pop("objective_ids") or []
    for key in ("specific", "measure", "target_date", "status"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    with acting(request):
        return _target_out(services.update_target(target, changes, version, by=user))


@router.post(
    "/plans/{plan_id}/provision", response={201: PlanProvisionOut, **responses(403, 404, 422)}
)
def add_plan_provision(request, plan_id: int, payload: PlanProvisionIn):
    """Add a line of provision: what, who, how often, hours a week."""
    user = caller(request)
    plan = access.plan_for(user, plan_id, write=True)
    with acting(request):
        item = services.add_provision(plan, **payload.model_dump())
    return Status(201, _provision_out(item))


@router.patch(
    "/provision/{provision_id}",
    response={200: PlanProvisionOut, **responses(403, 404, 409, 422)},
)
def update_plan_provision(request, provision_id: int, payload: PlanProvisionPatch):
    """Change a line of provision. Send the `version` you read."""
    user = caller(request)
    item = access.provision_for(user, provision_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    for key in ("what", "who"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    if "frequency" in changes and changes["frequency"] is None:
        changes["frequency"] = ""
    with acting(request):
        return _provision_out(services.update_provision(item, changes, version))


@router.post(
    "/plans/{plan_id}/reviews",
    response={201: PlanReviewOut, **responses(403, 404, 409, 422)},
)
def add_plan_review(request, plan_id: int, payload: PlanReviewIn):
    """Record a review: outcome, progress per target (each target takes the status given), and
    the next review date, or the outcome close (the plan closes on the day of the review)."""
    user = caller(request)
    plan = access.plan_for(user, plan_id, write=True)
    progress = {}
    for index, item in enumerate(payload.progress):
        if item.target_id in progress:
            raise ValidationError({f"progress.{index}.target_id": "That target is given twice."})
        progress[item.target_id] = (item.status, item.note)
    with acting(request):
        review = services.record_review(
            plan,
            held_on=payload.held_on,
            outcome=payload.outcome,
            expected_version=payload.version,
            next_review_date=payload.next_review_date,
            summary=payload.summary,
            pupil_views=payload.pupil_views,
            family_views=payload.family_views,
            progress=progress,
            by=user,
        )
    return Status(201, _review_out(review))


# The inclusion manager's list ------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/inclusion-list",
    response={200: InclusionListOut, **responses(403, 404)},
)
def inclusion_list(request, school_id: int, filters: Query[InclusionFilters]):
    """Pupils not on track with no open plan (checked against the SEN register), pupils on the
    register with no plan, and plans whose review is overdue, each with the reasons in words:
    what the /support/ page shows."""
    user = caller(request)
    school = get_school(user, school_id, None)
    if school not in access.list_schools(user):
        raise Refused("The inclusion list is for the inclusion manager, senior staff and teachers.")
    today = timezone.localdate()
    school_class = group = None
    if filters.class_id is not None:
        school_class = SchoolClass.objects.filter(pk=filters.class_id, school=school).first()
        if school_class is None:
            raise OutOfScope("class_id", "No class with that id at this school.")
    if filters.year_group_id is not None:
        group = YearGroup.objects.filter(pk=filters.year_group_id, school=school).first()
        if group is None:
            raise OutOfScope("year_group_id", "No year group with that id at this school.")
    pupils = access.list_pupils(user, school, today, school_class=school_class, year_group=group)
    found = queries.inclusion_list(
        school, list(pupils), today=today, at_risk=not filters.off_track_only
    )
    access.log_read(
        user, [e.pupil for e in found.entries], "Inclusion list (API): SEN status and plans", school
    )
    return {
        "school_id": school.pk,
        "point_id": found.point.pk if found.point else None,
        "pupils_checked": found.pupils,
        "counts": found.counts,
        "entries": [
            {
                "pupil_id": e.pupil.pk,
                "first_name": e.pupil.first_name,
                "last_name": e.pupil.last_name,
                "class_name": e.place.school_class.name
                if e.place and e.place.school_class
                else None,
                "sen_status": e.sen.value if e.sen else None,
                "kinds": e.kinds,
                "reasons": e.reasons,
                "not_on_track": [
                    {
                        "subject_id": r.subject_id,
                        "subject": r.subject_name,
                        "status": r.status,
                        "reason": r.reason,
                    }
                    for r in e.not_on_track
                ],
                "open_plan_ids": [p.pk for p in e.plans],
            }
            for e in found.entries
        ],
    }
