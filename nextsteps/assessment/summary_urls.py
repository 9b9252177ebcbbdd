"""Assessment point pages (/assessment/points/): the summary judgement screen for a class, the
lock, and a pupil's next steps as a fragment the pupil page loads with hx-get."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from nextsteps.curriculum.models import Grade, Subject
from nextsteps.schools import policy
from nextsteps.schools.models import AssessmentPoint
from nextsteps.schools.queries import pupils_in_class

from . import summary
from .lesson_urls import class_for_recording
from .models import PointLock
from .next_steps import next_steps_for, subjects_for


def _choices(school_class, params):
    """The class's points and subjects, and the ones chosen in `params` (default: the first
    point not yet past, and the first subject)."""
    points = list(school_class.academic_year.assessment_points.order_by("date", "id"))
    subjects = list(
        Subject.objects.filter(framework__school_links__school=school_class.school).select_related(
            "framework"
        )
    )
    point = next((p for p in points if str(p.pk) == params.get("point")), None)
    if point is None and points:
        today = timezone.localdate()
        point = next((p for p in points if p.date >= today), points[-1])
    subject = next((s for s in subjects if str(s.pk) == params.get("subject")), None)
    if subject is None and subjects:
        subject = subjects[0]
    return points, subjects, point, subject


def _rows(user, school_class, subject, point, only=None):
    pupils = pupils_in_class(user, school_class, on=min(point.date, timezone.localdate()))
    pupils = list(pupils.order_by("legal_last_name", "legal_first_name"))
    if only is not None:
        pupils = [p for p in pupils if p.pk == only]
    rows = summary.suggest_summary(pupils, subject, point)
    return [rows[p.pk] for p in pupils]


@login_required
def summary_screen(request, pk):
    user = request.user
    school_class = class_for_recording(user, pk)
    points, subjects, point, subject = _choices(school_class, request.GET)
    rows, lock = [], None
    if point and subject:
        rows = _rows(user, school_class, subject, point)
        lock = PointLock.objects.filter(assessment_point=point).select_related("locked_by").first()
    return render(
        request,
        "assessment/summary.html",
        {
            "school_class": school_class,
            "points": points,
            "subjects": subjects,
            "point": point,
            "subject": subject,
            "rows": rows,
            "grades": subject.point_scale().grades.order_by("order") if subject else [],
            "lock": lock,
            "can_lock": policy.can(user, "lock_points", school_class.school_id),
        },
    )


def _back(school_class, point, subject, anchor=""):
    query = f"?point={point.pk}&subject={subject.pk}" if point and subject else ""
    return redirect(reverse("assessment:summary", args=[school_class.pk]) + query + anchor)


@login_required
@require_POST
def summary_record(request, pk):
    """Record one pupil's summary judgement; htmx gets the row back with its saved state."""
    user = request.user
    school_class = class_for_recording(user, pk)
    _, _, point, subject = _choices(school_class, request.POST)
    pupil_id, pupil = request.POST.get("pupil", ""), None
    if point is not None and pupil_id.isdigit():
        visible = pupils_in_class(user, school_class, on=min(point.date, timezone.localdate()))
        pupil = visible.filter(pk=pupil_id).first()
    if pupil is None or subject is None:
        if request.htmx:
            return HttpResponse("Choose a pupil in this class.", status=400)
        messages.error(request, "Choose a pupil in this class, a point and a subject.")
        return _back(school_class, point, subject)
    grade_id = request.POST.get("grade", "")
    grade = Grade.objects.filter(pk=grade_id).first() if grade_id.isdigit() else None
    row = _rows(user, school_class, subject, point, only=pupil.pk)[0]
    error = None
    try:
        summary.record_summary(pupil, subject, point, grade, by=user, suggested=row.suggested_grade)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        return render(
            request,
            "assessment/summary_row.html",
            {
                "row": _rows(user, school_class, subject, point, only=pupil.pk)[0],
                "school_class": school_class,
                "point": point,
                "subject": subject,
                "grades": subject.point_scale().grades.order_by("order"),
                "lock": PointLock.objects.filter(assessment_point=point).first(),
                "saved": error is None,
                "error": error,
            },
        )
    if error:
        messages.error(request, f"{pupil.name}: {error}")
    else:
        messages.success(request, f"Saved for {pupil.name}.")
    return _back(school_class, point, subject, f"#pupil-{pupil.pk}")


@login_required
@require_POST
def summary_accept(request, pk):
    user = request.user
    school_class = class_for_recording(user, pk)
    _, _, point, subject = _choices(school_class, request.POST)
    if point is None or subject is None:
        messages.error(request, "Choose an assessment point and a subject.")
        return _back(school_class, point, subject)
    rows = _rows(user, school_class, subject, point)
    try:
        saved = summary.accept_suggestions(rows, subject, point, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Accepted {saved} suggestion{'s' if saved != 1 else ''}.")
    return _back(school_class, point, subject)


@login_required
@require_POST
def point_lock(request, pk):
    """Lock or unlock a point (POST action=lock|unlock): the assessment leader's switch."""
    user = request.user
    point = get_object_or_404(
        AssessmentPoint.objects.filter(
            academic_year__school_id__in=policy.school_ids_with(user, "view_school")
        ).select_related("academic_year__school"),
        pk=pk,
    )
    if not policy.can(user, "lock_points", point.academic_year.school_id):
        raise PermissionDenied("Only the assessment leader can lock or unlock a point.")
    if request.POST.get("action") == "unlock":
        if summary.unlock_point(point, by=user):
            messages.success(request, f"{point} is unlocked.")
    else:
        summary.lock_point(point, by=user)
        messages.success(request, f"{point} is locked: no more summary judgements for it.")
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("home")


@login_required
def pupil_next_steps(request, pk):
    """The next-steps fragment for the pupil page: staff who can see the pupil (parents and
    pupils get theirs in a later issue)."""
    pupil = policy.get_pupil_for(request.user, pk)
    if policy.persona(request.user) not in ("staff", "trust"):
        raise PermissionDenied("Next steps are shown to staff for now.")
    subjects = subjects_for(pupil)
    wanted = request.GET.get("subject", "")
    if wanted.isdigit():
        subjects = subjects.filter(pk=int(wanted))
    can_record = bool(
        set(pupil.enrolments.values_list("school_id", flat=True))
        & policy.school_ids_with(request.user, "record_judgements")
    )
    return render(
        request,
        "assessment/_next_steps.html",
        {
            "pupil": pupil,
            "next_steps": [next_steps_for(pupil, s) for s in subjects],
            "can_record": can_record,
        },
    )


urlpatterns = [
    path("class/<int:pk>/", summary_screen, name="summary"),
    path("class/<int:pk>/record/", summary_record, name="summary_record"),
    path("class/<int:pk>/accept/", summary_accept, name="summary_accept"),
    path("<int:pk>/lock/", point_lock, name="point_lock"),
    path("pupils/<int:pk>/next-steps/", pupil_next_steps, name="pupil_next_steps"),
]
