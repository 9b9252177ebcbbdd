"""Importing test results from publishers' files: matching by UPN, by name and date of birth
(case, accents, spaces, preferred names), ambiguous and unmatched rows and the choices made
for them, malformed files, scores checked against the sitting's rules, warnings for the
publisher's age at test, all-or-nothing commits, and only pupils the importer may see.

The sittings are of shipped definitions (installed with the cast's school): a standardised
reading test with a made-up norm table (standardised = 70 + 2 x raw, less one for every six
months over 8 years; see conftest.norm_rows), whose maximum mark is 40."""

import io
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from nextsteps.audit.models import AuditEvent
from nextsteps.interop.readers import FileProblem, read_table
from nextsteps.results import access, importing
from nextsteps.results.import_models import ResultImport
from nextsteps.results.models import Result
from nextsteps.results.scoring import age_in_months
from nextsteps.schools import services as school_services

from .conftest import sitting_day

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "import_fixtures"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HEADER = "UPN,Forename,Surname,DOB,Raw score,Standardised score,Age at test,Test date\n"


def fill(name: str, cast, **extra) -> str:
    """A sample file with the cast's dates of birth (which move with the year) filled in."""
    values = {
        f"{key}_dob": f"{cast.pupils[key].date_of_birth:%d/%m/%Y}"
        for key in ("amara", "bartholomew", "zebedee")
    }
    day = sitting_day(cast)
    values["test_date"] = f"{day:%d/%m/%Y}"
    values["zebedee_age"] = _y_m(age_in_months(cast.zebedee.date_of_birth, day))
    values.update(extra)
    return (FIXTURES / name).read_text("utf-8").format(**values)


def _y_m(months: int) -> str:
    return f"{months // 12}:{months % 12:02d}"


def dob(pupil) -> str:
    return f"{pupil.date_of_birth:%d/%m/%Y}"


def rows_of(text: str):
    table = read_table(text.encode("utf-8"), "results.csv")
    return importing.rows_from_table(table, importing.auto_map(table.headers))


@pytest.fixture
def reading(sitting_of, reading_table):
    return sitting_of("standardised-reading", norm_table=reading_table)


@pytest.fixture
def phonics(sitting_of):
    return sitting_of("phonics-screening-check")


def by_line(recon) -> dict:
    return {e["line"]: e for e in recon.entries}


# Matching ------------------------------------------------------------------------------------


def test_rows_are_matched_by_upn_else_by_name_and_date_of_birth(cast, reading):
    recon = importing.check(reading, rows_of(fill("split_names.csv", cast)), cast.leader)
    lines = by_line(recon)
    amara, bart, zeb, nobody = lines[2], lines[3], lines[4], lines[5]
    assert (amara["pupil"], amara["how"], amara["status"]) == (cast.amara.pk, "upn", "create")
    # upper case, stray spaces: still Bartholomew by name and date of birth
    assert (bart["pupil"], bart["how"], bart["status"]) == (cast.bartholomew.pk, "name", "create")
    # an accent the record does not have
    assert (zeb["pupil"], zeb["how"]) == (cast.zebedee.pk, "name")
    assert nobody["status"] == "choose" and nobody["why"] == "unmatched"
    assert nobody["pupil"] is None
    # raw scores converted through the norm table at each pupil's age on the sitting's date
    assert amara["result"]["score"] == "129" and amara["result"]["age"] == 103
    assert bart["result"]["score"] == "119" and bart["result"]["percentile"] == 90
    assert recon.summary == {
        "create": 3,
        "update": 0,
        "unchanged": 0,
        "choose": 1,
        "skip": 0,
        "error": 0,
    }
    assert not Result.objects.exists()  # a check writes nothing


def test_one_name_column_in_either_order_and_preferred_names(cast, reading):
    school_services.update_pupil(cast.zebedee, {"preferred_first_name": "Zeb"}, None)
    recon = importing.check(reading, rows_of(fill("one_name_column.csv", cast)), cast.leader)
    lines = by_line(recon)
    assert lines[2]["pupil"] == cast.amara.pk  # "Okonkwo-Test, Amara"
    assert lines[3]["pupil"] == cast.bartholomew.pk  # "QUILLFEATHER Bartholomew"
    assert lines[4]["pupil"] == cast.zebedee.pk  # "Zeb Marchbanks", his preferred name
    # a standardised score given directly is kept as given
    assert lines[4]["result"]["score"] == "104"
    assert {e["status"] for e in recon.entries} == {"create"}


def test_legal_name_still_matches_a_pupil_known_by_a_preferred_one(cast, reading):
    school_services.update_pupil(
        cast.amara, {"preferred_first_name": "Mara", "legal_middle_names": "Grace"}, None
    )
    text = (
        "Forename,Surname,DOB,Raw score\n"
        f"Amara,Okonkwo-Test,{dob(cast.amara)},10\n"
        f"Amara Grace,Okonkwo Test,{dob(cast.amara)},10\n"
    )
    recon = importing.check(reading, rows_of(text), cast.leader)
    assert [e["pupil"] for e in recon.entries] == [cast.amara.pk, cast.amara.pk]
    # the same pupil twice with the same score: the second row repeats the first
    assert [e["status"] for e in recon.entries] == ["create", "error"]
    assert "repeats line 2" in recon.entries[1]["errors"][0]["message"]


def test_two_pupils_with_the_same_name_and_birthday_need_a_choice(cast, reading):
    twin = school_services.create_pupil(
        legal_first_name="Amara",
        legal_last_name="Okonkwo-Test",
        date_of_birth=cast.amara.date_of_birth,
        sex="F",
    )
    school_services.enrol_pupil(
        twin, cast.school, cast.y3, academic_year=cast.year, start_date=cast.year.start_date
    )
    rows = rows_of(f"Forename,Surname,DOB,Raw score\nAmara,Okonkwo-Test,{dob(cast.amara)},12\n")
    entry = importing.check(reading, rows, cast.leader).entries[0]
    assert entry["status"] == "choose" and entry["why"] == "ambiguous"
    assert sorted(entry["candidates"]) == sorted([cast.amara.pk, twin.pk])

    chosen = importing.check(reading, rows, cast.leader, choices={2: twin.pk}).entries[0]
    assert (chosen["status"], chosen["pupil"], chosen["how"]) == ("create", twin.pk, "chosen")
    importing.commit(reading, rows, cast.leader, choices={"2": twin.pk})
    assert Result.objects.get().pupil == twin


def test_a_row_that_matches_nobody_gets_suggestions_and_can_be_skipped(cast, reading):
    text = (
        HEADER
        + f",Amara,Okonkwo,{dob(cast.amara)},20,,,\n"  # surname mistyped
        + f",Bartholomew,Quillfeather,{dob(cast.bartholomew)},21,,,\n"
    )
    rows = rows_of(text)
    recon = importing.check(reading, rows, cast.leader)
    lonely = recon.entries[0]
    assert lonely["status"] == "choose" and lonely["why"] == "unmatched"
    assert lonely["candidates"][0] == cast.amara.pk  # the same birthday, the closest name
    # Amara is in Year 3 with Bartholomew, whom the file matched, and has no row yet
    assert recon.pool == [cast.amara.pk]
    with pytest.raises(importing.NotReady, match="1 row still needs a pupil") as refused:
        importing.commit(reading, rows, cast.leader)
    assert not Result.objects.exists()
    # the refusal carries the check that refused it, row by row
    assert refused.value.reconciliation.entries == recon.entries

    done = importing.commit(reading, rows, cast.leader, choices={"2": "skip"})
    assert [e["status"] for e in done.entries] == ["skip", "create"]
    assert list(Result.objects.values_list("pupil_id", flat=True)) == [cast.bartholomew.pk]


def test_a_upn_nobody_has_falls_back_to_name_and_date_of_birth(cast, reading):
    from nextsteps.lib.upn import make_upn

    stranger = make_upn(999, 2001, 18, 77)
    text = (
        "UPN,Forename,Surname,DOB,Raw score\n"
        f"{stranger},Amara,Okonkwo-Test,{dob(cast.amara)},10\n"
        f"not-a-upn,Bartholomew,Quillfeather,{dob(cast.bartholomew)},10\n"
    )
    first, second = importing.check(reading, rows_of(text), cast.leader).entries
    assert (first["pupil"], first["how"]) == (cast.amara.pk, "name")
    assert any(stranger in w for w in first["warnings"])
    assert (second["pupil"], second["how"]) == (cast.bartholomew.pk, "name")
    assert any("is not a UPN" in w for w in second["warnings"])


def test_a_upn_match_with_another_name_or_birthday_is_warned_about(cast, reading):
    text = (
        "UPN,Forename,Surname,DOB,Raw score\n"
        f"{cast.amara.upn},Bartholomew,Quillfeather,01/01/2010,10\n"
    )
    entry = importing.check(reading, rows_of(text), cast.leader).entries[0]
    assert entry["pupil"] == cast.amara.pk and entry["status"] == "create"
    warnings = " ".join(entry["warnings"])
    assert "The UPN is Amara Okonkwo-Test's, but the file names Bartholomew Quillfeather" in (
        warnings
    )
    assert f"the pupil's record has {dob(cast.amara)}" in warnings


# Who may import, and whom they may match -----------------------------------------------------


def test_only_pupils_the_importer_may_see_are_matched_or_offered(cast, reading):
    """The teacher of 3 Oak sees Amara and Bartholomew, not Zebedee (4 Ash) or the hub's
    pupils: a row for Zebedee matches nobody, names nobody, and choosing him is refused."""
    text = (
        HEADER
        + f"{cast.zebedee.upn},Zebedee,Marchbanks,{dob(cast.zebedee)},20,,,\n"
        + f",Priya,Hollowaygate,{dob(cast.priya)},20,,,\n"
        + f",Amara,Okonkwo-Test,{dob(cast.amara)},20,,,\n"
    )
    rows = rows_of(text)
    recon = importing.check(reading, rows, cast.teacher)
    zeb, priya, amara = recon.entries
    assert zeb["status"] == "choose" and cast.zebedee.pk not in zeb["candidates"]
    assert priya["status"] == "choose" and cast.priya.pk not in priya["candidates"]
    assert amara["pupil"] == cast.amara.pk
    assert cast.zebedee.pk not in recon.pool and cast.bartholomew.pk in recon.pool
    assert not any("Marchbanks" in w for e in recon.entries for w in e["warnings"])

    sneaky = importing.check(reading, rows, cast.teacher, choices={2: cast.zebedee.pk})
    assert sneaky.entries[0]["status"] == "error"
    assert "not one you can import for" in sneaky.entries[0]["errors"][0]["message"]
    # the head sees the whole school, so the same row matches Zebedee by UPN
    assert importing.check(reading, rows, cast.head).entries[0]["pupil"] == cast.zebedee.pk


@pytest.mark.parametrize("role", ["ta", "governor", "parent", "provider", "trust_staff"])
def test_people_who_do_not_record_results_cannot_import(cast, reading, role):
    rows = rows_of(f"UPN,Raw score\n{cast.amara.upn},10\n")
    with pytest.raises(PermissionDenied):
        importing.check(reading, rows, cast.users[role])
    with pytest.raises(PermissionDenied):
        importing.start(cast.users[role], reading, upload("UPN,Raw score\nx,1\n"))


def test_a_diagnostic_sitting_is_only_for_those_who_see_diagnostics(cast, sitting_of):
    screening = sitting_of("dyslexia-screening")
    rows = rows_of(f"UPN,Standardised score\n{cast.amara.upn},88\n")
    with pytest.raises(PermissionDenied):
        importing.check(screening, rows, cast.teacher)
    assert importing.check(screening, rows, cast.senco).entries[0]["status"] == "create"
    assert screening not in access.import_sittings_for(cast.teacher)
    assert screening in access.import_sittings_for(cast.senco)


def test_grades_and_tests_in_parts_are_not_imported_from_files(cast, sitting_of):
    profile = sitting_of("eyfs-profile")
    with pytest.raises(FileProblem, match="enter its results in the grid"):
        importing.check(profile, rows_of("UPN,Raw score\nx,1\n"), cast.head)


# Malformed files ------------------------------------------------------------------------------


def upload(text, name="results.csv"):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"UPN,Raw score\n", "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
        ("UPN,Raw score\n".encode("utf-16"), "binary data"),
    ],
)
def test_files_that_are_not_tables_are_refused_and_nothing_is_kept(cast, reading, content, message):
    with pytest.raises(FileProblem, match=message):
        importing.start(cast.leader, reading, upload(content))
    assert not ResultImport.objects.exists()


def test_a_file_saved_in_the_old_windows_encoding_is_read(cast, reading):
    text = f"Forename,Surname,DOB,Raw score\nZebedée,Marchbanks,{dob(cast.zebedee)},12\n"
    job = importing.start(cast.head, reading, upload(text.encode("cp1252")))
    rows = importing.rows_from_table(read_table(bytes(job.content)), job.mapping)
    entry = importing.check(reading, rows, cast.head).entries[0]
    assert entry["label"] == "Zebedée Marchbanks" and entry["pupil"] == cast.zebedee.pk


@pytest.mark.parametrize(
    ("headers", "field", "message"),
    [
        ("Raw score,Standardised score", "upn", "Choose the UPN column, or the name"),
        ("UPN,Forename", "raw_score", "raw score, the standardised score"),
        ("Forename,Surname,Raw score", "date_of_birth", "Choose the date of birth column"),
        ("Forename,DOB,Raw score", "upn", "Choose the UPN column"),
        ("Pupil name,Forename,Surname,DOB,Raw score", None, None),
    ],
)
def test_missing_columns_are_named(headers, field, message):
    mapping = importing.auto_map(headers.split(","))
    errors = importing.mapping_errors(mapping)
    if field is None:
        assert errors == {} and mapping["name"] is None  # separate name columns win
    else:
        assert message in errors[field]


def test_a_column_chosen_twice_or_both_name_shapes_are_refused():
    errors = importing.mapping_errors(
        {"upn": 0, "raw_score": 1, "score": 1, "name": 2, "first_name": 3, "last_name": 4}
    )
    assert "already chosen for raw score" in errors["score"]
    assert "not both" in errors["name"]


def test_bad_cells_are_errors_with_their_reasons(cast, reading):
    text = (
        HEADER
        + ",Amara,Okonkwo-Test,31/02/2017,20,,,\n"  # no such date
        + f",Bartholomew,Quillfeather,{dob(cast.bartholomew)},45,,,\n"  # above the maximum
        + f",Zebedee,Marchbanks,{dob(cast.zebedee)},abs,,,\n"  # absent
        + f"{cast.amara.upn},,,,,,,\n"  # no score at all
        + ",,,,12,,,\n"  # nobody to match
        + f",Bartholomew,Quillfeather,{dob(cast.bartholomew)},,40,,\n"  # his second row
    )
    recon = importing.check(reading, rows_of(text), cast.head)
    lines = by_line(recon)
    assert all(e["status"] == "error" for e in recon.entries)

    def said(line):
        return " | ".join(f"{e['column']}: {e['message']}" for e in lines[line]["errors"])

    assert "Date of birth: '31/02/2017' is not a real date" in said(2)
    assert "Raw score (45): The raw score must be between 0 and 40." in said(3)
    assert "'abs' is not a score (was the pupil absent?)" in said(4)
    assert "There is no score in this row." in said(5)
    assert "Nothing to match this row to a pupil by" in said(6)
    # Bartholomew's two rows disagree: neither is imported
    assert "Line 7 is for the same pupil with a different score" in said(3)
    assert "Line 3 is for the same pupil with a different score" in said(7)
    assert recon.summary["error"] == 6


def test_a_bad_birthday_is_only_a_warning_when_the_upn_matched(cast, reading):
    text = f"UPN,DOB,Raw score\n{cast.amara.upn},32/13/2017,10\n"
    entry = importing.check(reading, rows_of(text), cast.head).entries[0]
    assert entry["status"] == "create"
    assert any("is not a real date" in w or "is not a date" in w for w in entry["warnings"])


def test_a_score_off_the_scale_given_directly_is_an_error(cast, reading):
    text = f"UPN,Standardised score\n{cast.amara.upn},150\n{cast.bartholomew.upn},99.5\n"
    high, fine = importing.check(reading, rows_of(text), cast.head).entries
    assert high["errors"][0]["message"] == "The score must be between 55 and 145."
    assert fine["status"] == "create" and fine["result"]["score"] == "99.5"


# The publisher's age at test ------------------------------------------------------------------


def test_the_publishers_age_at_test_is_compared_with_ours(cast, reading):
    text = (
        "UPN,Raw score,Age at test,Test date\n"
        f"{cast.amara.upn},10,8:07,\n"  # right: 103 months
        f"{cast.bartholomew.upn},10,8:04,\n"  # wrong: he is 8:10
        f"{cast.zebedee.upn},10,nine,\n"  # unreadable
    )
    amara, bart, zeb = importing.check(reading, rows_of(text), cast.head).entries
    assert amara["warnings"] == []
    assert bart["status"] == "create"
    assert bart["warnings"] == [
        "The file gives the age at test as 8 years 4 months; from the date of birth on record "
        f"({dob(cast.bartholomew)}) NextSteps makes it 8 years 10 months on "
        f"{sitting_day(cast):%d/%m/%Y}."
    ]
    assert zeb["status"] == "create" and "is not an age NextSteps can read" in zeb["warnings"][0]


def test_a_later_test_date_is_compared_at_that_date(cast, reading):
    """Amara turns 8:08 on 3 June: tested then, the publisher's 8:08 is right, and the note
    says NextSteps reads the score at the sitting's date."""
    later = date(sitting_day(cast).year, 6, 10)
    text = f"UPN,Raw score,Age at test,Test date\n{cast.amara.upn},10,8:08,{later:%d/%m/%Y}\n"
    entry = importing.check(reading, rows_of(text), cast.head).entries[0]
    assert entry["warnings"] == [
        f"Tested on {later:%d/%m/%Y}, when the pupil was 8 years 8 months; NextSteps reads the "
        f"score at the sitting's date, {sitting_day(cast):%d/%m/%Y} (8 years 7 months)."
    ]
    assert entry["result"]["age"] == 103


def test_ages_written_the_ways_publishers_write_them():
    assert importing.parse_age("8:05") == 101
    assert importing.parse_age("8y 5m") == 101
    assert importing.parse_age("8 years 5 months") == 101
    assert importing.parse_age("101") == 101
    assert importing.parse_age(time(8, 5)) == 101  # Excel took 8:05 for a time of day
    assert importing.parse_age("") is None
    for bad in ("8.5", "8", "8:14", "31/12/2017"):
        with pytest.raises(importing.BadValue):
            importing.parse_age(bad)


def test_an_excel_file_from_a_publisher(cast, reading):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Pupil Surname", "Pupil Forename", "Date of Birth", "Raw Score", "Age"])
    sheet.append(["Okonkwo-Test", "Amara", cast.amara.date_of_birth, 30, time(8, 7)])
    sheet.append(["Quillfeather", "Bartholomew", cast.bartholomew.date_of_birth, 25.0, 106])
    buffer = io.BytesIO()
    book.save(buffer)
    job = importing.start(cast.head, reading, upload(buffer.getvalue(), "results.xlsx"))
    assert job.file_format == "xlsx"
    assert importing.mapping_errors(job.mapping) == {}
    rows = importing.rows_from_table(read_table(bytes(job.content)), job.mapping)
    amara, bart = importing.check(reading, rows, cast.head).entries
    assert (amara["pupil"], amara["warnings"]) == (cast.amara.pk, [])
    assert (bart["pupil"], bart["result"]["raw"], bart["warnings"]) == (
        cast.bartholomew.pk,
        "25",
        [],
    )


# Writing -------------------------------------------------------------------------------------


def test_commit_writes_results_with_audit_entries_then_a_repeat_changes_nothing(cast, reading):
    rows = rows_of(fill("split_names.csv", cast))
    audited = AuditEvent.objects.count()
    done = importing.commit(reading, rows, cast.leader, choices={"5": "skip"})
    assert [e["status"] for e in done.entries] == ["create", "create", "create", "skip"]
    amara = Result.objects.get(pupil=cast.amara)
    assert (amara.raw_score, amara.score, amara.age_months, amara.percentile) == (
        Decimal(30),
        Decimal(129),
        103,
        97,
    )
    assert amara.band.label and amara.source == Result.Source.IMPORT
    assert amara.recorded_by == cast.leader and amara.version == 1
    events = AuditEvent.objects.filter(model="results.result").order_by("pk")
    assert AuditEvent.objects.count() == audited + 3 and events.count() == 3
    assert {e.pupil_id for e in events} == {cast.amara.pk, cast.bartholomew.pk, cast.zebedee.pk}
    assert all(e.school_id == cast.school.pk and e.actor == cast.leader for e in events)
    assert events[0].changes["after"]["score"] == "129.00"

    again = importing.commit(reading, rows, cast.leader, choices={"5": "skip"})
    assert [e["status"] for e in again.entries] == ["unchanged", "unchanged", "unchanged", "skip"]
    assert AuditEvent.objects.count() == audited + 3


def test_a_changed_score_updates_the_result_and_says_what_changed(cast, reading):
    first = rows_of(f"UPN,Raw score\n{cast.amara.upn},30\n{cast.bartholomew.upn},25\n")
    importing.commit(reading, first, cast.head)
    second = rows_of(f"UPN,Raw score\n{cast.amara.upn},31\n{cast.bartholomew.upn},25\n")
    recon = importing.check(reading, second, cast.head)
    assert [e["status"] for e in recon.entries] == ["update", "unchanged"]
    assert recon.entries[0]["changes"] == [
        "raw score 30 → 31",
        "score 129 → 131",
        "percentile 97 → 98",
    ]
    importing.commit(reading, second, cast.head)
    amara = Result.objects.get(pupil=cast.amara)
    assert (amara.raw_score, amara.score, amara.version) == (Decimal(31), Decimal(131), 2)
    update = AuditEvent.objects.get(model="results.result", action="update")
    assert update.changes["changed"]["raw_score"] == ["30.00", "31.00"]


def test_rows_with_errors_are_left_out_only_when_the_person_agrees(cast, reading):
    rows = rows_of(f"UPN,Raw score\n{cast.amara.upn},30\n{cast.bartholomew.upn},99\n")
    with pytest.raises(importing.NotReady, match="1 row has errors") as refused:
        importing.commit(reading, rows, cast.head)
    assert not Result.objects.exists()
    assert [e["status"] for e in refused.value.reconciliation.entries] == ["create", "error"]
    done = importing.commit(reading, rows, cast.head, leave_out_errors=True)
    assert [e["status"] for e in done.entries] == ["create", "error"]
    assert list(Result.objects.values_list("pupil_id", flat=True)) == [cast.amara.pk]


def test_a_failure_part_way_through_the_commit_writes_nothing(cast, reading, monkeypatch):
    """Results are written a batch at a time (one row a batch here), each batch with its
    audit entries; the database refuses the second batch's audit entries: the transaction
    takes back everything written before it."""
    real = importing._insert
    seen = []

    def failing(model, names, rows):
        if model is AuditEvent:
            seen.append(
                (Result.objects.count(), AuditEvent.objects.filter(model="results.result").count())
            )
            if len(seen) == 2:
                raise RuntimeError("the disk is full")
        return real(model, names, rows)

    monkeypatch.setattr(importing, "BATCH", 1)
    monkeypatch.setattr(importing, "_insert", failing)
    rows = rows_of(fill("split_names.csv", cast))
    audited = AuditEvent.objects.count()
    with pytest.raises(RuntimeError, match="the disk is full"):
        importing.commit(reading, rows, cast.leader, choices={"5": "skip"})
    # when it failed, two results and the first one's audit entry were in their tables
    assert seen == [(1, 0), (2, 1)]
    assert not Result.objects.exists()
    assert AuditEvent.objects.count() == audited


def test_records_that_changed_since_the_check_stop_the_commit(cast, reading):
    rows = rows_of(f"Forename,Surname,DOB,Raw score\nAmara,Okonkwo-Test,{dob(cast.amara)},10\n")
    confirmed = importing.decisions(importing.check(reading, rows, cast.head).entries)
    school_services.update_pupil(cast.amara, {"legal_last_name": "Okafor"}, None)
    with pytest.raises(importing.Changed) as caught:
        importing.commit(reading, rows, cast.head, expected=confirmed)
    assert caught.value.reconciliation.entries[0]["status"] == "choose"
    assert not Result.objects.exists()


def test_api_records_give_the_same_dry_run(cast, reading):
    records = [
        {"upn": cast.amara.upn, "raw_score": 30, "age_at_test": "8:07"},
        {
            "first_name": "Bartholomew",
            "last_name": "Quillfeather",
            "date_of_birth": cast.bartholomew.date_of_birth.isoformat(),
            "raw_score": "25",
        },
    ]
    rows = importing.rows_from_records(records)
    assert importing.mapping_errors(importing.records_mapping(rows)) == {}
    recon = importing.check(reading, rows, cast.head)
    assert [(e["line"], e["pupil"]) for e in recon.entries] == [
        (1, cast.amara.pk),
        (2, cast.bartholomew.pk),
    ]
    with pytest.raises(FileProblem, match="raw_sore"):
        importing.rows_from_records([{"upn": "x", "raw_sore": 3}])


# The background job ---------------------------------------------------------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def test_a_job_is_checked_reconciled_and_imported(cast, reading, immediate_tasks):
    job = importing.start(cast.leader, reading, upload(fill("split_names.csv", cast)))
    assert job.status == ResultImport.Status.UPLOADED and job.row_count == 4
    assert importing.mapping_errors(job.mapping) == {}
    job = importing.request_check(job)
    assert job.status == ResultImport.Status.CHECKED and job.undecided == 1
    assert job.progress_done == 4 and not job.can_commit
    with pytest.raises(importing.NotReady, match="Choose the pupil"):
        importing.request_commit(job)

    job = importing.save_choices(job, {"5": "skip", "2": "skip"})  # line 2 needs no choice
    assert job.choices == {"5": "skip"} and job.can_commit
    assert [e["status"] for e in job.report] == ["create", "create", "create", "skip"]
    job = importing.request_commit(job)
    assert job.status == ResultImport.Status.DONE, job.message
    assert job.summary["create"] == 3 and job.summary["skip"] == 1
    assert Result.objects.filter(import_job=job).count() == 3
    assert AuditEvent.objects.filter(source__startswith=f"results import #{job.pk}").count() == 3


def test_a_job_whose_uploader_lost_the_right_fails_and_writes_nothing(cast, reading, settings):
    from nextsteps.schools.models import Role

    job = importing.start(cast.leader, reading, upload(f"UPN,Raw score\n{cast.amara.upn},3\n"))
    settings.TASKS = IMMEDIATE
    job = importing.request_check(job)
    assert job.can_commit
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = importing.request_commit(job)  # queued, not yet run
    school_services.revoke_role(Role.objects.get(user=cast.leader, school=cast.school))
    importing.run_commit(job.pk)
    job.refresh_from_db()
    assert job.status == ResultImport.Status.FAILED
    assert "may no longer import" in job.message and "Nothing was imported" in job.message
    assert not Result.objects.exists()


def test_a_commit_that_fails_mid_way_marks_the_job_failed(cast, reading, immediate_tasks):
    job = importing.request_check(
        importing.start(cast.head, reading, upload(f"UPN,Raw score\n{cast.amara.upn},3\n"))
    )
    real = importing._insert

    def failing(model, names, rows):
        if model is AuditEvent:
            raise RuntimeError("boom")
        return real(model, names, rows)

    with mock.patch.object(importing, "_insert", side_effect=failing):
        job = importing.request_commit(job)
    assert job.status == ResultImport.Status.FAILED
    assert "RuntimeError: boom" in job.message and "exactly as they were" in job.message
    assert not Result.objects.exists()


def test_records_changed_after_the_check_send_the_job_back_to_be_checked(
    cast, reading, immediate_tasks
):
    text = f"Forename,Surname,DOB,Raw score\nAmara,Okonkwo-Test,{dob(cast.amara)},10\n"
    job = importing.request_check(importing.start(cast.head, reading, upload(text)))
    assert job.can_commit
    school_services.update_pupil(cast.amara, {"legal_last_name": "Okafor"}, None)
    job = importing.request_commit(job)
    assert job.status == ResultImport.Status.CHECKED and "changed after" in job.message
    assert job.undecided == 1 and not Result.objects.exists()


def test_a_stopped_job_is_detected_and_can_be_run_again(cast, reading, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = importing.start(cast.head, reading, upload(f"UPN,Raw score\n{cast.amara.upn},3\n"))
    job = importing.request_check(job)
    assert job.status == ResultImport.Status.CHECKING and not importing.stalled(job)
    with pytest.raises(importing.StillRunning):
        importing.restart(job)
    past = timezone.now() - timedelta(minutes=importing.STALE_AFTER_MINUTES + 1)
    ResultImport.objects.filter(pk=job.pk).update(updated_at=past)
    job.refresh_from_db()
    assert importing.stalled(job)
    settings.TASKS = IMMEDIATE
    job = importing.restart(job)
    assert job.status == ResultImport.Status.CHECKED and job.count("create") == 1


def test_jobs_are_seen_only_by_their_uploader(cast, reading):
    job = importing.start(cast.head, reading, upload(f"UPN,Raw score\n{cast.amara.upn},3\n"))
    assert list(importing.jobs_for(cast.head)) == [job]
    assert not importing.jobs_for(cast.leader).exists()


# The benchmark ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_benchmark_imports_a_small_file_and_reports_each_figure(tmp_path, monkeypatch):
    """`nextsteps bench import-results` end to end on 300 rows in a database of its own: the
    figures come back beside their baseline. Timings are never asserted; the benchmark itself
    refuses to report an import whose rows did not all end as planned."""
    import json
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setenv("NEXTSTEPS_BENCH_IMPORT_ROWS", "300")
    database = tmp_path / "bench.sqlite3"
    out = StringIO()
    call_command(
        "bench",
        "import-results",
        "--json",
        *("--schools", "1", "--pupils-per-school", "14", "--years", "0", "--repeat", "1"),
        "--database-url",
        f"sqlite:///{database}",
        stdout=out,
    )
    figures = json.loads(out.getvalue())["figures"]
    assert set(figures) == {
        "import_results",
        "import_results_check",
        "import_results_commit",
        "import_results_memory",
    }
    assert figures["import_results"]["unit"] == "s"
    assert figures["import_results_memory"]["unit"] == "MB"
    assert all(f["value"] > 0 and f["baseline"] > 0 for f in figures.values())
    assert list(tmp_path.glob("import-results-300-*.csv"))  # kept for the next run
