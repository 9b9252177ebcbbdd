"""Tests and results: assessment definitions (bands, pass mark), norm tables, sittings, results
(one at a time with the version you read, or a bulk import with a dry run that returns the
reconciliation) and the comparison of tests with teacher judgement.

Who sees what, as on the pages: definitions and sittings are for the staff of their school;
a diagnostic (sensitive) definition, its sittings and its results exist only for those who may
see diagnostics (senior staff and the inclusion manager; the placing provider sees a placed
pupil's diagnostic results through the pupil's results). Every diagnostic result read here is
written to the audit log. Changing definitions, norm tables and sittings needs
manage_assessments; recording results needs record_results."""

from datetime import date as Date
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from nextsteps.assessment.queries import subjects_for_school
from nextsteps.audit.services import record_read
from nextsteps.interop.readers import FileProblem
from nextsteps.results import access, comparison, importing, services
from nextsteps.results.models import (
    AssessmentDefinition,
    Band,
    NormTable,
    Result,
    Sitting,
)
from nextsteps.results.scoring import ScoreError
from nextsteps.schools.models import AssessmentPoint, Pupil, SchoolClass
from nextsteps.schools.queries import pupils_in_class

from .errors import ErrorOut, OutOfScope, Refused, responses
from .scope import acting, caller, get_pupil, get_school, visible_school_ids

router = Router(tags=["results"])


# Access -------------------------------------------------------------------------------------


# The rules are nextsteps.results.access's, as on the pages; the API tells a caller who may
# know of the school (a parent, a placing provider) 403 rather than 404.


def _definition(user, definition_id: int, permission: str | None = None) -> AssessmentDefinition:
    return access.definition_for(
        user,
        definition_id,
        permission=permission,
        known_schools=visible_school_ids(user),
        queryset=AssessmentDefinition.objects.select_related("school").prefetch_related(
            Prefetch("bands", queryset=Band.objects.order_by("order"))
        ),
    )


def _sitting(user, sitting_id: int, permission: str | None = None) -> Sitting:
    return access.sitting_for(
        user, sitting_id, permission=permission, known_schools=visible_school_ids(user)
    )


def _school_for_results(user, school_id: int):
    school = get_school(user, school_id, permission=None)
    access.require_staff_of(user, school)
    return school


def _log_diagnostic_reads(user, results) -> None:
    """One audit entry per pupil whose diagnostic results were shown, per test."""
    seen = set()
    for result in results:
        definition = result.sitting.definition
        key = (result.pupil_id, definition.pk)
        if definition.sensitive and key not in seen:
            seen.add(key)
            record_read(
                user,
                result.pupil,
                f"Diagnostic result: {definition.name} (API)",
                school=result.sitting.school,
            )


# Assessment definitions ---------------------------------------------------------------------


class BandOut(Schema):
    id: int
    order: int
    label: str
    lower: float | None
    upper: float | None
    expectation: str = Field(..., description="below, at or above expected")
    colour: str


class ComponentOut(Schema):
    code: str
    name: str
    subject: str | None = None


class DefinitionOut(Schema):
    id: int
    school_id: int
    code: str
    name: str
    kind: str
    measure: str = Field(..., description="what the headline score is: standardised, scaled, ...")
    subject_code: str
    publisher: str
    description: str
    max_mark: float | None
    min_score: float | None
    max_score: float | None
    threshold: float | None = Field(..., description="pass mark or expected standard")
    scale_id: int | None
    components: list[ComponentOut]
    sensitive: bool
    shipped: bool
    active: bool
    version: int
    bands: list[BandOut]

    @staticmethod
    def resolve_bands(obj):
        return list(obj.bands.all())


class DefinitionFilters(Schema):
    active: bool | None = None
    kind: str | None = None


class BandIn(Schema):
    label: str
    lower: Decimal | None = Field(None, description="lowest score in the band; null is open")
    upper: Decimal | None = Field(None, description="scores below this; null is open")
    expectation: str = Field(..., description="below, at or above")
    colour: str = "#9e9e9e"


class DefinitionPatch(Schema):
    version: int = Field(..., description="the version you read; a stale one gives 409")
    name: str | None = None
    description: str | None = None
    publisher: str | None = None
    threshold: Decimal | None = None
    max_mark: Decimal | None = None
    min_score: Decimal | None = None
    max_score: Decimal | None = None
    active: bool | None = None
    sensitive: bool | None = None
    bands: list[BandIn] | None = Field(
        None, description="every band, lowest first; each starts where the one below ends"
    )


class DefinitionConflictOut(ErrorOut):
    current_version: int
    current: DefinitionOut


def _definition_out(definition_id: int) -> AssessmentDefinition:
    return (
        AssessmentDefinition.objects.prefetch_related(
            Prefetch("bands", queryset=Band.objects.order_by("order"))
        )
        .filter(pk=definition_id)
        .get()
    )


@router.get(
    "/schools/{school_id}/assessment-definitions",
    response={200: list[DefinitionOut], **responses(403, 404)},
)
def list_definitions(request, school_id: int, filters: Query[DefinitionFilters]):
    """The school's tests, checks, baselines, questionnaires and screenings, with their bands.
    Diagnostic ones are listed only for those who may see diagnostics."""
    user = caller(request)
    school = _school_for_results(user, school_id)
    definitions = access.definitions_for(user).filter(school=school)
    if filters.active is not None:
        definitions = definitions.filter(active=filters.active)
    if filters.kind:
        definitions = definitions.filter(kind=filters.kind)
    return definitions.prefetch_related(
        Prefetch("bands", queryset=Band.objects.order_by("order"))
    ).order_by("name", "pk")


@router.get(
    "/assessment-definitions/{definition_id}",
    response={200: DefinitionOut, **responses(403, 404)},
)
def get_definition(request, definition_id: int):
    return _definition(caller(request), definition_id)


# Fields that may be cleared with null; the others must have a value when sent.
_CLEARABLE = {"threshold", "max_mark", "min_score", "max_score"}


@router.patch(
    "/assessment-definitions/{definition_id}",
    response={200: DefinitionOut, 409: DefinitionConflictOut, **responses(403, 404, 422)},
)
def update_definition(request, definition_id: int, payload: DefinitionPatch):
    """Tune a test (permission manage_assessments): its name, marks, pass mark, whether it is in
    use or sensitive, and its bands (all of them, replacing the old). Every recorded result is
    read again. Send the `version` you read: if someone changed the test since, nothing is
    saved and the answer is 409 with the test as it is now."""
    user = caller(request)
    definition = _definition(user, definition_id, "manage_assessments")
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    bands = changes.pop("bands", None)
    for key, value in changes.items():
        if value is None and key not in _CLEARABLE:
            raise DjangoValidationError({key: "This field cannot be empty."})
    try:
        with acting(request), transaction.atomic():
            current = services.update_definition(
                definition, by=user, expected_version=version, **changes
            )
            if bands is not None:
                services.tune_bands(current, bands, by=user)
    except services.StaleDefinition as exc:
        return Status(
            409,
            {
                "detail": "Someone else changed this test while you were editing it. "
                "Their change has been kept; look at it and make yours again.",
                "errors": [],
                "current_version": exc.current.version,
                "current": _definition_out(exc.current.pk),
            },
        )
    return _definition_out(definition.pk)


# Norm tables --------------------------------------------------------------------------------


class NormTableOut(Schema):
    id: int
    definition_id: int
    name: str
    source: str
    min_age_months: int
    max_age_months: int
    min_raw: float
    max_raw: float
    entry_count: int
    uploaded_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_uploaded_by(obj):
        return str(obj.uploaded_by) if obj.uploaded_by_id else None


class NormEntryOut(Schema):
    age_months: int
    raw_score: float
    standardised: float


class NormTableDetailOut(NormTableOut):
    entries: list[NormEntryOut]

    @staticmethod
    def resolve_entries(obj):
        return list(obj.entries.order_by("age_months", "raw_score"))


class NormTableCreatedOut(NormTableOut):
    left_out: int = Field(..., description="cells that were not exact scores, such as <70")


Cell = int | float | str | None


class NormRowIn(Schema):
    age_years: Cell = None
    age_months: Cell = None
    raw: Cell = Field(None, description="a raw score, or a span such as 12-14")
    standardised: Cell = Field(None, description="the score; cells such as <70 are left out")


class NormTableIn(Schema):
    name: str = Field("", max_length=200)
    source: str = Field("", max_length=300, description="publisher, edition, page")
    rows: list[NormRowIn] | None = Field(
        None, description="one row per age and raw score (the long shape)", max_length=20000
    )
    filename: str | None = Field(None, description="with content: ends in .csv or .xlsx")
    content: str | None = Field(
        None, description=f"a CSV file's text, in either shape: {services.SHAPES_HELP}"
    )


def _norm_tables(definition):
    return definition.norm_tables.select_related("uploaded_by").annotate(
        entry_count=Count("entries")
    )


@router.get(
    "/assessment-definitions/{definition_id}/norm-tables",
    response={200: list[NormTableOut], **responses(403, 404)},
)
def list_norm_tables(request, definition_id: int):
    """The norm tables loaded for a standardised test, newest first."""
    definition = _definition(caller(request), definition_id)
    return _norm_tables(definition).order_by("-created_at", "-pk")


@router.get("/norm-tables/{table_id}", response={200: NormTableDetailOut, **responses(403, 404)})
def get_norm_table(request, table_id: int):
    """A norm table with every standardised score in it, by age in completed months."""
    table = NormTable.objects.filter(pk=table_id).first()
    if table is None:
        raise Http404
    definition = _definition(caller(request), table.definition_id)
    return _norm_tables(definition).get(pk=table.pk)


@router.post(
    "/assessment-definitions/{definition_id}/norm-tables",
    response={201: NormTableCreatedOut, **responses(403, 404, 422)},
)
def load_norm_table(request, definition_id: int, payload: NormTableIn):
    """Load a publisher's norm table (permission manage_assessments), as `rows` or as a CSV
    file's `content`. All or nothing: every problem is reported (field `rows.N` for the Nth
    row counting from 0, or `content` with the file's line), and nothing is loaded."""
    user = caller(request)
    definition = _definition(user, definition_id, "manage_assessments")
    if (payload.rows is None) == (payload.content is None):
        raise DjangoValidationError("Send either rows or a file's content, not both.")
    upload = rows = None
    if payload.content is not None:
        upload = ContentFile(payload.content.encode(), name=payload.filename or "norm-table.csv")
        where = "content"
    else:
        rows = [row.model_dump() for row in payload.rows]
        where = "rows"
    try:
        with acting(request):
            table = services.load_norm_table(
                definition,
                by=user,
                upload=upload,
                rows=rows,
                name=payload.name,
                source=payload.source,
            )
    except services.NormTableError as exc:
        errors = []
        for line, message in exc.problems:
            if line is None:
                errors.append({"field": where, "message": message})
            elif where == "rows":
                errors.append({"field": f"rows.{line - 1}", "message": f"Row {line}: {message}"})
            else:
                errors.append({"field": "content", "message": f"Line {line}: {message}"})
        return Status(
            422,
            {"detail": "The norm table was not loaded; put right every problem.", "errors": errors},
        )
    left_out = table.left_out
    table = _norm_tables(definition).get(pk=table.pk)
    table.left_out = left_out
    return Status(201, table)


# Sittings -----------------------------------------------------------------------------------


class SittingOut(Schema):
    id: int
    school_id: int
    definition_id: int
    definition: str
    sensitive: bool
    academic_year_id: int
    name: str
    date: Date
    assessment_point_id: int | None
    threshold: float | None = Field(..., description="this sitting's own pass mark, if any")
    pass_mark: float | None = Field(..., description="the pass mark in force")
    norm_table_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_definition(obj):
        return obj.definition.name

    @staticmethod
    def resolve_sensitive(obj):
        return obj.definition.sensitive


class SittingFilters(Schema):
    definition_id: int | None = None
    academic_year_id: int | None = None


class SittingIn(Schema):
    definition_id: int
    date: Date
    name: str = Field("", max_length=200, description="defaults to the test's name and month")
    assessment_point_id: int | None = Field(
        None, description="the point whose summary judgements it is compared with"
    )
    threshold: Decimal | None = Field(None, description="only if it differs from the usual")
    norm_table_id: int | None = None


class SittingPatch(Schema):
    name: str | None = Field(None, max_length=200)
    date: Date | None = None
    assessment_point_id: int | None = None
    threshold: Decimal | None = None
    norm_table_id: int | None = None


def _point_at(school_id: int, point_id: int | None):
    if point_id is None:
        return None
    point = AssessmentPoint.objects.filter(pk=point_id, academic_year__school_id=school_id).first()
    if point is None:
        raise OutOfScope("assessment_point_id", "No assessment point with that id at this school.")
    return point


def _norm_table_of(definition, table_id: int | None):
    if table_id is None:
        return None
    table = NormTable.objects.filter(pk=table_id, definition=definition).first()
    if table is None:
        raise OutOfScope("norm_table_id", f"No norm table with that id for {definition.name}.")
    return table


@router.get(
    "/schools/{school_id}/sittings", response={200: list[SittingOut], **responses(403, 404)}
)
def list_sittings(request, school_id: int, filters: Query[SittingFilters]):
    """The school's sittings, newest first (diagnostic ones only for those who may see them)."""
    user = caller(request)
    school = _school_for_results(user, school_id)
    sittings = access.sittings_for(user).filter(school=school)
    if filters.definition_id:
        sittings = sittings.filter(definition_id=filters.definition_id)
    if filters.academic_year_id:
        sittings = sittings.filter(academic_year_id=filters.academic_year_id)
    return sittings.select_related("definition").order_by("-date", "name", "pk")


@router.post(
    "/schools/{school_id}/sittings", response={201: SittingOut, **responses(403, 404, 422)}
)
def create_sitting(request, school_id: int, payload: SittingIn):
    """A new sitting of one of the school's tests (permission manage_assessments), in the
    academic year holding its date."""
    user = caller(request)
    school = _school_for_results(user, school_id)
    access.require(user, "manage_assessments", school)
    definition = (
        access.definitions_for(user).filter(school=school, pk=payload.definition_id).first()
    )
    if definition is None:
        raise OutOfScope("definition_id", "No test with that id at this school.")
    with acting(request):
        sitting = services.create_sitting(
            definition,
            date=payload.date,
            by=user,
            name=payload.name,
            assessment_point=_point_at(school.pk, payload.assessment_point_id),
            threshold=payload.threshold,
            norm_table=_norm_table_of(definition, payload.norm_table_id),
        )
    return Status(201, sitting)


@router.get("/sittings/{sitting_id}", response={200: SittingOut, **responses(403, 404)})
def get_sitting(request, sitting_id: int):
    return _sitting(caller(request), sitting_id)


@router.patch("/sittings/{sitting_id}", response={200: SittingOut, **responses(403, 404, 422)})
def update_sitting(request, sitting_id: int, payload: SittingPatch):
    """Change a sitting (permission manage_assessments). Its results are read again: a new
    date recomputes ages and conversions, a new pass mark re-marks who met it."""
    user = caller(request)
    sitting = _sitting(user, sitting_id, "manage_assessments")
    changes = payload.model_dump(exclude_unset=True)
    if "date" in changes and changes["date"] is None:
        raise DjangoValidationError({"date": "This field cannot be empty."})
    if "name" in changes and changes["name"] is None:
        changes["name"] = ""
    if "assessment_point_id" in changes:
        changes["assessment_point"] = _point_at(
            sitting.school_id, changes.pop("assessment_point_id")
        )
    if "norm_table_id" in changes:
        changes["norm_table"] = _norm_table_of(sitting.definition, changes.pop("norm_table_id"))
    with acting(request):
        services.update_sitting(sitting, by=user, **changes)
    return _sitting(user, sitting_id)


# Results ------------------------------------------------------------------------------------


class ResultBandOut(Schema):
    id: int
    label: str
    expectation: str
    colour: str


class ResultOut(Schema):
    id: int
    sitting_id: int
    sitting: str
    date: Date
    definition_id: int
    definition: str
    sensitive: bool
    pupil_id: int
    pupil_name: str
    component: str
    raw_score: float | None
    score: float | None = Field(..., description="the headline score in the test's measure")
    grade_id: int | None
    grade: str | None
    age_months: int | None = Field(..., description="age in completed months at the test")
    percentile: int | None
    band: ResultBandOut | None
    met_threshold: bool | None
    note: str
    source: str
    recorded_by: str | None
    recorded_at: datetime
    version: int

    @staticmethod
    def resolve_sitting(obj):
        return obj.sitting.name

    @staticmethod
    def resolve_date(obj):
        return obj.sitting.date

    @staticmethod
    def resolve_definition_id(obj):
        return obj.sitting.definition_id

    @staticmethod
    def resolve_definition(obj):
        return obj.sitting.definition.name

    @staticmethod
    def resolve_sensitive(obj):
        return obj.sitting.definition.sensitive

    @staticmethod
    def resolve_pupil_name(obj):
        return f"{obj.pupil.first_name} {obj.pupil.last_name}"

    @staticmethod
    def resolve_grade(obj):
        return obj.grade.label if obj.grade_id else None

    @staticmethod
    def resolve_recorded_by(obj):
        return str(obj.recorded_by) if obj.recorded_by_id else None


class ResultFilters(Schema):
    class_id: int | None = Field(None, description="only the pupils of this class")


class ResultIn(Schema):
    version: int = Field(
        ..., ge=0, description="the version of the result you saw; 0 when there was none"
    )
    raw_score: Decimal | None = None
    score: Decimal | None = Field(None, description="given directly, it wins over converting")
    grade_id: int | None = Field(None, description="for tests recorded as grades")
    component: str = Field("", max_length=40, description="the part, for tests in parts")
    note: str = Field("", max_length=300)


class ResultConflictOut(ErrorOut):
    current_version: int = Field(..., description="0 when the result was cleared")
    current: ResultOut | None


_RELATED = ("sitting__definition", "sitting__school", "pupil", "grade", "band", "recorded_by")


def _results():
    return Result.objects.select_related(*_RELATED)


def _conflict(user, exc: services.StaleResult):
    current = None
    if exc.current is not None:
        current = _results().get(pk=exc.current.pk)
        _log_diagnostic_reads(user, [current])
    return Status(
        409,
        {
            "detail": str(exc),
            "errors": [],
            "current_version": current.version if current else 0,
            "current": current,
        },
    )


# The service's names for the inputs, and the API's.
_SCORE_FIELDS = {"grade": "grade_id", "date_of_birth": None}


def _score_error(exc: ScoreError) -> DjangoValidationError:
    field = _SCORE_FIELDS.get(exc.field, exc.field)
    return DjangoValidationError({field: exc.message} if field else exc.message)


@router.get(
    "/sittings/{sitting_id}/results", response={200: list[ResultOut], **responses(403, 404)}
)
def sitting_results(request, sitting_id: int, filters: Query[ResultFilters]):
    """The sitting's results for the pupils you may see (a class teacher: their class), by
    pupil. Each diagnostic result shown is written to the audit log."""
    user = caller(request)
    sitting = _sitting(user, sitting_id)
    results = Result.objects.visible_to(user).filter(sitting=sitting)
    if filters.class_id:
        school_class = SchoolClass.objects.visible_to(user).filter(pk=filters.class_id).first()
        if school_class is None:
            raise OutOfScope("class_id", "No class with that id is yours to see.")
        results = results.filter(pupil__in=pupils_in_class(user, school_class, on=sitting.date))
    results = list(
        results.select_related(*_RELATED).order_by(
            "pupil__legal_last_name", "pupil__legal_first_name", "pupil_id", "component"
        )
    )
    _log_diagnostic_reads(user, results)
    return results


def _pupil_for_recording(user, pupil_id: int) -> Pupil:
    pupil = Pupil.objects.visible_to(user).filter(pk=pupil_id).first()
    if pupil is None:
        raise Http404
    return pupil


@router.put(
    "/sittings/{sitting_id}/results/{int:pupil_id}",
    response={200: ResultOut, 409: ResultConflictOut, **responses(403, 404, 422)},
)
def record_result(request, sitting_id: int, pupil_id: int, payload: ResultIn):
    """Record a pupil's result (permission record_results): a raw score (converted through
    the sitting's norm table, a percentage or kept as it is, as the test reads it), a score,
    or a grade. Send the `version` of the result you saw (0 for none): if it has changed
    since, nothing is saved and the answer is 409 with the result as it is now."""
    user = caller(request)
    sitting = _sitting(user, sitting_id, "record_results")
    pupil = _pupil_for_recording(user, pupil_id)
    try:
        with acting(request):
            result = services.record_result(
                sitting,
                pupil,
                by=user,
                raw_score=payload.raw_score,
                score=payload.score,
                grade=payload.grade_id,
                component=payload.component,
                note=payload.note,
                expected_version=payload.version,
                source=Result.Source.API,
            )
    except services.StaleResult as exc:
        return _conflict(user, exc)
    except ScoreError as exc:
        raise _score_error(exc) from None
    result = _results().get(pk=result.pk)
    _log_diagnostic_reads(user, [result])
    return result


@router.delete(
    "/sittings/{sitting_id}/results/{int:pupil_id}",
    response={204: None, 409: ResultConflictOut, **responses(403, 404, 422)},
)
def clear_result(request, sitting_id: int, pupil_id: int, version: int, component: str = ""):
    """Clear a pupil's result (permission record_results; the audit log keeps what it was).
    `version` is the version you saw: if the result changed since, nothing is cleared and
    the answer is 409."""
    user = caller(request)
    sitting = _sitting(user, sitting_id, "record_results")
    pupil = _pupil_for_recording(user, pupil_id)
    try:
        with acting(request):
            services.clear_result(
                sitting, pupil, by=user, component=component, expected_version=version
            )
    except services.StaleResult as exc:
        return _conflict(user, exc)
    return Status(204, None)


@router.get("/pupils/{pupil_id}/results", response={200: list[ResultOut], **responses(404)})
def pupil_results(request, pupil_id: int):
    """Every result of the pupil you may see, newest sitting first. Diagnostic results are
    included only for senior staff, the inclusion manager and the placing provider, and each
    read of them is written to the audit log."""
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    results = list(
        Result.objects.visible_to(user)
        .filter(pupil=pupil)
        .select_related(*_RELATED)
        .order_by("-sitting__date", "sitting__definition__name", "component", "pk")
    )
    _log_diagnostic_reads(user, results)
    return results


# Importing results --------------------------------------------------------------------------


class ResultRowIn(Schema):
    """One row as a test publisher exports it. Give the UPN, or the name (one `name`, or
    `first_name` and `last_name`) and date of birth; and a raw score, a score or both."""

    model_config = {"extra": "forbid"}

    line: int | None = Field(None, ge=1, description="its number in your file; default: 1, 2, ...")
    upn: Cell = None
    name: Cell = Field(None, description="First Last, or Last, First")
    first_name: Cell = None
    last_name: Cell = None
    date_of_birth: Cell = Field(None, description="yyyy-mm-dd or dd/mm/yyyy")
    raw_score: Cell = None
    score: Cell = Field(None, description="standardised score, scaled score or percentage")
    age_at_test: Cell = Field(None, description="8:05, or months; compared with NextSteps' own")
    test_date: Cell = None


Choice = int | str


class ResultImportIn(Schema):
    dry_run: bool = Field(True, description="check only and write nothing")
    rows: list[ResultRowIn] = Field(..., min_length=1)
    choices: dict[str, Choice] = Field(
        default_factory=dict,
        description="for rows that matched nobody or several pupils: line -> pupil id or 'skip'",
    )
    leave_out_errors: bool = Field(
        False, description="write the other rows even though some rows have errors"
    )

    @field_validator("choices")
    @classmethod
    def _choices(cls, value):
        for line, choice in value.items():
            if not line.isdigit():
                raise ValueError(f"'{line}' is not a line number.")
            if isinstance(choice, str) and choice != "skip" and not choice.isdigit():
                raise ValueError(f"Line {line}: choose a pupil id or 'skip'.")
        return value


class PupilRefOut(Schema):
    id: int
    name: str
    date_of_birth: Date | None
    upn: str


class CellProblemOut(Schema):
    column: str = Field(..., description="the column at fault, empty for the row as a whole")
    message: str


class ImportedOut(Schema):
    raw_score: str
    score: str
    age_months: int | None
    percentile: int | None
    band: str
    met_threshold: bool | None


class ResultRowOut(Schema):
    line: int
    status: str = Field(..., description="create, update, unchanged, choose, skip or error")
    label: str = Field(..., description="the row's name (or UPN) as given")
    upn: str
    date_of_birth: str
    pupil: PupilRefOut | None = Field(..., description="who the row is for")
    how: str = Field(..., description="matched by upn or name, or chosen")
    why: str = Field(..., description="unmatched or ambiguous, for rows that needed a choice")
    candidates: list[PupilRefOut]
    raw_score: str
    score: str
    result: ImportedOut | None = Field(..., description="what would be stored")
    changes: list[str]
    errors: list[CellProblemOut]
    warnings: list[str]


class ResultImportSummaryOut(Schema):
    rows: int
    create: int
    update: int
    unchanged: int
    choose: int
    skip: int
    error: int
    unmatched: int
    ambiguous: int


class ResultImportOut(Schema):
    dry_run: bool
    committed: bool = Field(..., description="whether the results were written")
    detail: str
    summary: ResultImportSummaryOut
    rows: list[ResultRowOut]
    pool: list[PupilRefOut] = Field(
        ..., description="pupils in the year groups the rows cover who have no row yet"
    )


def _pupil_refs(user, ids) -> dict[int, dict]:
    pupils = Pupil.objects.visible_to(user).filter(pk__in=set(ids))
    return {
        p.pk: {
            "id": p.pk,
            "name": f"{p.first_name} {p.last_name}",
            "date_of_birth": p.date_of_birth,
            "upn": p.upn or "",
        }
        for p in pupils
    }


def _import_out(user, recon, *, dry_run: bool, committed: bool, detail: str) -> dict:
    ids = list(recon.pool)
    for entry in recon.entries:
        ids.extend(entry["candidates"])
        if entry["pupil"] is not None:
            ids.append(entry["pupil"])
    refs = _pupil_refs(user, ids)
    rows = []
    for entry in recon.entries:
        stored = entry["result"]
        rows.append(
            {
                "line": entry["line"],
                "status": entry["status"],
                "label": entry["label"],
                "upn": entry["upn"],
                "date_of_birth": entry["dob"],
                "pupil": refs.get(entry["pupil"]),
                "how": entry["how"],
                "why": entry["why"],
                "candidates": [refs[pk] for pk in entry["candidates"] if pk in refs],
                "raw_score": entry["raw"],
                "score": entry["score"],
                "result": {
                    "raw_score": stored["raw"],
                    "score": stored["score"],
                    "age_months": stored["age"],
                    "percentile": stored["percentile"],
                    "band": stored["band"],
                    "met_threshold": stored["met"],
                }
                if stored
                else None,
                "changes": entry["changes"],
                "errors": entry["errors"],
                "warnings": entry["warnings"],
            }
        )
    needing = [e for e in recon.entries if e["why"]]
    summary = {
        "rows": len(recon.entries),
        **recon.summary,
        "unmatched": sum(e["why"] == "unmatched" for e in needing),
        "ambiguous": sum(e["why"] == "ambiguous" for e in needing),
    }
    return {
        "dry_run": dry_run,
        "committed": committed,
        "detail": detail,
        "summary": summary,
        "rows": rows,
        "pool": [refs[pk] for pk in recon.pool if pk in refs],
    }


def _not_ready(recon, leave_out_errors: bool) -> str:
    """Why the checked rows cannot be written yet ("" when they can)."""
    if recon.undecided:
        return (
            f"Nothing was written: {recon.undecided} row(s) matched nobody or several pupils. "
            'Choose the pupil for each (choices: line -> pupil id) or skip it ("skip").'
        )
    if recon.errors and not leave_out_errors:
        return (
            f"Nothing was written: {recon.errors} row(s) have errors. Correct them, or send "
            "leave_out_errors to write the other rows."
        )
    return ""


@router.post(
    "/sittings/{sitting_id}/results/import",
    response={200: ResultImportOut, **responses(403, 404, 422)},
)
def import_results(request, sitting_id: int, payload: ResultImportIn):
    """Import many results into a sitting (permission record_results). Each row is matched to
    a pupil by UPN, else by name and date of birth, among the pupils of the school you may
    see. The answer is the reconciliation, row by row: who each row is for, what would be
    stored, and the rows that matched nobody or several pupils (with candidates to choose
    from), rows with errors and warnings.

    With `dry_run` (the default) nothing is written. Otherwise, when every row is decided
    (and rows with errors are left out with `leave_out_errors`), every row is written in one
    transaction, all or nothing; if anything is undecided nothing is written and `committed`
    is false."""
    user = caller(request)
    sitting = _sitting(user, sitting_id)
    if not access.may_import(user, sitting):
        raise Refused(access.REFUSALS["record_results"])
    limit = settings.NEXTSTEPS_IMPORT_MAX_ROWS
    if len(payload.rows) > limit:
        raise DjangoValidationError(
            {"rows": f"Send at most {limit} rows at once; split the rest into further calls."}
        )
    lines = [row.line for row in payload.rows if row.line is not None]
    if len(lines) != len(set(lines)):
        raise DjangoValidationError({"rows": "Each row needs its own line number."})
    records = [row.model_dump(exclude_none=True) for row in payload.rows]
    try:
        rows = importing.rows_from_records(records)
        if payload.dry_run:
            recon = importing.check(sitting, rows, user, choices=payload.choices)
            return _import_out(
                user, recon, dry_run=True, committed=False, detail="Checked; nothing was written."
            )
        with acting(request):
            done = importing.commit(
                sitting,
                rows,
                user,
                choices=payload.choices,
                leave_out_errors=payload.leave_out_errors,
            )
    except importing.NotReady as exc:
        # nothing was written; the check that refused it shows what still needs deciding
        recon = exc.reconciliation
        detail = _not_ready(recon, payload.leave_out_errors) or str(exc)
        return _import_out(user, recon, dry_run=False, committed=False, detail=detail)
    except FileProblem as exc:
        raise DjangoValidationError(str(exc)) from None
    except PermissionDenied:
        raise Refused(access.REFUSALS["record_results"]) from None
    counts = done.summary
    written = counts["create"] + counts["update"]
    return _import_out(
        user,
        done,
        dry_run=False,
        committed=True,
        detail=f"Imported: {written} result(s) written, {counts['unchanged']} unchanged.",
    )


# Tests beside teacher judgement -------------------------------------------------------------


class ComparisonQuery(Schema):
    school_id: int | None = Field(None, description="the whole school (senior staff)")
    year_group_id: int | None = Field(None, description="a year group (senior staff)")
    class_id: int | None = Field(None, description="a class you can see")
    subject_id: int
    point_id: int = Field(..., description="the assessment point compared")


class MatrixCellOut(Schema):
    test: str = Field(..., description="the test's reading: below, at or above expected")
    teacher: str = Field(..., description="the teacher's reading")
    count: int
    percent: int | None


class MatrixOut(Schema):
    cells: list[MatrixCellOut]
    pupils: int
    compared: int
    agree: int
    disagree: int
    agree_percent: int | None
    test_higher: int
    teacher_higher: int
    no_test: int = Field(..., description="a summary judgement but no test to read")
    no_judgement: int = Field(..., description="a test but no summary judgement")
    neither: int


class TestSideOut(Schema):
    result_id: int
    definition: str
    sitting: str
    date: Date
    score: float | None
    band: str
    grade: str
    reading: str
    linked: bool = Field(..., description="the sitting is linked to the point compared")


class TeacherSideOut(Schema):
    judgement_id: int
    grade: str
    short: str
    reading: str


class ComparedPupilOut(Schema):
    pupil_id: int
    name: str
    test: TestSideOut | None
    teacher: TeacherSideOut | None
    steps: int | None = Field(..., description="how far apart the two readings are")
    direction: str | None = Field(
        ..., description="agree, test higher than teacher or teacher higher than test"
    )


class GroupMatrixOut(Schema):
    id: int
    name: str
    matrix: MatrixOut


class BreakdownOut(Schema):
    by: str = Field(..., description="year_group or class")
    groups: list[GroupMatrixOut]


class NamedOut(Schema):
    id: int
    name: str


class SubjectRefOut(NamedOut):
    code: str


class PointRefOut(NamedOut):
    date: Date


class ComparisonOut(Schema):
    scope: str = Field(..., description="school, year_group or class")
    target: NamedOut
    school_id: int
    subject: SubjectRefOut
    point: PointRefOut
    matrix: MatrixOut
    breakdowns: list[BreakdownOut]
    disagreements: list[ComparedPupilOut] = Field(
        ..., description="biggest gap first; the list for pupil progress meetings"
    )
    pupils: list[ComparedPupilOut] = Field(..., description="every pupil compared, by name")


def _matrix(matrix) -> dict:
    return {
        "cells": [
            {"test": c.test, "teacher": c.teacher, "count": c.count, "percent": c.percent}
            for row in matrix.rows()
            for c in row.cells
        ],
        "pupils": matrix.pupils,
        "compared": matrix.compared,
        "agree": matrix.agree,
        "disagree": matrix.disagree,
        "agree_percent": matrix.agree_percent,
        "test_higher": matrix.test_higher,
        "teacher_higher": matrix.teacher_higher,
        "no_test": matrix.no_test,
        "no_judgement": matrix.no_judgement,
        "neither": matrix.neither,
    }


def _compared(row) -> dict:
    test, teacher = row.test, row.teacher
    return {
        "pupil_id": row.pupil.pk,
        "name": f"{row.pupil.first_name} {row.pupil.last_name}",
        "test": None
        if test is None
        else {
            "result_id": test.result_id,
            "definition": test.definition,
            "sitting": test.sitting,
            "date": test.date,
            "score": test.score,
            "band": test.band,
            "grade": test.grade,
            "reading": test.reading,
            "linked": test.linked,
        },
        "teacher": None
        if teacher is None
        else {
            "judgement_id": teacher.judgement_id,
            "grade": teacher.grade,
            "short": teacher.short,
            "reading": teacher.reading,
        },
        "steps": row.steps,
        "direction": row.direction,
    }


_KINDS = {
    "school_id": access.SCHOOL,
    "year_group_id": access.YEAR_GROUP,
    "class_id": access.CLASS,
}
_SCOPE_NAMES = {access.SCHOOL: "school", access.YEAR_GROUP: "year_group", access.CLASS: "class"}


def _comparison_scope(user, query: ComparisonQuery) -> access.ComparisonScope:
    """404 for what the caller cannot see, 403 for a year group or the whole school without
    sight of every pupil there, as on the comparison pages (access.comparison_scope)."""
    given = [name for name in _KINDS if getattr(query, name) is not None]
    if len(given) != 1:
        raise DjangoValidationError("Give exactly one of school_id, year_group_id or class_id.")
    name = given[0]
    return access.comparison_scope(
        user, _KINDS[name], getattr(query, name), known_schools=visible_school_ids(user)
    )


@router.get("/comparison", response={200: ComparisonOut, **responses(403, 404, 422)})
def compare(request, query: Query[ComparisonQuery]):
    """Tests beside teacher judgement for a class, a year group or the school, in a subject
    at an assessment point: each pupil's latest test band read as below, at or above
    expected beside the teacher's summary judgement read the same way; the concordance
    matrix (with one per year group and class below it), and the pupils where the two
    disagree, by how much and in which direction. Diagnostic screenings are never compared."""
    user = caller(request)
    scope = _comparison_scope(user, query)
    kind, target, school = _SCOPE_NAMES[scope.kind], scope.target, scope.school
    subject = subjects_for_school(school).filter(pk=query.subject_id).first()
    if subject is None:
        raise OutOfScope("subject_id", "No subject with that id in the school's frameworks.")
    point = scope.points().filter(pk=query.point_id).first()
    if point is None:
        raise OutOfScope("point_id", "No assessment point with that id for this comparison.")
    cohort = scope.cohort(user, point)
    found = comparison.compare(user, cohort, subject, point)
    breakdowns = []
    for by in {"school": ["year_group", "class"], "year_group": ["class"]}.get(kind, []):
        groups = comparison.groups_on_roll(cohort, school, point, by)
        breakdowns.append(
            {
                "by": by,
                "groups": [
                    {"id": group.pk, "name": group.name, "matrix": _matrix(matrix)}
                    for group, matrix in found.breakdown(groups)
                ],
            }
        )
    return {
        "scope": kind,
        "target": {"id": target.pk, "name": target.name},
        "school_id": school.pk,
        "subject": {"id": subject.pk, "code": subject.code, "name": subject.name},
        "point": {"id": point.pk, "name": point.name, "date": point.date},
        "matrix": _matrix(found.matrix),
        "breakdowns": breakdowns,
        "disagreements": [_compared(row) for row in found.disagreements],
        "pupils": [_compared(row) for row in found.rows],
    }
