"""Import, export and rollover pages. Each view starts by fetching what it needs *for this
user*: jobs of schools where they may import, schools where they may export or roll over."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from nextsteps.schools import policy
from nextsteps.schools.rollover import RolloverError, apply_rollover, plan_rollover

from . import exports, services
from .importers import IMPORTERS
from .models import ImportJob
from .readers import FileProblem, cell_text, read_table

REPORT_PAGE = 500


def _schools(user, permission):
    return list(policy.schools_where(user, permission))


def _school_for(request, permission):
    """The school named in the request (or the only one) where the user holds `permission`."""
    schools = _schools(request.user, permission)
    if not schools:
        raise PermissionDenied
    wanted = request.POST.get("school") or request.GET.get("school")
    if wanted is None and len(schools) == 1:
        return schools[0], schools
    for school in schools:
        if str(school.pk) == str(wanted):
            return school, schools
    raise Http404("No such school for you")


def _job_for(user, pk) -> ImportJob:
    job = services.jobs_for(user).select_related("school", "uploaded_by").filter(pk=pk).first()
    if job is None or not services.may_import(user, job.school, job.kind):
        raise Http404("No such import")
    return job


@login_required
def index(request):
    user = request.user
    importing = _schools(user, "import")
    exporting = _schools(user, "export")
    rolling = _schools(user, "rollover")
    if not (importing or exporting or rolling):
        raise PermissionDenied
    jobs = list(services.jobs_for(user).select_related("school", "uploaded_by")[:20])
    for job in jobs:
        job.stopped = services.stalled(job)
    return render(
        request,
        "interop/index.html",
        {
            "importing": importing,
            "exporting": exporting,
            "rolling": rolling,
            "kinds": ImportJob.Kind.choices,
            "export_kinds": exports.KINDS.items(),
            "jobs": jobs,
        },
    )


@login_required
def upload(request):
    schools = _schools(request.user, "import")
    if not schools:
        raise PermissionDenied
    errors = {}
    values = {"kind": request.GET.get("kind", ""), "school": request.GET.get("school", "")}
    if request.method == "POST":
        values = {"kind": request.POST.get("kind", ""), "school": request.POST.get("school", "")}
        school, _ = _school_for(request, "import")
        upload_file = request.FILES.get("file")
        if values["kind"] not in IMPORTERS:
            errors["kind"] = "Choose what the file holds."
        if upload_file is None:
            errors["file"] = "Choose a CSV or Excel (.xlsx) file to upload."
        if not errors:
            try:
                job = services.start_import(request.user, school, values["kind"], upload_file)
            except FileProblem as exc:
                errors["file"] = str(exc)
            else:
                return redirect("interop:mapping", pk=job.pk)
    return render(
        request,
        "interop/upload.html",
        {"schools": schools, "kinds": ImportJob.Kind.choices, "errors": errors, "values": values},
        status=400 if errors else 200,
    )


def _samples(job: ImportJob, count=3):
    try:
        table = read_table(bytes(job.content), job.original_name)
    except FileProblem:
        return []
    return [[cell_text(c) for c in cells] for _, cells in table.rows[:count]]


@login_required
def mapping(request, pk):
    job = _job_for(request.user, pk)
    importer = IMPORTERS[job.kind]
    current = dict(job.mapping)
    errors = {}
    if request.method == "POST":
        chosen = {}
        for f in importer.fields:
            raw = request.POST.get(f"field_{f.key}", "")
            chosen[f.key] = int(raw) if raw.isdigit() else None
        errors = services.set_mapping(job, chosen)
        current = chosen
        if not errors:
            try:
                services.request_check(job)
            except FileProblem as exc:
                errors[""] = str(exc)
            else:
                return redirect("interop:job", pk=job.pk)
    samples = _samples(job)
    rows = []
    for f in importer.fields:
        index = current.get(f.key)
        rows.append(
            {
                "field": f,
                "selected": index,
                "error": errors.get(f.key, ""),
                "examples": [s[index] for s in samples if index is not None and index < len(s)],
            }
        )
    return render(
        request,
        "interop/mapping.html",
        {
            "job": job,
            "rows": rows,
            "headers": list(enumerate(job.headers)),
            "form_error": errors.get(""),
            "has_errors": bool(errors),
        },
        status=400 if errors else 200,
    )


@login_required
def job_detail(request, pk):
    job = _job_for(request.user, pk)
    done = job.status == ImportJob.Status.DONE
    context = {"job": job, "preview": _preview(job), "done": done}
    context["stopped"] = services.stalled(job)
    return render(request, "interop/job.html", context)


def _preview(job: ImportJob):
    """The first rows with errors, then the first rows that change something."""
    errors = [e for e in job.report if e["action"] == "error"][:50]
    changes = [e for e in job.report if e["action"] in ("create", "update")][:50]
    return {"errors": errors, "changes": changes}


@login_required
def job_progress(request, pk):
    job = _job_for(request.user, pk)
    stopped = services.stalled(job)
    response = render(request, "interop/_progress.html", {"job": job, "stopped": stopped})
    if request.htmx and (stopped or not job.busy):
        # the job finished (or was found stopped) while the page was open: reload it to show
        # the report, or the button to run it again
        response["HX-Refresh"] = "true"
    return response


def _run_again(request, job) -> bool:
    """Restart a stopped job's step; False when the job is not stopped."""
    if not services.stalled(job):
        return False
    try:
        services.restart(job)
    except services.StillRunning as exc:
        messages.error(request, str(exc))
    return True


@login_required
@require_POST
def commit(request, pk):
    job = _job_for(request.user, pk)
    if job.status == ImportJob.Status.IMPORTING and _run_again(request, job):
        return redirect("interop:job", pk=job.pk)
    try:
        services.request_commit(job)
    except FileProblem as exc:
        messages.error(request, str(exc))
    return redirect("interop:job", pk=job.pk)


@login_required
@require_POST
def recheck(request, pk):
    job = _job_for(request.user, pk)
    if job.status == ImportJob.Status.CHECKING and _run_again(request, job):
        return redirect("interop:job", pk=job.pk)
    try:
        services.request_check(job)
    except FileProblem as exc:
        messages.error(request, str(exc))
    return redirect("interop:job", pk=job.pk)


@login_required
def report(request, pk):
    job = _job_for(request.user, pk)
    show = request.GET.get("show", "all")
    entries = job.report
    if show in ("error", "create", "update", "unchanged"):
        entries = [e for e in entries if e["action"] == show]
    return render(
        request,
        "interop/report.html",
        {
            "job": job,
            "entries": entries[:REPORT_PAGE],
            "more": max(0, len(entries) - REPORT_PAGE),
            "show": show,
            "done": job.status == ImportJob.Status.DONE,
        },
    )


@login_required
def export(request, kind, fmt):
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise Http404("No such export")
    school, _ = _school_for(request, "export")
    headers, rows = exports.export_rows(request.user, school, kind)
    title = exports.KINDS[kind]
    writers = {
        "csv": lambda: exports.to_csv(headers, rows),
        "xlsx": lambda: exports.to_xlsx(headers, rows, title),
    }
    body = writers[fmt]()
    response = HttpResponse(body, content_type=exports.FORMATS[fmt])
    filename = f"{school.name} {title}.{fmt}".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _class_map(data, plan_classes):
    chosen = {}
    for old in plan_classes:
        key = f"map_{old.pk}"
        if key in data:
            raw = data.get(key, "")
            chosen[old.pk] = int(raw) if raw.isdigit() else None
    return chosen


@login_required
def rollover(request):
    school, schools = _school_for(request, "rollover")
    data = request.POST if request.method == "POST" else request.GET
    try:
        plan = plan_rollover(school)
        class_map = _class_map(data, plan.old_classes)
        if class_map:
            plan = plan_rollover(school, class_map)
    except RolloverError as exc:
        return render(
            request,
            "interop/rollover.html",
            {"school": school, "schools": schools, "problem": str(exc)},
            status=400,
        )
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            problem = "Tick the box to confirm that you have checked the preview."
            return render(
                request,
                "interop/rollover.html",
                _rollover_context(school, schools, plan, problem),
                status=400,
            )
        done = apply_rollover(school, class_map or None)
        counts = done.counts
        messages.success(
            request,
            f"Rollover to {done.to_year} done: {counts['done']} pupils are in their new year "
            "groups or have left.",
        )
        return redirect(f"{request.path}?school={school.pk}")
    return render(request, "interop/rollover.html", _rollover_context(school, schools, plan))


def _rollover_context(school, schools, plan, problem=""):
    mapping_rows = [
        {"old": old, "chosen": plan.class_map.get(old.pk), "options": plan.new_classes}
        for old in plan.old_classes
    ]
    return {
        "school": school,
        "schools": schools,
        "plan": plan,
        "counts": plan.counts,
        "mapping_rows": mapping_rows,
        "problem": problem,
    }
