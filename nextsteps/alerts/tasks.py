"""The alert sweep as a background task, run by `nextsteps worker`. Enqueued by the "Run the
rules now" button and POST /api/v1/schools/{id}/alert-runs; the sweep is idempotent, so a task
that runs twice (or beside `nextsteps alerts run --loop`) raises and sends nothing twice."""

from django_tasks import task

from nextsteps.audit.context import acting_as


@task()
def run_alerts(school_id: int | None = None, trigger: str = "task") -> dict:
    from nextsteps.schools.models import School

    from . import services

    school = School.objects.get(pk=school_id) if school_id is not None else None
    with acting_as(None, source="alert sweep (worker)"):
        record = services.run(school, trigger=trigger)
    return {"run": record.pk, "raised": record.raised, "emails_sent": record.emails_sent}
