"""The markbook: a class (or group) by the objectives of a subject and stage, entered like a
spreadsheet. Saves go through assessment.services.record_judgement with the judgement the
page showed, so that two people editing one cell never lose a change silently."""

import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST

from nextsteps.curriculum.models import Grade, Objective, SchoolFramework
from nextsteps.curriculum.services import set_working_stage
from nextsteps.schools import policy
from nextsteps.schools.models import Enrolment, Group, Pupil, SchoolClass
from nextsteps.schools.queries import CHARACTERISTIC_FILTERS, pupils_in_class

from . import queries, services

MAX_CELLS = 2000  # a whole 30 x 60 markbook in one fill, with room to spare


@login_required
@require_GET
def index(request):
    """Choose a class or group to open."""
    user = request.user
    if not policy.is_staff_member(user):
        raise PermissionDenied
    today = timezone.localdate()
    classes = (
        SchoolClass.objects.visible_to(user)
        .filter(academic_year__start_date__lte=today, academic_year__end_date__gte=today)
        .select_related("school", "year_group")
    )
    school_ids = policy.school_ids_with(user, "view_school")
    groups = Group.objects.filter(school_id__in=school_ids).select_related("school")
    return render(request, "assessment/markbook_index.html", {"classes": classes, "groups": groups})


@login_required
@require_GET
def class_grid(request, pk):
    school_class = queries.class_for(request.user, pk)
    if school_class is None:
        raise Http404
    pupils = pupils_in_class(request.user, school_class)
    year_stage = school_class.year_group.stage if school_class.year_group else None
    return _grid_page(
        request,
        school=school_class.school,
        title=school_class.name,
        pupils=pupils,
        year_stage=lambda: year_stage,
        base_url=reverse("assessment:markbook_class", args=[pk]),
    )


@login_required
@require_GET
def group_grid(request, pk):
    group = queries.group_for(request.user, pk)
    if group is None:
        raise Http404
    pupils = queries.group_pupils(request.user, group)
    return _grid_page(
        request,
        school=group.school,
        title=group.name,
        pupils=pupils,
        year_stage=lambda: queries.usual_year_stage(pupils, group.school),
        base_url=reverse("assessment:markbook_group", args=[pk]),
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _grid_page(request, *, school, title, pupils, year_stage, base_url):
    user = request.user
    if not policy.is_staff_member(user):
        raise PermissionDenied
    params = request.GET
    subjects = list(queries.subjects_for_school(school))
    subject = next((s for s in subjects if s.pk == _int(params.get("subject"))), None)
    subject = subject or (subjects[0] if subjects else None)
    context = {
        "title": title,
        "school": school,
        "subjects": subjects,
        "subject": subject,
        "base_url": base_url,
        "can_record": policy.can(user, "record_judgements", school),
        "groups": Group.objects.filter(school=school),
        "filters": {k: CHARACTERISTIC_FILTERS[k][2] for k in queries.MARKBOOK_FILTERS},
        "sorts": queries.SORTS,
        "selected": {
            "group": _int(params.get("group")),
            "characteristic": params.get("characteristic", ""),
            "key": params.get("key") == "1",
            "sort": params.get("sort") if params.get("sort") in queries.SORTS else "name",
        },
    }
    if subject is None:
        return render(request, "assessment/markbook_grid.html", context)
    stages = list(subject.framework.stages.all())
    strands = list(subject.strands.all())
    stage = next((s for s in stages if s.pk == _int(params.get("stage"))), None)
    stage = stage or queries.default_stage(stages, year_stage())
    strand = next((s for s in strands if s.pk == _int(params.get("strand"))), None)
    selected = context["selected"]
    chosen = queries.filter_pupils(
        pupils,
        group_id=selected["group"],
        characteristics=[selected["characteristic"]] if selected["characteristic"] else [],
    )
    grid = None
    if stage is not None:
        grid = queries.build_grid(
            chosen,
            subject,
            stage,
            strand=strand,
            key_only=selected["key"],
            sort=selected["sort"],
        )

    def stage_url(other):
        query = {k: v for k, v in params.items() if k != "stage"}
        query.update(subject=subject.pk, stage=other.pk)
        return f"{base_url}?{urlencode(query)}"

    elsewhere = [
        {"pupil": e.pupil, "stage": e.stage, "url": stage_url(e.stage)}
        for e in (grid.elsewhere if grid else [])
    ]
    context.update(
        stages=stages,
        strands=strands,
        stage=stage,
        strand=strand,
        grid=grid,
        elsewhere=elsewhere,
        grades_json=[
            {
                "id": g.pk,
                "order": g.order,
                "label": g.label,
                "short": g.short_label,
                "colour": g.colour,
                "secure": g.secure,
            }
            for g in (grid.grades if grid else [])
        ],
        here=request.get_full_path(),
    )
    return render(request, "assessment/markbook_grid.html", context)


# Saving -------------------------------------------------------------------------------------


def _grade_json(grade):
    if grade is None:
        return None
    return {
        "id": grade.pk,
        "label": grade.label,
        "short": grade.short_label,
        "colour": grade.colour,
        "secure": grade.secure,
    }


class _Refused(Exception):
    def __init__(self, status, message, http):
        self.status, self.message, self.http = status, message, http
        super().__init__(message)


class _Saver:
    """Everything needed to judge a batch of cells, loaded once for the batch."""

    def __init__(self, user, cells):
        self.user = user
        pupil_ids = {c.get("pupil") for c in cells if isinstance(c.get("pupil"), int)}
        objective_ids = {c.get("objective") for c in cells if isinstance(c.get("objective"), int)}
        grade_ids = {c.get("grade") for c in cells if isinstance(c.get("grade"), int)}
        self.pupils = {p.pk: p for p in Pupil.objects.visible_to(user).filter(pk__in=pupil_ids)}
        today = timezone.localdate()
        self.pupil_schools: dict[int, set[int]] = {}
        for pupil_id, school_id in Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            start_date__lte=today,
            pupil_id__in=self.pupils,
        ).values_list("pupil_id", "school_id"):
            self.pupil_schools.setdefault(pupil_id, set()).add(school_id)
        self.recording = policy.school_ids_with(user, "record_judgements")
        self.objectives = {
            o.pk: o
            for o in Objective.objects.filter(pk__in=objective_ids).select_related(
                "subject__judgement_scale", "subject__framework__judgement_scale"
            )
        }
        self.adopted: dict[int, set[int]] = {}
        for school_id, framework_id in SchoolFramework.objects.filter(
            school_id__in=self.recording
        ).values_list("school_id", "framework_id"):
            self.adopted.setdefault(framework_id, set()).add(school_id)
        self.grades = {g.pk: g for g in Grade.objects.filter(pk__in=grade_ids)}

    def save(self, cell) -> dict:
        result = {"pupil": cell.get("pupil"), "objective": cell.get("objective")}
        try:
            judgement = self._save(cell)
        except _Refused as refused:
            result.update(status=refused.status, message=refused.message, http=refused.http)
            return result
        except services.StaleCell as stale:
            current = stale.current
            who = current.recorded_by if current else None
            result.update(
                status="conflict",
                http=409,
                judgement=current.pk if current else None,
                grade=_grade_json(current.grade if current else None),
                by=(str(who) if who else "someone else"),
                message=(
                    f"Changed by {who or 'someone else'} while you were editing; "
                    "yours was not saved."
                ),
            )
            return result
        except ValidationError as exc:
            message = " ".join(m for ms in exc.message_dict.values() for m in ms)
            result.update(status="invalid", message=message, http=400)
            return result
        grade = self.grades.get(judgement.grade_id)
        if grade is None and judgement.grade_id is not None:
            grade = judgement.grade
        result.update(status="saved", http=200, judgement=judgement.pk, grade=_grade_json(grade))
        return result

    def _save(self, cell):
        pupil = self.pupils.get(cell.get("pupil"))
        objective = self.objectives.get(cell.get("objective"))
        if pupil is None or objective is None:
            raise _Refused("not_found", "That pupil or objective was not found.", 404)
        schools = self.pupil_schools.get(pupil.pk, set())
        if not schools & self.recording:
            raise _Refused("refused", "You may not record judgements for this pupil.", 403)
        if not schools & self.recording & self.adopted.get(objective.subject.framework_id, set()):
            raise _Refused("not_found", "That objective is not in your school's frameworks.", 404)
        if "expected" not in cell or not (
            cell["expected"] is None or isinstance(cell["expected"], int)
        ):
            raise _Refused("invalid", "The page did not say what the cell showed.", 400)
        grade_id = cell.get("grade")
        grade = None
        if grade_id is not None:
            grade = self.grades.get(grade_id)
            if grade is None:
                raise _Refused("invalid", "That grade does not exist.", 400)
        return services.record_judgement(
            pupil, objective, grade, by=self.user, expected=cell["expected"]
        )


@login_required
@require_POST
def save(request):
    """Save one cell or many (a fill). JSON in: {"cells": [{pupil, objective, grade (id or
    null to clear), expected (the judgement id the page showed, null for an empty cell)}]}.
    Each cell is applied or refused on its own and reported in "results", in order. With one
    cell the HTTP status is that cell's (200, 400, 403, 404, or 409 with the other person's
    grade and name)."""
    if not policy.school_ids_with(request.user, "record_judgements"):
        raise PermissionDenied
    if request.content_type != "application/json":
        # Nothing sent as JSON means no cells to save (a bare POST, as a form would send).
        return JsonResponse({"results": [], "saved": 0, "failed": 0})
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "The request was not valid JSON."}, status=400)
    cells = payload.get("cells", []) if isinstance(payload, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        return JsonResponse({"error": "Send a list of cells."}, status=400)
    if len(cells) > MAX_CELLS:
        return JsonResponse({"error": f"Send at most {MAX_CELLS} cells at once."}, status=400)
    saver = _Saver(request.user, cells)
    results = [saver.save(cell) for cell in cells]
    saved = sum(1 for r in results if r["status"] == "saved")
    status = results[0]["http"] if len(results) == 1 else 200
    return JsonResponse(
        {"results": results, "saved": saved, "failed": len(results) - saved}, status=status
    )


# History and working stage ------------------------------------------------------------------


def _objective_for_pupil(user, pupil, objective_pk, permission):
    """The objective, if the user holds `permission` at a school the pupil is on roll at that
    uses its framework."""
    objective = (
        Objective.objects.select_related("subject__framework", "stage")
        .filter(pk=objective_pk)
        .first()
    )
    if objective is None:
        raise Http404
    schools = _current_school_ids(pupil)
    allowed = schools & policy.school_ids_with(user, permission)
    if not allowed:
        raise PermissionDenied
    if not SchoolFramework.objects.filter(
        school_id__in=allowed, framework_id=objective.subject.framework_id
    ).exists():
        raise Http404
    return objective


def _current_school_ids(pupil) -> set[int]:
    today = timezone.localdate()
    return set(
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today, pupil=pupil
        ).values_list("school_id", flat=True)
    )


@login_required
@require_GET
def history(request, pupil_pk, objective_pk):
    """A cell's judgements, oldest first, as a fragment for the markbook's history panel."""
    if not policy.is_staff_member(request.user):
        raise PermissionDenied
    pupil = policy.get_pupil_for(request.user, pupil_pk)
    objective = _objective_for_pupil(request.user, pupil, objective_pk, "view_school")
    events = services.judgement_history(pupil, objective)
    return render(
        request,
        "assessment/_markbook_history.html",
        {"pupil": pupil, "objective": objective, "events": events},
    )


class WorkingStageForm(forms.Form):
    stage = forms.TypedChoiceField(coerce=int, label="Working at")
    since = forms.DateField(
        label="Since",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    reason = forms.CharField(label="Reason (optional)", max_length=200, required=False)

    def __init__(self, *args, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.stages = {s.pk: s for s in stages}
        self.fields["stage"].choices = [(s.pk, s.name) for s in stages]


@login_required
def working_stage(request, pupil_pk, subject_pk):
    """Set the stage a pupil is tracked at in a subject (below or above their year)."""
    pupil = policy.get_pupil_for(request.user, pupil_pk)
    schools = _current_school_ids(pupil) & policy.school_ids_with(request.user, "record_judgements")
    if not schools:
        raise PermissionDenied
    subject = None
    for school_id in schools:
        subject = queries.subject_for_school(school_id, subject_pk)
        if subject:
            break
    if subject is None:
        raise Http404
    stages = list(subject.framework.stages.all())
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    current = queries.latest_working_stages([pupil.pk], subject).get(pupil.pk)
    form = WorkingStageForm(
        request.POST or None,
        stages=stages,
        initial={"stage": current.pk if current else None},
    )
    if request.method == "POST" and form.is_valid():
        stage = form.stages[form.cleaned_data["stage"]]
        try:
            set_working_stage(
                pupil,
                subject,
                stage,
                since=form.cleaned_data["since"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect(next_url or reverse("assessment:markbook"))
    return render(
        request,
        "assessment/markbook_working_stage.html",
        {
            "pupil": pupil,
            "subject": subject,
            "form": form,
            "current": current,
            "next": next_url,
        },
    )
