"""Frameworks, their stages, subjects, strands and objectives, and the scales they use.
Shipped frameworks and scales are visible to every signed-in user; a school's or trust's own
are visible to those who can see that school or trust."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from nextsteps.curriculum.models import (
    Framework,
    Grade,
    Objective,
    PupilStage,
    Scale,
    Stage,
    Subject,
    SuccessCriterion,
)
from nextsteps.schools.models import School

from .errors import OutOfScope, responses
from .scope import acting, caller, get_pupil, get_school, require_for_pupil, visible_school_ids

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


class ExportOut(Schema):
    filename: str
    content_type: str
    content: str


class ImportIn(Schema):
    filename: str = Field(..., description="ends in .yaml, .yml or .csv")
    content: str = Field(..., description="the file's text (UTF-8), at most 1 MB")
    dry_run: bool = Field(True, description="check only; nothing is written")


class ProblemOut(Schema):
    line: int | None
    message: str


class ImportOut(Schema):
    ok: bool
    action: str | None = Field(None, description="new, new_version or unchanged")
    problems: list[ProblemOut]
    framework: FrameworkSummaryOut | None = None


class WorkingStageIn(Schema):
    subject_id: int
    stage_id: int
    since: date
    reason: str = Field("", max_length=200)


class WorkingStageOut(Schema):
    id: int
    pupil_id: int
    subject_id: int
    stage_id: int
    stage: str = Field(..., alias="stage.name")
    since: date
    reason: str


@router.get("/frameworks/{framework_id}/export", response={200: ExportOut, **responses(404, 422)})
def export_framework(request, framework_id: int, format: str = "yaml"):  # noqa: A002
    """The framework as a YAML or CSV file, the same format the import reads."""
    from nextsteps.curriculum import transfer

    framework = frameworks_for(caller(request)).filter(pk=framework_id).first()
    if framework is None:
        raise Http404
    if format not in {"yaml", "csv"}:
        raise DjangoValidationError({"format": "Export as yaml or csv."})
    content = transfer.to_yaml(framework) if format == "yaml" else transfer.to_csv(framework)
    return {
        "filename": f"{framework.code}-v{framework.version}.{format}",
        "content_type": "application/yaml" if format == "yaml" else "text/csv",
        "content": content,
    }


@router.post(
    "/schools/{school_id}/frameworks/import", response={200: ImportOut, **responses(403, 404, 422)}
)
def import_framework(request, school_id: int, payload: ImportIn):
    """Check a framework file and, unless `dry_run`, import it for the school: all or nothing,
    a new version when the school's framework of that code changed. Problems come line by line;
    with problems nothing is written."""
    from nextsteps.curriculum import services, transfer

    user = caller(request)
    school = get_school(user, school_id, "manage_curriculum")
    content = payload.content.encode()
    checked = services.check_framework_file(content, payload.filename, school)
    problems = [{"line": p.line, "message": p.message} for p in checked.problems]
    if not checked.ok or payload.dry_run:
        return {"ok": checked.ok, "action": checked.action, "problems": problems}
    with acting(request):
        try:
            framework = services.import_framework(content, payload.filename, school, by=user)
        except transfer.FrameworkFileError as exc:
            problems = [{"line": p.line, "message": p.message} for p in exc.problems]
            return {"ok": False, "action": None, "problems": problems}
    return {"ok": True, "action": checked.action, "problems": [], "framework": framework}


@router.get(
    "/pupils/{pupil_id}/working-stages", response={200: list[WorkingStageOut], **responses(404)}
)
def list_working_stages(request, pupil_id: int):
    """The stages the pupil is tracked at, newest first per subject."""
    pupil = get_pupil(caller(request), pupil_id)
    return PupilStage.objects.filter(pupil=pupil).select_related("stage")


@router.post(
    "/pupils/{pupil_id}/working-stages",
    response={201: WorkingStageOut, **responses(403, 404, 422)},
)
def set_working_stage(request, pupil_id: int, payload: WorkingStageIn):
    """Track the pupil at a stage below or above their year in a subject, from a date."""
    from nextsteps.curriculum import services

    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    require_for_pupil(user, "record_judgements", pupil)
    subject = Subject.objects.filter(
        pk=payload.subject_id, framework__in=frameworks_for(user)
    ).first()
    if subject is None:
        raise OutOfScope("subject_id", "No subject with that id is yours to use.")
    stage = Stage.objects.filter(pk=payload.stage_id).first()
    if stage is None:
        raise OutOfScope("stage_id", "No stage with that id.")
    with acting(request):
        working = services.set_working_stage(
            pupil, subject, stage, since=payload.since, by=user, reason=payload.reason
        )
    return Status(201, working)


class ObjectiveIn(Schema):
    strand_id: int
    stage_id: int
    code: str = Field(..., max_length=40)
    statement: str
    pupil_statement: str = ""
    key: bool = False
    success_criteria: list[str] = []


class ObjectivePatch(Schema):
    statement: str | None = None
    pupil_statement: str | None = None
    key: bool | None = None
    success_criteria: list[str] | None = None


class MoveIn(Schema):
    direction: str = Field(..., description="up or down the stage's ladder")


def _editable_framework(user, framework_id: int) -> Framework:
    """A framework the caller may edit: their school's own (shipped and trust frameworks are
    read-only; make a school copy in the Curriculum pages)."""
    from nextsteps.schools import policy

    framework = frameworks_for(user).filter(pk=framework_id).first()
    if framework is None:
        raise Http404
    if framework.school_id is None or not policy.can(
        user, "manage_curriculum", framework.school_id
    ):
        from .errors import Refused

        raise Refused(
            "Only your school's own frameworks can be edited; shipped ones are read-only "
            "(make a school copy first)."
        )
    return framework


def _editable_objective(user, objective_id: int) -> Objective:
    objective = (
        Objective.objects.select_related("subject__framework", "stage")
        .filter(pk=objective_id, subject__framework__in=frameworks_for(user))
        .first()
    )
    if objective is None:
        raise Http404
    _editable_framework(user, objective.subject.framework_id)
    return objective


def _with_criteria(objective):
    return (
        Objective.objects.select_related("stage")
        .prefetch_related(
            Prefetch("success_criteria", queryset=SuccessCriterion.objects.order_by("order"))
        )
        .get(pk=objective.pk)
    )


@router.post(
    "/frameworks/{framework_id}/objectives",
    response={201: ObjectiveOut, **responses(403, 404, 422)},
)
def add_objective(request, framework_id: int, payload: ObjectiveIn):
    """Add an objective at the end of its stage's ladder in the strand's subject."""
    from nextsteps.curriculum import services
    from nextsteps.curriculum.models import Strand

    user = caller(request)
    framework = _editable_framework(user, framework_id)
    strand = Strand.objects.filter(pk=payload.strand_id, subject__framework=framework).first()
    if strand is None:
        raise OutOfScope("strand_id", "No strand with that id in this framework.")
    stage = Stage.objects.filter(pk=payload.stage_id, framework=framework).first()
    if stage is None:
        raise OutOfScope("stage_id", "No stage with that id in this framework.")
    if Objective.objects.filter(subject=strand.subject, code=payload.code).exists():
        raise DjangoValidationError({"code": "Another objective of this subject has that code."})
    with acting(request):
        objective = services.add_objective(
            strand,
            stage,
            payload.code,
            payload.statement,
            pupil_statement=payload.pupil_statement,
            key=payload.key,
            success_criteria=payload.success_criteria,
        )
    return Status(201, _with_criteria(objective))


@router.patch(
    "/objectives/{objective_id}", response={200: ObjectiveOut, **responses(403, 404, 422)}
)
def edit_objective(request, objective_id: int, payload: ObjectivePatch):
    from django.db import transaction

    from nextsteps.curriculum import services

    objective = _editable_objective(caller(request), objective_id)
    changes = payload.model_dump(exclude_unset=True)
    criteria = changes.pop("success_criteria", None)
    with acting(request), transaction.atomic():
        if changes:
            services.update_objective(objective, **changes)
        if criteria is not None:
            services.set_success_criteria(objective, criteria)
    return _with_criteria(objective)


@router.post(
    "/objectives/{objective_id}/move", response={200: ObjectiveOut, **responses(403, 404, 422)}
)
def move_objective(request, objective_id: int, payload: MoveIn):
    """Swap with the neighbour up or down the stage's ladder (no change at either end)."""
    from nextsteps.curriculum import services

    objective = _editable_objective(caller(request), objective_id)
    with acting(request):
        services.move_objective(objective, payload.direction)
    return _with_criteria(objective)


@router.post(
    "/objectives/{objective_id}/retire", response={200: ObjectiveOut, **responses(403, 404)}
)
def retire_objective(request, objective_id: int):
    """Hide from new work; every judgement made against it is kept."""
    from nextsteps.curriculum import services

    objective = _editable_objective(caller(request), objective_id)
    with acting(request):
        services.retire_objective(objective)
    return _with_criteria(objective)


@router.post(
    "/objectives/{objective_id}/restore", response={200: ObjectiveOut, **responses(403, 404)}
)
def restore_objective(request, objective_id: int):
    from nextsteps.curriculum import services

    objective = _editable_objective(caller(request), objective_id)
    with acting(request):
        services.restore_objective(objective)
    return _with_criteria(objective)
