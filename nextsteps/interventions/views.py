"""Interventions pages (/interventions/): the list, setting one up and changing it, its members,
its impact, the provision map (with CSV and Excel downloads) and a pupil's interventions. Every
view starts with an access helper from access.py (or policy.get_pupil_for) that fetches the
object for this user."""

import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from nextsteps.accounts.models import User
from nextsteps.audit.services import record_export
from nextsteps.curriculum.models import Stage, Strand, Subject
from nextsteps.interop.exports import FORMATS, to_csv, to_xlsx
from nextsteps.schools import policy
from nextsteps.schools.models import ClassStaff, Enrolment, Pupil, Role
from nextsteps.schools.services import ConflictError

from . import access, evaluation, impact, queries, services
from .forms import (
    AddMembersForm,
    InterventionForm,
    objective_set_value,
    objective_sets,
    parse_objective_set,
)
from .models import Intervention


def _pick(items, wanted, default=None):
    return next((i for i in items if str(i.pk) == str(wanted)), default)


def _apply_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            if name == "subject" and "objective_set" in form.fields:
                name = "objective_set"
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _rule_text() -> list[str]:
    """The impact and measurement rules as paragraphs, for the 'how it is worked out' box."""
    text = (impact.__doc__ or "").split("How it is worked out", 1)[-1]
    text += (evaluation.__doc__ or "").split("When it is measured", 1)[-1]
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.strip().splitlines() if set(line.strip()) != {"-"}]
        if lines:
            paragraphs.append(" ".join(lines))
    return paragraphs


# The list ---------------------------------------------------------------------------------------

STATES = {"running": "Running now", "planned": "Not started", "finished": "Finished", "all": "All"}


@login_required
def index(request):
    user = request.user
    access.require_reader(user)
    today = timezone.localdate()
    state = request.GET.get("state") if request.GET.get("state") in STATES else "running"
    rows = list(queries.for_list(user, state=None if state == "all" else state, today=today))
    costs = {}
    for item in rows:
        costs[item.pk] = (
            queries.costs(item, item.member_count)
            if access.sees_costs(user, item.school_id)
            else None
        )
    return render(
        request,
        "interventions/index.html",
        {
            "rows": [
                (item, costs[item.pk], queries.STATUS_LABELS[queries.status(item, today)])
                for item in rows
            ],
            "state": state,
            "state_label": STATES[state],
            "states": STATES,
            "managed": access.managed_schools(user),
            "map_schools": access.map_schools(user),
        },
    )


# Setting one up and changing it ----------------------------------------------------------------


def _staff_at(school):
    ids = set(
        Role.objects.filter(school=school, kind__in=policy.STAFF_KINDS).values_list(
            "user_id", flat=True
        )
    ) | set(
        ClassStaff.objects.filter(school_class__school=school).values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "username"))


def _form(school, data=None, initial=None):
    return InterventionForm(
        data,
        initial=initial,
        staff=_staff_at(school),
        objective_sets=objective_sets(school),
        tests=services.measurable_tests(school),
        areas=services.review_areas(school),
    )


def _fields_from(form, school) -> dict:
    """The service's fields from a valid form: chosen objects looked up among the school's."""
    data = form.cleaned_data
    fields = {
        "name": data["name"],
        "kind": data["kind"],
        "description": data["description"],
        "start_date": data["start_date"],
        "end_date": data.get("end_date"),
        "sessions_per_week": data["sessions_per_week"],
        "minutes_per_session": data["minutes_per_session"],
        "cost": data.get("cost"),
        "cost_basis": data["cost_basis"],
        "measure_kind": data["measure_kind"],
        "subject": None,
        "stage": None,
        "strand": None,
        "definition": None,
        "review_area": None,
    }
    kind = data["measure_kind"]
    if kind == Intervention.MeasureKind.OBJECTIVES:
        parsed = parse_objective_set(data.get("objective_set") or "")
        if parsed:
            subject_id, stage_id, strand_id = parsed
            fields["subject"] = Subject.objects.filter(
                pk=subject_id, framework__school_links__school=school
            ).first()
            fields["stage"] = Stage.objects.filter(pk=stage_id).first() if stage_id else None
            fields["strand"] = Strand.objects.filter(pk=strand_id).first() if strand_id else None
    elif kind == Intervention.MeasureKind.TEST:
        fields["definition"] = (
            services.measurable_tests(school).filter(pk=data.get("definition")).first()
        )
    elif kind == Intervention.MeasureKind.REVIEW:
        fields["review_area"] = (
            services.review_areas(school).filter(pk=data.get("review_area")).first()
        )
    staff = {u.pk: u for u in _staff_at(school)}
    fields["staff"] = [staff[pk] for pk in data.get("staff", []) if pk in staff]
    return fields


@login_required
def create(request):
    user = request.user
    schools = list(access.managed_schools(user))
    if not schools:
        raise PermissionDenied(access.MANAGERS_ONLY)
    school = _pick(schools, request.GET.get("school") or request.POST.get("school"), schools[0])
    today = timezone.localdate()
    form = _form(
        school,
        request.POST or None,
        initial={"start_date": today, "sessions_per_week": 3, "minutes_per_session": 30},
    )
    if request.method == "POST" and form.is_valid():
        fields = _fields_from(form, school)
        staff = fields.pop("staff")
        try:
            item = services.create_intervention(school, by=user, staff=staff, **fields)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{item.name} set up. Now add its pupils.")
            return redirect("interventions:members", pk=item.pk)
    return render(
        request,
        "interventions/form.html",
        {"form": form, "school": school, "schools": schools, "item": None},
        status=400 if form.errors else 200,
    )


def _initial(item) -> dict:
    return {
        "version": item.version,
        "name": item.name,
        "kind": item.kind,
        "description": item.description,
        "staff": [u.pk for u in item.staff.all()],
        "start_date": item.start_date,
        "end_date": item.end_date,
        "sessions_per_week": item.sessions_per_week,
        "minutes_per_session": item.minutes_per_session,
        "cost": item.cost,
        "cost_basis": item.cost_basis,
        "measure_kind": item.measure_kind,
        "objective_set": objective_set_value(item.subject_id, item.stage_id, item.strand_id)
        if item.subject_id
        else "",
        "definition": item.definition_id,
        "review_area": item.review_area_id,
    }


@login_required
def edit(request, pk):
    user = request.user
    item = access.intervention_for(user, pk, manage=True)
    school = item.school
    conflict = None
    if request.method == "POST":
        form = _form(school, request.POST)
        if form.is_valid():
            fields = _fields_from(form, school)
            try:
                services.update_intervention(item, fields, form.cleaned_data["version"], by=user)
            except ConflictError as exc:
                conflict = exc.current
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = _form(school, data)
                form.is_valid()
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect("interventions:detail", pk=item.pk)
    else:
        form = _form(school, initial=_initial(item))
    return render(
        request,
        "interventions/form.html",
        {"form": form, "school": school, "schools": [school], "item": item, "conflict": conflict},
        status=400 if form.errors else 200,
    )


# One intervention -------------------------------------------------------------------------------


@login_required
def detail(request, pk):
    user = request.user
    item = access.intervention_for(user, pk)
    today = timezone.localdate()
    evaluated = evaluation.evaluate(item, today=today, by=user)
    rows, others = queries.member_rows(user, evaluated)
    member_count = item.members.count()
    sees_costs = access.sees_costs(user, item.school_id)
    return render(
        request,
        "interventions/detail.html",
        {
            "item": item,
            "evaluated": evaluated,
            "impact": evaluated.impact,
            "measure": evaluated.measure,
            "rows": rows,
            "others": others,
            "member_count": member_count,
            "costs": queries.costs(item, member_count) if sees_costs else None,
            "hours": queries.hours(item.minutes_per_week),
            "status_label": queries.STATUS_LABELS[queries.status(item, today)],
            "staff": item.staff.order_by("last_name", "first_name"),
            "can_manage": access.can_manage(user, item.school_id),
            "finished": evaluation.is_finished(item, today),
            "rule": _rule_text(),
        },
    )


def _candidates(user, item, today):
    """Pupils the manager may add: on roll at the school on the day they would join, not
    already members, with their year group for the list."""
    day = services.default_joined(item, today)
    enrolled = {
        e.pupil_id: e
        for e in Enrolment.objects.filter(school=item.school, start_date__lte=day)
        .exclude(end_date__lt=day)
        .select_related("year_group", "school_class")
        .order_by("start_date", "id")
    }
    pupils = list(
        Pupil.objects.visible_to(user)
        .filter(pk__in=list(enrolled))
        .exclude(pk__in=item.members.values("pupil_id"))
    )
    for pupil in pupils:
        e = enrolled[pupil.pk]
        pupil.year_label = str(e.school_class or e.year_group)
        pupil.stage = e.year_group.stage
    pupils.sort(key=lambda p: (p.stage, p.last_name, p.first_name, p.pk))
    return pupils, day


@login_required
def members(request, pk):
    user = request.user
    item = access.intervention_for(user, pk, manage=True)
    today = timezone.localdate()
    pupils, day = _candidates(user, item, today)
    form = AddMembersForm(request.POST or None, pupils=pupils, initial={"joined": day})
    if request.method == "POST" and form.is_valid():
        chosen = [p for p in pupils if p.pk in set(form.cleaned_data["pupils"])]
        try:
            added = services.add_members(item, chosen, joined=form.cleaned_data["joined"], by=user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            count = len(added)
            messages.success(request, f"Added {count} pupil{'s' if count != 1 else ''}.")
            return redirect("interventions:members", pk=item.pk)
    evaluated = evaluation.evaluate(item, today=today, by=user)
    rows, others = queries.member_rows(user, evaluated)
    return render(
        request,
        "interventions/members.html",
        {"item": item, "form": form, "rows": rows, "others": others, "today": today},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def member_leave(request, pk, pupil_pk):
    user = request.user
    item = access.intervention_for(user, pk, manage=True)
    pupil = policy.get_pupil_for(user, pupil_pk)
    raw = request.POST.get("left", "")
    try:
        left = date.fromisoformat(raw) if raw else None
    except ValueError:
        left = None
        messages.error(request, "Give the date they left as a date.")
        return redirect("interventions:members", pk=item.pk)
    try:
        place = services.mark_left(item, pupil, left=left, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if place is None:
            messages.success(request, f"{pupil.name} had not started, so is no longer listed.")
        else:
            messages.success(request, f"Recorded that {pupil.name} left on {left:%d %b %Y}.")
    return redirect("interventions:members", pk=item.pk)


@login_required
@require_POST
def remeasure(request, pk):
    user = request.user
    item = access.intervention_for(user, pk, manage=True)
    try:
        evaluation.take_evaluation(item, by=user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Measured again from the records as they are now.")
    return redirect("interventions:detail", pk=item.pk)


# The provision map ------------------------------------------------------------------------------


def _map(request):
    user = request.user
    schools = list(access.map_schools(user))
    if not schools:
        raise PermissionDenied(access.STAFF_ONLY)
    school = _pick(schools, request.GET.get("school"), schools[0])
    years = list(school.academic_years.order_by("-start_date"))
    year = _pick(years, request.GET.get("year"), school.current_year() or (years or [None])[0])
    group_by = request.GET.get("by") if request.GET.get("by") in queries.GROUP_BY else "year-group"
    pmap = queries.provision_map(user, school, year, group_by=group_by) if year else None
    return schools, school, years, year, group_by, pmap


@login_required
def provision_map(request):
    schools, school, years, year, group_by, pmap = _map(request)
    return render(
        request,
        "interventions/map.html",
        {
            "schools": schools,
            "school": school,
            "years": years,
            "year": year,
            "group_by": group_by,
            "group_choices": queries.GROUP_BY,
            "group_label": queries.GROUP_BY[group_by],
            "pmap": pmap,
        },
    )


@login_required
def map_export(request, fmt):
    if fmt not in FORMATS:
        raise Http404
    _, school, _, year, _, pmap = _map(request)
    if pmap is None:
        raise Http404
    rows = queries.map_table(pmap)
    record_export(request.user, f"Provision map {year} ({school})", school, len(rows))
    body = (
        to_csv(queries.MAP_HEADERS, rows)
        if fmt == "csv"
        else to_xlsx(queries.MAP_HEADERS, rows, "Provision map")
    )
    response = HttpResponse(body, content_type=FORMATS[fmt])
    name = f"provision-map-{year.name.replace('/', '-')}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# A pupil's interventions ------------------------------------------------------------------------


def _pupil_context(request, pk):
    user = request.user
    pupil = policy.get_pupil_for(user, pk)
    return {
        "pupil": pupil,
        "items": queries.for_pupil(user, pupil),
        "family": policy.persona(user) in ("parent", "pupil"),
        "is_self": getattr(pupil, "user_id", None) == user.pk,
        "status_labels": queries.STATUS_LABELS,
    }


@login_required
def pupil_page(request, pk):
    """Everyone who may see the pupil: what they take part in. Costs only for the school's staff;
    never anyone else's name."""
    return render(request, "interventions/pupil.html", _pupil_context(request, pk))


@login_required
def pupil_summary(request, pk):
    """The fragment the pupil profile loads with hx-get."""
    return render(request, "interventions/_pupil_summary.html", _pupil_context(request, pk))
