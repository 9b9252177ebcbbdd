"""Named actions for imports: upload, choose columns, check, commit. Pages, the API and tests
call these; the background tasks in tasks.py call `run_check` and `run_commit`."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from nextsteps.audit.context import acting_as
from nextsteps.lib import jobs
from nextsteps.schools import policy

from .importers import IMPORTERS, auto_map
from .models import ImportJob
from .readers import FileProblem, read_table

log = logging.getLogger(__name__)

# Staff imports grant roles, so they also need the right to manage staff: otherwise an
# assessment leader could make anyone a head.
EXTRA_PERMISSION = {ImportJob.Kind.STAFF: "manage_staff"}
PROGRESS_EVERY = 25
# A check writes its progress every PROGRESS_EVERY rows, and an import writes once when it
# starts (its rows are invisible until they commit), so a busy job silent for this long has
# lost its worker. Ten minutes is far longer than any school's file takes.
STALE_AFTER_MINUTES = jobs.STALE_AFTER_MINUTES


def may_import(user, school, kind: str) -> bool:
    extra = EXTRA_PERMISSION.get(kind)
    return policy.can(user, "import", school) and (extra is None or policy.can(user, extra, school))


def jobs_for(user):
    """The import jobs this user may see: those of schools where they may import."""
    return ImportJob.objects.filter(school_id__in=policy.school_ids_with(user, "import")).defer(
        "content"
    )


def start_import(user, school, kind: str, upload) -> ImportJob:
    """Read an uploaded file and keep it as a new job with its columns matched by name.
    Raises PermissionDenied, or FileProblem (nothing kept) when the file cannot be used."""
    if kind not in IMPORTERS:
        raise FileProblem("Choose what the file holds.")
    if not may_import(user, school, kind):
        raise PermissionDenied
    if upload.size > settings.NEXTSTEPS_IMPORT_MAX_BYTES:
        # refused before reading, so a huge upload costs no memory here
        limit = settings.NEXTSTEPS_IMPORT_MAX_BYTES / (1024 * 1024)
        raise FileProblem(
            f"The file is larger than the limit of {limit:g} MB. Split it into smaller files."
        )
    content = upload.read()
    table = read_table(content, upload.name)
    return ImportJob.objects.create(
        kind=kind,
        school=school,
        uploaded_by=user,
        original_name=upload.name[:255],
        file_format=table.file_format,
        content=content,
        headers=table.headers,
        row_count=len(table.rows),
        mapping=auto_map(kind, table.headers),
    )


def mapping_errors(job: ImportJob, mapping: dict) -> dict:
    return IMPORTERS[job.kind].mapping_errors(mapping)


def set_mapping(job: ImportJob, mapping: dict) -> dict:
    """Save the column choices if they are complete; returns field errors (empty when saved)."""
    if job.busy or job.status == ImportJob.Status.DONE:
        return {"": "This import is already under way or finished."}
    clean = {}
    for f in IMPORTERS[job.kind].fields:
        index = mapping.get(f.key)
        clean[f.key] = index if isinstance(index, int) and 0 <= index < len(job.headers) else None
    errors = mapping_errors(job, clean)
    if not errors:
        job.mapping = clean
        job.status = ImportJob.Status.UPLOADED
        job.report, job.summary = [], {}
        job.save(update_fields=["mapping", "status", "report", "summary"])
    return errors


def request_check(job: ImportJob) -> ImportJob:
    """Queue a check of every row. Nothing is written to pupil records by a check."""
    from .tasks import check_import

    if job.busy or job.status == ImportJob.Status.DONE:
        return job
    errors = mapping_errors(job, job.mapping)
    if errors:
        raise FileProblem(next(iter(errors.values())))
    _set(
        job,
        status=ImportJob.Status.CHECKING,
        progress_done=0,
        progress_total=job.row_count,
        message="",
        report=[],
        summary={},
    )
    return _enqueue(job, check_import)


def request_commit(job: ImportJob) -> ImportJob:
    """Queue the import of a job whose check found no errors."""
    from .tasks import commit_import

    if not job.can_commit:
        raise FileProblem("Only a file checked with no errors can be imported.")
    _set(job, status=ImportJob.Status.IMPORTING, progress_done=0, message="")
    return _enqueue(job, commit_import)


def _enqueue(job: ImportJob, task) -> ImportJob:
    # Only the id is written here: an immediate backend has already run the task inside
    # enqueue, and its outcome must stand.
    result = task.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def _set(job: ImportJob, **fields):
    """Write progress with a plain UPDATE, so it never races a save of the whole job. Every
    write is also the job's heartbeat."""
    fields["updated_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for key, value in fields.items():
        setattr(job, key, value)


def _finish(job: ImportJob, expected: str, **fields) -> bool:
    """Write an outcome only if the job is still in the `expected` status, so that a run that
    was given up on (and re-run) can never overwrite the outcome of the run that replaced it."""
    fields["updated_at"] = timezone.now()
    written = ImportJob.objects.filter(pk=job.pk, status=expected).update(**fields)
    if written:
        for key, value in fields.items():
            setattr(job, key, value)
    return bool(written)


def stalled(job: ImportJob, now=None) -> bool:
    """True when a job says it is checking or importing but nothing is running it any more
    (see nextsteps.lib.jobs.stalled)."""
    from .tasks import check_import, commit_import

    task = check_import if job.status == ImportJob.Status.CHECKING else commit_import
    return jobs.stalled(job, task, now)


class StillRunning(Exception):
    pass


def restart(job: ImportJob) -> ImportJob:
    """Queue again the step (check or import) of a job that stopped part-way.
    Raises StillRunning when the job is not stopped. Safe against the old run still being
    alive after all: an import holds a lock on its job row until it commits, the restart
    refuses a locked row (on PostgreSQL), and a finished run leaves the job out of the busy
    status, so the same rows are never written twice."""
    from .tasks import check_import, commit_import

    if not stalled(job):
        raise StillRunning("This import is still running: wait for it to finish.")
    status = job.status
    with transaction.atomic():
        row = (
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job.pk, status=status)
            .first()
        )
        if row is None:
            raise StillRunning("This import is still running: wait for it to finish.")
        fields = {"progress_done": 0, "message": ""}
        if status == ImportJob.Status.CHECKING:
            fields.update(report=[], summary={})
        _set(job, **fields)
    log.warning("restarting the %s of import %s, which had stopped", job.step, job.pk)
    task = check_import if status == ImportJob.Status.CHECKING else commit_import
    return _enqueue(job, task)


def mark_failed(job_id: int, exc: BaseException) -> None:
    """Record that a task ended with an exception that the step itself did not catch, so the
    job does not stay busy for ever. Nothing was saved: the import's transaction rolled back."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not job.busy:
        return
    step = "Checking" if job.status == ImportJob.Status.CHECKING else "Importing"
    _finish(
        job,
        job.status,
        status=ImportJob.Status.FAILED,
        finished_at=timezone.now(),
        message=f"{step} stopped with an unexpected error: {_describe(exc)}. Nothing was imported.",
    )


def _summary(entries: list[dict]) -> dict:
    counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
    for entry in entries:
        counts[entry["action"]] += 1
    return counts


def _importer(job: ImportJob, apply: bool):
    user = job.uploaded_by
    if user is None or not may_import(user, job.school, job.kind):
        raise PermissionDenied("The person who uploaded this file may no longer import.")
    return IMPORTERS[job.kind](job, user, apply=apply)


def run_check(job_id: int) -> dict:
    """Check every row of a job and store the line-by-line report. Writes only to the job."""
    job = ImportJob.objects.select_related("school", "uploaded_by").get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job.summary
    _set(job, progress_done=0)  # the first heartbeat: a worker has the job
    entries: list[dict] = []
    try:
        importer = _importer(job, apply=False)
        table = read_table(bytes(job.content), job.original_name)
        for done, (line, cells) in enumerate(table.rows, start=1):
            entries.append(importer.run_row(line, cells))
            if done % PROGRESS_EVERY == 0:
                _set(job, progress_done=done)
        summary = _summary(entries)
        _finish(
            job,
            ImportJob.Status.CHECKING,
            status=ImportJob.Status.CHECKED,
            report=entries,
            summary=summary,
            progress_done=len(entries),
            checked_at=timezone.now(),
        )
    except Exception as exc:
        log.exception("checking import %s failed", job.pk)
        _finish(
            job,
            ImportJob.Status.CHECKING,
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=f"Checking stopped with an unexpected error: {_describe(exc)}. "
            "Nothing was imported.",
        )
        return {}
    return summary


class ImportAborted(Exception):
    def __init__(self, entries):
        self.entries = entries
        super().__init__("rows now have errors")


def run_commit(job_id: int) -> dict:
    """Import every row in one transaction: either all of it is written or none of it.
    The job is marked done inside that same transaction, with its row locked, so rows are
    written exactly when the job says "done", and a second run of the same job (one restarted
    because it looked stopped) waits for the first and then finds nothing left to do.
    Progress is reported at the end, since nothing inside the transaction is visible to
    other connections until it commits."""
    job = ImportJob.objects.select_related("school", "uploaded_by").get(pk=job_id)
    if job.status != ImportJob.Status.IMPORTING:
        return job.summary
    _set(job, progress_done=0)  # the heartbeat: a worker has the job
    entries: list[dict] = []
    line = None
    try:
        importer = _importer(job, apply=True)
        table = read_table(bytes(job.content), job.original_name)
        source = f"import #{job.pk} ({job.original_name})"[:200]
        with acting_as(job.uploaded_by, source=source), transaction.atomic():
            mine = ImportJob.objects.select_for_update().filter(
                pk=job.pk, status=ImportJob.Status.IMPORTING
            )
            if not mine.exists():
                return {}  # another run finished it while this one waited
            for line, cells in table.rows:
                entries.append(importer.run_row(line, cells))
            if any(e["action"] == "error" for e in entries):
                raise ImportAborted(entries)
            summary = _summary(entries)
            _finish(
                job,
                ImportJob.Status.IMPORTING,
                status=ImportJob.Status.DONE,
                report=entries,
                summary=summary,
                progress_done=job.progress_total,
                finished_at=timezone.now(),
            )
    except ImportAborted:
        _finish(
            job,
            ImportJob.Status.IMPORTING,
            status=ImportJob.Status.FAILED,
            report=entries,
            summary=_summary(entries),
            finished_at=timezone.now(),
            message="Nothing was imported: the records changed after the file was checked "
            "and some rows now have errors (listed below). Upload the file again.",
        )
        return {}
    except Exception as exc:
        log.exception("import %s failed at line %s", job.pk, line)
        where = f" at line {line}" if line else ""
        _finish(
            job,
            ImportJob.Status.IMPORTING,
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            message=f"Nothing was imported: an unexpected error stopped the import{where} "
            f"({_describe(exc)}). The records are exactly as they were before.",
        )
        return {}
    return summary


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
