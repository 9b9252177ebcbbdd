"""Objective judgements: current values, history, single and bulk recording. A write names the
judgement it was made over (`expected_judgement_id`, null for an empty cell); if someone else
has recorded since, nothing is written and the answer says what is there now."""

from datetime import datetime

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from nextsteps.assessment import services
from nextsteps.assessment.models import CurrentJudgement, Judgement
from nextsteps.curriculum.models import Grade, Objective
from nextsteps.schools.models import Pupil, SchoolClass

from .curriculum import frameworks_for
from .errors import ErrorOut, OutOfScope, Refused, responses
from .scope import acting, caller, get_pupil, require_for_pupil

router = Router(tags=["judgements"])


class JudgementOut(Schema):
    id: int
    pupil_id: int
    objective_id: int
    grade_id: int | None
    grade: str | None
    recorded_by: str | None
    recorded_at: datetime
    source: str
    note: str
    replaces_id: int | None

    @staticmethod
    def resolve_grade(obj):
        return obj.grade.short_label if obj.grade_id else None

    @staticmethod
    def resolve_recorded_by(obj):
        return str(obj.recorded_by) if obj.recorded_by_id else None


class JudgementIn(Schema):
    pupil_id: int
    objective_id: int
    grade_id: int | None = Field(..., description="null clears the cell (a new event)")
    expected_judgement_id: int | None = Field(
        ..., description="the current judgement you saw for this cell; null if it was empty"
    )
    note: str = Field("", max_length=300)


class JudgementConflictOut(ErrorOut):
    current: JudgementOut | None


class BulkIn(Schema):
    items: list[JudgementIn] = Field(..., max_length=2000)


class BulkItemOut(Schema):
    index: int
    status: str = Field(..., description="saved, unchanged, conflict or refused")
    message: str = ""
    judgement: JudgementOut | None = None


class BulkOut(Schema):
    saved: int
    conflicts: int
    refused: int
    items: list[BulkItemOut]


class CurrentFilters(Schema):
    subject_id: int | None = None
    stage_id: int | None = None


def _current(queryset, filters: CurrentFilters):
    rows = CurrentJudgement.objects.filter(queryset)
    if filters.subject_id:
        rows = rows.filter(objective__subject_id=filters.subject_id)
    if filters.stage_id:
        rows = rows.filter(objective__stage_id=filters.stage_id)
    judgements = Judgement.objects.filter(pk__in=rows.values("judgement_id"))
    return judgements.select_related("grade", "recorded_by").order_by("pupil_id", "objective_id")


@router.get("/pupils/{pupil_id}/judgements", response={200: list[JudgementOut], **responses(404)})
def pupil_judgements(request, pupil_id: int, filters: Query[CurrentFilters]):
    """The pupil's current judgement for every objective judged (cleared cells included)."""
    from django.db.models import Q

    pupil = get_pupil(caller(request), pupil_id)
    return _current(Q(pupil=pupil), filters)


@router.get("/classes/{class_id}/judgements", response={200: list[JudgementOut], **responses(404)})
def class_judgements(request, class_id: int, filters: Query[CurrentFilters]):
    """Current judgements of the class's pupils that you can see: the markbook's data."""
    from django.db.models import Q

    user = caller(request)
    school_class = SchoolClass.objects.visible_to(user).filter(pk=class_id).first()
    if school_class is None:
        raise Http404
    from nextsteps.schools.queries import pupils_in_class

    pupils = pupils_in_class(user, school_class)
    return _current(Q(pupil__in=pupils), filters)


@router.get(
    "/pupils/{pupil_id}/objectives/{objective_id}/history",
    response={200: list[JudgementOut], **responses(404)},
)
def history(request, pupil_id: int, objective_id: int):
    """Every judgement ever recorded for the pupil and objective, oldest first."""
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    objective = Objective.objects.filter(
        pk=objective_id, subject__framework__in=frameworks_for(user)
    ).first()
    if objective is None:
        raise Http404
    return services.judgement_history(pupil, objective)


def _resolve(user, item: JudgementIn):
    pupil = Pupil.objects.visible_to(user).filter(pk=item.pupil_id).first()
    if pupil is None:
        raise OutOfScope("pupil_id", "No pupil with that id is yours to see.")
    require_for_pupil(user, "record_judgements", pupil)
    objective = (
        Objective.objects.select_related("subject__framework", "subject__judgement_scale")
        .filter(pk=item.objective_id, subject__framework__in=frameworks_for(user))
        .first()
    )
    if objective is None:
        raise OutOfScope("objective_id", "No objective with that id is yours to use.")
    grade = None
    if item.grade_id is not None:
        grade = Grade.objects.filter(pk=item.grade_id).first()
        if grade is None:
            raise OutOfScope("grade_id", "No grade with that id.")
    return pupil, objective, grade


def _record(user, item: JudgementIn):
    pupil, objective, grade = _resolve(user, item)
    return services.record_judgement(
        pupil,
        objective,
        grade,
        by=user,
        expected=item.expected_judgement_id,
        source=Judgement.Source.API,
        note=item.note,
    )


@router.post(
    "/judgements",
    response={201: JudgementOut, 409: JudgementConflictOut, **responses(403, 404, 422)},
)
def record(request, payload: JudgementIn):
    """Record one judgement. 409 if the cell changed since you read it (nothing is saved)."""
    user = caller(request)
    with acting(request):
        try:
            judgement = _record(user, payload)
        except services.StaleCell as exc:
            return Status(409, {"detail": str(exc), "errors": [], "current": exc.current})
    return Status(201, judgement)


@router.post("/judgements/bulk", response={200: BulkOut, **responses(422)})
def record_many(request, payload: BulkIn):
    """Record many judgements. Each item is applied or refused on its own and reported; none
    is silently dropped."""
    from django.core.exceptions import ValidationError
    from django.http import Http404 as NotFound
    from ninja.errors import HttpError

    user = caller(request)
    results, counts = [], {"saved": 0, "conflicts": 0, "refused": 0}
    with acting(request):
        for index, item in enumerate(payload.items):
            try:
                before = item.expected_judgement_id
                judgement = _record(user, item)
            except services.StaleCell as exc:
                counts["conflicts"] += 1
                results.append(
                    {
                        "index": index,
                        "status": "conflict",
                        "message": str(exc),
                        "judgement": exc.current,
                    }
                )
            except (ValidationError, HttpError, NotFound, Refused, OutOfScope) as exc:
                counts["refused"] += 1
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                results.append(
                    {"index": index, "status": "refused", "message": message or "Not found."}
                )
            else:
                unchanged = judgement.pk == before
                if not unchanged:
                    counts["saved"] += 1
                results.append(
                    {
                        "index": index,
                        "status": "unchanged" if unchanged else "saved",
                        "judgement": judgement,
                    }
                )
    return {**counts, "items": results}
