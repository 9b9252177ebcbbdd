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


def _clean_save(obj, exclude=None):
    obj.full_clean(exclude=exclude)
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
    # The related rows are saved instances in hand: checking each one exists again would cost
    # three queries an objective (hundreds when a framework is loaded).
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
        ),
        exclude=["strand", "subject", "stage"],
    )
    for position, text in enumerate(success_criteria):
        _clean_save(
            SuccessCriterion(objective=objective, text=text, order=position), exclude=["objective"]
        )
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


def unadopt_framework(school, framework: Framework) -> None:
    """Stop using a framework at a school. Its objectives and judgements are kept."""
    SchoolFramework.objects.filter(school=school, framework=framework).delete()


def move_objective(objective: Objective, direction: str) -> bool:
    """Swap an objective with its neighbour on the ladder of its stage ("up" or "down").
    Returns False (and changes nothing) at the top or bottom of the stage."""
    if direction not in {"up", "down"}:
        raise ValidationError({"direction": "Move an objective up or down."})
    ladder = list(
        Objective.objects.filter(subject_id=objective.subject_id).order_by(
            "stage__order", "order", "pk"
        )
    )
    ids = [o.pk for o in ladder]
    at = ids.index(objective.pk)
    to = at - 1 if direction == "up" else at + 1
    if to < 0 or to >= len(ladder) or ladder[to].stage_id != objective.stage_id:
        return False
    ids[at], ids[to] = ids[to], ids[at]
    reorder_objectives(objective.subject, ids)
    return True


def editable_by_school(framework: Framework, school) -> bool:
    """Only a school's own frameworks are edited in place; shipped and trust frameworks are
    read-only (a school copies them first)."""
    return school is not None and framework.school_id == school.pk


def copy_for_school(framework: Framework, school, *, by=None) -> Framework:
    """A school-owned copy of a framework (code `<code>-school<N>`, or its next version when
    the school copied it before), adopted by the school in place of the original."""
    from . import transfer

    spec = transfer.spec_of(framework)
    suffix = f"-school{school.pk}"
    base = framework.code if framework.code.endswith(suffix) else framework.code[:48] + suffix
    spec["code"] = base
    if not spec["name"].endswith("(school copy)"):
        spec["name"] = f"{spec['name'][:185]} (school copy)"
    with transaction.atomic():
        copy = transfer.build(spec, school=school, by=by)
        adopt_framework(school, copy)
        unadopt_framework(school, framework)
    return copy


def check_framework_file(content: bytes, filename: str, school):
    """Read and check an uploaded framework without writing anything. Returns a
    transfer.Checked with every problem (line by line) and, when it can be imported, what
    importing would do in `checked.action`: "new", "new_version" or "unchanged"."""
    from . import transfer

    checked = transfer.read_file(content, filename)
    checked.action = None
    if checked.spec is None:
        return checked
    checked.problems += transfer.check_scales(checked.spec, school)
    code = checked.spec["code"]
    owners = set(Framework.objects.filter(code=code).values_list("school_id", flat=True))
    if owners and owners != {school.pk}:
        checked.problems.append(
            transfer.Problem(
                None,
                f"The code '{code}' belongs to a framework your school does not own (shipped "
                "with NextSteps or another school's). Give your framework its own code.",
            )
        )
    if checked.problems:
        return checked
    latest = Framework.objects.filter(code=code).order_by("-version").first()
    if latest is None:
        checked.action = "new"
    elif transfer.same_content(transfer.spec_of(latest), checked.spec):
        checked.action = "unchanged"
        checked.latest = latest
    else:
        checked.action = "new_version"
        checked.latest = latest
    return checked


def import_framework(content: bytes, filename: str, school, *, by=None) -> Framework:
    """Import a framework file for `school`, all or nothing: raises
    transfer.FrameworkFileError (nothing written) when anything is wrong. A file the same as
    the school's latest version of that code creates nothing; a changed one creates the next
    version. The school adopts the result in place of its earlier versions."""
    from . import transfer

    checked = check_framework_file(content, filename, school)
    if not checked.ok:
        raise transfer.FrameworkFileError(checked.problems)
    with transaction.atomic():
        if checked.action == "unchanged":
            framework = checked.latest
        else:
            framework = transfer.build(checked.spec, school=school, by=by)
        for link in SchoolFramework.objects.filter(
            school=school, framework__code=framework.code
        ).exclude(framework=framework):
            link.delete()
        adopt_framework(school, framework)
    return framework


SHIPPED_FRAMEWORKS = (
    "england-primary.yaml",
    "scotland-cfe.yaml",
    "early-years.yaml",
    "alternative-provision.yaml",
)


def _data_file(name: str) -> bytes:
    from importlib.resources import files

    return files("nextsteps.curriculum").joinpath("data", name).read_bytes()


@transaction.atomic
def load_shipped(refresh: bool = False) -> dict[str, str]:
    """Load the scales and frameworks shipped in nextsteps/curriculum/data/. Idempotent:
    loading twice changes nothing. Missing scales and frameworks are created; with
    `refresh`, a shipped file that differs from the latest version of its framework creates
    the next version (existing scales are left as they are: judgements point at their
    grades). Returns what happened to each code. A broken shipped file raises."""
    import yaml

    from . import transfer

    outcome: dict[str, str] = {}
    for item in yaml.safe_load(_data_file("scales.yaml"))["scales"]:
        if Scale.objects.filter(code=item["code"]).exists():
            outcome[item["code"]] = "unchanged"
            continue
        create_scale(
            item["code"], item["name"], item["grades"], description=item.get("description", "")
        )
        outcome[item["code"]] = "created"
    for name in SHIPPED_FRAMEWORKS:
        checked = transfer.read_file(_data_file(name), name)
        if checked.ok:
            checked.problems += transfer.check_scales(checked.spec, None)
        if not checked.ok:
            raise transfer.FrameworkFileError(checked.problems)
        code = checked.spec["code"]
        latest = Framework.objects.filter(code=code).order_by("-version").first()
        if latest is None:
            transfer.build(checked.spec)
            outcome[code] = "created"
        elif refresh and not transfer.same_content(transfer.spec_of(latest), checked.spec):
            transfer.build(checked.spec)
            outcome[code] = "new version"
        else:
            outcome[code] = "unchanged"
    return outcome


@transaction.atomic
def set_success_criteria(objective: Objective, texts) -> Objective:
    """Replace an objective's success criteria with `texts` (blank lines dropped), in order."""
    texts = [t.strip() for t in texts if t and t.strip()]
    objective.success_criteria.all().delete()
    for position, text in enumerate(texts):
        _clean_save(
            SuccessCriterion(objective=objective, text=text, order=position), exclude=["objective"]
        )
    return objective
