"""Framework pages: the list a school uses, a framework's learning ladders, the editor and
import/export. Staff who record judgements may read; "manage_curriculum" may adopt, import
and edit. Shipped (and trust) frameworks are read-only: a school edits its own copy."""

import secrets
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from nextsteps.assessment.models import Judgement
from nextsteps.schools import policy
from nextsteps.schools.models import Pupil

from . import services, transfer
from .models import Framework, Objective, SchoolFramework, Strand

SESSION_KEY = "curriculum_import"


def _schools(user, permission="record_judgements"):
    schools = list(policy.schools_where(user, permission))
    if not schools:
        raise PermissionDenied
    return schools


def _chosen(request, schools):
    wanted = request.POST.get("school") or request.GET.get("school")
    if wanted is None:
        return schools[0]
    for school in schools:
        if str(school.pk) == str(wanted):
            return school
    raise Http404("No such school for you")


def _visible(schools):
    """Frameworks shipped with NextSteps, shared by the schools' trusts, or owned by them."""
    trusts = {s.trust_id for s in schools if s.trust_id}
    return Framework.objects.filter(
        Q(school__isnull=True, trust__isnull=True)
        | Q(school__in=schools)
        | Q(school__isnull=True, trust_id__in=trusts)
    )


def _framework_for(user, pk, permission="record_judgements"):
    schools = _schools(user, "record_judgements")
    framework = (
        _visible(schools)
        .select_related("judgement_scale", "summary_scale", "school")
        .filter(pk=pk)
        .first()
    )
    if framework is None:
        raise Http404("No such framework")
    if permission != "record_judgements" and not policy.school_ids_with(user, permission):
        raise PermissionDenied
    return framework


def _editable(user, framework):
    """Whether `user` may edit this framework in place (its owner school's curriculum)."""
    return framework.school_id is not None and policy.can(
        user, "manage_curriculum", framework.school_id
    )


def _objective_for_editing(user, pk) -> Objective:
    objective = (
        Objective.objects.select_related("subject__framework", "stage", "strand")
        .filter(pk=pk)
        .first()
    )
    if objective is None:
        raise Http404("No such objective")
    framework = _framework_for(user, objective.subject.framework_id, "manage_curriculum")
    if not _editable(user, framework):
        raise PermissionDenied
    return objective


@login_required
def framework_list(request):
    schools = _schools(request.user)
    school = _chosen(request, schools)
    manages = policy.can(request.user, "manage_curriculum", school)
    used_ids = set(
        SchoolFramework.objects.filter(school=school).values_list("framework_id", flat=True)
    )
    frameworks = list(
        _visible([school])
        .select_related("judgement_scale", "summary_scale", "school")
        .annotate(subject_count=Count("subjects", distinct=True))
    )
    latest = defaultdict(int)
    for framework in frameworks:
        latest[framework.code] = max(latest[framework.code], framework.version)
    used = [f for f in frameworks if f.pk in used_ids]
    available = [f for f in frameworks if f.pk not in used_ids and f.version == latest[f.code]]
    return render(
        request,
        "curriculum/framework_list.html",
        {
            "school": school,
            "schools": schools,
            "used": used,
            "available": available,
            "manages": manages,
        },
    )


@login_required
@require_POST
def adopt(request, pk):
    framework = _framework_for(request.user, pk)
    school = _chosen(request, _schools(request.user, "manage_curriculum"))
    services.adopt_framework(school, framework)
    messages.success(request, f"{school} now uses {framework}.")
    return redirect(f"{reverse('curriculum:framework_list')}?school={school.pk}")


def _ladders(framework, user, *, with_counts=True):
    """Subjects, each with its stages, each with its objectives in ladder order."""
    objectives = list(
        Objective.objects.filter(subject__framework=framework)
        .select_related("stage", "strand", "subject")
        .prefetch_related("success_criteria")
        .order_by("subject__order", "subject__name", "stage__order", "order", "pk")
    )
    counts = {}
    if with_counts and objectives:
        # Only judgements about pupils this user may see are counted.
        counts = dict(
            Judgement.objects.filter(
                objective__subject__framework=framework,
                pupil__in=Pupil.objects.visible_to(user).values("pk"),
            )
            .values_list("objective_id")
            .annotate(n=Count("id"))
        )
    subjects = []
    for subject in framework.subjects.prefetch_related("strands").select_related(
        "judgement_scale", "summary_scale"
    ):
        stages = []
        for stage in framework.stages.all():
            rows = [o for o in objectives if o.subject_id == subject.pk and o.stage_id == stage.pk]
            for index, objective in enumerate(rows):
                objective.judgement_count = counts.get(objective.pk, 0)
                objective.first_in_stage = index == 0
                objective.last_in_stage = index == len(rows) - 1
            if rows:
                stages.append({"stage": stage, "objectives": rows})
        subjects.append({"subject": subject, "stages": stages})
    return subjects


@login_required
def framework_detail(request, pk):
    framework = _framework_for(request.user, pk)
    return render(
        request,
        "curriculum/framework_detail.html",
        {
            "framework": framework,
            "subjects": _ladders(framework, request.user),
            "can_edit": _editable(request.user, framework),
            "manages": bool(policy.school_ids_with(request.user, "manage_curriculum")),
        },
    )


def _editor(request, framework, *, add_errors=None, add_values=None, status=200):
    subjects = _ladders(framework, request.user)
    return render(
        request,
        "curriculum/framework_edit.html",
        {
            "framework": framework,
            "subjects": subjects,
            "editable": _editable(request.user, framework),
            "copy_schools": list(policy.schools_where(request.user, "manage_curriculum")),
            "add_errors": add_errors or {},
            "add_values": add_values or {},
            "moved": request.GET.get("moved", ""),
        },
        status=status,
    )


@login_required
def framework_edit(request, pk):
    framework = _framework_for(request.user, pk, "manage_curriculum")
    if framework.school_id is not None and not _editable(request.user, framework):
        raise PermissionDenied
    return _editor(request, framework)


@login_required
@require_POST
def framework_copy(request, pk):
    framework = _framework_for(request.user, pk, "manage_curriculum")
    school = _chosen(request, _schools(request.user, "manage_curriculum"))
    copy = services.copy_for_school(framework, school, by=request.user)
    messages.success(request, f"Made {copy} for {school}; edit this copy.")
    return redirect("curriculum:framework_edit", pk=copy.pk)


@login_required
def objective_add(request, pk):
    framework = _framework_for(request.user, pk, "manage_curriculum")
    if not _editable(request.user, framework):
        raise PermissionDenied
    if request.method != "POST":
        # The form lives at the foot of the editor.
        return redirect(reverse("curriculum:framework_edit", args=[framework.pk]) + "#add-heading")
    post = request.POST
    values = {k: post.get(k, "").strip() for k in ("strand", "stage", "code")}
    values["statement"] = post.get("statement", "").strip()
    values["pupil_statement"] = post.get("pupil_statement", "").strip()
    values["criteria"] = post.get("criteria", "")
    values["key"] = bool(post.get("key"))
    errors = {}
    strand = None
    if values["strand"].isdigit():
        strand = (
            Strand.objects.select_related("subject")
            .filter(subject__framework=framework, pk=values["strand"])
            .first()
        )
    subject = strand.subject if strand else None
    stage = (
        framework.stages.filter(pk=values["stage"]).first() if values["stage"].isdigit() else None
    )
    if strand is None:
        errors["strand"] = "Choose the strand the objective belongs to."
    if stage is None:
        errors["stage"] = "Choose a stage."
    if not values["code"]:
        errors["code"] = "Give the objective a short code, such as M3.7."
    elif subject and subject.objectives.filter(code=values["code"]).exists():
        errors["code"] = f"{subject} already has an objective with the code {values['code']}."
    if not values["statement"]:
        errors["statement"] = "Write the objective in teacher wording."
    if not errors:
        last = subject.objectives.filter(stage=stage).aggregate(m=Max("order"))["m"]
        try:
            objective = services.add_objective(
                strand,
                stage,
                values["code"],
                values["statement"],
                pupil_statement=values["pupil_statement"],
                key=values["key"],
                order=(last or 0) + 10,
                success_criteria=values["criteria"].splitlines(),
            )
        except ValidationError as exc:
            errors["code"] = " ".join(exc.messages)
        else:
            messages.success(request, f"Added {objective.code}.")
            return _back_to_editor(objective)
    return _editor(request, framework, add_errors=errors, add_values=values, status=400)


@login_required
def objective_edit(request, pk):
    objective = _objective_for_editing(request.user, pk)
    errors = {}
    values = {
        "statement": objective.statement,
        "pupil_statement": objective.pupil_statement,
        "key": objective.key,
        "criteria": "\n".join(c.text for c in objective.success_criteria.all()),
    }
    if request.method == "POST":
        values = {
            "statement": request.POST.get("statement", "").strip(),
            "pupil_statement": request.POST.get("pupil_statement", "").strip(),
            "key": bool(request.POST.get("key")),
            "criteria": request.POST.get("criteria", ""),
        }
        if not values["statement"]:
            errors["statement"] = "Write the objective in teacher wording."
        if not errors:
            services.update_objective(
                objective,
                statement=values["statement"],
                pupil_statement=values["pupil_statement"],
                key=values["key"],
            )
            services.set_success_criteria(objective, values["criteria"].splitlines())
            messages.success(request, f"Saved {objective.code}.")
            url = reverse("curriculum:framework_edit", args=[objective.subject.framework_id])
            return redirect(f"{url}#objective-{objective.pk}")
    return render(
        request,
        "curriculum/objective_form.html",
        {"objective": objective, "values": values, "errors": errors},
        status=400 if errors else 200,
    )


def _back_to_editor(objective, **query):
    url = reverse("curriculum:framework_edit", args=[objective.subject.framework_id])
    if query:
        # No fragment here: browsers skip autofocus when the address targets an element, and
        # the moved objective's button takes the focus (and scrolls into view) instead.
        return redirect(url + "?" + "&".join(f"{k}={v}" for k, v in query.items()))
    return redirect(f"{url}#objective-{objective.pk}")


@login_required
@require_POST
def objective_move(request, pk):
    objective = _objective_for_editing(request.user, pk)
    direction = request.POST.get("direction", "")
    try:
        moved = services.move_objective(objective, direction)
    except ValidationError:
        moved = False
    if not moved:
        messages.info(
            request,
            f"{objective.code} is already at the {'top' if direction == 'up' else 'bottom'} "
            "of its stage.",
        )
    return _back_to_editor(objective, moved=f"{objective.pk}-{direction}")


@login_required
@require_POST
def objective_retire(request, pk):
    objective = _objective_for_editing(request.user, pk)
    services.retire_objective(objective)
    messages.success(request, f"Retired {objective.code}. Its judgements are kept.")
    return _back_to_editor(objective)


@login_required
@require_POST
def objective_restore(request, pk):
    objective = _objective_for_editing(request.user, pk)
    services.restore_objective(objective)
    messages.success(request, f"Restored {objective.code}.")
    return _back_to_editor(objective)


@login_required
def export(request, pk, fmt):
    framework = _framework_for(request.user, pk)
    if fmt == "yaml":
        body, kind = transfer.to_yaml(framework), "application/yaml"
    elif fmt == "csv":
        body, kind = transfer.to_csv(framework), "text/csv"
    else:
        raise Http404("Export as yaml or csv")
    response = HttpResponse(body, content_type=f"{kind}; charset=utf-8")
    name = f"{framework.code}-v{framework.version}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


ACTIONS = {
    "new": "Importing makes a new framework, adopted by your school.",
    "new_version": "Your school already has this framework: importing makes its next version, "
    "adopted in place of the earlier one (judgements stay with the version they were made on).",
    "unchanged": "This file is the same as the framework your school already has: importing "
    "changes nothing.",
}


@login_required
def import_upload(request):
    schools = _schools(request.user, "manage_curriculum")
    school = _chosen(request, schools)
    context = {"schools": schools, "school": school, "errors": {}, "checked": None}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"]["file"] = "Choose a YAML or CSV framework file to upload."
        elif upload.size > transfer.MAX_BYTES:
            context["errors"]["file"] = (
                f"The file is larger than {transfer.MAX_BYTES // 1024} KB; split it up."
            )
        else:
            content = upload.read()
            checked = services.check_framework_file(content, upload.name, school)
            context["checked"] = checked
            context["filename"] = upload.name
            if checked.ok:
                token = secrets.token_urlsafe(16)
                request.session[SESSION_KEY] = {
                    "token": token,
                    "school": school.pk,
                    "name": upload.name,
                    "content": content.decode("utf-8-sig"),
                }
                context["token"] = token
                context["action"] = ACTIONS[checked.action]
                context["summary"] = {
                    "subjects": len(checked.spec["subjects"]),
                    "stages": len(checked.spec["stages"]),
                    "objectives": sum(len(s["objectives"]) for s in checked.spec["subjects"]),
                }
        if context["errors"] or (context["checked"] and not context["checked"].ok):
            return render(request, "curriculum/import.html", context, status=400)
    return render(request, "curriculum/import.html", context)


@login_required
@require_POST
def import_confirm(request):
    schools = _schools(request.user, "manage_curriculum")
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("token") != request.POST.get("token"):
        messages.error(
            request, "That import has expired or was already done: upload the file again."
        )
        return redirect("curriculum:import")
    school = next((s for s in schools if s.pk == pending["school"]), None)
    if school is None:
        raise PermissionDenied
    del request.session[SESSION_KEY]
    try:
        framework = services.import_framework(
            pending["content"].encode("utf-8"), pending["name"], school, by=request.user
        )
    except transfer.FrameworkFileError as exc:
        messages.error(request, f"Nothing was imported: {exc}")
        return redirect("curriculum:import")
    messages.success(request, f"Imported {framework}; {school} uses it now.")
    return redirect("curriculum:framework_detail", pk=framework.pk)
