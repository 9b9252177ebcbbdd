"""Background tasks, run by `nextsteps worker`: one sending pass (sending.run), the same as the
`nextsteps reviews send-updates` command, so a leader's "send now" never waits on the mail
server. Safe to queue twice: sending claims each email before it goes."""

from datetime import date

from django_tasks import task

from nextsteps.audit.context import acting_as

from . import sending


@task()
def send_updates(week: str | None = None) -> dict:
    """Make the updates that are due (or the given week's, if due) and send what is ready."""
    with acting_as(None, "weekly updates (worker)"):
        report = sending.run(week=date.fromisoformat(week) if week else None)
    return {
        "made": report.made,
        "sent": report.sent,
        "failed": report.failed,
        "uncertain": report.uncertain,
        "notes": report.notes,
    }
