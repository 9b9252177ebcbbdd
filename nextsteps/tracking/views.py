"""Tracking pages (/tracking/): on track for a class, targets for a year group in one go, a
pupil's targets, milestones and goals, staff targets, and the rule written down. Every view
starts with an access helper from access.py that fetches the object for this user."""

import contextlib
import re
from collections import defaultdict
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from nextsteps.accounts.models import User
from nextsteps.assessment.rules import standings
from nextsteps.curriculum.models import Subject
from nextsteps.lib.rules_text import rule_sections
from nextsteps.schools import policy
from nextsteps.schools.models import ClassStaff, Pupil, Role, School, SchoolClass, YearGroup
from nextsteps.schools.queries import pupils_in_class
from nextsteps.schools.services import ConflictError

from . import access, on_track, rule, services, targets
from .forms import GoalForm, MilestoneForm, StaffTargetForm
from .queries import (
    current_year_group,
    objectives_by_subject,
    pupils_in_year_group,
    subjects_for_stage,
)


def _staff_only(user):
    if policy.persona(user) not in ("staff", "trust"):
        raise PermissionDenied("Tracking is shown to staff.")


def _pick(items, wanted, default=None):
    return next((i for i in items if str(i.pk) == str(wanted)), default)


def _default_point(points, today):
    return next((p for p in points if p.date >= today), points[-1] if points else None)


def _current_year(school, wanted=None):
    years = list(school.academic_years.order_by("-start_date"))
    return years, _pick(years, wanted, school.current_year())


def _apply_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# Overview and the rule ------------------------------------------------------------------------


@login_required
def index(request):
    user = request.user
    _staff_only(user)
    today = timezone.localdate()
    classes = (
        SchoolClass.objects.visible_to(user)
        .filter(academic_year__start_date__lte=today, academic_year__end_date__gte=today)
        .select_related("school", "year_group")
        .order_by("school__name", "year_group__stage", "name")
    )
    setting = policy.school_ids_with(user, "set_targets")
    year_groups = YearGroup.objects.filter(school_id__in=setting).select_related("school")
    return render(
        request,
        "tracking/index.html",
        {
            "classes": classes,
            "year_groups": year_groups.order_by("school__name", "stage"),
            "staff_targets": policy.is_staff_member(user) and policy.persona(user) == "staff",
        },
    )


@login_required
def rule_page(request):
    """The on-track and target rules written down, with the values this school uses."""
    user = request.user
    schools = list(
        School.objects.filter(pk__in=policy.school_ids_with(user, "view_school")).order_by("name")
    )
    if not schools:
        raise PermissionDenied("The tracking rule is shown to staff and governors of a school.")
    school = _pick(schools, request.GET.get("school"), schools[0])
    return render(
        request,
        "tracking/rule.html",
        {
            "schools": schools,
            "school": school,
            "sections": rule_sections(rule.__doc__),
            "on_track": on_track.on_track_rule(school),
            "target_rule": targets.target_rule(school),
            "problems": on_track.rule_problems(school),
        },
    )


# On track for a class -------------------------------------------------------------------------


@login_required
def class_on_track(request, pk):
    user = request.user
    school_class = access.class_for_tracking(user, pk)
    today = timezone.localdate()
    points = list(school_class.academic_year.assessment_points.order_by("date", "id"))
    stage = school_class.year_group.stage if school_class.year_group else None
    subjects = subjects_for_stage(school_class.school, stage)
    point = _pick(points, request.GET.get("point"), _default_point(points, today))
    chosen = _pick(subjects, request.GET.get("subject"))
    shown = [chosen] if chosen else subjects
    rows, totals = [], {}
    if point is not None and shown:
        pupils = list(
            pupils_in_class(user, school_class, on=min(point.date, today)).order_by(
                "legal_last_name", "legal_first_name", "pk"
            )
        )
        results = on_track.statuses(pupils, shown, [point], today=today)
        for pupil in pupils:
            rows.append((pupil, [results.get((pupil.pk, s.pk, point.pk)) for s in shown]))
        counted = on_track.counts(results.values())
        totals = [(rule.LABELS[s], counted.get(s, 0)) for s in rule.STATUSES]
    return render(
        request,
        "tracking/class.html",
        {
            "school_class": school_class,
            "points": points,
            "point": point,
            "subjects": subjects,
            "subject": chosen,
            "shown": shown,
            "rows": rows,
            "totals": totals,
            "reached": point is not None and point.date <= today,
        },
    )


# Targets for a year group ----------------------------------------------------------------------


def _sheet(user, group, params):
    """Everything the year-group target page shows: the chosen year and subject, the pupils
    with their suggestions and current targets."""
    years, year = _current_year(group.school, params.get("year"))
    subjects = subjects_for_stage(group.school, group.stage)
    subject = _pick(subjects, params.get("subject"), subjects[0] if subjects else None)
    sheet = {
        "group": group,
        "years": years,
        "year": year,
        "subjects": subjects,
        "subject": subject,
        "pupils": [],
    }
    if year is None or subject is None:
        return sheet
    pupils = list(
        pupils_in_year_group(user, group, year).order_by("legal_last_name", "legal_first_name")
    )
    sheet["pupils"] = pupils
    sheet["grades"] = list(subject.point_scale().grades.order_by("order"))
    sheet["suggestions"] = targets.suggest_targets(pupils, subject, year)
    sheet["current"] = {
        key[0]: t
        for key, t in targets.current_targets(
            [p.pk for p in pupils], [subject.pk], [year.pk]
        ).items()
    }
    return sheet


def _expected(raw):
    if raw is None:
        return targets.UNSET
    return int(raw) if raw.isdigit() else None


@login_required
def targets_bulk(request, pk):
    """Every pupil in a year group with the suggested target filled in: accept them all or
    change some (with a reason), one save, all or nothing."""
    user = request.user
    group = access.year_group_for_targets(user, pk)
    sheet = _sheet(user, group, request.POST if request.method == "POST" else request.GET)
    errors, posted = {}, {}
    subject, year = sheet["subject"], sheet["year"]
    if request.method == "POST" and subject is not None and year is not None:
        grades = {str(g.pk): g for g in sheet["grades"]}
        rows = []
        for pupil in sheet["pupils"]:
            choice = request.POST.get(f"grade-{pupil.pk}", "")
            reason = request.POST.get(f"reason-{pupil.pk}", "")
            posted[pupil.pk] = (choice, reason)
            if choice and choice not in grades:
                errors[pupil.pk] = "Choose a grade from the list."
                continue
            rows.append(
                targets.TargetRow(
                    pupil,
                    grades.get(choice),
                    reason,
                    _expected(request.POST.get(f"expected-{pupil.pk}")),
                )
            )
        if not errors:
            try:
                saved = targets.set_targets(
                    rows, subject, year, by=user, suggestions=sheet["suggestions"]
                )
            except targets.TargetErrors as exc:
                errors = exc.errors
            else:
                count = len(saved)
                messages.success(
                    request,
                    f"Saved {count} target{'s' if count != 1 else ''} for {subject.name}."
                    if count
                    else "Nothing had changed, so nothing was saved.",
                )
                url = reverse("tracking:targets_bulk", args=[group.pk])
                return redirect(f"{url}?year={year.pk}&subject={subject.pk}")
    prefill_suggestions = request.GET.get("prefill") == "suggestions"
    lines = []
    for pupil in sheet["pupils"]:
        suggestion = sheet["suggestions"].get(pupil.pk)
        current = sheet["current"].get(pupil.pk)
        if pupil.pk in posted:
            choice, reason = posted[pupil.pk]
        else:
            reason = ""
            if current is not None and current.grade_id and not prefill_suggestions:
                choice = str(current.grade_id)
            elif suggestion is not None and suggestion.grade is not None:
                choice = str(suggestion.grade.pk)
            else:
                choice = ""
        lines.append(
            {
                "pupil": pupil,
                "suggestion": suggestion,
                "current": current,
                "choice": choice,
                "reason": reason,
                "error": errors.get(pupil.pk),
            }
        )
    return render(
        request,
        "tracking/targets_bulk.html",
        {**sheet, "lines": lines, "errors": errors, "Method": targets.M},
        status=400 if errors else 200,
    )


# One pupil ------------------------------------------------------------------------------------


def _pupil_subjects(pupil, enrolment, year):
    subjects = subjects_for_stage(enrolment.school, enrolment.year_group.stage) if enrolment else []
    if year is not None:
        with_targets = Subject.objects.filter(
            pk__in=pupil.targets.filter(academic_year=year).values("subject_id")
        ).exclude(pk__in=[s.pk for s in subjects])
        subjects = subjects + list(with_targets)
    return subjects


def _pupil_tracking(user, pupil, today):
    enrolment = current_year_group(pupil)
    year = enrolment.academic_year if enrolment else None
    subjects = _pupil_subjects(pupil, enrolment, year)
    points = list(year.assessment_points.order_by("date", "id")) if year else []
    results = on_track.statuses([pupil], subjects, points, today=today) if points else {}
    cards = []
    for subject in subjects:
        statuses = [results.get((pupil.pk, subject.pk, p.pk)) for p in points]
        cards.append({"subject": subject, "statuses": list(zip(points, statuses, strict=True))})
    return enrolment, year, subjects, points, cards


@login_required
def pupil_page(request, pk):
    """A pupil's targets (with history), on track at each point, milestones and goals."""
    user = request.user
    pupil = access.readable_pupil(user, pk)
    today = timezone.localdate()
    enrolment, year, subjects, points, cards = _pupil_tracking(user, pupil, today)
    history = defaultdict(list)
    for row in targets.target_history(pupil):
        history[(row.academic_year_id, row.subject_id)].append(row)
    for card in cards:
        card["history"] = history.get((year.pk, card["subject"].pk), []) if year else []
        card["own_track"] = any(s and s.own_track for _, s in card["statuses"])
    since = year.start_date if year else today
    wanted = request.GET.get("since", "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", wanted):
        with contextlib.suppress(ValueError):
            since = date.fromisoformat(wanted)
    steps = on_track.small_steps(pupil, subjects, since)
    for card in cards:
        card["steps"] = steps.get(card["subject"].pk, [])
    milestones = list(
        pupil.milestones.select_related("subject", "set_by")
        .prefetch_related("objectives")
        .order_by("due_date", "id")
    )
    earlier = [
        (rows[0].academic_year, rows[0].subject, rows)
        for key, rows in history.items()
        if year is None or key[0] != year.pk
    ]
    return render(
        request,
        "tracking/pupil.html",
        {
            "pupil": pupil,
            "enrolment": enrolment,
            "year": year,
            "cards": cards,
            "points": points,
            "since": since,
            "milestones": milestones,
            "goals": pupil.goals.select_related("objective", "created_by").order_by(
                "status", "review_date", "id"
            ),
            "earlier": earlier,
            "can_set_targets": access.can(user, "set_targets", pupil),
            "can_manage_goals": access.can(user, "manage_goals", pupil),
            "today": today,
        },
    )


@login_required
def pupil_summary(request, pk):
    """On track in each subject this year: the fragment the pupil profile loads with hx-get."""
    user = request.user
    pupil = access.readable_pupil(user, pk)
    enrolment, year, subjects, points, cards = _pupil_tracking(user, pupil, timezone.localdate())
    return render(
        request,
        "tracking/_pupil_summary.html",
        {"pupil": pupil, "year": year, "points": points, "cards": cards},
    )


@login_required
def target_set(request, pk):
    """Set, change or withdraw one pupil's target in a subject, with the suggestion beside it."""
    user = request.user
    pupil = access.pupil_for(user, pk, "set_targets")
    params = request.POST if request.method == "POST" else request.GET
    enrolment = current_year_group(pupil)
    if enrolment is None:
        messages.error(request, f"{pupil.name} is not on roll, so has no target to set.")
        return redirect("tracking:pupil", pk=pupil.pk)
    years, year = _current_year(enrolment.school, params.get("year"))
    subjects = _pupil_subjects(pupil, enrolment, year)
    subject = _pick(subjects, params.get("subject"), subjects[0] if subjects else None)
    if subject is None or year is None:
        messages.error(request, "This school has no subjects or academic year to set targets in.")
        return redirect("tracking:pupil", pk=pupil.pk)
    suggestion = targets.suggest_targets([pupil], subject, year).get(pupil.pk)
    current = targets.current_targets([pupil.pk], [subject.pk], [year.pk]).get(
        (pupil.pk, subject.pk, year.pk)
    )
    grades = list(subject.point_scale().grades.order_by("order"))
    errors, stale = {}, None
    choice = str(current.grade_id) if current and current.grade_id else ""
    if not choice and suggestion and suggestion.grade:
        choice = str(suggestion.grade.pk)
    reason = ""
    if request.method == "POST":
        choice, reason = params.get("grade", ""), params.get("reason", "")
        grade = _pick(grades, choice)
        try:
            targets.set_target(
                pupil,
                subject,
                year,
                grade,
                by=user,
                reason=reason,
                expected=_expected(params.get("expected")),
                withdraw="withdraw" in params,
                suggestion=suggestion,
            )
        except targets.StaleTarget as exc:
            stale = str(exc)
            current = exc.current
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        else:
            messages.success(request, f"Target saved for {pupil.name} in {subject.name}.")
            return redirect("tracking:pupil", pk=pupil.pk)
    return render(
        request,
        "tracking/target_form.html",
        {
            "pupil": pupil,
            "years": years,
            "year": year,
            "subjects": subjects,
            "subject": subject,
            "suggestion": suggestion,
            "current": current,
            "grades": grades,
            "choice": choice,
            "reason": reason,
            "errors": errors,
            "stale": stale,
            "history": targets.target_history(pupil, subject, year),
        },
        status=400 if errors or stale else 200,
    )


# Goals and milestones -------------------------------------------------------------------------


def _objective_choices_for(pupil, subjects):
    """Objectives to link: the pupil's working stage in each subject, the one below and the one
    above (the whole ladder where the pupil has no stage yet)."""
    wanted = {}
    for subject in subjects:
        stage = standings([pupil], subject).get(pupil.pk)
        stage = stage.stage if stage else None
        wanted[subject.pk] = stage.order if stage else None
    grouped = objectives_by_subject(subjects)
    return {
        subject: [
            o
            for o in objectives
            if wanted.get(subject.pk) is None or abs(o.stage.order - wanted[subject.pk]) <= 1
        ]
        for subject, objectives in grouped.items()
    }


def _goal_subjects(pupil):
    enrolment = current_year_group(pupil)
    if enrolment is None:
        return []
    return subjects_for_stage(enrolment.school, enrolment.year_group.stage)


def _goal_changes(form, objectives):
    data = form.cleaned_data
    objective = None
    if data.get("objective"):
        objective = next(
            (o for items in objectives.values() for o in items if o.pk == data["objective"]), None
        )
        if objective is None:
            form.add_error("objective", "Choose an objective from the list.")
    return {
        "kind": data["kind"],
        "text": data["text"],
        "objective": objective,
        "status": data["status"],
        "review_date": data.get("review_date"),
        "owned_by_pupil": data.get("owned_by_pupil", False),
    }


@login_required
def goal_add(request, pk):
    user = request.user
    pupil = access.pupil_for(user, pk, "manage_goals")
    objectives = _objective_choices_for(pupil, _goal_subjects(pupil))
    form = GoalForm(request.POST or None, objectives=objectives)
    if request.method == "POST" and form.is_valid():
        changes = _goal_changes(form, objectives)
        if not form.errors:
            try:
                services.add_goal(pupil, by=user, **changes)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Target added.")
                return redirect(reverse("tracking:pupil", args=[pupil.pk]) + "#goals")
    return render(request, "tracking/goal_form.html", {"form": form, "pupil": pupil, "goal": None})


@login_required
def goal_edit(request, pk):
    user = request.user
    goal = access.goal_for(user, pk, write=True)
    pupil = goal.pupil
    objectives = _objective_choices_for(pupil, _goal_subjects(pupil))
    if goal.objective_id and not any(
        o.pk == goal.objective_id for items in objectives.values() for o in items
    ):
        objectives.setdefault(goal.objective.subject, []).append(goal.objective)
    conflict = None
    if request.method == "POST":
        form = GoalForm(request.POST, objectives=objectives)
        if form.is_valid():
            changes = _goal_changes(form, objectives)
            if not form.errors:
                try:
                    services.update_goal(goal, changes, form.cleaned_data["version"], by=user)
                except ConflictError as exc:
                    conflict = exc.current
                    form = _rebound(GoalForm, request.POST, conflict, objectives=objectives)
                    form.add_error(None, str(exc))
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    messages.success(request, "Saved.")
                    return redirect(reverse("tracking:pupil", args=[pupil.pk]) + "#goals")
    else:
        form = GoalForm(
            initial={
                "version": goal.version,
                "kind": goal.kind,
                "text": goal.text,
                "objective": goal.objective_id,
                "status": goal.status,
                "review_date": goal.review_date,
                "owned_by_pupil": goal.owned_by_pupil,
            },
            objectives=objectives,
        )
    return render(
        request,
        "tracking/goal_form.html",
        {"form": form, "pupil": pupil, "goal": goal, "conflict": conflict},
    )


def _rebound(form_class, data, current, **kwargs):
    """The editor's own input again, now carrying the version saved meanwhile: they see what
    is there, and a second save is a deliberate choice to replace it."""
    data = data.copy()
    data["version"] = str(current.version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


def _milestone_choices(pupil):
    subjects = _goal_subjects(pupil)
    return subjects, objectives_by_subject(subjects)


def _milestone_changes(form, subjects, objectives):
    data = form.cleaned_data
    subject = next((s for s in subjects if s.pk == data["subject"]), None)
    chosen = [o for items in objectives.values() for o in items if o.pk in set(data["objectives"])]
    return subject, chosen


@login_required
def milestone_add(request, pk):
    user = request.user
    pupil = access.pupil_for(user, pk, "manage_goals")
    subjects, objectives = _milestone_choices(pupil)
    today = timezone.localdate()
    form = MilestoneForm(
        request.POST or None,
        subjects=subjects,
        objectives=objectives,
        initial={"start_date": today, "subject": request.GET.get("subject")},
    )
    if request.method == "POST" and form.is_valid():
        subject, chosen = _milestone_changes(form, subjects, objectives)
        try:
            milestone = services.add_milestone(
                pupil,
                subject,
                description=form.cleaned_data["description"],
                start_date=form.cleaned_data["start_date"],
                due_date=form.cleaned_data["due_date"],
                objectives=chosen,
                by=user,
            )
            if form.cleaned_data.get("achieved_at"):
                services.update_milestone(
                    milestone, {"achieved_at": form.cleaned_data["achieved_at"]}, None, by=user
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Milestone added.")
            return redirect(reverse("tracking:pupil", args=[pupil.pk]) + "#milestones")
    return render(
        request,
        "tracking/milestone_form.html",
        {"form": form, "pupil": pupil, "milestone": None},
    )


@login_required
def milestone_edit(request, pk):
    user = request.user
    milestone = access.milestone_for(user, pk, write=True)
    pupil = milestone.pupil
    subjects, objectives = _milestone_choices(pupil)
    if milestone.subject not in subjects:
        subjects = [*subjects, milestone.subject]
        objectives.update(objectives_by_subject([milestone.subject]))
    conflict = None
    if request.method == "POST":
        form = MilestoneForm(request.POST, subjects=subjects, objectives=objectives)
        if form.is_valid():
            _, chosen = _milestone_changes(form, subjects, objectives)
            data = form.cleaned_data
            changes = {
                "description": data["description"],
                "start_date": data["start_date"],
                "due_date": data["due_date"],
                "achieved_at": data.get("achieved_at"),
                "objectives": chosen,
            }
            if data["subject"] != milestone.subject_id:
                form.add_error("subject", "A milestone keeps its subject; add a new one instead.")
            else:
                try:
                    services.update_milestone(milestone, changes, data["version"], by=user)
                except ConflictError as exc:
                    conflict = exc.current
                    form = _rebound(
                        MilestoneForm,
                        request.POST,
                        conflict,
                        subjects=subjects,
                        objectives=objectives,
                    )
                    form.add_error(None, str(exc))
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    messages.success(request, "Saved.")
                    return redirect(reverse("tracking:pupil", args=[pupil.pk]) + "#milestones")
    else:
        form = MilestoneForm(
            initial={
                "version": milestone.version,
                "subject": milestone.subject_id,
                "description": milestone.description,
                "objectives": [o.pk for o in milestone.objectives.all()],
                "start_date": milestone.start_date,
                "due_date": milestone.due_date,
                "achieved_at": milestone.achieved_at,
            },
            subjects=subjects,
            objectives=objectives,
        )
    return render(
        request,
        "tracking/milestone_form.html",
        {"form": form, "pupil": pupil, "milestone": milestone, "conflict": conflict},
    )


# Staff targets --------------------------------------------------------------------------------


def _staff_schools(user):
    return [
        s
        for s in School.objects.filter(pk__in=policy.school_ids_with(user, "view_school")).order_by(
            "name"
        )
        if user.is_superuser or services.is_staff_at(user, s)
    ]


def _staff_at(school):
    ids = set(
        Role.objects.filter(school=school, kind__in=policy.STAFF_KINDS).values_list(
            "user_id", flat=True
        )
    ) | set(
        ClassStaff.objects.filter(school_class__school=school).values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "username"))


def _staff_form_choices(user, school, for_others):
    staff = _staff_at(school) if for_others else [user]
    today = timezone.localdate()
    pupils = list(
        Pupil.objects.visible_to(user)
        .current_at(school, today)
        .order_by("legal_last_name", "legal_first_name")
    )
    return staff, pupils


@login_required
def staff_targets(request):
    """Staff targets: your own, and (for senior staff) everyone's at the school; add one."""
    user = request.user
    schools = _staff_schools(user)
    if not schools:
        raise PermissionDenied("Staff targets are for the staff of a school.")
    school = _pick(schools, request.GET.get("school") or request.POST.get("school"), schools[0])
    for_others = access.can_set_staff_targets_for_others(user, school)
    staff, pupils = _staff_form_choices(user, school, for_others)
    form = StaffTargetForm(
        request.POST or None, staff=staff, pupils=pupils, initial={"user": user.pk}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = next((u for u in staff if u.pk == data["user"]), None)
        chosen = [p for p in pupils if p.pk in set(data["pupils"])]
        try:
            services.add_staff_target(
                school,
                owner,
                text=data["text"],
                context=data["context"],
                pupils=chosen,
                status=data["status"],
                review_date=data.get("review_date"),
                by=user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Staff target added.")
            return redirect(reverse("tracking:staff_targets") + f"?school={school.pk}")
    rows = list(
        access.staff_targets_visible_to(user)
        .filter(school=school)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "pupils",
                queryset=Pupil.objects.visible_to(user).order_by("legal_last_name"),
                to_attr="shown_pupils",
            )
        )
        .order_by("user__last_name", "user__username", "review_date", "id")
    )
    by_person = defaultdict(list)
    for target in rows:
        by_person[target.user].append(target)
    return render(
        request,
        "tracking/staff_targets.html",
        {
            "schools": schools,
            "school": school,
            "form": form,
            "by_person": list(by_person.items()),
            "for_others": for_others,
        },
    )


@login_required
def staff_target_edit(request, pk):
    user = request.user
    target = access.staff_target_for(user, pk)
    school = target.school
    for_others = access.can_set_staff_targets_for_others(user, school)
    staff, pupils = _staff_form_choices(user, school, for_others)
    if target.user not in staff:
        staff = [*staff, target.user]
    visible = {p.pk for p in pupils}
    conflict = None
    if request.method == "POST":
        form = StaffTargetForm(request.POST, staff=staff, pupils=pupils)
        if form.is_valid():
            data = form.cleaned_data
            changes = {
                "text": data["text"],
                "context": data["context"],
                "status": data["status"],
                "review_date": data.get("review_date"),
                "pupils": [p for p in pupils if p.pk in set(data["pupils"])],
                "visible": visible,
            }
            if data["user"] != target.user_id:
                form.add_error("user", "A staff target stays with its owner; add a new one.")
            else:
                try:
                    services.update_staff_target(target, changes, data["version"], by=user)
                except ConflictError as exc:
                    conflict = exc.current
                    form = _rebound(
                        StaffTargetForm, request.POST, conflict, staff=staff, pupils=pupils
                    )
                    form.add_error(None, str(exc))
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    messages.success(request, "Saved.")
                    return redirect(reverse("tracking:staff_targets") + f"?school={school.pk}")
    else:
        form = StaffTargetForm(
            initial={
                "version": target.version,
                "user": target.user_id,
                "text": target.text,
                "context": target.context,
                "pupils": [p.pk for p in target.pupils.all() if p.pk in visible],
                "status": target.status,
                "review_date": target.review_date,
            },
            staff=staff,
            pupils=pupils,
        )
    return render(
        request,
        "tracking/staff_target_form.html",
        {"form": form, "target": target, "conflict": conflict},
    )
