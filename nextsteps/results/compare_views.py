"""Tests beside teacher judgement (/results/compare/): choose a school, year group or class, a
subject and an assessment point; see the concordance matrix and the pupils where the test and
the teacher disagree, and export that list for a pupil progress meeting.

Who: members of staff who can see the pupils. A class's page is open to whoever can see the
class (its own teacher and teaching assistant, senior staff, trust staff); year group and
whole-school pages need sight of every pupil at the school (senior staff, trust staff). The
export needs the school's "export" permission as well. Governors, parents, pupils and
providers are refused.
"""

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from nextsteps.assessment.queries import subjects_for_school
from nextsteps.audit.services import record_export
from nextsteps.interop.exports import to_csv
from nextsteps.schools import policy
from nextsteps.schools.models import School, SchoolClass, YearGroup

from . import access, comparison
from .models import AssessmentDefinition

SCHOOL, YEAR_GROUP, CLASS = access.SCHOOL, access.YEAR_GROUP, access.CLASS
URL_NAMES = {
    SCHOOL: "results:compare_school",
    YEAR_GROUP: "results:compare_year_group",
    CLASS: "results:compare_class",
}


def scope_url(kind: str, pk: int, **query) -> str:
    url = reverse(URL_NAMES[kind], args=[pk])
    return f"{url}?{urlencode(query)}" if query else url


def _scope(user, kind: str, pk: int) -> access.ComparisonScope:
    """Staff only (403 before anything is looked up), then access.comparison_scope."""
    access.require_comparing_staff(user)
    return access.comparison_scope(user, kind, pk)


def _choices(scope: access.ComparisonScope, params):
    """Subjects and points offered, the ones chosen (defaults when not asked for) and the
    errors for any asked for that are not on offer."""
    today = timezone.localdate()
    subjects = list(subjects_for_school(scope.school))
    points = list(scope.points().order_by("-date", "-id"))
    errors = {}
    subject = point = None
    wanted = params.get("subject", "")
    if wanted:
        subject = next((s for s in subjects if str(s.pk) == wanted), None)
        if subject is None:
            errors["subject"] = "Choose one of the subjects listed."
    elif subjects:
        tested = set(
            AssessmentDefinition.objects.filter(school=scope.school, sensitive=False)
            .exclude(subject_code="")
            .values_list("subject_code", flat=True)
        )
        subject = next((s for s in subjects if s.code in tested), subjects[0])
    wanted = params.get("point", "")
    if wanted:
        point = next((p for p in points if str(p.pk) == wanted), None)
        if point is None:
            errors["point"] = "Choose one of the assessment points listed."
    elif points:
        # the latest point that has come, else the first to come
        point = next((p for p in points if p.date <= today), points[-1])
    return subjects, points, subject, point, errors


def _breakdowns(scope, result, cohort, subject, point):
    """For a year group: a matrix per class; for the school: per year group and per class."""
    wanted = {SCHOOL: ["year_group", "class"], YEAR_GROUP: ["class"]}.get(scope.kind, [])
    out = []
    for by in wanted:
        groups = comparison.groups_on_roll(cohort, scope.school, point, by)
        kind = CLASS if by == "class" else YEAR_GROUP
        rows = []
        for group, matrix in result.breakdown(groups):
            url = scope_url(kind, group.pk, subject=subject.pk, point=point.pk)
            rows.append((group, matrix, url))
        out.append(("By class" if by == "class" else "By year group", rows))
    return out


def _page(request, kind, pk):
    user = request.user
    scope = _scope(user, kind, pk)
    subjects, points, subject, point, errors = _choices(scope, request.GET)
    result = breakdowns = None
    if subject is not None and point is not None and not errors:
        cohort = scope.cohort(user, point)
        result = comparison.compare(user, cohort, subject, point)
        breakdowns = _breakdowns(scope, result, cohort, subject, point)
    can_export = result is not None and policy.can(user, "export", scope.school)
    return render(
        request,
        "results/compare_scope.html",
        {
            "scope": scope,
            "subjects": subjects,
            "points": points,
            "subject": subject,
            "point": point,
            "errors": errors,
            "result": result,
            "breakdowns": breakdowns,
            "export_url": (
                reverse("results:compare_export", args=[kind, pk])
                + "?"
                + urlencode({"subject": subject.pk, "point": point.pk})
                if can_export
                else ""
            ),
            "today": timezone.localdate(),
            "reading_labels": [comparison.reading_label(r) for r in comparison.READINGS],
        },
        status=400 if errors else 200,
    )


@login_required
def compare_school(request, pk):
    return _page(request, SCHOOL, pk)


@login_required
def compare_year_group(request, pk):
    return _page(request, YEAR_GROUP, pk)


@login_required
def compare_class(request, pk):
    return _page(request, CLASS, pk)


def _options(user):
    """What this user may compare across, school by school: [(school, [(value, label)])]."""
    today = timezone.localdate()
    every = policy.school_ids_with(user, "view_all_pupils")
    classes = list(
        SchoolClass.objects.visible_to(user)
        .filter(academic_year__start_date__lte=today, academic_year__end_date__gte=today)
        .select_related("school", "year_group")
        .order_by("year_group__stage", "name")
    )
    schools = School.objects.filter(
        Q(pk__in=every) | Q(pk__in=[c.school_id for c in classes])
    ).order_by("name")
    year_groups = YearGroup.objects.filter(school_id__in=every).order_by("stage")
    out = []
    for school in schools:
        options = []
        if school.pk in every:
            options.append((f"{SCHOOL}-{school.pk}", f"{school.name}: whole school"))
            options += [
                (f"{YEAR_GROUP}-{yg.pk}", f"{yg.name} (year group)")
                for yg in year_groups
                if yg.school_id == school.pk
            ]
        options += [
            (f"{CLASS}-{c.pk}", f"{c.name} (class)") for c in classes if c.school_id == school.pk
        ]
        if options:
            out.append((school, options))
    return out


SCOPE_VALUE = re.compile(rf"^({SCHOOL}|{YEAR_GROUP}|{CLASS})-(\d+)$")


@login_required
def compare_index(request):
    """Choose what to compare across; a valid choice goes straight to its page."""
    user = request.user
    access.require_comparing_staff(user)
    options = _options(user)
    error = ""
    wanted = request.GET.get("scope", "")
    if wanted:
        offered = {value for _, choices in options for value, _ in choices}
        match = SCOPE_VALUE.match(wanted)
        if wanted in offered and match:
            return redirect(URL_NAMES[match[1]], pk=int(match[2]))
        error = "Choose one of the schools, year groups or classes listed."
    return render(
        request,
        "results/compare.html",
        {"options": options, "error": error, "chosen": wanted},
        status=400 if error else 200,
    )


EXPORT_HEADERS = [
    "UPN",
    "Last name",
    "First name",
    "Class",
    "Test",
    "Test date",
    "Test result",
    "Test reading",
    "Summary judgement",
    "Teacher reading",
    "Steps apart",
    "Direction",
]


@login_required
def compare_export(request, kind, pk):
    """The disagreement list as CSV, biggest gap first, for the subject and point asked for
    (or the page's defaults). Needs the export permission; every export is logged."""
    user = request.user
    scope = _scope(user, kind, pk)
    if not policy.can(user, "export", scope.school):
        raise PermissionDenied("Exporting pupil lists needs the export permission.")
    _, _, subject, point, errors = _choices(scope, request.GET)
    if errors or subject is None or point is None:
        return HttpResponse(
            "Choose a subject and an assessment point to export.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    cohort = scope.cohort(user, point)
    result = comparison.compare(user, cohort, subject, point)
    if scope.kind == CLASS:
        classes = {row.pupil.pk: scope.target for row in result.rows}
    else:
        classes = comparison.groups_on_roll(cohort, scope.school, point, "class")
    rows = [
        [
            r.pupil.upn or "",
            r.pupil.last_name,
            r.pupil.first_name,
            str(classes.get(r.pupil.pk, "")),
            r.test.definition,
            r.test.date,
            r.test.shown,
            comparison.reading_label(r.test.reading),
            r.teacher.grade,
            comparison.reading_label(r.teacher.reading),
            r.steps,
            r.direction,
        ]
        for r in result.disagreements
    ]
    record_export(
        user,
        f"Test and teacher disagreements: {subject.name}, {point}, {scope.title}",
        school=scope.school,
        count=len(rows),
    )
    response = HttpResponse(to_csv(EXPORT_HEADERS, rows), content_type="text/csv; charset=utf-8")
    filename = f"{scope.title} {subject.name} {point} disagreements.csv"
    filename = re.sub(r"[^\w .()-]", "", filename)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
