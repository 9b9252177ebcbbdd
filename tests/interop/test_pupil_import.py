"""Importing pupils: what is created and updated, and every kind of bad file refused with the
database left exactly as it was."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from nextsteps.audit.models import AuditEvent
from nextsteps.interop import services
from nextsteps.interop.models import ImportJob
from nextsteps.interop.readers import FileProblem
from nextsteps.lib.upn import make_upn
from nextsteps.schools import services as school_services
from nextsteps.schools.models import Enrolment, Pupil

from .conftest import checked, imported, snapshot, upload

pytestmark = pytest.mark.django_db

HEADER = "UPN,Forename,Surname,DOB,Gender,Year,Reg group,FSM,SEN\n"
NEW_UPN = make_upn(201, 2001, 19, 50)


def amara_row(cast, klass="3 Oak", fsm="N"):
    a = cast.amara
    return f"{a.upn},Amara,Okonkwo-Test,{a.date_of_birth:%d/%m/%Y},F,Year 3,{klass},{fsm},\n"


def test_new_pupils_are_created_enrolled_and_logged_as_the_importer(cast, immediate_tasks):
    text = HEADER + f"{NEW_UPN},Ottoline,Fairweather,04/05/2017,Girl,3,3 Oak,Y,K\n"
    job = checked(cast.head, cast.school, "pupils", text)
    assert job.status == ImportJob.Status.CHECKED
    assert job.report[0]["action"] == "create"
    assert not Pupil.objects.filter(legal_first_name="Ottoline").exists()  # a check writes nothing
    job = imported(job)
    assert job.status == ImportJob.Status.DONE
    pupil = Pupil.objects.get(upn=NEW_UPN)
    assert (pupil.sex, pupil.date_of_birth) == ("F", date(2017, 5, 4))
    enrolment = pupil.enrolments.get()
    assert enrolment.school_class == cast.oak and enrolment.year_group == cast.y3
    assert {(c.kind, c.value) for c in pupil.characteristics.all()} == {("fsm", "Y"), ("sen", "K")}
    event = AuditEvent.objects.get(model="schools.pupil", action="create", object_id=pupil.pk)
    assert event.actor == cast.head and event.source.startswith(f"import #{job.pk}")
    # the teacher of 3 Oak now sees the new pupil
    assert pupil in Pupil.objects.visible_to(cast.teacher)


def test_reimport_updates_matched_pupils_instead_of_duplicating(cast, immediate_tasks):
    before = Pupil.objects.count()
    text = HEADER + amara_row(cast, klass="3 Oak", fsm="Y")
    # Bartholomew has no UPN in this file: matched by names and date of birth
    b = cast.bartholomew
    text += f",Bartholomew,QUILLFEATHER,{b.date_of_birth:%Y-%m-%d},M,Year 4,4 Ash,,\n"
    job = checked(cast.head, cast.school, "pupils", text)
    assert [e["action"] for e in job.report] == ["update", "update"]
    assert any("FSM: N → Y" in c for c in job.report[0]["changes"])
    assert any("4 Ash" in c for c in job.report[1]["changes"])
    imported(job)
    assert Pupil.objects.count() == before
    assert b.enrolments.filter(end_date__isnull=True).get().school_class == cast.ash
    assert school_services.current_characteristic(cast.amara, "fsm").value == "Y"
    # importing the same file again finds nothing to change
    again = checked(cast.head, cast.school, "pupils", text)
    assert [e["action"] for e in again.report] == ["unchanged", "unchanged"]


def assert_refused_with(job, line, column, words):
    assert job.status == ImportJob.Status.CHECKED and not job.can_commit
    entry = next(e for e in job.report if e["line"] == line)
    assert entry["action"] == "error"
    messages = " ".join(f"{e['column']}: {e['message']}" for e in entry["errors"])
    assert column in messages and words in messages, messages
    with pytest.raises(FileProblem):
        services.request_commit(job)


def test_bad_upn_names_the_line_and_column(cast, immediate_tasks):
    before = snapshot()
    bad = "A" + NEW_UPN[1:] if NEW_UPN[0] != "A" else "B" + NEW_UPN[1:]
    text = HEADER + amara_row(cast) + f"{bad},Ottoline,Fairweather,04/05/2017,F,3,3 Oak,,\n"
    job = checked(cast.head, cast.school, "pupils", text)
    assert_refused_with(job, 3, "UPN", "check letter")
    assert snapshot() == before


def test_impossible_date_and_unknown_class_and_year(cast, immediate_tasks):
    before = snapshot()
    text = (
        HEADER
        + f"{NEW_UPN},Ottoline,Fairweather,31/02/2015,F,3,3 Oak,,\n"
        + ",Ivo,Pemberton,01/03/2016,M,Year 9,3 Oak,,\n"
        + ",Ida,Pemberton,01/03/2016,F,Year 3,3 Birch,,\n"
        + ",Ada,Lovelace,01/03/16,F,Year 3,3 Oak,maybe,Z\n"
    )
    job = checked(cast.head, cast.school, "pupils", text)
    assert_refused_with(job, 2, "DOB", "not a real date")
    assert_refused_with(job, 3, "Year", "not a year group")
    assert_refused_with(job, 4, "Reg group", "no class called '3 Birch'")
    assert_refused_with(job, 5, "DOB", "year in full")
    assert_refused_with(job, 5, "FSM", "Y or N")
    assert_refused_with(job, 5, "SEN", "not an SEN status")
    assert job.summary["error"] == 4
    assert snapshot() == before


def test_duplicate_rows_and_conflicting_upn(cast, immediate_tasks):
    before = snapshot()
    z = cast.zebedee
    text = (
        HEADER
        + amara_row(cast)
        + amara_row(cast)
        # Zebedee's names and date of birth with somebody else's UPN
        + f"{NEW_UPN},Zebedee,Marchbanks,{z.date_of_birth:%d/%m/%Y},M,Year 4,4 Ash,,\n"
        # a UPN held by a pupil of another school (Priya has none; give Tomasz one first)
    )
    job = checked(cast.head, cast.school, "pupils", text)
    assert_refused_with(job, 3, "", "repeats the pupil on line 2")
    assert_refused_with(job, 4, "UPN", f"already has the UPN {z.upn}")
    assert snapshot() == before


def test_upn_of_a_pupil_at_another_school_is_refused_without_naming_them(cast, immediate_tasks):
    school_services.update_pupil(cast.tomasz, {"upn": NEW_UPN}, None)
    text = HEADER + f"{NEW_UPN},Someone,Else,01/01/2017,M,Year 3,3 Oak,,\n"
    job = checked(cast.head, cast.school, "pupils", text)
    assert_refused_with(job, 2, "UPN", "not on roll at this school")
    assert "Tomasz" not in str(job.report)


def test_missing_required_columns_are_reported_before_checking(cast, immediate_tasks):
    job = services.start_import(cast.head, cast.school, "pupils", upload("UPN,Forename\nx,y\n"))
    errors = services.mapping_errors(job, job.mapping)
    assert set(errors) == {"legal_last_name", "date_of_birth", "sex", "year_group"}
    with pytest.raises(FileProblem, match="column that holds"):
        services.request_check(job)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.UPLOADED


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (b"UPN,Forename,Surname\n", "no data rows"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG image"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"abc\x00\x01\x02def", "binary"),
        (b"PK\x03\x04not really a zip", "damaged"),
    ],
)
def test_unreadable_files_are_refused_and_nothing_is_kept(cast, content, words):
    before = snapshot()
    with pytest.raises(FileProblem, match=words):
        services.start_import(cast.head, cast.school, "pupils", upload(content))
    assert ImportJob.objects.count() == 0
    assert snapshot() == before


def test_file_over_the_size_limit_is_refused(cast, settings):
    settings.NEXTSTEPS_IMPORT_MAX_BYTES = 1024
    text = HEADER + amara_row(cast) * 40
    with pytest.raises(FileProblem, match="larger than the limit"):
        services.start_import(cast.head, cast.school, "pupils", upload(text))
    assert ImportJob.objects.count() == 0


def test_file_over_the_row_limit_is_refused(cast, settings):
    settings.NEXTSTEPS_IMPORT_MAX_ROWS = 5
    text = HEADER + amara_row(cast) * 6
    with pytest.raises(FileProblem, match="more than 5 rows"):
        services.start_import(cast.head, cast.school, "pupils", upload(text))
    assert ImportJob.objects.count() == 0


def test_encodings_and_delimiters(cast, immediate_tasks):
    # cp1252 (Excel's "CSV" on Windows), semicolons, and a UTF-8 file with a byte-order mark
    text = "Forename;Surname;Date of birth;Sex;Year\nZoë;Brontë;2017-05-04;F;R\n"
    job = checked(cast.head, cast.school, "pupils", text.encode("cp1252"))
    assert job.report[0]["label"] == "Zoë Brontë" and job.report[0]["action"] == "create"
    job = checked(cast.head, cast.school, "pupils", "\ufeff" + text.replace(";", "\t"))
    assert job.report[0]["label"] == "Zoë Brontë" and job.summary["error"] == 0


def test_a_crash_part_way_through_the_commit_leaves_nothing_written(
    cast, immediate_tasks, monkeypatch
):
    rows = "".join(
        f"{make_upn(201, 2001, 19, 60 + n)},Child{n},Testcase,01/03/2017,F,3,3 Oak,Y,\n"
        for n in range(5)
    )
    job = checked(cast.head, cast.school, "pupils", HEADER + rows)
    assert job.can_commit
    before = snapshot()
    real = school_services.enrol_pupil
    calls = []

    def failing_enrol(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(school_services, "enrol_pupil", failing_enrol)
    job = imported(job)
    assert job.status == ImportJob.Status.FAILED
    assert "Nothing was imported" in job.message and "line 4" in job.message
    assert snapshot() == before
    assert not Pupil.objects.filter(legal_last_name="Testcase").exists()


def test_model_validation_problems_become_row_errors(cast, immediate_tasks):
    text = HEADER + f",{'X' * 150},Long,01/03/2017,F,3,3 Oak,,\n"
    job = checked(cast.head, cast.school, "pupils", text)
    assert job.report[0]["action"] == "error"
    assert "Forename" in job.report[0]["errors"][0]["column"]


def test_only_importers_may_import(cast):
    for user in (cast.teacher, cast.senco, cast.parent, cast.governor, cast.ap_head):
        with pytest.raises(PermissionDenied):
            services.start_import(user, cast.school, "pupils", upload(HEADER + amara_row(cast)))
    assert ImportJob.objects.count() == 0


def test_an_import_at_a_date_in_next_year_enrols_from_then(cast, immediate_tasks):
    next_year = school_services.create_academic_year(cast.school, cast.year.start_date.year + 1)
    robin = school_services.create_class(
        cast.school, next_year, "R Robin", cast.school.year_groups.get(stage=0)
    )
    text = (
        "Forename,Surname,DOB,Sex,Year,Class,Start date\n"
        f"Rowan,Newstarter,01/02/2021,M,Reception,R Robin,{next_year.start_date:%d/%m/%Y}\n"
    )
    imported(checked(cast.head, cast.school, "pupils", text))
    enrolment = Enrolment.objects.get(pupil__legal_last_name="Newstarter")
    assert enrolment.school_class == robin and enrolment.start_date == next_year.start_date
