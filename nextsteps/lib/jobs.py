"""Background jobs that keep their progress in our own models (imports of pupils and of
results): when a job that says it is busy has in fact stopped."""

from datetime import timedelta

from django.utils import timezone
from django_tasks.base import TaskResultStatus

# A busy job that has written nothing for this long has stopped.
STALE_AFTER_MINUTES = 10


def task_failed(task, task_id: str) -> bool:
    """Whether the task queue recorded this run of `task` as failed. Backends that keep no
    results (the immediate one) or a result since deleted count as not failed."""
    if not task_id:
        return False
    try:
        return task.get_result(task_id).status == TaskResultStatus.FAILED
    except Exception:  # noqa: BLE001 (no result to read is not a failure of the job)
        return False


def stalled(job, task, now=None) -> bool:
    """True when `job` says it is busy (checking or importing) but nothing is running it any
    more: `task`, its current step, failed outright, or it has written nothing for
    STALE_AFTER_MINUTES. Whatever the dead run did was rolled back with its transaction."""
    if not job.busy:
        return False
    now = now or timezone.now()
    heartbeat = job.updated_at or job.created_at
    if now - heartbeat > timedelta(minutes=STALE_AFTER_MINUTES):
        return True
    return task_failed(task, job.task_id)
