"""The results import pages with the test client: upload, columns, the check, choosing pupils
for rows that need one, confirming (with rows in error left out only when ticked), the report,
and who sees what on them. Background steps run at once (the immediate task backend)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from nextsteps.audit.models import AuditEvent
from nextsteps.results import importing
from nextsteps.results.import_models import ResultImport
from nextsteps.results.models import Result

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def reading(sitting_of, reading_table):
    return sitting_of("standardised-reading", norm_table=reading_table)


def dob(pupil) -> str:
    return f"{pupil.date_of_birth:%d/%m/%Y}"


def a_file(cast) -> str:
    return (
        "Surname,Forename,DOB,UPN,Raw Score,Age (y:m)\n"
        f"Okonkwo-Test,Amara,{dob(cast.amara)},{cast.amara.upn},30,8:07\n"
        f"Quilfeather,Bartholomew,{dob(cast.bartholomew)},,25,8:04\n"  # mistyped surname
        f"Stranger,Sam,01/01/2015,,20,\n"  # nobody here
        f"Marchbanks,Zebedee,{dob(cast.zebedee)},,41,\n"  # above the maximum of 40
    )


def post_file(client, sitting, text, name="results.csv"):
    upload = SimpleUploadedFile(name, text.encode("utf-8") if isinstance(text, str) else text)
    return client.post(reverse("results:import_upload", args=[sitting.pk]), {"file": upload})


def checked_job(client, sitting, text) -> ResultImport:
    response = post_file(client, sitting, text)
    assert response.status_code == 302, response.content.decode()
    job = ResultImport.objects.latest("pk")
    columns = client.post(
        reverse("results:import_columns", args=[job.pk]),
        {f"field_{key}": "" if index is None else index for key, index in job.mapping.items()},
    )
    assert columns.url == reverse("results:import_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ResultImport.Status.CHECKED
    return job


def test_upload_page_explains_the_file_and_refuses_a_bad_one(cast, login, reading):
    client = login(cast.leader)
    page = client.get(reverse("results:import_upload", args=[reading.pk])).content.decode()
    assert "Import results for" in page and "Age at test" in page
    bad = post_file(client, reading, b"\x89PNG\r\n\x1a\n\x00")
    assert bad.status_code == 400 and "a PNG image" in bad.content.decode()
    empty = client.post(reverse("results:import_upload", args=[reading.pk]), {})
    assert "Choose a CSV or Excel" in empty.content.decode()
    assert not ResultImport.objects.exists()


def test_columns_page_shows_examples_and_names_what_is_missing(cast, login, reading):
    client = login(cast.leader)
    response = post_file(client, reading, a_file(cast))
    job = ResultImport.objects.get()
    assert response.url == reverse("results:import_columns", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "Okonkwo-Test, Quilfeather, Stranger" in page  # the first values of the surname
    missing = client.post(response.url, {"field_upn": "", "field_raw_score": "4"})
    assert missing.status_code == 400
    assert (
        "Choose the UPN column, or the name and date of birth columns" in missing.content.decode()
    )
    job.refresh_from_db()
    assert job.status == ResultImport.Status.UPLOADED


def test_rows_are_reconciled_then_imported_with_errors_left_out_when_ticked(cast, login, reading):
    client = login(cast.leader)
    job = checked_job(client, reading, a_file(cast))
    url = reverse("results:import_job", args=[job.pk])
    page = client.get(url).content.decode()
    assert "Rows that need you" in page
    # the mistyped surname: Bartholomew is offered as the likeliest pupil
    assert f'<option value="{cast.bartholomew.pk}">Bartholomew Quillfeather, born' in page
    assert "Raw Score (41):</strong> The raw score must be between 0 and 40." in page
    assert "Choose the pupil for every row that needs one, or skip it" in page
    assert "Import 1 result" not in page  # no import until every row is decided

    client.post(
        reverse("results:import_choose", args=[job.pk]),
        {"line_3": str(cast.bartholomew.pk), "line_4": "skip"},
    )
    job.refresh_from_db()
    assert job.choices == {"3": cast.bartholomew.pk, "4": "skip"} and job.can_commit
    page = client.get(url).content.decode()
    assert "Rows you decided" in page and "chosen by you" in page and "Skipped by you" in page
    # matched now, his age in the file (8:04) is compared with ours: a warning, not an error
    assert "The file gives the age at test as 8 years 4 months" in page
    assert "Import 2 results" in page and "Leave out the 1 row with errors" in page

    refused = client.post(reverse("results:import_commit", args=[job.pk]), follow=True)
    assert "Confirm that the rows with errors are left out" in refused.content.decode()
    assert not Result.objects.exists()

    client.post(reverse("results:import_commit", args=[job.pk]), {"leave_out_errors": "yes"})
    job.refresh_from_db()
    assert job.status == ResultImport.Status.DONE
    assert set(Result.objects.values_list("pupil_id", flat=True)) == {
        cast.amara.pk,
        cast.bartholomew.pk,
    }
    report = client.get(reverse("results:import_report", args=[job.pk])).content.decode()
    for words in ("Added", "Skipped by you", "Error: not imported", "(by UPN)", "(chosen by you)"):
        assert words in report
    errors_only = client.get(reverse("results:import_report", args=[job.pk]) + "?show=error")
    assert "Marchbanks" in errors_only.content.decode()
    assert "Okonkwo-Test" not in errors_only.content.decode()


def test_skip_the_rest_and_undo_choices(cast, login, reading):
    client = login(cast.leader)
    job = checked_job(client, reading, a_file(cast))
    choose = reverse("results:import_choose", args=[job.pk])
    client.post(choose, {"skip_rest": "1"})
    job.refresh_from_db()
    assert job.choices == {"3": "skip", "4": "skip"} and job.undecided == 0
    client.post(choose, {"clear": "1"})
    job.refresh_from_db()
    assert job.choices == {} and job.undecided == 2


def test_a_teacher_is_offered_only_the_pupils_they_may_see(cast, login, reading):
    client = login(cast.teacher)
    text = (
        "Forename,Surname,DOB,Raw score\n"
        f"Zebedee,Marchbanks,{dob(cast.zebedee)},20\n"
        f"Amara,Okonkwo-Test,{dob(cast.amara)},20\n"
    )
    job = checked_job(client, reading, text)
    page = client.get(reverse("results:import_job", args=[job.pk])).content.decode()
    # the file's own words are shown back, but Zebedee's record is offered to nobody here
    assert f'<option value="{cast.zebedee.pk}"' not in page
    assert f'<option value="{cast.bartholomew.pk}">Bartholomew Quillfeather' in page
    client.post(reverse("results:import_choose", args=[job.pk]), {"line_2": str(cast.zebedee.pk)})
    job.refresh_from_db()
    assert job.report[0]["status"] == "error"
    assert "not one you can import for" in job.report[0]["errors"][0]["message"]


def test_a_diagnostic_import_is_for_few_and_its_results_shown_are_logged(
    cast, login, sitting_of, client
):
    screening = sitting_of("dyslexia-screening")
    upload_url = reverse("results:import_upload", args=[screening.pk])
    assert login(cast.teacher).get(upload_url).status_code == 404
    client.logout()
    client = login(cast.senco)
    job = checked_job(client, screening, f"UPN,Standardised score\n{cast.amara.upn},82\n")
    client.post(reverse("results:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ResultImport.Status.DONE
    before = AuditEvent.objects.filter(action="read", pupil=cast.amara).count()
    page = client.get(reverse("results:import_report", args=[job.pk])).content.decode()
    assert "score 82" in page
    reads = AuditEvent.objects.filter(action="read", pupil=cast.amara)
    assert reads.count() == before + 1
    assert reads.latest("pk").what.startswith("diagnostic result")


def test_results_recorded_as_grades_cannot_be_uploaded(cast, login, sitting_of):
    profile = sitting_of("eyfs-profile")
    client = login(cast.head)
    page = client.get(reverse("results:import_upload", args=[profile.pk])).content.decode()
    assert "enter its results in the grid" in page and 'type="file"' not in page
    post_file(client, profile, "UPN,Raw score\nx,1\n")
    assert not ResultImport.objects.exists()


def test_progress_asks_the_page_to_reload_when_the_job_is_done(cast, login, reading):
    client = login(cast.leader)
    job = checked_job(client, reading, f"UPN,Raw score\n{cast.amara.upn},3\n")
    response = client.get(
        reverse("results:import_progress", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert response["HX-Refresh"] == "true"


def test_a_stopped_import_can_be_run_again_from_its_page(cast, login, reading, settings):
    client = login(cast.leader)
    job = checked_job(client, reading, f"UPN,Raw score\n{cast.amara.upn},3\n")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    importing.request_commit(job)
    past = timezone.now() - timedelta(minutes=importing.STALE_AFTER_MINUTES + 1)
    ResultImport.objects.filter(pk=job.pk).update(updated_at=past)
    page = client.get(reverse("results:import_job", args=[job.pk])).content.decode()
    assert "The import stopped before it finished" in page and "Nothing was saved" in page
    settings.TASKS = IMMEDIATE
    client.post(reverse("results:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ResultImport.Status.DONE
    assert Result.objects.filter(import_job=job).count() == 1
