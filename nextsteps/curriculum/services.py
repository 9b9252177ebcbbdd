"""Named actions on frameworks and scales. Imports (YAML/CSV), the editor pages, the API, the
demo and tests all build frameworks through these."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import (
    Framework,
    Grade,
    Objective,
    PupilStage,
    Scale,
    SchoolFramework,
    Stage,
    Strand,
    Subject,
    SuccessCriterion,
)


def _clean_save(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def create_scale(
    code: str, name: str, grades: list[dict], *, school=None, description: str = ""
) -> Scale:
    """A scale and its grades, lowest first. Each grade: label, short_label, colour, and
    optionally value (default its position) and secure (default False)."""
    if not grades:
        raise ValidationError({"grades": "A scale needs at least one grade."})
    scale = _clean_save(Scale(code=code, name=name, school=school, description=description))
    for position, spec in enumerate(grades, start=1):
        _clean_save(
            Grade(
                scale=scale,
                order=position,
                value=Decimal(str(spec.get("value", position))),
                label=spec["label"],
                short_label=spec.get("short_label") or spec["label"][:12],
                colour=spec.get("colour", "#767676"),
                secure=bool(spec.get("secure", False)),
            )
        )
    return scale


def create_framework(
    *,
    code: str,
    name: str,
    judgement_scale: Scale,
    summary_scale: Scale,
    stage_kind: str = Framework.StageKind.YEAR,
    version: int | None = None,
    school=None,
    trust=None,
    description: str = "",
    by=None,
) -> Framework:
    """A new framework, or a new version of one with the same code (the next number)."""
    if version is None:
        latest = Framework.objects.filter(code=code).aggregate(v=Max("version"))["v"]
        version = (latest or 0) + 1
    return _clean_save(
        Framework(
            code=code,
            name=name,
            version=version,
            judgement_scale=judgement_scale,
            summary_scale=summary_scale,
            stage_kind=stage_kind,
            school=school,
            trust=trust,
            description=description,
            created_by=by,
        )
    )


def add_stage(
    framework: Framework, code: str, name: str, order: int, year_stage: int | None = None
) -> Stage:
    return _clean_save(
        Stage(framework=framework, code=code, name=name, order=order, year_stage=year_stage)
    )


def add_subject(
    framework: Framework,
    code: str,
    name: str,
    *,
    order: int = 0,
    judgement_scale=None,
    summary_scale=None,
) -> Subject:
    return _clean_save(
        Subject(
            framework=framework,
            code=code,
            name=name,
            order=order,
            judgement_scale=judgement_scale,
            summary_scale=summary_scale,
        )
    )


def add_strand(subject: Subject, name: str, order: int = 0) -> Strand:
    return _clean_save(Strand(subject=subject, name=name, order=order))


@transaction.atomic
def add_objective(
    strand: Strand,
    stage: Stage,
    code: str,
    statement: str,
    *,
    pupil_statement: str = "",
    key: bool = False,
    order: int | None = None,
    success_criteria=(),
) -> Objective:
    """An objective at the end of its stage's ladder (or at `order`), with success criteria."""
    if stage.framework_id != strand.subject.framework_id:
        raise ValidationError({"stage": "That stage belongs to another framework."})
    if order is None:
        last = Objective.objects.filter(subject=strand.subject).aggregate(m=Max("order"))["m"]
        order = (last or 0) + 10
    objective = _clean_save(
        Objective(
            strand=strand,
            subject=strand.subject,
            stage=stage,
            code=code,
            statement=statement,
            pupil_statement=pupil_statement,
            key=key,
            order=order,
        )
    )
    for position, text in enumerate(success_criteria):
        _clean_save(SuccessCriterion(objective=objective, text=text, order=position))
    return objective


def update_objective(objective: Objective, **changes) -> Objective:
    allowed = {"statement", "pupil_statement", "key", "order", "strand", "stage", "code"}
    for key in changes:
        if key not in allowed:
            raise ValidationError({key: "This field cannot be changed here."})
    for key, value in changes.items():
        setattr(objective, key, value)
    return _clean_save(objective)


@transaction.atomic
def reorder_objectives(subject: Subject, objective_ids: list[int]) -> None:
    """Put the subject's objectives in the given order (the learning ladder)."""
    objectives = {o.pk: o for o in Objective.objects.select_for_update().filter(subject=subject)}
    if set(objective_ids) != set(objectives):
        raise ValidationError({"order": "Give every objective of the subject exactly once."})
    for position, pk in enumerate(objective_ids, start=1):
        objective = objectives[pk]
        if objective.order != position * 10:
            objective.order = position * 10
            objective.save()


def retire_objective(objective: Objective) -> Objective:
    """Hide an objective from new work; its judgements are kept and still shown in history."""
    if objective.retired_at is None:
        objective.retired_at = timezone.now()
        objective.save()
    return objective


def restore_objective(objective: Objective) -> Objective:
    if objective.retired_at is not None:
        objective.retired_at = None
        objective.save()
    return objective


def adopt_framework(school, framework: Framework) -> SchoolFramework:
    link, _ = SchoolFramework.objects.get_or_create(school=school, framework=framework)
    return link


def set_working_stage(
    pupil, subject: Subject, stage: Stage, *, since, by=None, reason: str = ""
) -> PupilStage:
    """Track the pupil at `stage` in `subject` from `since` (below or above their year)."""
    if stage.framework_id != subject.framework_id:
        raise ValidationError({"stage": "That stage belongs to another framework."})
    return _clean_save(
        PupilStage(pupil=pupil, subject=subject, stage=stage, since=since, set_by=by, reason=reason)
    )
