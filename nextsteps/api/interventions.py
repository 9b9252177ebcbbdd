"""Interventions and their impact: the JSON routes, scoped as the /interventions/ pages are (see
nextsteps.interventions.access): outside your scope is 404; seeing but not changing is 403. A
change to an intervention carries the `version` you read (stale: 409). Costs are null for
anyone who is not on the school's staff; member lists hold only the pupils you may see.

A finished intervention's impact comes from its stored measurement (taken once it has ended;
`measured_at` says when); a running one is measured to today (`so_far`)."""

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from nextsteps.accounts.models import User
from nextsteps.curriculum.models import Stage, Strand, Subject
from nextsteps.interventions import access, evaluation, queries, services
from nextsteps.interventions.impact import REASONS
from nextsteps.interventions.models import Intervention
from nextsteps.schools import policy
from nextsteps.schools.models import Pupil
from nextsteps.tracking.services import is_staff_at

from .errors import OutOfScope, Refused, responses
from .scope import acting, caller, get_pupil, get_school, visible_school_ids

router = Router(tags=["interventions"])

KindName = Literal[tuple(Intervention.Kind.values)]  # type: ignore[valid-type]
MeasureName = Literal[tuple(Intervention.MeasureKind.values)]  # type: ignore[valid-type]
BasisName = Literal[tuple(Intervention.CostBasis.values)]  # type: ignore[valid-type]


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        return round(value.numerator / value.denominator, 3)
    return float(value)


class InterventionMemberOut(Schema):
    pupil_id: int
    first_name: str
    last_name: str
    joined: date
    left: date | None


class InterventionOut(Schema):
    id: int
    school_id: int
    name: str
    kind: str
    description: str
    staff_ids: list[int]
    start_date: date
    end_date: date | None
    status: str = Field(..., description="planned, running or finished")
    sessions_per_week: int
    minutes_per_session: int
    hours_per_week: float
    cost: float | None = Field(..., description="As given; null when unknown or not yours to see")
    cost_basis: str = Field(..., description="total or per_pupil: what `cost` is for")
    cost_total: float | None
    cost_per_pupil: float | None
    measure_kind: str
    measure: str = Field(..., description="The measure in words")
    subject_id: int | None
    stage_id: int | None
    strand_id: int | None
    definition_id: int | None
    review_area_id: int | None
    members: list[InterventionMemberOut] = Field(..., description="Only the pupils you may see")
    other_members: int = Field(..., description="Members you may not see")
    version: int


class InterventionIn(Schema):
    name: str = Field(..., max_length=150)
    kind: KindName = Intervention.Kind.INTERVENTION
    description: str = ""
    staff_ids: list[int] = []
    start_date: date
    end_date: date | None = None
    sessions_per_week: int = Field(..., ge=1, le=services.MAX_SESSIONS)
    minutes_per_session: int = Field(..., ge=5, le=services.MAX_MINUTES)
    cost: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=2)
    cost_basis: BasisName = Intervention.CostBasis.TOTAL
    measure_kind: MeasureName
    subject_id: int | None = Field(None, description="objectives: the subject")
    stage_id: int | None = Field(None, description="objectives: one stage of it (optional)")
    strand_id: int | None = Field(None, description="objectives: one strand of it (optional)")
    definition_id: int | None = Field(None, description="test: the assessment definition")
    review_area_id: int | None = Field(None, description="review: the weekly review area")


class InterventionPatch(Schema):
    version: int = Field(..., description="The version you read; a newer one on file gives 409")
    name: str | None = Field(None, max_length=150)
    kind: KindName | None = None
    description: str | None = None
    staff_ids: list[int] | None = None
    start_date: date | None = None
    end_date: date | None = None
    sessions_per_week: int | None = Field(None, ge=1, le=services.MAX_SESSIONS)
    minutes_per_session: int | None = Field(None, ge=5, le=services.MAX_MINUTES)
    cost: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=2)
    cost_basis: BasisName | None = None
    measure_kind: MeasureName | None = None
    subject_id: int | None = None
    stage_id: int | None = None
    strand_id: int | None = None
    definition_id: int | None = None
    review_area_id: int | None = None


class ListFilters(Schema):
    school_id: int | None = None
    status: Literal["planned", "running", "finished"] | None = None


class MembersIn(Schema):
    pupil_ids: list[int] = Field(..., min_length=1, max_length=500)
    joined: date | None = Field(None, description="Default: today, or the start if later")


class LeftOut(Schema):
    pupil_id: int
    left: date | None
    removed: bool = Field(..., description="True: they had not started, so were taken off")


class ImpactRowOut(Schema):
    pupil_id: int
    joined: date
    left: date | None
    measured_from: date | None
    measured_to: date | None
    entry: float | None
    exit: float | None
    entry_on: date | None
    exit_on: date | None
    change: float | None
    starting_point: str | None
    counted: bool
    not_counted_because: str | None


class ImpactOut(Schema):
    intervention_id: int
    measure: str
    unit: str
    margin: float
    verdict: Literal["more", "same", "less", "too_few", "not_measured"]
    label: str
    detail: str
    text: str
    so_far: bool
    members: int
    pupils: int = Field(..., description="Members in the comparison")
    similar: int = Field(..., description="Similar pupils they were compared with")
    pupils_mean: float | None
    similar_mean: float | None
    difference: float | None
    not_counted: dict[str, int]
    period_start: date | None
    period_end: date | None
    measured_at: datetime | None = Field(..., description="When the stored measurement was taken")
    waiting: str | None
    rows: list[ImpactRowOut] = Field(..., description="Only the members you may see")


class MapRowOut(Schema):
    group: str
    pupil_id: int
    first_name: str
    last_name: str
    year_group: str
    school_class: str
    intervention_id: int
    intervention: str
    joined: date
    left: date | None
    hours_per_week: float
    cost_per_pupil: float | None
    change: float | None
    impact: str


class MapSummaryOut(Schema):
    intervention_id: int
    name: str
    kind: str
    start_date: date
    end_date: date | None
    pupils: int
    hours_per_week: float
    cost_total: float | None
    cost_per_pupil: float | None
    verdict: str
    impact: str


class MapOut(Schema):
    school_id: int
    academic_year_id: int
    group_by: str
    interventions: list[MapSummaryOut]
    rows: list[MapRowOut]


class MapFilters(Schema):
    academic_year_id: int | None = Field(None, description="Default: the current year")
    group_by: Literal["year-group", "class"] = "year-group"


class PupilInterventionOut(Schema):
    intervention_id: int
    name: str
    kind: str
    school_id: int
    description: str
    start_date: date
    end_date: date | None
    joined: date
    left: date | None
    status: str
    sessions_per_week: int
    minutes_per_session: int
    measure: str
    entry: float | None
    latest: float | None = Field(..., description="The exit value once it has ended")
    change: float | None
    cost_per_pupil: float | None = Field(..., description="Null unless you are school staff")
    impact: str | None = Field(..., description="The group's verdict; null for families")


# Reading --------------------------------------------------------------------------------------


def _out(user, item, today=None) -> dict:
    today = today or timezone.localdate()
    visible = set(Pupil.objects.visible_to(user).values_list("pk", flat=True))
    places = list(item.members.select_related("pupil").order_by("joined", "pk"))
    shown = [p for p in places if p.pupil_id in visible]
    total, per = queries.costs(item, len(places))
    costs = access.sees_costs(user, item.school_id)
    return {
        "id": item.pk,
        "school_id": item.school_id,
        "name": item.name,
        "kind": item.kind,
        "description": item.description,
        "staff_ids": sorted(u.pk for u in item.staff.all()),
        "start_date": item.start_date,
        "end_date": item.end_date,
        "status": queries.status(item, today),
        "sessions_per_week": item.sessions_per_week,
        "minutes_per_session": item.minutes_per_session,
        "hours_per_week": float(queries.hours(item.minutes_per_week)),
        "cost": _number(item.cost) if costs else None,
        "cost_basis": item.cost_basis,
        "cost_total": _number(total) if costs else None,
        "cost_per_pupil": _number(per) if costs else None,
        "measure_kind": item.measure_kind,
        "measure": evaluation.measure_for(item).describe(),
        "subject_id": item.subject_id,
        "stage_id": item.stage_id,
        "strand_id": item.strand_id,
        "definition_id": item.definition_id,
        "review_area_id": item.review_area_id,
        "members": [
            {
                "pupil_id": p.pupil_id,
                "first_name": p.pupil.first_name,
                "last_name": p.pupil.last_name,
                "joined": p.joined,
                "left": p.left,
            }
            for p in shown
        ],
        "other_members": len(places) - len(shown),
        "version": item.version,
    }


@router.get("/interventions", response={200: list[InterventionOut], **responses()})
def list_interventions(request, filters: Query[ListFilters]):
    """Interventions you may open (staff of their school, staff whose pupils take part, the
    providers of placed students): everyone else gets an empty list."""
    user = caller(request)
    rows = queries.for_list(user, state=filters.status)
    if filters.school_id is not None:
        rows = rows.filter(school_id=filters.school_id)
    return [_out(user, item) for item in rows.prefetch_related("staff")]


@router.get("/interventions/{intervention_id}", response={200: InterventionOut, **responses(404)})
def get_intervention(request, intervention_id: int):
    user = caller(request)
    return _out(user, access.intervention_for(user, intervention_id))


# Writing --------------------------------------------------------------------------------------


def _resolve(school, data: dict) -> dict:
    """Ids in the input turned into the school's own objects (404 naming the field otherwise)."""
    fields = {}
    if "subject_id" in data:
        pk = data.pop("subject_id")
        fields["subject"] = None
        if pk is not None:
            fields["subject"] = Subject.objects.filter(
                pk=pk, framework__school_links__school=school
            ).first()
            if fields["subject"] is None:
                raise OutOfScope("subject_id", "No subject with that id is taught here.")
    for name, model in (("stage", Stage), ("strand", Strand)):
        if f"{name}_id" in data:
            pk = data.pop(f"{name}_id")
            fields[name] = None
            if pk is not None:
                fields[name] = model.objects.filter(pk=pk).first()
                if fields[name] is None:
                    raise OutOfScope(f"{name}_id", f"No {name} with that id.")
    if "definition_id" in data:
        pk = data.pop("definition_id")
        fields["definition"] = None
        if pk is not None:
            fields["definition"] = services.measurable_tests(school).filter(pk=pk).first()
            if fields["definition"] is None:
                raise OutOfScope("definition_id", "No test with a score at this school.")
    if "review_area_id" in data:
        pk = data.pop("review_area_id")
        fields["review_area"] = None
        if pk is not None:
            fields["review_area"] = services.review_areas(school).filter(pk=pk).first()
            if fields["review_area"] is None:
                raise OutOfScope("review_area_id", "No review area with that id here.")
    if "staff_ids" in data:
        ids = data.pop("staff_ids") or []
        staff = list(User.objects.filter(pk__in=ids))
        if len(staff) != len(set(ids)) or not all(is_staff_at(u, school) for u in staff):
            raise OutOfScope("staff_ids", "Someone in the list does not work at this school.")
        fields["staff"] = staff
    fields.update(data)
    return fields


@router.post(
    "/schools/{school_id}/interventions",
    response={201: InterventionOut, **responses(403, 404, 422)},
)
def create_intervention(request, school_id: int, payload: InterventionIn):
    """Set up an intervention or focus group with its measure (permission
    manage_interventions). Fields of the other measures are ignored."""
    user = caller(request)
    school = get_school(user, school_id, permission=access.MANAGE)
    fields = _resolve(school, payload.model_dump())
    staff = fields.pop("staff", [])
    with acting(request):
        item = services.create_intervention(school, by=user, staff=staff, **fields)
    return Status(201, _out(user, item))


@router.patch(
    "/interventions/{intervention_id}",
    response={200: InterventionOut, **responses(403, 404, 409, 422)},
)
def update_intervention(request, intervention_id: int, payload: InterventionPatch):
    """Change an intervention (permission manage_interventions). Send the `version` you read."""
    user = caller(request)
    item = access.intervention_for(user, intervention_id, manage=True)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    for key in (
        "name",
        "kind",
        "start_date",
        "sessions_per_week",
        "minutes_per_session",
        "cost_basis",
        "measure_kind",
    ):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    if changes.get("description", "") is None:
        changes["description"] = ""
    fields = _resolve(item.school, changes)
    with acting(request):
        item = services.update_intervention(item, fields, version, by=user)
    return _out(user, access.intervention_for(user, item.pk))


@router.post(
    "/interventions/{intervention_id}/members",
    response={201: list[InterventionMemberOut], **responses(403, 404, 422)},
)
def add_members(request, intervention_id: int, payload: MembersIn):
    """Add pupils (permission manage_interventions); all or nothing. Answers the members you
    may see, with the new ones."""
    user = caller(request)
    item = access.intervention_for(user, intervention_id, manage=True)
    pupils = list(Pupil.objects.visible_to(user).filter(pk__in=payload.pupil_ids))
    if len(pupils) != len(set(payload.pupil_ids)):
        raise OutOfScope("pupil_ids", "A pupil in the list is not yours to see.")
    with acting(request):
        services.add_members(
            item,
            pupils,
            joined=payload.joined or services.default_joined(item, timezone.localdate()),
            by=user,
        )
    return Status(201, _out(user, item)["members"])


@router.delete(
    "/interventions/{intervention_id}/members/{pupil_id}",
    response={200: LeftOut, **responses(403, 404, 422)},
)
def member_left(request, intervention_id: int, pupil_id: int, left: date | None = None):
    """Record that a pupil left (default today; permission manage_interventions). Their history
    stays; a pupil who had not started is taken off instead (`removed`)."""
    user = caller(request)
    item = access.intervention_for(user, intervention_id, manage=True)
    pupil = get_pupil(user, pupil_id)
    day = left or timezone.localdate()
    with acting(request):
        place = services.mark_left(item, pupil, left=day, by=user)
    return {"pupil_id": pupil.pk, "left": place.left if place else None, "removed": place is None}


# Impact ---------------------------------------------------------------------------------------


def _impact_out(user, evaluated) -> dict:
    impact = evaluated.impact
    measure = evaluated.measure
    rows, _ = queries.member_rows(user, evaluated)
    out_rows = []
    for row in rows:
        line = row.line
        reason = impact.reason_of.get(row.pupil.pk)
        out_rows.append(
            {
                "pupil_id": row.pupil.pk,
                "joined": row.place.joined,
                "left": row.place.left,
                "measured_from": line.period.start if line else None,
                "measured_to": line.period.end if line else None,
                "entry": _number(line.value.entry) if line else None,
                "exit": _number(line.value.exit) if line else None,
                "entry_on": line.value.entry_on if line else None,
                "exit_on": line.value.exit_on if line else None,
                "change": _number(line.value.change) if line else None,
                "starting_point": row.starting_point if line else None,
                "counted": line is not None and reason is None,
                "not_counted_because": REASONS.get(reason) if reason else None,
            }
        )
    return {
        "intervention_id": evaluated.intervention.pk,
        "measure": measure.describe(),
        "unit": measure.reading.unit,
        "margin": _number(measure.reading.margin),
        "verdict": impact.verdict,
        "label": impact.label,
        "detail": impact.detail,
        "text": impact.text,
        "so_far": impact.so_far,
        "members": impact.members,
        "pupils": impact.pupils,
        "similar": impact.similar,
        "pupils_mean": _number(impact.pupils_mean),
        "similar_mean": _number(impact.similar_mean),
        "difference": _number(impact.difference),
        "not_counted": impact.not_counted,
        "period_start": evaluated.span.start if evaluated.span else None,
        "period_end": evaluated.span.end if evaluated.span else None,
        "measured_at": evaluated.stored.taken_at if evaluated.stored else None,
        "waiting": evaluated.waiting,
        "rows": out_rows,
    }


@router.get("/interventions/{intervention_id}/impact", response={200: ImpactOut, **responses(404)})
def intervention_impact(request, intervention_id: int):
    """Each member's change on the measure against similar pupils not in it, with the counts
    and the verdict in words."""
    user = caller(request)
    item = access.intervention_for(user, intervention_id)
    with acting(request):
        evaluated = evaluation.evaluate(item, by=user)
    return _impact_out(user, evaluated)


@router.post(
    "/interventions/{intervention_id}/evaluations",
    response={201: ImpactOut, **responses(403, 404, 422)},
)
def measure_again(request, intervention_id: int):
    """Measure a finished intervention again from the records as they are now, and keep it
    (permission manage_interventions). 422 while it still runs or waits for its exit test."""
    user = caller(request)
    item = access.intervention_for(user, intervention_id, manage=True)
    with acting(request):
        try:
            evaluation.take_evaluation(item, by=user)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        evaluated = evaluation.evaluate(item, by=user)
    return Status(201, _impact_out(user, evaluated))


# The provision map and a pupil's interventions --------------------------------------------------


@router.get(
    "/schools/{school_id}/provision-map", response={200: MapOut, **responses(403, 404, 422)}
)
def provision_map(request, school_id: int, filters: Query[MapFilters]):
    """Who gets what at the school in a year: the interventions with hours, cost and verdict,
    and a row per pupil you may see and intervention (the /interventions/map/ page's data)."""
    user = caller(request)
    school = access.map_schools(user).filter(pk=school_id).first()
    if school is None:
        if school_id in visible_school_ids(user):
            raise Refused(access.STAFF_ONLY)
        raise Http404
    if filters.academic_year_id is not None:
        year = school.academic_years.filter(pk=filters.academic_year_id).first()
        if year is None:
            raise OutOfScope("academic_year_id", "No academic year with that id here.")
    else:
        year = school.current_year()
        if year is None:
            raise ValidationError({"academic_year_id": "The school has no academic year yet."})
    with acting(request):
        pmap = queries.provision_map(user, school, year, group_by=filters.group_by)
    return {
        "school_id": school.pk,
        "academic_year_id": year.pk,
        "group_by": filters.group_by,
        "interventions": [
            {
                "intervention_id": s.intervention.pk,
                "name": s.intervention.name,
                "kind": s.intervention.kind,
                "start_date": s.intervention.start_date,
                "end_date": s.intervention.end_date,
                "pupils": s.pupils,
                "hours_per_week": float(s.hours),
                "cost_total": _number(s.total),
                "cost_per_pupil": _number(s.per_pupil),
                "verdict": s.evaluated.impact.verdict,
                "impact": s.evaluated.impact.text,
            }
            for s in pmap.summaries
        ],
        "rows": [
            {
                "group": r.group,
                "pupil_id": r.pupil.pk,
                "first_name": r.pupil.first_name,
                "last_name": r.pupil.last_name,
                "year_group": r.year_group,
                "school_class": r.school_class,
                "intervention_id": r.intervention.pk,
                "intervention": r.intervention.name,
                "joined": r.place.joined,
                "left": r.place.left,
                "hours_per_week": float(r.hours),
                "cost_per_pupil": _number(r.cost),
                "change": _number(r.change_value),
                "impact": r.verdict,
            }
            for r in pmap.rows
        ],
    }


@router.get(
    "/pupils/{pupil_id}/interventions",
    response={200: list[PupilInterventionOut], **responses(404)},
)
def pupil_interventions(request, pupil_id: int):
    """The pupil's interventions, newest first. Costs only for the school's staff; the group's
    verdict only for staff and providers; never another pupil's name."""
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    family = policy.persona(user) in ("parent", "pupil")
    with acting(request):
        items = queries.for_pupil(user, pupil)
    return [
        {
            "intervention_id": i.intervention.pk,
            "name": i.intervention.name,
            "kind": i.intervention.kind,
            "school_id": i.intervention.school_id,
            "description": i.intervention.description,
            "start_date": i.intervention.start_date,
            "end_date": i.intervention.end_date,
            "joined": i.place.joined,
            "left": i.place.left,
            "status": i.status,
            "sessions_per_week": i.intervention.sessions_per_week,
            "minutes_per_session": i.intervention.minutes_per_session,
            "measure": i.evaluated.measure.describe(),
            "entry": _number(i.line.value.entry) if i.line else None,
            "latest": _number(i.line.value.exit) if i.line else None,
            "change": _number(i.line.value.change) if i.line else None,
            "cost_per_pupil": _number(i.costs[1]) if i.sees_costs else None,
            "impact": None if family else i.evaluated.impact.text,
        }
        for i in items
    ]
