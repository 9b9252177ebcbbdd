"""Frameworks, their stages, subjects, strands and objectives, and the scales they use.
Shipped frameworks and scales are visible to every signed-in user; a school's or trust's own
are visible to those who can see that school or trust."""

from decimal import Decimal

from django.db.models import Prefetch, Q
from django.http import Http404
from ninja import Field, Query, Router, Schema

from nextsteps.curriculum.models import (
    Framework,
    Grade,
    Objective,
    Scale,
    Subject,
    SuccessCriterion,
)
from nextsteps.schools.models import School

from .errors import responses
from .scope import caller, visible_school_ids

router = Router(tags=["curriculum"])


class GradeOut(Schema):
    id: int
    order: int
    value: Decimal
    label: str
    short_label: str
    colour: str
    secure: bool


class ScaleOut(Schema):
    id: int
    code: str
    name: str
    description: str
    school_id: int | None
    grades: list[GradeOut]


class StageOut(Schema):
    id: int
    code: str
    name: str
    order: int
    year_stage: int | None


class StrandOut(Schema):
    id: int
    name: str
    order: int


class SubjectOut(Schema):
    id: int
    code: str
    name: str
    order: int
    judgement_scale_id: int
    summary_scale_id: int
    strands: list[StrandOut]

    @staticmethod
    def resolve_judgement_scale_id(obj):
        return obj.objective_scale().pk

    @staticmethod
    def resolve_summary_scale_id(obj):
        return obj.point_scale().pk


class FrameworkSummaryOut(Schema):
    id: int
    code: str
    version: int
    name: str
    stage_kind: str
    school_id: int | None
    trust_id: int | None


class FrameworkOut(FrameworkSummaryOut):
    description: str
    judgement_scale_id: int
    summary_scale_id: int
    stages: list[StageOut]
    subjects: list[SubjectOut]


class ObjectiveOut(Schema):
    id: int
    code: str
    subject_id: int
    strand_id: int
    stage_id: int
    stage: str = Field(..., alias="stage.code")
    statement: str
    pupil_statement: str
    order: int
    key: bool
    retired: bool
    success_criteria: list[str]

    @staticmethod
    def resolve_retired(obj):
        return obj.retired_at is not None

    @staticmethod
    def resolve_success_criteria(obj):
        return [c.text for c in obj.success_criteria.all()]


class ObjectiveFilters(Schema):
    stage_id: int | None = None
    strand_id: int | None = None
    key_only: bool = False
    include_retired: bool = False


def frameworks_for(user):
    schools = visible_school_ids(user)
    trusts = School.objects.filter(pk__in=schools, trust__isnull=False).values("trust_id")
    return Framework.objects.filter(
        Q(school__isnull=True, trust__isnull=True)
        | Q(school_id__in=schools)
        | Q(trust_id__in=trusts)
    )


def scales_for(user):
    return Scale.objects.filter(Q(school__isnull=True) | Q(school_id__in=visible_school_ids(user)))


@router.get("/scales", response={200: list[ScaleOut], **responses()})
def list_scales(request):
    """Scales shipped with NextSteps and those of schools you can see, with their grades."""
    return scales_for(caller(request)).prefetch_related(
        Prefetch("grades", queryset=Grade.objects.order_by("order"))
    )


@router.get("/frameworks", response={200: list[FrameworkSummaryOut], **responses()})
def list_frameworks(request):
    return frameworks_for(caller(request)).order_by("name", "-version")


@router.get("/frameworks/{framework_id}", response={200: FrameworkOut, **responses(404)})
def get_framework(request, framework_id: int):
    framework = (
        frameworks_for(caller(request))
        .prefetch_related(
            "stages",
            Prefetch(
                "subjects",
                queryset=Subject.objects.select_related("framework").prefetch_related("strands"),
            ),
        )
        .filter(pk=framework_id)
        .first()
    )
    if framework is None:
        raise Http404
    return framework


@router.get(
    "/subjects/{subject_id}/objectives", response={200: list[ObjectiveOut], **responses(404)}
)
def list_objectives(request, subject_id: int, filters: Query[ObjectiveFilters]):
    """The subject's learning ladder in order, optionally for one stage or strand."""
    subject = Subject.objects.filter(
        pk=subject_id, framework__in=frameworks_for(caller(request))
    ).first()
    if subject is None:
        raise Http404
    objectives = Objective.objects.filter(subject=subject).select_related("stage")
    if not filters.include_retired:
        objectives = objectives.active()
    if filters.stage_id:
        objectives = objectives.filter(stage_id=filters.stage_id)
    if filters.strand_id:
        objectives = objectives.filter(strand_id=filters.strand_id)
    if filters.key_only:
        objectives = objectives.filter(key=True)
    return objectives.order_by("stage__order", "order").prefetch_related(
        Prefetch("success_criteria", queryset=SuccessCriterion.objects.order_by("order"))
    )
