"""Jobs whose background work failed or died: a failure is recorded on the job and shown; a
job whose worker vanished is shown as stopped (nothing saved) and can be run again, with
nothing written twice even if the lost run comes back.

These use the real database queue and worker. A worker killed mid-import cannot be staged
inside one test database, so its traces are: the queue says its task is running (or failed)
and the job's heartbeat is old. The database itself rolled back whatever the dead worker
was writing."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from nextsteps.audit.models import AuditEvent
from nextsteps.interop import services
from nextsteps.interop.models import ImportJob
from nextsteps.lib.upn import make_upn
from nextsteps.schools import services as school_services
from nextsteps.schools.models import Pupil, Role

from .conftest import snapshot, upload

pytestmark = pytest.mark.django_db(transaction=True)

UPN = make_upn(201, 2001, 19, 61)
PUPILS = (
    "UPN,Legal forename,Surname,Date of birth,Sex,NC year,Class\n"
    f"{UPN},Hesper,Underwood,03/03/2017,F,3,3 Oak\n"
    f"{make_upn(201, 2001, 19, 62)},Lucan,Underwood,04/04/2017,M,3,3 Oak\n"
)


def work():
    """Run everything the queue holds, as `nextsteps worker --batch` does."""
    call_command("worker", "--batch")


def uploaded(cast, user=None):
    return services.start_import(user or cast.head, cast.school, "pupils", upload(PUPILS))


def checked_job(cast, user=None):
    job = services.request_check(uploaded(cast, user))
    work()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.can_commit
    return job


def lose_worker(job):
    """What a worker killed part-way through leaves behind: its task claimed and never
    finished, and a job that has not moved for longer than the threshold."""
    DBTaskResult.objects.filter(id=job.task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["gone"]
    )
    past = timezone.now() - timedelta(minutes=services.STALE_AFTER_MINUTES + 1)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=past)
    job.refresh_from_db()


def test_a_check_that_fails_marks_the_job_failed_and_the_page_says_so(cast, login):
    job = uploaded(cast, cast.leader)
    services.request_check(job)
    # the uploader loses the right to import before the worker gets to the job
    school_services.revoke_role(Role.objects.get(user=cast.leader, school=cast.school))
    work()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "may no longer import" in job.message and "Nothing was imported" in job.message
    page = login(cast.head).get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "Status:</strong> Failed" in page and "may no longer import" in page
    assert "stopped before it finished" not in page  # failed, not stopped


def test_an_import_that_fails_marks_the_job_failed_and_writes_nothing(cast, login):
    job = checked_job(cast, cast.leader)
    client = login(cast.head)
    before = snapshot()
    services.request_commit(job)
    school_services.revoke_role(Role.objects.get(user=cast.leader, school=cast.school))
    before["Role"] -= 1
    work()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.message.startswith("Nothing was imported") and "may no longer import" in job.message
    assert snapshot() == before | {"AuditEvent": snapshot()["AuditEvent"]}
    assert not Pupil.objects.filter(legal_last_name="Underwood").exists()
    page = client.get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "Nothing was imported" in page and "Status:</strong> Failed" in page


def test_a_failed_task_in_the_queue_shows_the_job_as_stopped(cast, login):
    job = services.request_check(uploaded(cast))
    # the queue gave up on the task (say it could not even start) and the job never heard
    DBTaskResult.objects.filter(id=job.task_id).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKING and services.stalled(job)
    page = login(cast.head).get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "Status:</strong> Stopped" in page and "The check stopped before it finished" in page
    assert "Run the check again" in page


def test_a_job_still_moving_is_not_stopped_and_cannot_be_restarted(cast, login):
    job = services.request_check(uploaded(cast))
    assert not services.stalled(job)
    with pytest.raises(services.StillRunning):
        services.restart(job)
    client = login(cast.head)
    page = client.get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "stopped before it finished" not in page and 'hx-trigger="every 1s"' in page
    # just under the threshold still counts as running
    almost = timezone.now() - timedelta(minutes=services.STALE_AFTER_MINUTES - 1)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=almost)
    job.refresh_from_db()
    assert not services.stalled(job)


def test_a_stopped_check_is_shown_and_runs_again_to_the_end(cast, login):
    client = login(cast.head)
    job = services.request_check(uploaded(cast))
    lose_worker(job)
    assert services.stalled(job)
    page = client.get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "The check stopped before it finished" in page
    assert "a check never changes any records" in page and "Run the check again" in page
    assert 'hx-trigger="every 1s"' not in page  # no point polling a stopped job
    listing = client.get(reverse("interop:index")).content.decode()
    assert "Stopped: open it to run it again" in listing
    progress = client.get(reverse("interop:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"

    old_task = job.task_id
    response = client.post(reverse("interop:recheck", args=[job.pk]))
    assert response.url == reverse("interop:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKING and job.task_id != old_task
    assert not services.stalled(job)
    work()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert [e["action"] for e in job.report] == ["create", "create"]
    assert not Pupil.objects.filter(legal_last_name="Underwood").exists()


def test_a_stopped_import_runs_again_and_nothing_is_written_twice(cast, login):
    client = login(cast.head)
    job = checked_job(cast)
    client.post(reverse("interop:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING
    lose_worker(job)

    page = client.get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "The import stopped before it finished" in page
    assert "Nothing was saved" in page and "exactly as they were" in page
    assert "Run the import again" in page
    assert not Pupil.objects.filter(legal_last_name="Underwood").exists()

    lost_task = job.task_id
    client.post(reverse("interop:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING and job.task_id != lost_task
    work()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["create"] == 2
    assert Pupil.objects.filter(legal_last_name="Underwood").count() == 2

    # the lost run comes back to life after all: it finds the job done and writes nothing
    DBTaskResult.objects.filter(id=lost_task).update(status=TaskResultStatus.READY)
    events = AuditEvent.objects.count()
    work()
    assert DBTaskResult.objects.get(id=lost_task).status == TaskResultStatus.SUCCESSFUL
    assert Pupil.objects.filter(legal_last_name="Underwood").count() == 2
    assert Pupil.objects.get(upn=UPN).enrolments.count() == 1
    assert AuditEvent.objects.count() == events
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE

    # and a second press of the button on a finished job does nothing either
    client.post(reverse("interop:commit", args=[job.pk]))
    work()
    assert Pupil.objects.filter(legal_last_name="Underwood").count() == 2


def test_an_error_escaping_a_task_marks_the_job_failed_once(cast, login):
    """What tasks.py does when a step lets an exception out: the job is failed with the error,
    and an outcome already written is never overwritten."""
    job = services.request_check(uploaded(cast))
    services.mark_failed(job.pk, OSError("No space left on device"))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and not services.stalled(job)
    assert "OSError: No space left on device" in job.message
    page = login(cast.head).get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "Checking stopped with an unexpected error: OSError" in page
    done = checked_job(cast)
    services.mark_failed(done.pk, OSError("late"))
    done.refresh_from_db()
    assert done.status == ImportJob.Status.CHECKED and not done.message
