"""Pages for importing a results file into a sitting: upload, choose the columns, the check
with its progress bar, the reconciliation of rows that matched nobody or several pupils, the
confirmation and the line-by-line report.

Every view starts by fetching what it needs for this user: sittings they may import into
(access.import_sittings_for) and their own import jobs (importing.jobs_for). Pupils are named on
these pages only through Pupil.objects.visible_to, so a row matched when the person could see
a pupil no longer names that pupil once they cannot."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from nextsteps.audit.models import AuditEvent
from nextsteps.interop.readers import FileProblem, cell_text, read_table
from nextsteps.schools.models import Enrolment, Pupil

from . import access, importing
from .import_models import ResultImport

SHOWN = 50  # rows of each kind on the job page
REPORT_PAGE = 500
STATUS_WORDS = {
    "create": ("Will add", "Added"),
    "update": ("Will update", "Updated"),
    "unchanged": ("No change", "No change"),
    "choose": ("Needs a pupil", "Needs a pupil"),
    "skip": ("Skipped by you", "Skipped by you"),
    "error": ("Error: left out", "Error: not imported"),
}


def _sitting_for(user, pk):
    sitting = (
        access.import_sittings_for(user)
        .select_related("definition", "school", "academic_year")
        .filter(pk=pk)
        .first()
    )
    if sitting is None:
        raise Http404("No such sitting")
    return sitting


def _job_for(user, pk) -> ResultImport:
    job = importing.jobs_for(user).filter(pk=pk).first()
    if job is None:
        raise Http404("No such import")
    return job


def _pupils(user, job: ResultImport, ids) -> dict:
    """Pupil id -> {name, dob, where} for the ids this user may see, with the class (or year
    group) each was in during the sitting's year. For a diagnostic test, showing a pupil's
    result is a read of sensitive data, and is logged."""
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    found = {
        p.pk: {"name": p.name, "dob": p.date_of_birth, "where": ""}
        for p in Pupil.objects.visible_to(user).filter(pk__in=ids)
    }
    sitting = job.sitting
    enrolments = Enrolment.objects.filter(
        pupil_id__in=found, school=sitting.school, academic_year=sitting.academic_year
    ).select_related("school_class", "year_group")
    for enrolment in enrolments.order_by("start_date"):
        found[enrolment.pupil_id]["where"] = str(enrolment.school_class or enrolment.year_group)
    return found


def _log_reads(user, job: ResultImport, entries, pupils) -> None:
    """Rows of a diagnostic test that show a stored result (or will replace one) are reads of
    sensitive data: one audit entry per pupil shown."""
    if not job.sitting.definition.sensitive:
        return
    shown = {
        e["pupil"]
        for e in entries
        if e.get("pupil") in pupils
        and (e["status"] in ("update", "unchanged") or job.status == ResultImport.Status.DONE)
    }
    what = f"diagnostic result: {job.sitting.name}"[:200]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=user,
            actor_name=(user.email or user.username)[:200],
            action=AuditEvent.Action.READ,
            model="schools.pupil",
            object_id=str(pk),
            object_repr=f"pupil #{pk}",
            pupil_id=pk,
            school_id=job.sitting.school_id,
            what=what,
        )
        for pk in sorted(shown)
    )


def _rows(entries, pupils, done: bool):
    for entry in entries:
        yield {
            **importing.full(entry),
            "who": pupils.get(entry.get("pupil")),
            "status_words": STATUS_WORDS[entry["status"]][1 if done else 0],
        }


@login_required
def upload(request, sitting_pk):
    sitting = _sitting_for(request.user, sitting_pk)
    refusal = importing.refusal(sitting)
    error = ""
    if request.method == "POST" and not refusal:
        upload_file = request.FILES.get("file")
        if upload_file is None:
            error = "Choose a CSV or Excel (.xlsx) file to upload."
        else:
            try:
                job = importing.start(request.user, sitting, upload_file)
            except FileProblem as exc:
                error = str(exc)
            else:
                return redirect("results:import_columns", pk=job.pk)
    earlier = importing.jobs_for(request.user).filter(sitting=sitting)[:10]
    return render(
        request,
        "results/import_upload.html",
        {
            "sitting": sitting,
            "refusal": refusal,
            "error": error,
            "earlier": earlier,
            "fields": importing.fields_for(sitting),
        },
        status=400 if error else 200,
    )


def _samples(job: ResultImport, count=3):
    try:
        table = read_table(bytes(job.content), job.original_name)
    except FileProblem:
        return []
    return [[cell_text(c) for c in cells] for _, cells in table.rows[:count]]


@login_required
def columns(request, pk):
    job = _job_for(request.user, pk)
    if job.busy or job.status == ResultImport.Status.DONE:
        return redirect("results:import_job", pk=job.pk)
    current = dict(job.mapping)
    errors: dict = {}
    if request.method == "POST":
        chosen = {}
        for key in importing.FIELD_KEYS:
            raw = request.POST.get(f"field_{key}", "")
            chosen[key] = int(raw) if raw.isdigit() else None
        errors = importing.set_mapping(job, chosen)
        current = chosen
        if not errors:
            try:
                importing.request_check(job)
            except FileProblem as exc:
                errors[""] = str(exc)
            else:
                return redirect("results:import_job", pk=job.pk)
    samples = _samples(job)
    rows = []
    for f in importing.fields_for(job.sitting):
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
        "results/import_columns.html",
        {
            "job": job,
            "rows": rows,
            "headers": list(enumerate(job.headers)),
            "form_error": errors.get(""),
            "has_errors": bool(errors),
        },
        status=400 if errors else 200,
    )


def _choice_rows(job: ResultImport, pupils):
    """The rows that still need a pupil (the first SHOWN), each with its options: the row's
    candidates first, then the year groups' pupils who have no row yet."""
    pool = [pk for pk in job.summary.get("pool", []) if pk in pupils]
    waiting = [importing.full(e) for e in job.report if e["status"] == "choose"][:SHOWN]
    rows = []
    for entry in waiting:
        likely = [pk for pk in entry["candidates"] if pk in pupils]
        others = [pk for pk in pool if pk not in likely]
        rows.append(
            {
                **entry,
                "likely": [(pk, pupils[pk]) for pk in likely],
                "others": [(pk, pupils[pk]) for pk in others],
            }
        )
    return rows


@login_required
def job_detail(request, pk):
    job = _job_for(request.user, pk)
    done = job.status == ResultImport.Status.DONE
    report = job.report
    choose = [e for e in report if e["status"] == "choose"][:SHOWN]
    decided = [e for e in report if e.get("how") == "chosen" or e["status"] == "skip"][:SHOWN]
    errors = [e for e in report if e["status"] == "error"][:SHOWN]
    warned = [e for e in report if e.get("warnings") and e["status"] != "error"][:SHOWN]
    changes = [e for e in report if e["status"] in ("create", "update")][:SHOWN]
    ids = {e.get("pupil") for e in (*decided, *errors, *warned, *changes)}
    for entry in choose:
        ids.update(entry.get("candidates", []))
    if choose:
        ids.update(job.summary.get("pool", []))
    pupils = _pupils(request.user, job, ids)
    _log_reads(request.user, job, [*decided, *errors, *warned, *changes], pupils)
    writes = job.count("create") + job.count("update")
    return render(
        request,
        "results/import_job.html",
        {
            "job": job,
            "sitting": job.sitting,
            "done": done,
            "stopped": importing.stalled(job),
            "choice_rows": _choice_rows(job, pupils) if choose else [],
            "decided": list(_rows(decided, pupils, done)),
            "errors": list(_rows(errors, pupils, done)),
            "warned": list(_rows(warned, pupils, done)),
            "changes": list(_rows(changes, pupils, done)),
            "writes": writes,
            "shown": SHOWN,
        },
    )


@login_required
def job_progress(request, pk):
    job = _job_for(request.user, pk)
    stopped = importing.stalled(job)
    response = render(request, "results/import_progress.html", {"job": job, "stopped": stopped})
    if request.htmx and (stopped or not job.busy):
        # finished (or found stopped) while the page was open: reload it to show the outcome
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def choose(request, pk):
    job = _job_for(request.user, pk)
    try:
        if request.POST.get("clear"):
            importing.clear_choices(job)
        elif request.POST.get("skip_rest"):
            waiting = [e["line"] for e in job.report if e["status"] == "choose"]
            importing.save_choices(job, dict.fromkeys(waiting, "skip"))
        else:
            chosen = {
                key.removeprefix("line_"): value
                for key, value in request.POST.items()
                if key.startswith("line_")
            }
            importing.save_choices(job, chosen)
    except FileProblem as exc:
        messages.error(request, str(exc))
    return redirect("results:import_job", pk=job.pk)


def _run_again(request, job) -> bool:
    """Restart a stopped job's step; False when the job is not stopped."""
    if not importing.stalled(job):
        return False
    try:
        importing.restart(job)
    except importing.StillRunning as exc:
        messages.error(request, str(exc))
    return True


@login_required
@require_POST
def recheck(request, pk):
    job = _job_for(request.user, pk)
    if job.status == ResultImport.Status.CHECKING and _run_again(request, job):
        return redirect("results:import_job", pk=job.pk)
    try:
        importing.request_check(job)
    except FileProblem as exc:
        messages.error(request, str(exc))
    return redirect("results:import_job", pk=job.pk)


@login_required
@require_POST
def commit(request, pk):
    job = _job_for(request.user, pk)
    if job.status == ResultImport.Status.IMPORTING and _run_again(request, job):
        return redirect("results:import_job", pk=job.pk)
    try:
        importing.request_commit(
            job, leave_out_errors=request.POST.get("leave_out_errors") == "yes"
        )
    except importing.NotReady as exc:
        messages.error(request, str(exc))
    return redirect("results:import_job", pk=job.pk)


@login_required
def report(request, pk):
    job = _job_for(request.user, pk)
    show = request.GET.get("show", "all")
    entries = job.report
    if show in importing.STATUSES:
        entries = [e for e in entries if e["status"] == show]
    else:
        show = "all"
    page = entries[:REPORT_PAGE]
    pupils = _pupils(request.user, job, {e.get("pupil") for e in page})
    _log_reads(request.user, job, page, pupils)
    done = job.status == ResultImport.Status.DONE
    return render(
        request,
        "results/import_report.html",
        {
            "job": job,
            "sitting": job.sitting,
            "entries": list(_rows(page, pupils, done)),
            "more": max(0, len(entries) - REPORT_PAGE),
            "show": show,
            "filters": [
                ("all", "Every row"),
                *((s, STATUS_WORDS[s][1 if done else 0]) for s in importing.STATUSES),
            ],
            "done": done,
        },
    )
