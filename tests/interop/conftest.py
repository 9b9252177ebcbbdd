import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nextsteps.accounts.models import User
from nextsteps.audit.models import AuditEvent
from nextsteps.interop import services
from nextsteps.interop.models import ImportJob
from nextsteps.schools.models import (
    Characteristic,
    ClassStaff,
    Enrolment,
    GroupMembership,
    Guardian,
    Pupil,
    Role,
    SchoolClass,
)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    """Run background tasks as soon as they are queued (one test uses the real worker)."""
    settings.TASKS = IMMEDIATE


def upload(content, name="pupils.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content)


def snapshot() -> dict:
    """Row counts of everything an import or rollover could write."""
    models = [
        Pupil,
        Enrolment,
        Guardian,
        User,
        AuditEvent,
        Characteristic,
        ClassStaff,
        Role,
        SchoolClass,
        GroupMembership,
    ]
    return {m.__name__: m.objects.count() for m in models}


def checked(user, school, kind, content, name="file.csv") -> ImportJob:
    """Upload, keep the automatic column choices and check every row."""
    job = services.start_import(user, school, kind, upload(content, name))
    services.request_check(job)
    job.refresh_from_db()
    return job


def imported(job) -> ImportJob:
    services.request_commit(job)
    job.refresh_from_db()
    return job
