"""Analysis: who needs help now, attainment by group, transition matrices and the trust view,
as JSON, scoped as the /analysis/ pages are (nextsteps.analysis.access): a class for its own
staff, senior and trust staff; a year group or the school for senior and trust staff, and for
governors anonymised (no names; groups of fewer than 5 pupils without figures); who needs
help for staff only; the trust view for its trust staff. Outside your scope is 404."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema

from nextsteps.analysis import access, figures, groups, help
from nextsteps.assessment.queries import subjects_for_school
from nextsteps.schools.models import AssessmentPoint, Pupil

from .errors import Refused, responses
from .scope import caller

router = Router(tags=["analysis"])


class ScopeQuery(Schema):
    class_id: int | None = None
    year_group_id: int | None = None
    school_id: int | None = None


class FigureQuery(ScopeQuery):
    subject_id: int
    point_id: int


class TransitionQuery(FigureQuery):
    from_point_id: int


def _scope(user, query: ScopeQuery, governors=True):
    given = [n for n in ("class_id", "year_group_id", "school_id") if getattr(query, n) is not None]
    if len(given) != 1:
        raise DjangoValidationError("Give exactly one of class_id, year_group_id or school_id.")
    try:
        if query.class_id is not None:
            return access.class_scope(user, query.class_id)
        if query.year_group_id is not None:
            return access.year_group_scope(user, query.year_group_id, governors=governors)
        return access.school_scope(user, query.school_id, governors=governors)
    except PermissionDenied as exc:
        raise Refused(str(exc)) from exc


def _subject_point(scope, subject_id, point_id):
    subject = subjects_for_school(scope.school).filter(pk=subject_id).first()
    point = (
        AssessmentPoint.objects.filter(pk=point_id, academic_year__school=scope.school)
        .select_related("academic_year")
        .first()
    )
    if subject is None or point is None:
        raise Http404
    return subject, point


class ReasonOut(Schema):
    kind: str
    text: str
    subject: str


class HelpEntryOut(Schema):
    pupil_id: int
    name: str
    reasons: list[ReasonOut]


@router.get("/analysis/help", response={200: list[HelpEntryOut], **responses(403, 404, 422)})
def who_needs_help(request, query: Query[ScopeQuery]):
    """Who needs help now in a class, a year group or the school, each with the reasons in
    words (off track, falling judgements, tests disagreeing, no judgement or evidence for N
    weeks). Staff only."""
    user = caller(request)
    scope = _scope(user, query, governors=False)
    entries = help.who_needs_help(user, scope.school, scope.pupils_now())
    return [
        {
            "pupil_id": e.pupil.pk,
            "name": e.pupil.name,
            "reasons": [{"kind": r.kind, "text": r.text, "subject": r.subject} for r in e.reasons],
        }
        for e in entries
    ]


class CellOut(Schema):
    key: str = Field(..., description="A grade id, or a reading: below, at, above")
    label: str
    count: int | None
    percent: int | None


class AttainmentRowOut(Schema):
    group: str
    label: str
    pupils: int | None
    judged: int | None
    not_judged: int | None
    grades: list[CellOut]
    expected: int | None = Field(..., description="At or above expected")
    expected_percent: int | None
    small: bool
    suppressed: bool


class AttainmentOut(Schema):
    anonymised: bool
    rows: list[AttainmentRowOut]


def _attainment_out(att):
    return {
        "anonymised": att.anonymised,
        "rows": [
            {
                "group": r.key,
                "label": r.label,
                "pupils": r.pupils,
                "judged": r.judged,
                "not_judged": r.not_judged,
                "grades": [
                    {"key": g.key, "label": g.label, "count": g.count, "percent": g.percent}
                    for g in r.grades
                ],
                "expected": r.expected,
                "expected_percent": r.expected_percent,
                "small": r.small,
                "suppressed": r.suppressed,
            }
            for r in att.rows
        ],
    }


@router.get("/analysis/attainment", response={200: AttainmentOut, **responses(403, 404, 422)})
def attainment(request, query: Query[FigureQuery]):
    """The share at each grade and at or above expected in a subject at an assessment point,
    for everyone and each group (sex, disadvantaged, SEN K and E, EAL, looked after,
    summer-born, the school's own groups), with counts; percentages are of the pupils judged."""
    user = caller(request)
    scope = _scope(user, query)
    subject, point = _subject_point(scope, query.subject_id, query.point_id)
    att = figures.attainment(
        scope.cohort(point),
        subject,
        point,
        groups=groups.custom_groups(scope.schools),
        anonymise=scope.anonymised,
    )
    return _attainment_out(att)


class TransitionCellOut(Schema):
    was: str = Field(..., description="A grade id, or none")
    now: str
    count: int | None


class TransitionOut(Schema):
    before: list[list[str]]
    after: list[list[str]]
    cells: list[TransitionCellOut]
    total: int
    moved_up: int
    stayed: int
    moved_down: int


@router.get("/analysis/transition", response={200: TransitionOut, **responses(403, 404, 422)})
def transition(request, query: Query[TransitionQuery]):
    """Where the pupils on roll at point_id were at from_point_id and are now, by grade
    (none: no judgement). Governors: cells of fewer than 5 pupils are null."""
    user = caller(request)
    scope = _scope(user, query)
    subject, point = _subject_point(scope, query.subject_id, query.point_id)
    _, before = _subject_point(scope, query.subject_id, query.from_point_id)
    tr = figures.transition(scope.cohort(point), subject, before, point)
    small = groups.SMALL_GROUP
    return {
        "before": [list(x) for x in tr.before],
        "after": [list(x) for x in tr.after],
        "cells": [
            {"was": b, "now": a, "count": None if scope.anonymised and 0 < n < small else n}
            for (b, a), n in sorted(tr.counts.items())
        ],
        "total": tr.total,
        "moved_up": tr.moved_up,
        "stayed": tr.stayed,
        "moved_down": tr.moved_down,
    }


class TrendOut(Schema):
    point_id: int
    label: str
    judged: int
    expected: int = Field(..., description="At or above expected")
    percent: int | None


class GapOut(Schema):
    point_id: int
    label: str
    disadvantaged: int | None
    disadvantaged_percent: int | None
    others: int | None
    others_percent: int | None
    gap: int | None = Field(..., description="Others minus disadvantaged, percentage points")
    small: bool


class TargetRowOut(Schema):
    status: str
    label: str
    count: int
    percent: int | None


class ProgressOut(Schema):
    anonymised: bool
    trend: list[TrendOut] = Field(
        ..., description="The same point of each year for the class's or year group's year"
    )
    gap: list[GapOut]
    against_target: list[TargetRowOut] | None = Field(
        ..., description="On track, at risk, off track...; not for governors"
    )


@router.get("/analysis/progress", response={200: ProgressOut, **responses(403, 404, 422)})
def progress(request, query: Query[FigureQuery]):
    """The progress page's figures at a point: each year's cohort at the same point (a class or
    year group), the disadvantaged gap over time, and progress against target (staff only).
    Governors: the gap's groups of fewer than 5 pupils have no figures."""
    from nextsteps.analysis.views import _position, _trend_pupils

    user = caller(request)
    scope = _scope(user, query)
    subject, point = _subject_point(scope, query.subject_id, query.point_id)
    school = scope.school
    trend = []
    if scope.kind in ("year_group", "class"):
        stage = scope.target.stage if scope.kind == "year_group" else scope.target.year_group.stage
        same = figures.points_of(school, _position(point))
        trend = [
            {
                "point_id": t["point"].pk,
                "label": t["label"],
                "judged": t["judged"],
                "expected": t["expected"],
                "percent": t["percent"],
            }
            for t in figures.trend(_trend_pupils(scope), subject, same, stage)
        ]
    gap = []
    for g in figures.disadvantaged_gap(
        _trend_pupils(scope), subject, figures.points_of(school), school
    ):
        hide = scope.anonymised and g["small"]
        gap.append(
            {
                "point_id": g["point"].pk,
                "label": g["label"],
                "disadvantaged": None if hide else g["disadvantaged"],
                "disadvantaged_percent": None if hide else g["disadvantaged_percent"],
                "others": g["others"],
                "others_percent": g["others_percent"],
                "gap": None if hide else g["gap"],
                "small": g["small"],
            }
        )
    target = None
    if not scope.anonymised:
        result = figures.against_target(scope.cohort(point), subject, point)
        target = [
            {k: row[k] for k in ("status", "label", "count", "percent")} for row in result["rows"]
        ]
    return {"anonymised": scope.anonymised, "trend": trend, "gap": gap, "against_target": target}


class TrustQuery(Schema):
    subject_code: str
    start_year: int
    position: int = Field(1, ge=1, description="Which assessment point of the year, from 1")


class SchoolRowOut(AttainmentRowOut):
    school_id: int


class TrustOut(AttainmentOut):
    schools: list[SchoolRowOut]


@router.get("/trusts/{trust_id}/attainment", response={200: TrustOut, **responses(403, 404, 422)})
def trust_attainment(request, trust_id: int, query: Query[TrustQuery]):
    """Below, at and above expected across the trust's schools (each school's summary scale
    read on the common scale), by group and by school. Trust staff of the trust."""
    user = caller(request)
    try:
        scope = access.trust_scope(user, trust_id)
    except PermissionDenied as exc:
        raise Refused(str(exc)) from exc
    points = figures.trust_points(scope.schools, query.start_year, query.position)
    att, by_school = figures.trust_attainment(
        Pupil.objects.visible_to(user), points, query.subject_code
    )
    out = _attainment_out(att)
    out["schools"] = [
        {**_attainment_out(type(att)(att.columns, [row]))["rows"][0], "school_id": school.pk}
        for school, row in by_school
    ]
    return out
