"""Importing 100,000 test results from a publisher's CSV file, beside merely parsing that file.

The import is the one a person runs from the results import pages, through the same service
functions and background steps (run here by the immediate task backend, in this process):
the upload is read and kept, every row is checked (matched to a pupil, its scores converted
through a norm table and checked, the publisher's age at test compared), then the commit
checks again and writes every result with its audit entry in one transaction. The baseline
is `interop.readers.read_table` on the same bytes: reading the CSV into rows and nothing
more. So each ratio is what the import costs per byte of file over reading it at all.

The data, made once and kept in this benchmark's own database (by default
.bench/import-results.sqlite3; `--database-url` for PostgreSQL): a school, "Bench Results
Academy", with one pupil per row of the file, its assessment leader, a standardised reading
test with a norm table, and the CSV file itself (import-results-<rows>-<year>.csv, beside a
SQLite database, else in .bench/).
Most rows carry their pupil's UPN; one in ten has only the name and date of birth (some in
capitals, with stray spaces, the hyphen of a double-barrelled surname missing, or the pupil's
preferred first name); one in a hundred names nobody at the school (skipped by the person);
one in two hundred is for one of two pupils with the same name and birthday (the person
chose); one in two hundred has a raw score above the maximum mark (left out); one in thirty
gives an age at test a month out (a warning). The pupils are written with bulk_create, not
one by one through the pupil service: making the data is not what is measured.

Each run makes a new sitting, imports into it, checks that every row ended as planned, then
deletes what the run wrote (results, audit entries, the job, the sitting) so that the next
run meets the same database. Figures (seconds; the baseline is the median of three parses):
- import_results: upload, check and commit of the whole file, beside parsing it
- import_results_check: the check (matching, scores, the report kept for the pages)
- import_results_commit: the commit (check again, then write in one transaction)
- import_results_memory: the process's peak resident memory (MB) after the import, beside
  the peak after parsing

NEXTSTEPS_BENCH_IMPORT_ROWS sets the number of rows (default 100000), for quick trials.
"""

import csv
import io
import os
import random
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from nextsteps.demo.benchmarks import DATA_DIR, create_database, figure
from nextsteps.demo.names import BOYS, GIRLS, SURNAMES
from nextsteps.lib.dates import academic_year_start, age_in_months
from nextsteps.lib.upn import make_upn
from nextsteps.results.importing import name_key

DEFAULT_DATABASE_URL = f"sqlite:///{(DATA_DIR / 'import-results.sqlite3').resolve()}"
ROWS = int(os.environ.get("NEXTSTEPS_BENCH_IMPORT_ROWS", "100000"))
SCHOOL = "Bench Results Academy"
LEADER = "bench-results-leader"
DEFINITION = "standardised-reading"
NORM_TABLE = "Bench reading norms"
MAX_MARK = 40
AGES = (48, 156)  # months the norm table covers
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HEADER = [
    "UPN",
    "Surname",
    "Forename",
    "Date of Birth",
    "Raw Score",
    "Standard Age Score",
    "Age (y:m)",
    "Date of Test",
]


def say(message: str) -> None:
    print(f"bench import-results: {message}", file=sys.stderr, flush=True)


# Create this benchmark's own database (the import itself migrates and fills it).
prepare_database = create_database


# The data ------------------------------------------------------------------------------------


def _kinds(rows: int) -> list[str]:
    """What each row of the file is meant to test, by position."""
    kinds = []
    for i in range(rows):
        if i % 200 == 7:
            kinds.append("twin")
        elif i % 200 == 11:
            kinds.append("error")
        elif i % 100 == 3:
            kinds.append("nobody")
        elif i % 10 == 5:
            kinds.append("name")
        else:
            kinds.append("upn")
    return kinds


def _plan(rows: int, year_start: int):
    """The pupils and the file's rows, the same every time for the same size and year."""
    rng = random.Random(f"import-results-{rows}")
    born_from = date(year_start - 11, 9, 1)
    used: set[tuple] = set()
    pupils, lines = [], []

    def fresh(first, last, born) -> bool:
        """Whether nobody yet answers to this name and birthday, as the import matches."""
        key = (name_key(first) + name_key(last), born)
        if key in used:
            return False
        used.add(key)
        return True

    def fresh_person():
        while True:
            first = rng.choice(GIRLS + BOYS)
            last = rng.choice(SURNAMES)
            if rng.random() < 0.3:
                last = f"{last}-{rng.choice(SURNAMES)}"
            born = born_from + timedelta(days=rng.randrange(7 * 365))
            if fresh(first, last, born):
                return first, last, born

    for i, kind in enumerate(_kinds(rows)):
        first, last, born = fresh_person()
        raw = rng.randint(0, MAX_MARK)
        preferred = ""
        if kind == "name" and rng.random() < 0.25:
            known_as = first[:3] if len(first) > 4 else f"{first}ie"
            preferred = known_as if fresh(known_as, last, born) else ""
        upn = _upn(rows, len(pupils))
        if kind != "nobody":
            pupils.append((upn, first, last, preferred, born))
        if kind == "twin":
            pupils.append((_upn(rows, len(pupils)), first, last, "", born))
        if kind == "error":
            raw = MAX_MARK + 5
        if kind == "nobody":
            born = date(year_start - 30, 1, 1) + timedelta(days=i % 365)
        shown_first, shown_last = preferred or first, last
        if kind == "name":
            style = i % 4
            if style == 1:
                shown_last = shown_last.upper()
            elif style == 2:
                shown_first, shown_last = f"  {shown_first} ", shown_last.replace("-", " ")
            elif style == 3:
                shown_first = shown_first.lower()
        lines.append(
            {
                "kind": kind,
                "upn": upn if kind in ("upn", "error") else "",
                "first": shown_first,
                "last": shown_last,
                "born": born,
                "raw": raw,
                "age_off": kind == "upn" and i % 30 == 0,
            }
        )
    return pupils, lines


def _upn(rows: int, serial: int) -> str:
    """A UPN of its own for each pupil of each size of file (UPNs are unique everywhere)."""
    return make_upn(900 + rows // 1000 % 100, serial // 1000, 26, serial % 1000)


def _data_dir() -> Path:
    """Where the file is kept: beside a SQLite benchmark database, else in .bench/."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return Path(database["NAME"]).resolve().parent
    return DATA_DIR


def _norm_rows():
    """A norm table in the shape publishers print: 70 + 2 x raw, less one for every six
    months of age over 8 years, kept within 69 to 141."""
    return [
        {
            "age_years": age // 12,
            "age_months": age % 12,
            "raw": raw,
            "standardised": min(141, max(69, 70 + 2 * raw - (age - 96) // 6)),
        }
        for age in range(AGES[0], AGES[1] + 1)
        for raw in range(MAX_MARK + 1)
    ]


def prepare(rows: int):
    """The school, its leader, the test and its norm table, the pupils and the file; a repeat
    run finds them and makes nothing. Returns (leader, definition, table, path, lines)."""
    from nextsteps.accounts.models import User
    from nextsteps.audit.context import acting_as
    from nextsteps.results import services as results
    from nextsteps.results.models import AssessmentDefinition, NormTable
    from nextsteps.schools import services as schools
    from nextsteps.schools.models import Enrolment, Pupil, Role, School

    today = timezone.localdate()
    year_start = academic_year_start(today)
    name = f"{SCHOOL} ({rows} rows)"
    pupils, lines = _plan(rows, year_start)
    with acting_as(None, "bench import-results"):
        school = School.objects.filter(name=name).first()
        if school is None:
            school = schools.create_school(name=name, kind=School.Kind.SECONDARY)
        year = school.academic_years.filter(start_date__year=year_start).first()
        if year is None:
            year = schools.create_academic_year(school, year_start)
        leader = User.objects.filter(username=f"{LEADER}-{rows}").first()
        if leader is None:
            leader = User(username=f"{LEADER}-{rows}", email=f"{LEADER}-{rows}@bench.example")
            leader.set_unusable_password()
            leader.save()
            schools.grant_role(leader, Role.Kind.ASSESSMENT_LEADER, school=school)
        definition = AssessmentDefinition.objects.get(school=school, code=DEFINITION)
        if definition.max_mark != MAX_MARK:
            results.update_definition(definition, by=leader, max_mark=MAX_MARK)
            definition.refresh_from_db()
        table = NormTable.objects.filter(definition=definition, name=NORM_TABLE).first()
        if table is None:
            table = results.load_norm_table(
                definition, rows=_norm_rows(), by=leader, name=NORM_TABLE
            )
        if not Enrolment.objects.filter(school=school).exists():
            started = time.perf_counter()
            group = school.year_groups.order_by("stage").first()
            with transaction.atomic():
                made = Pupil.objects.bulk_create(
                    (
                        Pupil(
                            upn=upn,
                            legal_first_name=first,
                            legal_last_name=last,
                            preferred_first_name=preferred,
                            date_of_birth=born,
                            sex="U",
                        )
                        for upn, first, last, preferred, born in pupils
                    ),
                    batch_size=2000,
                )
                Enrolment.objects.bulk_create(
                    (
                        Enrolment(
                            pupil=pupil,
                            school=school,
                            academic_year=year,
                            year_group=group,
                            start_date=year.start_date,
                        )
                        for pupil in made
                    ),
                    batch_size=2000,
                )
            say(f"made {len(pupils)} pupils in {time.perf_counter() - started:.0f} s")
    path = _data_dir() / f"import-results-{rows}-{year_start}.csv"
    if not path.exists():
        on = date(year_start + 1, 5, 12)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADER)
        for line in lines:
            age = age_in_months(line["born"], on) + (1 if line["age_off"] else 0)
            writer.writerow(
                [
                    line["upn"],
                    line["last"],
                    line["first"],
                    f"{line['born']:%d/%m/%Y}",
                    line["raw"],
                    "",
                    f"{age // 12}:{age % 12:02d}",
                    f"{on:%d/%m/%Y}",
                ]
            )
        path.write_text(buffer.getvalue(), encoding="utf-8")
        say(f"wrote {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
    return leader, definition, table, path, lines


# The run -------------------------------------------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _choices(lines, twins: dict) -> dict:
    """The person's decisions, made before the check as the API's dry run lets a caller do:
    skip the rows for nobody at the school, and give each twin row the first twin."""
    chosen = {}
    for number, line in enumerate(lines, start=2):
        if line["kind"] == "nobody":
            chosen[str(number)] = "skip"
        elif line["kind"] == "twin":
            chosen[str(number)] = twins[(line["first"], line["last"], line["born"])]
    return chosen


def _twins(definition, lines) -> dict:
    from nextsteps.schools.models import Pupil

    wanted = {(ln["first"], ln["last"], ln["born"]) for ln in lines if ln["kind"] == "twin"}
    found = {}
    pupils = Pupil.objects.filter(enrolments__school=definition.school_id).values_list(
        "legal_first_name", "legal_last_name", "date_of_birth", "pk"
    )
    for first, last, born, pk in pupils.order_by("pk").iterator(chunk_size=5000):
        if (first, last, born) in wanted:
            found.setdefault((first, last, born), pk)
    return found


def _forget(sitting, job) -> None:
    """Take out what one run wrote, so the next run meets the same database. Plain deletes:
    deleting through the models would write a log entry (with the file) for each."""
    from nextsteps.audit.models import AuditEvent
    from nextsteps.results.import_models import ResultImport
    from nextsteps.results.models import Result, Sitting

    tables = {m: connection.ops.quote_name(m._meta.db_table) for m in (Result, ResultImport)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {tables[Result]} WHERE sitting_id = %s", [sitting.pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {tables[ResultImport]} WHERE id = %s", [job.pk])  # noqa: S608
        audit = connection.ops.quote_name(AuditEvent._meta.db_table)
        cursor.execute(
            f"DELETE FROM {audit} WHERE source LIKE %s OR (model = %s AND object_id = %s)",  # noqa: S608
            [f"results import #{job.pk} %", "results.sitting", str(sitting.pk)],
        )
        sitting_table = connection.ops.quote_name(Sitting._meta.db_table)
        cursor.execute(f"DELETE FROM {sitting_table} WHERE id = %s", [sitting.pk])  # noqa: S608


def run(repeat: int) -> dict:
    from nextsteps.interop.readers import read_table
    from nextsteps.results import importing
    from nextsteps.results import services as results
    from nextsteps.results.import_models import ResultImport

    limits = {
        "NEXTSTEPS_IMPORT_MAX_ROWS": max(settings.NEXTSTEPS_IMPORT_MAX_ROWS, ROWS),
        "NEXTSTEPS_IMPORT_MAX_BYTES": max(settings.NEXTSTEPS_IMPORT_MAX_BYTES, 200 * 1024 * 1024),
        "TASKS": IMMEDIATE,
    }
    with override_settings(**limits):
        leader, definition, table, path, lines = prepare(ROWS)
        content = path.read_bytes()
        parses = []
        for _ in range(3):
            started = time.perf_counter()
            parsed = read_table(content, path.name)
            parses.append(time.perf_counter() - started)
        if len(parsed.rows) != ROWS:
            raise RuntimeError(f"The file has {len(parsed.rows)} rows, not {ROWS}.")
        del parsed
        parse = statistics.median(parses)
        parse_peak = _peak_mb()

        sitting = results.create_sitting(
            definition,
            date=date(academic_year_start(timezone.localdate()) + 1, 5, 12),
            by=leader,
            name=f"Bench import {timezone.now():%Y-%m-%d %H:%M:%S}",
            norm_table=table,
        )
        choices = _choices(lines, _twins(definition, lines))
        job = None
        try:
            started, cpu = time.perf_counter(), time.process_time()
            job = importing.start(leader, sitting, SimpleUploadedFile(path.name, content))
            ResultImport.objects.filter(pk=job.pk).update(choices=choices)
            job.refresh_from_db()
            uploaded = time.perf_counter()
            job = importing.request_check(job)
            checked = time.perf_counter()
            if job.status != ResultImport.Status.CHECKED or job.undecided:
                raise RuntimeError(f"The check did not finish as planned: {job.message}")
            job = importing.request_commit(job, leave_out_errors=True)
            done, cpu = time.perf_counter(), time.process_time() - cpu
            if job.status != ResultImport.Status.DONE:
                raise RuntimeError(f"The import did not finish: {job.message}")
            _expect(job, lines)
            peak = _peak_mb()
        finally:
            if job is not None:
                _forget(sitting, job)
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    say(
        f"{ROWS} rows on {database}: upload {uploaded - started:.1f} s, check "
        f"{checked - uploaded:.1f} s, commit {done - checked:.1f} s (this process's CPU time for "
        f"all three: {cpu:.1f} s); parse {parse:.2f} s; {job.count('create')} results written, "
        f"{job.count('skip')} rows skipped, {job.count('error')} left out with errors"
    )
    return {
        "import_results": figure(done - started, parse, unit="s"),
        "import_results_check": figure(checked - uploaded, parse, unit="s"),
        "import_results_commit": figure(done - checked, parse, unit="s"),
        "import_results_memory": figure(peak, parse_peak, unit="MB"),
    }


def _expect(job, lines) -> None:
    """Every row ended as planned, or the timing measured something else."""
    planned = {"create": 0, "skip": 0, "error": 0}
    for line in lines:
        planned[{"nobody": "skip", "error": "error"}.get(line["kind"], "create")] += 1
    got = {key: job.count(key) for key in planned}
    if got != planned:
        raise RuntimeError(f"The import ended {got}, not as planned {planned}.")
