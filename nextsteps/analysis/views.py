"""Analysis pages (/analysis/): who needs help now, attainment by group, progress (transition
matrices, against target, trends, the disadvantaged gap) and the trust view. Every view starts
with an access helper from access.py; governors get the same pages anonymised."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from nextsteps.assessment.queries import subjects_for_school
from nextsteps.audit.services import record_export
from nextsteps.interop.exports import FORMATS, to_csv, to_xlsx
from nextsteps.results import comparison
from nextsteps.schools import policy
from nextsteps.schools.models import AssessmentPoint, Enrolment, Pupil, SchoolClass, YearGroup

from . import access, figures, groups, help, tables

KINDS = {
    "class": access.class_scope,
    "year-group": access.year_group_scope,
    "school": access.school_scope,
}


def _scope(request, kind, pk):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind](request.user, pk)


def _pick(items, wanted, default=None):
    return next((i for i in items if str(i.pk) == str(wanted)), default)


def choices(scope, get):
    """The scope's subjects and points, and the chosen ones (default: the first subject and
    the latest point that has come, else the first)."""
    school = scope.school
    subjects = list(subjects_for_school(school))
    points = list(
        AssessmentPoint.objects.filter(academic_year__school=school)
        .select_related("academic_year")
        .order_by("-date", "-id")
    )
    today = timezone.localdate()
    usual = points
    if scope.kind == "class":  # a class's figures are about its own year by default
        usual = [p for p in points if p.academic_year_id == scope.target.academic_year_id]
        usual = usual or points
    default = next((p for p in usual if p.date <= today), usual[-1] if usual else None)
    return (
        subjects,
        points,
        _pick(subjects, get.get("subject"), subjects[0] if subjects else None),
        _pick(points, get.get("point"), default),
    )


def _export(request, scope, headers, rows, name):
    fmt = request.GET.get("format")
    if fmt not in FORMATS:
        raise Http404
    record_export(request.user, f"Analysis: {name} ({scope.label})", scope.school, len(rows))
    body = to_csv(headers, rows) if fmt == "csv" else to_xlsx(headers, rows, name[:31])
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{name.lower().replace(" ", "-")}.{fmt}"'
    )
    return response


@login_required
def index(request):
    user = request.user
    today = timezone.localdate()
    classes = (
        SchoolClass.objects.visible_to(user)
        .filter(academic_year__start_date__lte=today, academic_year__end_date__gte=today)
        .select_related("school", "year_group")
        .order_by("school__name", "year_group__stage", "name")
        if policy.is_staff_member(user)
        else SchoolClass.objects.none()
    )
    school_ids = policy.school_ids_with(user, "view_all_pupils") | policy.school_ids_with(
        user, "view_aggregates"
    )
    year_groups = YearGroup.objects.filter(school_id__in=school_ids).select_related("school")
    trusts = {s.trust for s in policy.schools_where(user, "view_all_pupils") if s.trust_id}
    trusts = [t for t in trusts if _is_trust_staff(user, t)]
    return render(
        request,
        "analysis/index.html",
        {
            "classes": classes,
            "schools": policy.schools_where(user, "view_school")
            .filter(pk__in=school_ids)
            .order_by("name"),
            "year_groups": year_groups.order_by("school__name", "stage"),
            "trusts": trusts,
            "staff": policy.is_staff_member(user),
        },
    )


def _is_trust_staff(user, trust):
    try:
        access.trust_scope(user, trust.pk)
    except (Http404, PermissionDenied):
        return False
    return True


@login_required
def help_list(request, kind, pk):
    scope = access.staff_scope(_scope(request, kind, pk))
    pupils = scope.pupils_now()
    entries = help.who_needs_help(request.user, scope.school, pupils)
    if request.GET.get("format"):
        headers = ["Pupil", "Reasons"]
        rows = [[e.pupil.name, " ".join(r.text for r in e.reasons)] for e in entries]
        return _export(request, scope, headers, rows, "Who needs help")
    return render(
        request,
        "analysis/help.html",
        {
            "scope": scope,
            "kind": kind,
            "entries": entries,
            "settings": help.settings_for(scope.school),
        },
    )


@login_required
def attainment(request, kind, pk):
    scope = _scope(request, kind, pk)
    subjects, points, subject, point = choices(scope, request.GET)
    context = {
        "scope": scope,
        "kind": kind,
        "subjects": subjects,
        "points": points,
        "subject": subject,
        "point": point,
        "small": groups.SMALL_GROUP,
    }
    if subject is not None and point is not None:
        own = groups.custom_groups(scope.schools)
        cohort = scope.cohort(point)
        att = figures.attainment(cohort, subject, point, groups=own, anonymise=scope.anonymised)
        if request.GET.get("format"):
            headers, rows = tables.attainment_table(att)
            return _export(request, scope, headers, rows, f"Attainment {subject.name}")
        context["attainment"] = att
        context["chart"] = tables.attainment_chart(
            att, f"{subject.name} at {point}: share at or above expected, by group"
        )
        if scope.anonymised:
            context["comparison"] = comparison.compare_anonymised(
                cohort, subject, point, scope.school
            )
        else:
            context["comparison"] = comparison.compare(request.user, cohort, subject, point)
    return render(request, "analysis/attainment.html", context)


def _pupil_list(request, scope, title, pupils, back):
    access.staff_scope(scope)
    return render(
        request,
        "analysis/pupils.html",
        {
            "scope": scope,
            "title": title,
            "pupils": pupils.order_by("legal_last_name", "legal_first_name", "pk"),
            "back": back,
        },
    )


@login_required
def attainment_pupils(request, kind, pk):
    scope = access.staff_scope(_scope(request, kind, pk))
    _, _, subject, point = choices(scope, request.GET)
    own = groups.custom_groups(scope.schools)
    breakdown = groups.find(request.GET.get("group", "all"), own)
    column = request.GET.get("column", "expected")
    if subject is None or point is None or breakdown is None:
        raise Http404
    if (
        column not in ("expected", "none")
        and not subject.point_scale().grades.filter(pk=column if column.isdigit() else 0).exists()
    ):
        raise Http404
    pupils = figures.attainment_pupils(scope.cohort(point), subject, point, breakdown, column, own)
    what = {"expected": "at or above expected", "none": "not judged"}.get(column)
    if what is None:
        what = f"judged {subject.point_scale().grades.get(pk=column).short_label}"
    title = f"{breakdown.label}, {subject.name} at {point}: {what}"
    return _pupil_list(request, scope, title, pupils, request.GET.urlencode())


@login_required
def progress(request, kind, pk):
    scope = _scope(request, kind, pk)
    subjects, points, subject, point = choices(scope, request.GET)
    before = _before(points, point, request.GET)
    context = {
        "scope": scope,
        "kind": kind,
        "subjects": subjects,
        "points": points,
        "subject": subject,
        "point": point,
        "before": before,
    }
    if subject is not None and point is not None and before is not None:
        cohort = scope.cohort(point)
        tr = figures.transition(cohort, subject, before, point)
        if request.GET.get("format"):
            headers, rows = tables.transition_table(tr)
            return _export(request, scope, headers, rows, f"Transition {subject.name}")
        context["transition"] = tr
        context["grade_labels"] = dict(tr.after)
    if subject is not None and point is not None:
        position = _position(point)
        school = scope.school
        same = figures.points_of(school, position)
        if scope.kind in ("year_group", "class"):
            stage = (
                scope.target.stage if scope.kind == "year_group" else scope.target.year_group.stage
            )
            context["trend"] = figures.trend(_trend_pupils(scope), subject, same, stage)
        context["gap"] = figures.disadvantaged_gap(
            _trend_pupils(scope), subject, figures.points_of(school), school
        )
        if not scope.anonymised:
            context["target"] = figures.against_target(scope.cohort(point), subject, point)
    return render(request, "analysis/progress.html", context)


def _before(points, point, get):
    """The earlier point of a transition: the one asked for, else the one before `point`."""
    earlier = [p for p in points if point is not None and (p.date, p.pk) < (point.date, point.pk)]
    return _pick(points, get.get("from"), earlier[0] if earlier else None)


def _trend_pupils(scope):
    if scope.anonymised:
        return Pupil.objects.filter(
            pk__in=Enrolment.objects.filter(school=scope.school).values("pupil_id")
        )
    return Pupil.objects.visible_to(scope.user)


def _position(point):
    ids = list(
        point.academic_year.assessment_points.order_by("date", "id").values_list("pk", flat=True)
    )
    return ids.index(point.pk) + 1


@login_required
def transition_pupils(request, kind, pk):
    scope = access.staff_scope(_scope(request, kind, pk))
    _, points, subject, point = choices(scope, request.GET)
    before = _before(points, point, request.GET)
    was, now = request.GET.get("was", "none"), request.GET.get("now", "none")
    if subject is None or point is None or before is None:
        raise Http404
    grades = {str(g.pk): g.short_label for g in subject.point_scale().grades.all()}
    grades["none"] = "no judgement"
    if was not in grades or now not in grades:
        raise Http404
    pupils = figures.transition_pupils(scope.cohort(point), subject, before, point, was, now)
    title = f"{subject.name}: {grades[was]} at {before} and {grades[now]} at {point}"
    return _pupil_list(request, scope, title, pupils, request.GET.urlencode())


def _trust_choices(scope, get):
    """The subject code, academic year and position chosen on the trust page (or defaults)."""
    codes = sorted(set(subjects_for_school_codes(scope.schools)))
    code = get.get("subject") if get.get("subject") in codes else (codes[0] if codes else None)
    years = sorted(
        {
            y.year
            for y in AssessmentPoint.objects.filter(
                academic_year__school__in=scope.schools
            ).values_list("academic_year__start_date", flat=True)
        },
        reverse=True,
    )
    today = timezone.localdate()
    default_year = next((y for y in years if y <= today.year), years[-1] if years else None)
    try:
        year = int(get.get("year", default_year))
        position = int(get.get("position", 1))
    except (TypeError, ValueError):
        year, position = default_year, 1
    return codes, code, years, year, position


@login_required
def trust(request, pk):
    scope = access.trust_scope(request.user, pk)
    codes, code, years, year, position = _trust_choices(scope, request.GET)
    context = {
        "scope": scope,
        "codes": codes,
        "code": code,
        "years": years,
        "year": year,
        "position": position,
        "positions": [1, 2, 3],
    }
    if code and year:
        points = figures.trust_points(scope.schools, year, position)
        att, by_school = figures.trust_attainment(visible_pupils(request.user), points, code)
        if request.GET.get("format"):
            headers, rows = tables.attainment_table(att)
            headers = ["School" if h == "Group" else h for h in headers]
            school_rows = [
                tables.attainment_table(type(att)(att.columns, [row]))[1][0] for _, row in by_school
            ]
            return _export(request, scope, headers, rows + school_rows, f"Trust attainment {code}")
        context.update(attainment=att, by_school=by_school, points=points)
        context["trust_query"] = urlencode({"subject": code, "year": year, "position": position})
        context["chart"] = tables.attainment_chart(
            att, f"{code} across the trust: share at or above expected, by group"
        )
    return render(request, "analysis/trust.html", context)


READING_WORDS = {"below": "below expected", "at": "at expected", "above": "above expected"}


@login_required
def trust_pupils(request, pk):
    """The pupils behind a figure of the trust page: a group across the trust, or one school
    (group=school_ID), by reading (below, at, above), at or above expected, or not judged."""
    scope = access.trust_scope(request.user, pk)
    _, code, _, year, position = _trust_choices(scope, request.GET)
    column = request.GET.get("column", "expected")
    key = request.GET.get("group", "all")
    school_id = None
    if key.startswith("school_") and key[7:].isdigit():
        school_id = int(key[7:])
        if school_id not in {s.pk for s in scope.schools}:
            raise Http404
        breakdown = groups.ALL
    else:
        breakdown = groups.find(key)
    if code is None or year is None or breakdown is None:
        raise Http404
    if column not in (*READING_WORDS, "expected", "none"):
        raise Http404
    points = figures.trust_points(scope.schools, year, position)
    pupils = figures.trust_attainment_pupils(
        visible_pupils(request.user), points, code, breakdown, column, school_id
    )
    what = {**READING_WORDS, "expected": "at or above expected", "none": "not judged"}[column]
    where = (
        next(s.name for s in scope.schools if s.pk == school_id)
        if school_id
        else breakdown.label.lower()
    )
    title = f"{code}: {where}, {what}"
    return _pupil_list(request, scope, title, pupils, request.GET.urlencode())


def visible_pupils(user):
    return Pupil.objects.visible_to(user)


def subjects_for_school_codes(schools):
    from nextsteps.curriculum.models import Subject

    return (
        Subject.objects.filter(framework__school_links__school__in=schools)
        .values_list("code", flat=True)
        .distinct()
    )
