"""Background tasks, run by `nextsteps worker`. Each does its work through services.py and
keeps its progress in the ImportJob row, so any app server can show it.

The steps catch their own errors; should anything still escape, the job is marked failed
before the exception goes on to the task queue (which records the task as failed), so no job
is left saying "checking" or "importing" for ever."""

from django_tasks import task

from . import services


@task()
def check_import(job_id: int) -> dict:
    try:
        return services.run_check(job_id)
    except Exception as exc:
        services.mark_failed(job_id, exc)
        raise


@task()
def commit_import(job_id: int) -> dict:
    try:
        return services.run_commit(job_id)
    except Exception as exc:
        services.mark_failed(job_id, exc)
        raise
