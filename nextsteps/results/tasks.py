"""Background tasks for results imports, run by `nextsteps worker`. Each does its work
through importing.py and keeps its progress in the ResultImport row, so any app server can
show it. Should an exception escape a step, the job is marked failed before the exception
goes on to the queue (which records the task as failed), so no job says "checking" or
"importing" for ever."""

from django_tasks import task

from . import importing


@task()
def check_results_import(job_id: int) -> dict:
    try:
        return importing.run_check(job_id)
    except Exception as exc:
        importing.mark_failed(job_id, exc)
        raise


@task()
def commit_results_import(job_id: int) -> dict:
    try:
        return importing.run_commit(job_id)
    except Exception as exc:
        importing.mark_failed(job_id, exc)
        raise
