"""The results grid: a sitting's results for the pupils of one class or group, one row per
pupil (and one column per part for a profile such as the early-years one), entered from the
keyboard and saved a row (or a part) at a time through services.record_result.

Each row carries the version of the result it shows; a save names it, so that when someone
else has changed the result meanwhile nothing is written and the page is told (409) what is
there now. Diagnostic results appear only to holders of view_diagnostics (access.sitting_for), and
every one shown is logged as a read."""

import json
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from nextsteps.assessment import queries as assessment_queries
from nextsteps.audit.services import record_read
from nextsteps.schools import policy
from nextsteps.schools.models import Pupil
from nextsteps.schools.queries import pupils_in_class

from . import access, services
from .models import Measure, Result
from .scoring import ScoreError, SittingRules, format_age, plain

SCORE_LABELS = {
    Measure.STANDARDISED: "Standardised score",
    Measure.SCALED: "Scaled score",
    Measure.PERCENTAGE: "Percentage",
}


@dataclass
class Layout:
    """Which inputs and readings a sitting's grid has."""

    components: list[dict]
    raw: bool
    score_label: str
    grades: list
    age: bool
    percentile: bool
    band: bool
    met: bool

    @classmethod
    def of(cls, sitting, rules: SittingRules) -> "Layout":
        definition = sitting.definition
        measure = definition.measure
        return cls(
            components=list(definition.components or []),
            raw=measure != Measure.GRADE,
            score_label=SCORE_LABELS.get(measure, ""),
            grades=sorted(rules.grades.values(), key=lambda g: g.order),
            age=measure == Measure.STANDARDISED,
            percentile=measure == Measure.STANDARDISED,
            band=bool(rules.bands),
            met=sitting.pass_mark is not None and measure != Measure.GRADE,
        )


def _text(value) -> str:
    return "" if value is None else plain(value)


def result_data(result: Result | None, rules: SittingRules) -> dict | None:
    """A result as the grid shows it (and as the save answers with it)."""
    if result is None:
        return None
    converted = False
    if result.raw_score is not None and result.score is not None:
        try:
            converted = rules.headline(result.age_months, result.raw_score, None) == result.score
        except ScoreError:
            converted = False
    band = result.band
    return {
        "version": result.version,
        "raw_score": _text(result.raw_score),
        "score": _text(result.score),
        "converted": converted,
        "grade": result.grade_id or "",
        "age": format_age(result.age_months) if result.age_months is not None else "",
        "percentile": result.percentile,
        "band": {"label": band.label, "colour": band.colour} if band else None,
        "met": result.met_threshold,
        "by": str(result.recorded_by) if result.recorded_by else "",
    }


def _log_sensitive_reads(user, sitting, pupils) -> None:
    if sitting.definition.sensitive:
        what = f"Diagnostic result: {sitting.definition.name}"
        for pupil in pupils:
            record_read(user, pupil, what, school=sitting.school)


def _on(sitting):
    return min(sitting.date, timezone.localdate())


@login_required
@require_GET
def class_grid(request, pk, class_pk):
    sitting = access.sitting_for(request.user, pk)
    school_class = assessment_queries.class_for(request.user, class_pk)
    if school_class is None or school_class.academic_year_id != sitting.academic_year_id:
        raise Http404
    pupils = pupils_in_class(request.user, school_class, on=_on(sitting))
    return _grid(request, sitting, school_class.name, pupils)


@login_required
@require_GET
def group_grid(request, pk, group_pk):
    sitting = access.sitting_for(request.user, pk)
    group = assessment_queries.group_for(request.user, group_pk)
    if group is None or group.school_id != sitting.school_id:
        raise Http404
    pupils = assessment_queries.group_pupils(request.user, group, on=_on(sitting))
    return _grid(request, sitting, group.name, pupils)


def _grid(request, sitting, title, pupils):
    user = request.user
    pupils = list(pupils.order_by("legal_last_name", "legal_first_name", "pk"))
    rules = SittingRules.for_sitting(sitting)
    layout = Layout.of(sitting, rules)
    results = {
        (r.pupil_id, r.component): r
        for r in Result.objects.visible_to(user)
        .filter(sitting=sitting, pupil__in=[p.pk for p in pupils])
        .select_related("band", "recorded_by")
    }
    _log_sensitive_reads(user, sitting, [p for p in pupils if any(k[0] == p.pk for k in results)])
    parts = layout.components or [{"code": "", "name": ""}]
    rows = [
        {
            "pupil": pupil,
            "cells": [
                {"part": part, "result": result_data(results.get((pupil.pk, part["code"])), rules)}
                for part in parts
            ],
        }
        for pupil in pupils
    ]
    return render(
        request,
        "results/grid.html",
        {
            "sitting": sitting,
            "definition": sitting.definition,
            "title": title,
            "layout": layout,
            "rows": rows,
            "can_record": policy.can(user, "record_results", sitting.school_id),
            "save_url": reverse("results:save", args=[sitting.pk]),
        },
    )


# Saving -------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, http: int, message: str):
        self.http, self.message = http, message
        super().__init__(message)


def _payload(request) -> dict:
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise _Refused(400, "The request was not valid JSON.") from None
    if not isinstance(payload, dict):
        raise _Refused(400, "Send one row as a JSON object.")
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise _Refused(400, "The page did not say which version of the result it showed.")
    return payload


def _field(payload, name) -> str:
    value = payload.get(name)
    return "" if value is None else str(value).strip()


def _answer(status: str, http: int, result, rules, message: str = "", field: str = ""):
    return JsonResponse(
        {
            "status": status,
            "message": message,
            "field": field,
            "result": result_data(result, rules),
        },
        status=http,
    )


@login_required
@require_POST
def save(request, pk):
    """Save one row (or one part of a profile). JSON in: {pupil, component, raw_score, score,
    grade, version (of the result the page showed, 0 for none)}; all of raw_score, score and
    grade empty clears the result. Answers 200 (saved or cleared, with the result), 400 (what
    is wrong, and the field), 403, 404, or 409 with the result someone else saved."""
    sitting = access.sitting_for(request.user, pk, permission="record_results")
    if request.content_type != "application/json":
        # As the markbook's save: a bare form POST carries no row, so there is nothing to do.
        return JsonResponse({"status": "nothing", "message": "", "field": "", "result": None})
    rules = SittingRules.for_sitting(sitting)
    try:
        payload = _payload(request)
        pupil_id = payload.get("pupil")
        pupil = None
        if isinstance(pupil_id, int) and not isinstance(pupil_id, bool):
            pupil = Pupil.objects.visible_to(request.user).filter(pk=pupil_id).first()
        if pupil is None:
            raise _Refused(404, "That pupil was not found.")
    except _Refused as refused:
        return _answer("invalid", refused.http, None, rules, refused.message)
    entry = {name: _field(payload, name) for name in ("raw_score", "score", "grade")}
    component = _field(payload, "component")
    try:
        if not any(entry.values()):
            services.clear_result(
                sitting,
                pupil,
                by=request.user,
                component=component,
                expected_version=payload["version"],
            )
            return _answer("cleared", 200, None, rules)
        result = services.record_result(
            sitting,
            pupil,
            by=request.user,
            component=component,
            expected_version=payload["version"],
            rules=rules,
            **entry,
        )
    except services.StaleResult as stale:
        _log_sensitive_reads(request.user, sitting, [pupil] if stale.current else [])
        who = stale.current.recorded_by if stale.current else None
        verb = "changed" if stale.current else "cleared"
        message = f"{who or 'Someone else'} {verb} this result while you were editing; "
        return _answer("conflict", 409, stale.current, rules, message + "yours was not saved.")
    except ScoreError as error:
        return _answer("invalid", 400, None, rules, error.message, error.field)
    except ValidationError as error:
        return _answer("invalid", 400, None, rules, " ".join(error.messages))
    _log_sensitive_reads(request.user, sitting, [pupil])
    return _answer("saved", 200, result, rules)
