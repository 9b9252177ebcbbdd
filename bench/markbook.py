"""Markbook grid load and one-cell save through gunicorn under concurrent teachers, beside /healthz.

The app is served by gunicorn on 127.0.0.1 (sync workers, as `nextsteps serve` runs it) against
the benchmark database, by default PostgreSQL. Simulated teachers, each signed in with its own
session, open a 30-pupil by 60-objective markbook with two years of judgement history and save
single cells with the judgement id the grid showed, as the page's script does. Every phase runs
the same teachers with the same pauses; the baseline phase asks the bare /healthz view (one
SELECT 1), so each ratio is what the markbook costs over Django, gunicorn and the database
round trip on this machine, under this load.

Figures (milliseconds, client side: request sent to last byte read): markbook_grid_p50/p95/p99
and markbook_save_p50/p95/p99, each beside the bare view's same percentile; markbook_grid_rps
and markbook_save_rps (requests a second completed) beside the bare view's; markbook_errors
(per cent of grid and save requests that failed) beside the bare view's error rate.
"""

import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as day_time
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from nextsteps.demo.benchmarks import figure

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nextsteps_bench"
FRAMEWORK_CODE = "bench-markbook"
OBJECTIVES = 60
STRANDS = 4
TEACHERS_PER_CLASS = 5  # teachers sharing a class write to different cells
HISTORY_DAYS = 730
MAX_REQUESTS_PER_PHASE = 200_000
ERROR_ALARM = 0.01
TEACHER_EMAIL = "bench-teacher-{n}@bench.example"


def say(message: str) -> None:
    print(f"bench markbook: {message}", file=sys.stderr, flush=True)


# The database --------------------------------------------------------------------------------


def prepare_database(url: str, rebuild: bool = False) -> None:
    """Create the PostgreSQL database named in `url` if it is missing (dropping it first with
    `rebuild`). SQLite files are created by Django itself."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if rebuild:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            say(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# The data ------------------------------------------------------------------------------------


@dataclass
class Setup:
    subject: object
    stage: object
    teachers: list  # (user, school_class, slot, sharing)


def _framework():
    """The benchmark's framework: one subject, one stage, OBJECTIVES objectives in STRANDS
    strands, on a four-grade scale. Built once."""
    from nextsteps.curriculum import services as curriculum
    from nextsteps.curriculum.models import Framework

    framework = Framework.objects.filter(code=FRAMEWORK_CODE).first()
    if framework is None:
        with transaction.atomic():
            grades = [
                {"label": "Not yet", "short_label": "N", "colour": "#b3261e"},
                {"label": "Developing", "short_label": "D", "colour": "#b26a00"},
                {"label": "Secure", "short_label": "S", "colour": "#2e7d32", "secure": True},
                {"label": "Mastery", "short_label": "M", "colour": "#1b5e20", "secure": True},
            ]
            scale = curriculum.create_scale("bench-ndsm", "Benchmark N/D/S/M", grades)
            summary = curriculum.create_scale(
                "bench-wts",
                "Benchmark WTS/EXS/GDS",
                [
                    {"label": "Working towards", "short_label": "WTS"},
                    {"label": "Expected", "short_label": "EXS", "secure": True},
                    {"label": "Greater depth", "short_label": "GDS", "secure": True},
                ],
            )
            framework = curriculum.create_framework(
                code=FRAMEWORK_CODE,
                name="Benchmark mathematics",
                judgement_scale=scale,
                summary_scale=summary,
            )
            stage = curriculum.add_stage(framework, "B", "Benchmark stage", 1, year_stage=4)
            subject = curriculum.add_subject(framework, "maths", "Mathematics (benchmark)")
            per_strand = OBJECTIVES // STRANDS
            for s in range(STRANDS):
                strand = curriculum.add_strand(subject, f"Strand {s + 1}", order=s)
                for i in range(per_strand):
                    n = s * per_strand + i + 1
                    curriculum.add_objective(
                        strand,
                        stage,
                        f"BM{n:02d}",
                        f"Benchmark objective {n}: reason about quantities of kind {n}.",
                        pupil_statement=f"I can reason about quantities of kind {n}.",
                        key=n % 5 == 0,
                        order=n * 10,
                    )
    return framework


def _classes(count):
    """The first `count` current classes of the demo's primaries that have pupils."""
    from nextsteps.schools.models import Enrolment, SchoolClass

    today = timezone.localdate()
    with_pupils = Enrolment.objects.filter(start_date__lte=today).values("school_class_id")
    classes = list(
        SchoolClass.objects.filter(
            academic_year__start_date__lte=today,
            academic_year__end_date__gte=today,
            year_group__isnull=False,
            pk__in=with_pupils,
        )
        .select_related("school", "academic_year")
        .order_by("school__name", "name", "pk")[:count]
    )
    if len(classes) < count:
        raise RuntimeError(
            f"The demo set has {len(classes)} classes with pupils; {count} are needed "
            f"({TEACHERS_PER_CLASS} teachers a class). Build it with more --schools."
        )
    return classes


def _teacher(n, school_class):
    from nextsteps.accounts.models import User
    from nextsteps.schools import services as schools
    from nextsteps.schools.models import Role

    email = TEACHER_EMAIL.format(n=n)
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User(username=email, email=email, first_name="Bench", last_name=f"Teacher {n}")
        user.set_unusable_password()
        user.save()
        schools.grant_role(user, Role.Kind.CLASS_TEACHER, school=school_class.school)
    schools.assign_class_staff(school_class, user)
    return user


def _history(school_class, teacher, subject, index):
    """About four judgement events a cell over the last two years, mostly climbing the scale,
    recorded through assessment.services.record_judgement with their dates. Skipped when the
    class already has them."""
    from nextsteps.assessment.models import Judgement
    from nextsteps.assessment.services import record_judgement
    from nextsteps.curriculum.models import Objective
    from nextsteps.schools.queries import pupils_in_class

    pupils = list(pupils_in_class(teacher, school_class).order_by("pk"))
    if Judgement.objects.filter(objective__subject=subject, pupil__in=pupils).exists():
        return 0
    objectives = list(
        Objective.objects.filter(subject=subject)
        .select_related("subject__judgement_scale", "subject__framework__judgement_scale")
        .order_by("order")
    )
    grades = list(subject.objective_scale().grades.order_by("order"))
    rng = random.Random(f"markbook-{index}")
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    written = 0
    with transaction.atomic():
        for pupil in pupils:
            ability = rng.random()
            for objective in objectives:
                days = sorted(rng.sample(range(1, HISTORY_DAYS), rng.randint(3, 5)), reverse=True)
                level = 0 if ability < 0.3 else rng.choice((0, 1))
                previous = None
                for day in days:
                    if previous is not None:
                        climb = rng.random() < 0.3 + 0.5 * ability
                        level = min(level + 1, len(grades) - 1) if climb else max(level - 1, 0)
                        if level == previous:
                            level = level - 1 if level else 1
                    at = datetime.combine(
                        today - timedelta(days=day), day_time(9 + rng.randrange(7)), tzinfo=tz
                    )
                    record_judgement(pupil, objective, grades[level], by=teacher, at=at)
                    previous = level
                    written += 1
    return written


def prepare(teachers: int) -> Setup:
    """Make sure the benchmark's framework, teachers, classes and history are in the database;
    a repeat run finds them and builds nothing."""
    from nextsteps.audit.context import acting_as
    from nextsteps.curriculum.services import adopt_framework

    framework = _framework()
    subject = framework.subjects.get()
    stage = framework.stages.get()
    classes = _classes(-(-teachers // TEACHERS_PER_CLASS))
    found = []
    with acting_as(None, "bench"):
        for school in {c.school for c in classes}:
            adopt_framework(school, framework)
        for n in range(teachers):
            index = n // TEACHERS_PER_CLASS
            school_class = classes[index]
            user = _teacher(n + 1, school_class)
            sharing = min(TEACHERS_PER_CLASS, teachers - index * TEACHERS_PER_CLASS)
            found.append((user, school_class, n % TEACHERS_PER_CLASS, sharing))
        for index, school_class in enumerate(classes):
            started = time.perf_counter()
            user = found[index * TEACHERS_PER_CLASS][0]
            written = _history(school_class, user, subject, index)
            if written:
                say(
                    f"history for {school_class} ({index + 1}/{len(classes)}): {written} "
                    f"judgements in {time.perf_counter() - started:.0f} s"
                )
    return Setup(subject, stage, found)


def _sessions(users) -> list[str]:
    """A signed-in session for each user, made the way django.contrib.auth.login makes one."""
    engine = import_module(settings.SESSION_ENGINE)
    keys = []
    for user in users:
        session = engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        keys.append(session.session_key)
    return keys


def _end_sessions(keys) -> None:
    engine = import_module(settings.SESSION_ENGINE)
    for key in keys:
        engine.SessionStore(session_key=key).delete()


# The server ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 against this process's database; stopped on leaving the block."""

    def __init__(self, workers: int, log_dir: Path):
        self.workers = workers
        self.port = _free_port()
        self.log_path = log_dir / "gunicorn.log"
        self.process = None

    def __enter__(self):
        env = {
            **os.environ,
            "DATABASE_URL": os.environ["DATABASE_URL"],
            # the sessions were signed with this process's key, so the server needs the same
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "ERROR",
        }
        env.pop("SECRET_KEY_FILE", None)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "nextsteps.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            argv, env=env, cwd=settings.BASE_DIR, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_up(self, limit: float = 60.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped before it answered:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in {limit:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        return False


# The simulated teachers ----------------------------------------------------------------------

CELL = re.compile(
    r'data-pupil="(\d+)" data-objective="(\d+)" data-code="[^"]*"\s+'
    r'data-judgement="(\d*)" data-grade="(\d*)"'
)
GRADES = re.compile(r'<script id="markbook-grades" type="application/json">(.*?)</script>', re.S)


@dataclass
class Teacher:
    """One signed-in teacher with one keep-alive connection (reopened when gunicorn's sync
    workers close it, as a browser would)."""

    port: int
    session: str
    grid_path: str
    save_path: str
    slot: int
    sharing: int
    cells: list = field(default_factory=list)  # [(pupil, objective)] this teacher writes
    state: dict = field(default_factory=dict)  # (pupil, objective) -> (judgement, grade)
    grades: list = field(default_factory=list)
    turn: int = 0

    def __post_init__(self):
        self.csrf = get_random_string(32)
        self.headers = {
            "Host": "127.0.0.1",
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session}; "
            f"{settings.CSRF_COOKIE_NAME}={self.csrf}",
        }
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, method, path, body=None, extra=None):
        """(status, body, milliseconds); status 0 when the connection failed."""
        headers = {**self.headers, **(extra or {})}
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            status, data = 0, b""
        return status, data, (time.perf_counter() - started) * 1000

    def open_grid(self):
        """Read the grid once to learn the cells, what each shows and the scale's grades."""
        status, body, _ = self.request("GET", self.grid_path)
        if status != 200:
            raise RuntimeError(f"A teacher could not open the markbook (HTTP {status}).")
        text = body.decode()
        found = CELL.findall(text)
        grades = GRADES.search(text)
        if not found or not grades:
            raise RuntimeError("The markbook page showed no cells or no grades to save.")
        self.grades = [g["id"] for g in json.loads(grades.group(1))]
        for index, (pupil, objective, judgement, grade) in enumerate(found):
            key = (int(pupil), int(objective))
            self.state[key] = (int(judgement) if judgement else None, int(grade) if grade else None)
            if index % self.sharing == self.slot:
                self.cells.append(key)

    def healthz(self):
        status, body, ms = self.request("GET", "/healthz")
        return status == 200 and body == b"ok", ms

    def grid(self):
        status, body, ms = self.request("GET", self.grid_path)
        return status == 200 and b'role="grid"' in body, ms

    def save(self):
        key = self.cells[self.turn % len(self.cells)]
        self.turn += 1
        judgement, grade = self.state[key]
        position = self.grades.index(grade) if grade in self.grades else -1
        new = self.grades[(position + 1) % len(self.grades)]
        body = json.dumps(
            {"cells": [{"pupil": key[0], "objective": key[1], "grade": new, "expected": judgement}]}
        )
        status, data, ms = self.request(
            "POST",
            self.save_path,
            body=body,
            extra={"Content-Type": "application/json", "X-CSRFToken": self.csrf},
        )
        try:
            result = json.loads(data)["results"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            return False, ms
        if "judgement" in result:  # saved, or a conflict telling us what is there now
            shown = result.get("grade") or {}
            self.state[key] = (result["judgement"], shown.get("id"))
        return status == 200 and result.get("status") == "saved", ms


@dataclass
class Phase:
    times: list = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0

    @property
    def count(self):
        return len(self.times)

    def percentile(self, p: int) -> float:
        if len(self.times) < 2:
            return self.times[0] if self.times else 0.0
        return statistics.quantiles(self.times, n=100, method="inclusive")[p - 1]

    @property
    def rate(self):
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def error_share(self):
        return self.failures / self.count if self.count else 1.0


def run_phase(teachers, action, seconds: float, think: float, seed: int) -> Phase:
    """Every teacher repeats `action` (one request) with a random pause of mean `think`
    seconds between requests, until `seconds` have passed or the phase's request cap."""
    phase = Phase()
    lock = threading.Lock()
    start = threading.Barrier(len(teachers) + 1)
    cap = max(1, MAX_REQUESTS_PER_PHASE // len(teachers))

    def work(teacher, rng):
        times, failures = [], 0
        start.wait()
        deadline = time.perf_counter() + seconds
        # spread the first requests over one pause, as teachers do not all click at once
        if think:
            time.sleep(rng.uniform(0, think))
        while time.perf_counter() < deadline and len(times) < cap:
            ok, ms = action(teacher)
            times.append(ms)
            failures += not ok
            if think:
                time.sleep(rng.expovariate(1 / think))
        with lock:
            phase.times.extend(times)
            phase.failures += failures

    threads = [
        threading.Thread(target=work, args=(t, random.Random(seed * 1000 + i)), daemon=True)
        for i, t in enumerate(teachers)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - began
    return phase


def run(repeat: int, options: dict | None = None) -> dict:
    options = options or {}
    teachers = int(options.get("teachers") or 50)
    seconds = float(options.get("seconds") or 20.0)
    think = float(options.get("think") if options.get("think") is not None else 1.0)
    workers = int(options.get("workers") or 2 * (os.cpu_count() or 1) + 1)
    if teachers < 1 or seconds <= 0 or think < 0 or workers < 1:
        raise ValueError(
            "--teachers, --seconds and --workers must be positive, --think not negative."
        )

    setup = prepare(teachers)
    save_path = reverse("assessment:markbook_save")
    sessions = _sessions([user for user, *_ in setup.teachers])
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    say(
        f"{teachers} teachers, {workers} gunicorn sync workers, {database}, "
        f"{seconds:g} s a phase, mean pause {think:g} s, CONN_MAX_AGE "
        f"{settings.DATABASES['default'].get('CONN_MAX_AGE', 0)}"
    )
    try:
        with tempfile.TemporaryDirectory() as log_dir, Server(workers, Path(log_dir)) as server:
            clients = []
            for (_user, school_class, slot, sharing), session in zip(
                setup.teachers, sessions, strict=True
            ):
                path = reverse("assessment:markbook_class", args=[school_class.pk])
                path += f"?subject={setup.subject.pk}&stage={setup.stage.pk}"
                clients.append(Teacher(server.port, session, path, save_path, slot, sharing))
            for client in clients:
                client.open_grid()
            size = (len({p for p, _ in clients[0].state}), len({o for _, o in clients[0].state}))
            say(f"grid of {size[0]} pupils by {size[1]} objectives; warming up")
            run_phase(clients, Teacher.healthz, min(2.0, seconds), think, seed=0)
            phases = {}
            for number, (name, action) in enumerate(
                (("baseline", Teacher.healthz), ("grid", Teacher.grid), ("save", Teacher.save)),
                start=1,
            ):
                phases[name] = run_phase(clients, action, seconds, think, seed=number)
                p = phases[name]
                say(
                    f"{name}: {p.count} requests, {p.rate:.1f}/s, p50 {p.percentile(50):.1f} ms, "
                    f"p95 {p.percentile(95):.1f} ms, p99 {p.percentile(99):.1f} ms, "
                    f"{p.failures} failed"
                )
            tail = server.log_tail()
    finally:
        _end_sessions(sessions)

    base, grid, save = phases["baseline"], phases["grid"], phases["save"]
    figures = {}
    for name, phase in (("grid", grid), ("save", save)):
        for p in (50, 95, 99):
            figures[f"markbook_{name}_p{p}"] = figure(phase.percentile(p), base.percentile(p))
        figures[f"markbook_{name}_rps"] = figure(phase.rate, base.rate, unit="req/s")
    measured = grid.count + save.count
    failed = grid.failures + save.failures
    error_share = failed / measured if measured else 1.0
    figures["markbook_errors"] = figure(100 * error_share, 100 * base.error_share, unit="%")
    if error_share > ERROR_ALARM or base.error_share > ERROR_ALARM:
        say(
            f"WARNING: {failed} of {measured} markbook requests and {base.failures} of "
            f"{base.count} baseline requests FAILED; these timings are not to be trusted."
        )
        if tail.strip():
            say(f"gunicorn said:\n{tail}")
    return figures
