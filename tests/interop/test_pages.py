"""The import, export and rollover pages: the whole flow through the browser-facing views,
the real background worker, and every route refusing outsiders without leaking a name."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from nextsteps.interop import services
from nextsteps.interop.models import ImportJob
from nextsteps.lib.upn import make_upn
from nextsteps.schools.models import Pupil

from .conftest import snapshot, upload

pytestmark = pytest.mark.django_db

PUPILS = (
    "UPN,Legal forename,Surname,Date of birth,Sex,NC year,Class\n"
    f"{make_upn(201, 2001, 19, 77)},Perpetua,Windlesham,02/02/2017,F,3,3 Oak\n"
)


def make_job(cast):
    return services.start_import(cast.head, cast.school, "pupils", upload(PUPILS))


# route -> (args from cast and job, method, roles let in)
IMPORTERS = {"head", "leader"}
ROUTES = {
    "interop:index": (lambda c, j: [], "get", {"head", "leader", "senco", "ap_head"}),
    "interop:upload": (lambda c, j: [], "get", {"head", "leader", "ap_head"}),
    "interop:mapping": (lambda c, j: [j.pk], "get", IMPORTERS),
    "interop:job": (lambda c, j: [j.pk], "get", IMPORTERS),
    "interop:progress": (lambda c, j: [j.pk], "get", IMPORTERS),
    "interop:recheck": (lambda c, j: [j.pk], "post", IMPORTERS),
    "interop:commit": (lambda c, j: [j.pk], "post", IMPORTERS),
    "interop:report": (lambda c, j: [j.pk], "get", IMPORTERS),
    "interop:export": (
        lambda c, j: ["pupils", "csv"],
        "get",
        {"head", "leader", "senco", "ap_head"},
    ),
    "interop:rollover": (lambda c, j: [], "get", {"head", "leader", "ap_head"}),
}


def test_every_interop_route_is_covered():
    from django.urls import get_resolver

    names = {
        f"interop:{n}"
        for n in get_resolver().namespace_dict["interop"][1].reverse_dict
        if isinstance(n, str)
    }
    assert names == set(ROUTES)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_refuses_outsiders_and_leaks_no_names(name, cast, client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = make_job(cast)
    build, method, allowed = ROUTES[name]
    url = reverse(name, args=build(cast, job))
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/accounts/login/" in response.url
    hidden_names = ["Perpetua", "Windlesham", "Okonkwo", "Quillfeather", "Marchbanks"]
    for role, user in cast.users.items():
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        response = getattr(client, method)(url)
        let_in = response.status_code < 300 or (
            response.status_code == 302 and "/accounts/login/" not in response.url
        )
        assert let_in == (role in allowed), f"{name}: {role} got {response.status_code}"
        if role not in allowed:
            assert response.status_code in (403, 404)
            body = response.content.decode(errors="replace")
            assert not any(n in body for n in hidden_names), f"{name} leaks to {role}"
        client.logout()


def test_upload_map_check_and_import_through_the_real_worker(cast, login, transactional_db):
    """The default task backend is the database queue: jobs wait until `nextsteps worker`."""
    client = login(cast.leader)
    response = client.post(
        reverse("interop:upload"),
        {"school": cast.school.pk, "kind": "pupils", "file": upload(PUPILS)},
    )
    job = ImportJob.objects.get()
    assert response.url == reverse("interop:mapping", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "selected>Legal forename</option>" in page  # matched by its common name
    form = {f"field_{k}": "" if v is None else v for k, v in job.mapping.items()}
    response = client.post(reverse("interop:mapping", args=[job.pk]), form)
    assert response.url == reverse("interop:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKING
    partial = client.get(reverse("interop:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "<progress" in partial.content.decode() and 'hx-trigger="every 1s"' in (
        partial.content.decode()
    )
    call_command("worker", "--batch")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.can_commit
    partial = client.get(reverse("interop:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial["HX-Refresh"] == "true"
    page = client.get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "Will create" in page and "Perpetua Windlesham" in page
    client.post(reverse("interop:commit", args=[job.pk]))
    assert not Pupil.objects.filter(legal_last_name="Windlesham").exists()  # queued, not done
    call_command("worker", "--batch")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Pupil.objects.get(legal_last_name="Windlesham").enrolments.get().school_class == cast.oak
    report = client.get(reverse("interop:report", args=[job.pk])).content.decode()
    assert "Created" in report


def test_upload_page_shows_file_errors_beside_the_field(cast, login):
    client = login(cast.head)
    before = snapshot()
    response = client.post(
        reverse("interop:upload"),
        {"kind": "pupils", "file": upload(b"\x89PNG\r\n\x1a\n\x00\x00", "class.csv")},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="file-error"' in body and "PNG image" in body
    assert snapshot() == before and not ImportJob.objects.exists()
    response = client.post(reverse("interop:upload"), {"kind": "pupils"})
    assert "Choose a CSV or Excel" in response.content.decode()


def test_mapping_page_flags_missing_required_columns(cast, login):
    client = login(cast.head)
    job = make_job(cast)
    form = {f"field_{k}": "" if v is None else v for k, v in job.mapping.items()}
    form["field_date_of_birth"] = ""
    response = client.post(reverse("interop:mapping", args=[job.pk]), form)
    assert response.status_code == 400
    assert "Choose the column that holds date of birth" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


def test_a_file_with_errors_cannot_be_committed_from_the_page(cast, login, immediate_tasks):
    client = login(cast.head)
    job = services.start_import(
        cast.head, cast.school, "pupils", upload(PUPILS.replace("02/02/2017", "31/02/2017"))
    )
    services.request_check(job)
    page = client.get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "not a real date" in page and "Nothing can be imported" in page
    client.post(reverse("interop:commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert not Pupil.objects.filter(legal_last_name="Windlesham").exists()


def test_index_lists_imports_exports_and_rollover(cast, login):
    make_job(cast)
    body = login(cast.head).get(reverse("interop:index")).content.decode()
    assert "Import pupils" in body and "pupils.csv" in body
    assert reverse("interop:export", args=["guardians", "xlsx"]) in body
    assert reverse("interop:rollover") in body
    senco = login(cast.senco).get(reverse("interop:index")).content.decode()
    assert "Import pupils" not in senco and "Export a list" in senco
