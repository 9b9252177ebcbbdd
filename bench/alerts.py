"""The alert sweep over 100,000 students' weekly ratings, beside a bare SQL scan of the same rows.

The data: 20 alternative-provision centres ("Bench Centre NNN" in the demo's trust, so that the
harness builds nothing else here; one per 5,000 students for smaller sets), 100,000 students on
roll between them, five review areas a
centre and 39 weekly Red/Amber/Green ratings per student and area up to last week: 19.5 million
ratings. Each student's ratings in an area follow a sticky walk (mostly Green, with falls that
usually recover), and about 3% of weeks have no rating. Five students of the first centre are
planted with the cases the rule is written around (four weeks: fires; exactly three: does not;
a week missing: fires; three weeks missing: does not; recovered: does not). The other rules are
switched off at the bench centres (their students have no judgements at all, so every one of
them would be "quiet").

The data is written once with COPY (PostgreSQL) or executemany (SQLite), and kept in this
benchmark's own database: PostgreSQL nextsteps_bench_alerts by default,
NEXTSTEPS_BENCH_ALERTS_SQLITE=1 for .bench/alerts.sqlite3, or --database-url. The size is
NEXTSTEPS_BENCH_ALERTS_STUDENTS (default 100000); a kept database of another size is refused
(--rebuild). The ratings are dated from the week the data was built, and every run judges as
of that week, so a kept database gives the same findings on any later day.

Figures (milliseconds, median of up to 9 timed runs each, as one sweep reads every rating):
- alerts_sweep: detect.deteriorating over every bench centre (the rule's one grouped query, the
  students on roll, and the runs worked out from each student's latest ratings), beside the
  bare scan: one aggregate over the same rows (same areas, same weeks) counting them by rating;
- alerts_run: the whole idempotent sweep, services.run over the bench centres once the first
  run has raised its alerts (nothing new is raised or sent), beside the same scan.
"""

import io
import os
import random
import sys
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from nextsteps.demo.benchmarks import DATA_DIR, compare_ms, figure, prepare_own_trust

if os.environ.get("NEXTSTEPS_BENCH_ALERTS_SQLITE") == "1":
    DEFAULT_DATABASE_URL = f"sqlite:///{(DATA_DIR / 'alerts.sqlite3').resolve()}"
else:
    DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nextsteps_bench_alerts"
PREFIX = "Bench Centre "
CENTRES = 20
AREAS = ("Progress in literacy", "Progress in numeracy", "Engagement", "Behaviour", "Attendance")
WEEKS = 39
MISSING = 0.03
STUDENTS = int(os.environ.get("NEXTSTEPS_BENCH_ALERTS_STUDENTS", "100000"))
MAX_TIMED = 9
BATCH = 50_000
# name -> the last weeks of area 0 (oldest first, "-" for no rating), and whether it fires
PLANTED = {
    "Fourweeks": ("GGGGAAAR", True),
    "Threeweeks": ("GGGGGAAA", False),
    "Weekmissing": ("GGGAA-AR", True),
    "Longgap": ("GAA---AR", False),
    "Recovered": ("GGAAARRG", False),
}
# The sticky walk: from each rating, the chance of each next one (G, A, R).
WALK = {"G": (0.95, 0.04, 0.01), "A": (0.45, 0.45, 0.10), "R": (0.10, 0.45, 0.45)}


def say(message: str) -> None:
    print(f"bench alerts: {message}", file=sys.stderr, flush=True)


# Create, migrate and give the demo's trust to this benchmark's own database.
prepare_database = prepare_own_trust


# The data ------------------------------------------------------------------------------------


def _walk(rng: random.Random, weeks: int) -> str:
    out, rating = [], "G"
    for _ in range(weeks):
        g, a, _r = WALK[rating]
        x = rng.random()
        rating = "G" if x < g else "A" if x < g + a else "R"
        out.append("-" if rng.random() < MISSING else rating)
    return "".join(out)


def _planted(history: str, weeks: int) -> str:
    return "G" * (weeks - len(history)) + history


def _centres():
    from nextsteps.demo.generator import TRUST_NAME
    from nextsteps.schools.models import School

    return list(
        School.objects.filter(trust__name=TRUST_NAME, name__startswith=PREFIX).order_by("name")
    )


def built() -> dict | None:
    """What the kept data was built for ({"students": n, "monday": iso date}), or None."""
    centres = _centres()
    if not centres:
        return None
    return centres[0].settings.get("bench_alerts")


def build(students: int, seed: int = 1) -> date:
    """The centres, students, areas and ratings (see the module docstring); returns the Monday
    the data was built for."""
    from nextsteps.alerts import services as alerts
    from nextsteps.alerts.rules import RULES
    from nextsteps.demo.generator import TRUST_NAME
    from nextsteps.lib.dates import academic_year_start
    from nextsteps.reviews.models import ReviewArea, WeeklyRating
    from nextsteps.schools import services
    from nextsteps.schools.models import Enrolment, Pupil, School, Trust

    rng = random.Random(seed)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=WEEKS - i) for i in range(WEEKS)]
    trust = Trust.objects.filter(name=TRUST_NAME).first() or services.create_trust(TRUST_NAME)
    centres = max(1, min(CENTRES, students // 5000))  # 5,000 students a centre, up to 20
    per_centre = -(-students // centres)
    made = 0
    for n in range(centres):
        count = min(per_centre, students - made)
        if count <= 0:
            break
        say(f"centre {n + 1} of {centres}: {count} students")
        with transaction.atomic():
            centre = services.create_school(
                name=f"{PREFIX}{n + 1:03d}",
                kind=School.Kind.ALTERNATIVE_PROVISION,
                trust=trust,
                stages=range(7, 12),
            )
            year = services.create_academic_year(centre, academic_year_start(today))
            groups = list(centre.year_groups.order_by("stage"))
            alerts.save_settings(
                centre,
                {rule: {"enabled": rule == "rag_deteriorating"} for rule in RULES},
                None,
                by=None,
            )
            areas = [
                ReviewArea.objects.create(school=centre, name=name, order=k)
                for k, name in enumerate(AREAS)
            ]
            names = list(PLANTED) if n == 0 else []
            pupils = Pupil.objects.bulk_create(
                [
                    Pupil(
                        legal_first_name=names[i] if i < len(names) else f"S{n}x{i}",
                        legal_last_name="Planted" if i < len(names) else f"Bench{i % 89}",
                        date_of_birth=date(today.year - 12 - i % 5, 1 + i % 12, 1 + i % 28),
                        sex="F" if i % 2 else "M",
                    )
                    for i in range(count)
                ],
                batch_size=5000,
            )
            Enrolment.objects.bulk_create(
                [
                    Enrolment(
                        pupil=p,
                        school=centre,
                        academic_year=year,
                        year_group=groups[i % len(groups)],
                        start_date=year.start_date,
                    )
                    for i, p in enumerate(pupils)
                ],
                batch_size=5000,
            )
            rows = []
            for i, pupil in enumerate(pupils):
                for k, area in enumerate(areas):
                    if i < len(names):
                        history = _planted(PLANTED[names[i]][0], WEEKS) if k == 0 else "G" * WEEKS
                    else:
                        history = _walk(rng, WEEKS)
                    for week, rating in zip(weeks, history, strict=True):
                        if rating != "-":
                            rows.append((pupil.pk, area.pk, week, rating))
            _write_ratings(WeeklyRating._meta.db_table, rows)
            School.objects.filter(pk=centre.pk).update(
                settings={"bench_alerts": {"students": students, "monday": monday.isoformat()}}
            )
        made += count
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return monday


def _write_ratings(table: str, rows) -> None:
    now = timezone.now()
    columns = "pupil_id, area_id, week, rating, comment, recorded_at, updated_at, version"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stamp = now.isoformat()
            buffer = io.StringIO()
            for pupil_id, area_id, week, rating in rows:
                buffer.write(f"{pupil_id}\t{area_id}\t{week}\t{rating}\t\t{stamp}\t{stamp}\t1\n")
            buffer.seek(0)
            # The rows are made here from the pupils and areas just written: skip the foreign
            # key triggers while loading (the loader's own session only; needs a superuser,
            # else the load just takes longer).
            replica = _try(cursor, "SET LOCAL session_replication_role = replica")
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                while chunk := buffer.read(1 << 20):
                    copy.write(chunk)
            if replica:
                cursor.execute("SET LOCAL session_replication_role = origin")
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, '', %s, %s, 1)"  # noqa: S608
        for start in range(0, len(rows), BATCH):
            cursor.executemany(
                sql, [(p, a, w, r, now, now) for p, a, w, r in rows[start : start + BATCH]]
            )


def _try(cursor, sql: str) -> bool:
    try:
        with transaction.atomic():
            cursor.execute(sql)
    except Exception:  # not allowed for this role: load with the checks on
        return False
    return True


def ensure(students: int, seed: int) -> date:
    """The kept data's Monday, building the data first if there is none."""
    found = built()
    if found is None:
        say(f"building {students} students x {len(AREAS)} areas x {WEEKS} weeks (once)")
        return build(students, seed)
    if found["students"] != students:
        raise RuntimeError(
            f"The kept alerts data has {found['students']} students, not {students}; "
            "run with --rebuild to build it again."
        )
    return date.fromisoformat(found["monday"])


# The run -------------------------------------------------------------------------------------


def run(repeat: int, options=None) -> dict:
    from nextsteps.alerts import detect, services
    from nextsteps.alerts.models import Alert
    from nextsteps.reviews.models import ReviewArea, WeeklyRating

    options = options or {}
    students = int(options.get("students", STUDENTS))
    monday = ensure(students, int(options.get("seed", 1)))
    today = monday + timedelta(days=2)  # a Wednesday: last week's ratings are the latest
    centres = _centres()
    settings = {c.pk: services.settings_for(c) for c in centres}
    area_ids = list(ReviewArea.objects.filter(school__in=centres).values_list("pk", flat=True))
    first = monday - timedelta(weeks=detect.LOOKBACK_WEEKS)
    table = connection.ops.quote_name(WeeklyRating._meta.db_table)
    marks = ", ".join(["%s"] * len(area_ids))
    scan_sql = (
        "SELECT rating, COUNT(*) FROM "  # noqa: S608 (a table name; values are parameters)
        f"{table} WHERE area_id IN ({marks}) AND week >= %s AND week <= %s GROUP BY rating"
    )
    scan_params = [*area_ids, first, monday]

    def scan():
        with connection.cursor() as cursor:
            cursor.execute(scan_sql, scan_params)
            return cursor.fetchall()

    def sweep():
        return detect.deteriorating(settings, today)

    found = sweep()
    names = _planted_names()
    planted = {f.pupil_id for f in found if f.pupil_id in set(names.values())}
    fires = {names[name] for name, (_, fire) in PLANTED.items() if fire}
    if planted != fires:
        raise RuntimeError(f"The sweep found planted {sorted(planted)}, expected {sorted(fires)}")
    rows = sum(n for _, n in scan())
    say(f"{len(centres)} centres, {rows} ratings; {len(found)} runs of deterioration over 3 weeks")
    first_run = services.run(schools=centres, trigger="bench", today=today, send=False)
    say(f"first run raised {first_run.raised} alerts ({Alert.objects.count()} in all)")

    def whole_run():
        record = services.run(schools=centres, trigger="bench", today=today, send=False)
        if record.raised:
            raise RuntimeError("an idempotent run raised new alerts")
        return record

    timed = max(1, min(repeat, MAX_TIMED))
    out = {}
    for name, measure in (("alerts_sweep", sweep), ("alerts_run", whole_run)):
        value, baseline = compare_ms(measure, scan, timed, warmup=1)
        out[name] = figure(value, baseline)
    return out


def _planted_names() -> dict:
    from nextsteps.schools.models import Pupil

    return dict(
        Pupil.objects.filter(legal_last_name="Planted", legal_first_name__in=PLANTED).values_list(
            "legal_first_name", "pk"
        )
    )
