"""Background tasks, run by `nextsteps worker`. Each does its work through services.py and
keeps its progress in the ImportJob row, so any app server can show it."""

from django_tasks import task

from . import services


@task()
def check_import(job_id: int) -> dict:
    return services.run_check(job_id)


@task()
def commit_import(job_id: int) -> dict:
    return services.run_commit(job_id)
