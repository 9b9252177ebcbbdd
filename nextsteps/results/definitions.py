"""The assessment definitions NextSteps ships (data/definitions.yaml), installed per school.

Installing is idempotent and only ever adds: a definition the school already has (by code)
is left exactly as the school tuned it, bands and thresholds included. New schools get the
definitions when they are created (signals.py); schools that existed before the list are
given them by migration 0002."""

from decimal import Decimal
from functools import cache
from importlib.resources import files

from django.db import transaction

from .models import AssessmentDefinition, Band

_NUMBERS = ("max_mark", "min_score", "max_score", "threshold")
_TEXTS = ("subject_code", "publisher", "description")


@cache
def _shipped_text() -> str:
    return files("nextsteps.results").joinpath("data", "definitions.yaml").read_text("utf-8")


def shipped() -> list[dict]:
    """The shipped definitions as plain data (a fresh copy each call)."""
    import yaml

    return yaml.safe_load(_shipped_text())["definitions"]


def _decimal(value):
    return None if value is None else Decimal(str(value))


def _scale_ids(specs) -> dict[str, int]:
    from nextsteps.curriculum.models import Scale

    codes = {s["scale"] for s in specs if s.get("scale")}
    return dict(Scale.objects.filter(code__in=codes, school__isnull=True).values_list("code", "pk"))


@transaction.atomic
def install_definitions(school) -> list[AssessmentDefinition]:
    """Give `school` (a School or its id) every shipped definition for its country that it
    does not have yet, with its bands, and return the ones created. Definitions it has are
    never changed. A definition graded on a shipped scale that is not loaded (`nextsteps
    load_curriculum` loads them) is left out, to be added by a later run."""
    from nextsteps.schools.models import School

    school_id = getattr(school, "pk", school)
    country = School.objects.filter(pk=school_id).values_list("country", flat=True).first()
    have = set(
        AssessmentDefinition.objects.filter(school_id=school_id).values_list("code", flat=True)
    )
    wanted = [
        spec
        for spec in shipped()
        if spec["code"] not in have and country in spec.get("countries", [country])
    ]
    scales = _scale_ids(wanted)
    created = []
    for spec in wanted:
        if spec.get("scale") and spec["scale"] not in scales:
            continue
        definition = AssessmentDefinition.objects.create(
            school_id=school_id,
            code=spec["code"],
            name=spec["name"],
            kind=spec["kind"],
            measure=spec["measure"],
            scale_id=scales.get(spec.get("scale")),
            components=spec.get("components", []),
            sensitive=spec.get("sensitive", False),
            shipped=True,
            **{name: spec.get(name, "") for name in _TEXTS},
            **{name: _decimal(spec.get(name)) for name in _NUMBERS},
        )
        for order, band in enumerate(spec.get("bands", []), start=1):
            Band.objects.create(
                definition=definition,
                order=order,
                label=band["label"],
                lower=_decimal(band.get("lower")),
                upper=_decimal(band.get("upper")),
                expectation=band["expectation"],
                colour=band["colour"],
            )
        created.append(definition)
    return created
