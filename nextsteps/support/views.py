"""Support pages (/support/): the inclusion manager's list, the SEN register (a school's, and one
pupil's history and areas of need), and support plans with their targets, provision and
reviews. Every view starts with an access helper from access.py that fetches the object for
this user; every page showing SEN details or a plan logs the read."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from nextsteps.accounts.models import User
from nextsteps.schools.models import Characteristic, SchoolClass, YearGroup
from nextsteps.schools.services import ConflictError, current_characteristic
from nextsteps.tracking.queries import (
    current_year_group,
    objectives_by_subject,
    subjects_for_stage,
)

from . import access, queries, services
from .forms import (
    ClosePlanForm,
    NeedEditForm,
    NeedForm,
    PlanForm,
    ProvisionForm,
    ReviewForm,
    SenStatusForm,
    TargetForm,
)
from .models import Plan


def _pick(items, wanted, default=None):
    return next((i for i in items if str(i.pk) == str(wanted)), default)


def _apply_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _rebound(form_class, data, current, **kwargs):
    """The editor's own input again, now carrying the version saved meanwhile: they see what
    is there, and a second save is a deliberate choice to replace it."""
    data = data.copy()
    data["version"] = str(current.version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


def _status(form):
    return 400 if form.is_bound and form.errors else 200


def _plan_url(plan, anchor=""):
    return reverse("support:plan", args=[plan.pk]) + (f"#{anchor}" if anchor else "")


def _log_plan(user, plan, what="Support plan"):
    access.log_read(user, [plan.pupil], f"{what}: {plan.get_kind_display()}", school=plan.school)


def _pages(user, school) -> list:
    """The support pages for the tabs at the top of the school-wide pages."""
    pages = [("support:index", "Pupils who need a plan"), ("support:plans", "Plans")]
    if school in access.register_schools(user):
        pages.append(("support:register", "SEN register"))
    return pages


def _staff(school):
    return list(
        User.objects.filter(pk__in=services.staff_user_ids(school)).order_by(
            "last_name", "first_name", "username"
        )
    )


# The inclusion manager's list ------------------------------------------------------------------


@login_required
def index(request):
    """Pupils not on track with no plan, on the SEN register with no plan, and plans whose
    review is overdue, each with why; filtered by class or year group."""
    user = request.user
    schools = list(access.list_schools(user))
    access.require_list_school(user, schools)
    school = _pick(schools, request.GET.get("school"), schools[0])
    today = timezone.localdate()
    year = school.current_year(today)
    classes = (
        list(
            SchoolClass.objects.visible_to(user)
            .filter(school=school, academic_year=year)
            .select_related("year_group")
            .order_by("year_group__stage", "name")
        )
        if year
        else []
    )
    year_groups = list(YearGroup.objects.filter(school=school).order_by("stage"))
    school_class = _pick(classes, request.GET.get("class"))
    year_group = _pick(year_groups, request.GET.get("year_group"))
    pupils = access.list_pupils(
        user, school, today, school_class=school_class, year_group=year_group
    )
    at_risk = request.GET.get("off_track_only") != "1"
    found = queries.inclusion_list(school, list(pupils), today=today, at_risk=at_risk)
    access.log_read(
        user, [e.pupil for e in found.entries], "Inclusion list: SEN status and plans", school
    )
    return render(
        request,
        "support/index.html",
        {
            "schools": schools,
            "school": school,
            "classes": classes,
            "school_class": school_class,
            "year_groups": year_groups,
            "year_group": year_group,
            "at_risk": at_risk,
            "found": found,
            "kinds": [(k, label, found.counts[k]) for k, label in queries.KINDS.items()],
            "support_pages": _pages(user, school),
        },
    )


# The SEN register ------------------------------------------------------------------------------


@login_required
def register(request):
    """The school's SEN register today: status, since when, areas of need, plans."""
    user = request.user
    schools = list(access.register_schools(user))
    if not schools:
        raise PermissionDenied(access.NOT_SEN_MANAGER)
    school = _pick(schools, request.GET.get("school"), schools[0])
    today = timezone.localdate()
    pupils = access.list_pupils(user, school, today)
    rows = queries.register(list(pupils), school, on=today)
    access.log_read(user, [r.pupil for r in rows], "SEN register", school)
    return render(
        request,
        "support/register.html",
        {
            "schools": schools,
            "school": school,
            "rows": rows,
            "support_count": sum(1 for r in rows if r.status.value == "K"),
            "ehc_count": sum(1 for r in rows if r.status.value == "E"),
            "without_plan": sum(1 for r in rows if not r.plans),
            "support_pages": _pages(user, school),
            "today": today,
        },
    )


@login_required
def sen_pupil(request, pk):
    """One pupil's SEN status history and areas of need (current and ended)."""
    user = request.user
    pupil = access.pupil_for_sen(user, pk)
    history = list(
        Characteristic.objects.filter(pupil=pupil, kind=Characteristic.Kind.SEN)
        .select_related("recorded_by")
        .order_by("-start_date", "-id")
    )
    needs = list(pupil.sen_needs.select_related("recorded_by").order_by("end_date", "-primary"))
    today = timezone.localdate()
    access.log_read(user, [pupil], "SEN history and areas of need")
    return render(
        request,
        "support/sen_pupil.html",
        {
            "pupil": pupil,
            "history": history,
            "current_needs": [n for n in needs if n.current_on(today)],
            "past_needs": [n for n in needs if not n.current_on(today)],
            "since": queries.on_register_since(history, today),
            "current": next((r for r in history if r.current_on(today)), None),
            "can_manage": access.can_manage_sen(user, pupil),
            "can_read_plans": access.reads_as_staff(user, pupil),
        },
    )


@login_required
def pupil_summary(request, pk):
    """SEN status, primary need and open plans: the fragment the pupil profile loads with
    hx-get, for those who may see the pupil's SEN details."""
    user = request.user
    pupil = access.pupil_for_sen(user, pk)
    today = timezone.localdate()
    status = queries.sen_status_on([pupil.pk], today).get(pupil.pk)
    needs = queries.current_needs([pupil.pk], today).get(pupil.pk, [])
    plans = list(
        access.plans_visible_to(user)
        .filter(pupil=pupil, status=Plan.Status.OPEN)
        .select_related("owner", "school")
        .order_by("review_date", "id")
    )
    if status is not None or needs or plans:
        access.log_read(user, [pupil], "SEN status and plans (pupil profile)")
    return render(
        request,
        "support/_pupil_summary.html",
        {
            "pupil": pupil,
            "status": status,
            "needs": needs,
            "plans": plans,
            "today": today,
            "can_open": bool(list(access.plan_schools_for(user, pupil))),
        },
    )


@login_required
def sen_change(request, pk):
    """Change the pupil's SEN status: the record in force ends, a new one starts."""
    user = request.user
    pupil = access.pupil_for_sen_change(user, pk)
    today = timezone.localdate()
    current = current_characteristic(pupil, Characteristic.Kind.SEN, today)
    form = SenStatusForm(
        request.POST or None,
        initial={"start_date": today, "value": "K" if current is None else current.value},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.change_sen_status(
                pupil,
                data["value"],
                start_date=data["start_date"],
                details=data["details"],
                by=user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if record is None:
                messages.info(request, "That is already the pupil's SEN status; nothing changed.")
            else:
                messages.success(request, f"SEN status recorded: {record.label}.")
            return redirect("support:sen_pupil", pk=pupil.pk)
    return render(
        request,
        "support/sen_change.html",
        {"form": form, "pupil": pupil, "current": current},
        status=_status(form),
    )


@login_required
def need_add(request, pk):
    user = request.user
    pupil = access.pupil_for_sen_change(user, pk)
    form = NeedForm(request.POST or None, initial={"start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            need = services.add_need(pupil, by=user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Area of need added: {need.get_area_display()}.")
            return redirect("support:sen_pupil", pk=pupil.pk)
    return render(
        request,
        "support/need_form.html",
        {"form": form, "pupil": pupil, "need": None},
        status=_status(form),
    )


@login_required
def need_edit(request, pk):
    user = request.user
    need = access.need_for(user, pk)
    pupil = need.pupil
    conflict = None
    if request.method == "POST":
        form = NeedEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data["area"] != need.area:
                form.add_error("area", "A need keeps its area; end it and add the new one.")
            else:
                changes = {k: data[k] for k in ("description", "primary", "start_date", "end_date")}
                try:
                    services.update_need(need, changes, data["version"], by=user)
                except ConflictError as exc:
                    conflict = exc.current
                    form = _rebound(NeedEditForm, request.POST, conflict)
                    form.add_error(None, str(exc))
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    messages.success(request, "Saved.")
                    return redirect("support:sen_pupil", pk=pupil.pk)
    else:
        access.log_read(user, [pupil], "SEN area of need")
        form = NeedEditForm(
            initial={
                "version": need.version,
                "area": need.area,
                "description": need.description,
                "primary": need.primary,
                "start_date": need.start_date,
                "end_date": need.end_date,
            }
        )
    return render(
        request,
        "support/need_form.html",
        {"form": form, "pupil": pupil, "need": need, "conflict": conflict},
        status=_status(form),
    )


# Plans -----------------------------------------------------------------------------------------


@login_required
def pupil_plans(request, pk):
    """A pupil's plans, open and closed (for the family: only those shared with them)."""
    user = request.user
    pupil, as_staff = access.pupil_for_plans(user, pk)
    plans = list(
        access.plans_visible_to(user)
        .filter(pupil=pupil)
        .select_related("school", "owner")
        .order_by("status", "-start_date", "-id")
    )
    if plans:
        access.log_read(user, [pupil], "Support plans (list)")
    return render(
        request,
        "support/pupil_plans.html",
        {
            "pupil": pupil,
            "plans": plans,
            "as_staff": as_staff,
            "can_open": as_staff and bool(list(access.plan_schools_for(user, pupil))),
            "today": timezone.localdate(),
        },
    )


@login_required
def plans(request):
    """A school's plans: open (soonest review first), overdue, closed or all."""
    user = request.user
    schools = list(access.list_schools(user))
    access.require_list_school(user, schools)
    school = _pick(schools, request.GET.get("school"), schools[0])
    states = {"open": "Open", "overdue": "Review overdue", "closed": "Closed", "all": "All"}
    state = request.GET.get("state") if request.GET.get("state") in states else "open"
    kind = request.GET.get("kind") if request.GET.get("kind") in Plan.Kind.values else ""
    today = timezone.localdate()
    pupils = access.staff_plan_pupils(user, today)
    rows = list(queries.plans_at(school, pupils, state=state, kind=kind or None))
    access.log_read(user, {p.pupil for p in rows}, "Support plans (school list)", school)
    return render(
        request,
        "support/plans.html",
        {
            "schools": schools,
            "school": school,
            "states": states,
            "state": state,
            "kinds": Plan.Kind.choices,
            "kind": kind,
            "rows": rows,
            "today": today,
            "support_pages": _pages(user, school),
        },
    )


def _initial_plan(plan) -> dict:
    return {
        "version": plan.version,
        "kind": plan.kind,
        "title": plan.title,
        "reason": plan.reason,
        "strengths": plan.strengths,
        "owner": plan.owner_id,
        "start_date": plan.start_date,
        "review_date": plan.review_date,
        "shared_with_family": plan.shared_with_family,
    }


def _plan_fields(form, staff) -> dict:
    data = form.cleaned_data
    owners = {u.pk: u for u in staff}
    owner = owners.get(data["owner"])
    if owner is None:
        form.add_error("owner", "Choose someone who works at the school.")
    return {
        "kind": data["kind"],
        "title": data["title"],
        "reason": data["reason"],
        "strengths": data["strengths"],
        "owner": owner,
        "start_date": data["start_date"],
        "review_date": data["review_date"],
        "shared_with_family": data["shared_with_family"],
    }


def _default_kind(pupil, school):
    if school.country == school.Country.SCOTLAND:
        return Plan.Kind.CHILDS_PLAN
    if school.kind == school.Kind.ALTERNATIVE_PROVISION:
        return Plan.Kind.SUPPORT_PLAN
    current = current_characteristic(pupil, Characteristic.Kind.SEN)
    if current is not None and current.value == "E":
        return Plan.Kind.EHC_PLAN
    if current is not None and current.value == "K":
        return Plan.Kind.IEP
    return Plan.Kind.SUPPORT_PLAN


@login_required
def plan_create(request, pk):
    user = request.user
    pupil, schools = access.pupil_to_plan_for(user, pk)
    params = request.POST if request.method == "POST" else request.GET
    school = _pick(schools, params.get("school"), schools[0])
    staff = _staff(school)
    today = timezone.localdate()
    initial = {
        "kind": request.GET.get("kind") or _default_kind(pupil, school),
        "start_date": today,
        "review_date": today + timedelta(weeks=12),
        "owner": user.pk if any(u.pk == user.pk for u in staff) else "",
    }
    form = PlanForm(request.POST or None, staff=staff, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = _plan_fields(form, staff)
        if not form.errors:
            try:
                plan = services.open_plan(pupil, school=school, by=user, **fields)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"{plan.get_kind_display()} opened. Now add its targets.")
                return redirect("support:target_add", pk=plan.pk)
    return render(
        request,
        "support/plan_form.html",
        {"form": form, "pupil": pupil, "plan": None, "school": school, "schools": schools},
        status=_status(form),
    )


@login_required
def plan_detail(request, pk):
    user = request.user
    plan = access.plan_for(user, pk)
    targets, provision, reviews = queries.plan_detail(plan)
    _log_plan(user, plan)
    today = timezone.localdate()
    return render(
        request,
        "support/plan_detail.html",
        {
            "plan": plan,
            "pupil": plan.pupil,
            "targets": targets,
            "provision": provision,
            "reviews": reviews,
            "family_view": plan.family_view,
            "can_write": not plan.family_view
            and access.can_write_for(user, plan.pupil, plan.school),
            "overdue": plan.review_overdue(today),
            "hours": sum((p.hours_per_week or 0) for p in provision),
            "today": today,
        },
    )


@login_required
def plan_edit(request, pk):
    user = request.user
    plan = access.plan_for(user, pk, write=True)
    staff = _staff(plan.school)
    if plan.owner not in staff:
        staff.append(plan.owner)
    conflict = None
    if request.method == "POST":
        form = PlanForm(request.POST, staff=staff)
        if form.is_valid():
            fields = _plan_fields(form, staff)
            if not form.errors:
                try:
                    services.update_plan(plan, fields, form.cleaned_data["version"], by=user)
                except ConflictError as exc:
                    conflict = exc.current
                    form = _rebound(PlanForm, request.POST, conflict, staff=staff)
                    form.add_error(None, str(exc))
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    messages.success(request, "Plan saved.")
                    return redirect(_plan_url(plan))
    else:
        _log_plan(user, plan)
        form = PlanForm(initial=_initial_plan(plan), staff=staff)
    return render(
        request,
        "support/plan_form.html",
        {
            "form": form,
            "pupil": plan.pupil,
            "plan": plan,
            "school": plan.school,
            "conflict": conflict,
        },
        status=_status(form),
    )


@login_required
def plan_close(request, pk):
    """Close an open plan with a reason, or reopen a closed one."""
    user = request.user
    plan = access.plan_for(user, pk, write=True)
    form = ClosePlanForm(request.POST or None, initial={"version": plan.version})
    if not plan.is_open:
        form.fields["closed_reason"].required = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = (
            {"status": Plan.Status.CLOSED, "closed_reason": data["closed_reason"]}
            if plan.is_open
            else {"status": Plan.Status.OPEN}
        )
        try:
            services.update_plan(plan, changes, data["version"], by=user)
        except ConflictError as exc:
            form = _rebound(ClosePlanForm, request.POST, exc.current)
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Plan closed." if plan.is_open else "Plan reopened.")
            return redirect(_plan_url(plan))
    return render(
        request,
        "support/plan_close.html",
        {"form": form, "plan": plan, "pupil": plan.pupil},
        status=_status(form),
    )


# Targets, provision and reviews -----------------------------------------------------------------


def _objectives_for_plan(plan):
    """Objectives a target may link to: those of the subjects taught in the pupil's year group
    at the plan's school (every subject of the school's frameworks when not on roll)."""
    enrolment = current_year_group(plan.pupil, plan.school)
    stage = enrolment.year_group.stage if enrolment else None
    return objectives_by_subject(subjects_for_stage(plan.school, stage))


def _chosen(form, objectives):
    wanted = set(form.cleaned_data.get("objectives") or [])
    return [o for items in objectives.values() for o in items if o.pk in wanted]


@login_required
def target_add(request, pk):
    user = request.user
    plan = access.plan_for(user, pk, write=True)
    objectives = _objectives_for_plan(plan)
    form = TargetForm(
        request.POST or None,
        objectives=objectives,
        initial={"target_date": plan.review_date},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_target(
                plan,
                specific=data["specific"],
                measure=data["measure"],
                target_date=data["target_date"],
                objectives=_chosen(form, objectives),
                status=data["status"],
                by=user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Target added.")
            if "another" in request.POST:
                return redirect("support:target_add", pk=plan.pk)
            return redirect(_plan_url(plan, "targets"))
    return render(
        request,
        "support/target_form.html",
        {"form": form, "plan": plan, "pupil": plan.pupil, "target": None},
        status=_status(form),
    )


@login_required
def target_edit(request, pk):
    user = request.user
    target = access.target_for(user, pk)
    plan = target.plan
    objectives = _objectives_for_plan(plan)
    linked = list(target.objectives.select_related("subject", "stage"))
    for objective in linked:
        if not any(o.pk == objective.pk for items in objectives.values() for o in items):
            objectives.setdefault(objective.subject, []).append(objective)
    conflict = None
    if request.method == "POST":
        form = TargetForm(request.POST, objectives=objectives)
        if form.is_valid():
            data = form.cleaned_data
            changes = {
                "specific": data["specific"],
                "measure": data["measure"],
                "target_date": data["target_date"],
                "status": data["status"],
                "objectives": _chosen(form, objectives),
            }
            try:
                services.update_target(target, changes, data["version"], by=user)
            except ConflictError as exc:
                conflict = exc.current
                form = _rebound(TargetForm, request.POST, conflict, objectives=objectives)
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Target saved.")
                return redirect(_plan_url(plan, "targets"))
    else:
        _log_plan(user, plan)
        form = TargetForm(
            initial={
                "version": target.version,
                "specific": target.specific,
                "measure": target.measure,
                "target_date": target.target_date,
                "status": target.status,
                "objectives": [o.pk for o in linked],
            },
            objectives=objectives,
        )
    return render(
        request,
        "support/target_form.html",
        {"form": form, "plan": plan, "pupil": plan.pupil, "target": target, "conflict": conflict},
        status=_status(form),
    )


def _provision_fields(form) -> dict:
    data = form.cleaned_data
    return {
        k: data.get(k)
        for k in ("what", "who", "frequency", "hours_per_week", "start_date", "end_date")
    } | {"frequency": data.get("frequency") or ""}


@login_required
def provision_add(request, pk):
    user = request.user
    plan = access.plan_for(user, pk, write=True)
    form = ProvisionForm(request.POST or None, initial={"start_date": plan.start_date})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_provision(plan, **_provision_fields(form))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Provision added.")
            return redirect(_plan_url(plan, "provision"))
    return render(
        request,
        "support/provision_form.html",
        {"form": form, "plan": plan, "pupil": plan.pupil, "item": None},
        status=_status(form),
    )


@login_required
def provision_edit(request, pk):
    user = request.user
    item = access.provision_for(user, pk)
    plan = item.plan
    conflict = None
    if request.method == "POST":
        form = ProvisionForm(request.POST)
        if form.is_valid():
            try:
                services.update_provision(
                    item, _provision_fields(form), form.cleaned_data["version"]
                )
            except ConflictError as exc:
                conflict = exc.current
                form = _rebound(ProvisionForm, request.POST, conflict)
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Provision saved.")
                return redirect(_plan_url(plan, "provision"))
    else:
        _log_plan(user, plan)
        form = ProvisionForm(
            initial={
                "version": item.version,
                "what": item.what,
                "who": item.who,
                "frequency": item.frequency,
                "hours_per_week": item.hours_per_week,
                "start_date": item.start_date,
                "end_date": item.end_date,
            }
        )
    return render(
        request,
        "support/provision_form.html",
        {"form": form, "plan": plan, "pupil": plan.pupil, "item": item, "conflict": conflict},
        status=_status(form),
    )


@login_required
def review_add(request, pk):
    """Record a review: outcome, how each target went, and the next review date (or close)."""
    user = request.user
    plan = access.plan_for(user, pk, write=True)
    if not plan.is_open:
        messages.error(request, "The plan is closed; reopen it to review it.")
        return redirect(_plan_url(plan))
    targets = list(plan.targets.order_by("position", "id"))
    today = timezone.localdate()
    form = ReviewForm(
        request.POST or None,
        targets=targets,
        initial={"version": plan.version, "held_on": today},
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = services.record_review(
                plan,
                held_on=data["held_on"],
                outcome=data["outcome"],
                expected_version=data["version"],
                next_review_date=data.get("next_review_date"),
                summary=data["summary"],
                pupil_views=data["pupil_views"],
                family_views=data["family_views"],
                progress=form.progress(),
                by=user,
            )
        except ConflictError as exc:
            conflict = exc.current
            form = _rebound(ReviewForm, request.POST, conflict, targets=targets)
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Review recorded: {review.get_outcome_display().lower()}.")
            return redirect(_plan_url(plan, "reviews"))
    elif request.method != "POST":
        _log_plan(user, plan)
    fields = [(t, form[f"progress-{t.pk}"], form[f"note-{t.pk}"]) for t in targets]
    return render(
        request,
        "support/review_form.html",
        {
            "form": form,
            "plan": plan,
            "pupil": plan.pupil,
            "target_fields": fields,
            "conflict": conflict,
            "main_fields": [
                form[name]
                for name in (
                    "held_on",
                    "outcome",
                    "next_review_date",
                    "summary",
                    "pupil_views",
                    "family_views",
                )
            ],
        },
        status=_status(form),
    )
