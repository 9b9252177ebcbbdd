"""The analysis pages' figures on a synthetic trust, each beside a bare SQL aggregate (floor).

The trust ("Brightpath Learning Trust", the demo's name, so that the harness does not build
the demo set into this database) is made with bulk inserts straight into the tables, once,
and kept in this benchmark's own database (PostgreSQL nextsteps_bench_analysis by default;
NEXTSTEPS_BENCH_ANALYSIS_SQLITE=1 for .bench/analysis.sqlite3; --database-url for another).
`--schools N` asks for N schools of `--pupils-per-school` pupils (for the full trust:
--schools 50 --pupils-per-school 500, 25,000 pupils). Schools are added to the kept trust
until it has N; a run with fewer times the first N. Every school has three academic years
(this one and the two before) with three assessment points each, every pupil on roll in all
three, a summary judgement in mathematics at every point (9 per pupil), objective judgements
(about 40 a pupil a year, on the twenty objectives of the pupil's year: three million rows at
full size), a standardised maths test each summer, and characteristics (disadvantaged, SEN K
and E, EAL, looked after). Half the schools use a WTS/EXS/GDS scale,
half BLW/WTS/EXS/GDS, both subjects coded "maths", so the trust view reads both.

Figures (milliseconds, median of --repeat runs, each beside its floor in the same run):
- analysis_school_attainment: figures.attainment for the first school at this year's first
  point, every standard breakdown; floor: counting its summary rows by grade;
- analysis_trust_attainment: figures.trust_attainment over the N schools; floor: counting
  the rows of every school by grade;
- analysis_transition: figures.transition for the first school, last year's summer to this
  year's autumn; floor: a self-join of the two points counted by pair;
- analysis_help: help.who_needs_help for the first school (every signal); floor: the
  self-join of the latest two points for its pupils, counted by pair.
"""

import os
import random
import sys
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from nextsteps.demo.benchmarks import DATA_DIR, compare_ms, figure, prepare_own_trust

if os.environ.get("NEXTSTEPS_BENCH_ANALYSIS_SQLITE") == "1":
    DEFAULT_DATABASE_URL = f"sqlite:///{(DATA_DIR / 'analysis.sqlite3').resolve()}"
else:
    DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nextsteps_bench_analysis"
PREFIX = "Bench School "
OBJECTIVES_PER_STAGE = 20
BATCH = 5000


def say(message: str) -> None:
    print(f"bench analysis: {message}", file=sys.stderr, flush=True)


# Create, migrate and give the demo's trust to this benchmark's own database.
prepare_database = prepare_own_trust


# The data ------------------------------------------------------------------------------------


def _frameworks():
    from nextsteps.curriculum import services as curriculum
    from nextsteps.curriculum.models import Framework

    out = []
    for code, labels in (
        ("bench-wts", ["WTS", "EXS", "GDS"]),
        ("bench-blw", ["BLW", "WTS", "EXS", "GDS"]),
    ):
        framework = Framework.objects.filter(code=code).first()
        if framework is None:
            scale = curriculum.create_scale(
                f"{code}-judge",
                "N / D / S",
                [
                    {"label": "Not yet", "short_label": "N"},
                    {"label": "Developing", "short_label": "D"},
                    {"label": "Secure", "short_label": "S", "secure": True},
                ],
            )
            summary = curriculum.create_scale(
                f"{code}-summary",
                " / ".join(labels),
                [
                    {"label": label, "short_label": label, "secure": label in ("EXS", "GDS")}
                    for label in labels
                ],
            )
            framework = curriculum.create_framework(
                code=code, name=code, judgement_scale=scale, summary_scale=summary
            )
            subject = curriculum.add_subject(framework, "maths", "Mathematics")
            strand = curriculum.add_strand(subject, "Number")
            for year in range(1, 7):
                stage = curriculum.add_stage(framework, f"Y{year}", f"Year {year}", year, year)
                for k in range(OBJECTIVES_PER_STAGE):
                    curriculum.add_objective(
                        strand,
                        stage,
                        f"{code}-y{year}-{k + 1}",
                        f"Year {year} number {k + 1}",
                        key=k % 3 == 0,
                    )
        out.append(framework)
    return out


def build(schools: int, pupils_per_school: int, seed: int = 1) -> None:
    """Add schools to the bench trust until it has `schools`, each with its pupils, three
    years of enrolments and characteristics, and nine summary judgements a pupil."""
    from nextsteps.accounts.models import User
    from nextsteps.assessment.models import CurrentSummary, SummaryJudgement
    from nextsteps.curriculum import services as curriculum
    from nextsteps.demo.generator import TRUST_NAME
    from nextsteps.lib.dates import academic_year_start
    from nextsteps.schools import services
    from nextsteps.schools.models import Characteristic, Enrolment, Pupil, Role, School, Trust

    trust = Trust.objects.filter(name=TRUST_NAME).first() or services.create_trust(TRUST_NAME)
    have = School.objects.filter(trust=trust, name__startswith=PREFIX).count()
    if have >= schools:
        return
    frameworks = _frameworks()
    start = academic_year_start(timezone.localdate())
    staff, _ = User.objects.get_or_create(username="bench-trust", defaults={"email": "t@x.invalid"})
    services.grant_role(staff, Role.Kind.TRUST_STAFF, trust=trust)
    for n in range(have, schools):
        rng = random.Random(seed * 1000 + n)
        say(f"school {n + 1} of {schools}")
        with transaction.atomic():
            school = services.create_school(
                name=f"{PREFIX}{n + 1:03d}",
                kind=School.Kind.PRIMARY,
                trust=trust,
                stages=range(0, 7),
            )
            framework = frameworks[n % 2]
            curriculum.adopt_framework(school, framework)
            subject = framework.subjects.get(code="maths")
            grades = list(framework.summary_scale.grades.order_by("order"))
            head, _ = User.objects.get_or_create(
                username=f"bench-head-{n + 1}", defaults={"email": f"h{n + 1}@x.invalid"}
            )
            services.grant_role(head, Role.Kind.HEAD, school=school)
            years = [services.create_academic_year(school, start - k) for k in (2, 1, 0)]
            groups = {g.stage: g for g in school.year_groups.all()}
            pupils = Pupil.objects.bulk_create(
                [
                    Pupil(
                        legal_first_name=f"P{n}x{i}",
                        legal_last_name=f"Bench{i % 97}",
                        date_of_birth=date(start - 7 - i % 7, 1 + i % 12, 1 + i % 28),
                        sex="F" if i % 2 else "M",
                    )
                    for i in range(pupils_per_school)
                ],
                batch_size=BATCH,
            )
            enrolments, characteristics, summaries = [], [], []
            for i, pupil in enumerate(pupils):
                stage = 1 + i % 4  # Years 1 to 4 two years ago: 3 to 6 now
                level = rng.choice(range(len(grades)))
                for k, year in enumerate(years):
                    enrolments.append(
                        Enrolment(
                            pupil=pupil,
                            school=school,
                            academic_year=year,
                            year_group=groups[stage + k],
                            start_date=year.start_date,
                        )
                    )
                    for point in year.assessment_points.all():
                        level = max(0, min(len(grades) - 1, level + rng.choice((-1, 0, 0, 1))))
                        summaries.append(
                            SummaryJudgement(
                                pupil=pupil,
                                subject=subject,
                                assessment_point=point,
                                grade=grades[level],
                                recorded_by=head,
                                recorded_at=timezone.make_aware(
                                    datetime.combine(point.date - timedelta(days=3), time(12))
                                ),
                            )
                        )
                for kind, value, share in (
                    ("disadvantaged", "Y", 0.25),
                    ("sen", "K", 0.12),
                    ("sen", "E", 0.02),
                    ("eal", "Y", 0.2),
                    ("looked_after", "Y", 0.01),
                ):
                    if rng.random() < share:
                        characteristics.append(
                            Characteristic(
                                pupil=pupil, kind=kind, value=value, start_date=years[0].start_date
                            )
                        )
            Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
            Characteristic.objects.bulk_create(characteristics, batch_size=BATCH)
            summaries = SummaryJudgement.objects.bulk_create(summaries, batch_size=BATCH)
            CurrentSummary.objects.bulk_create(
                [
                    CurrentSummary(
                        pupil_id=s.pupil_id,
                        subject_id=s.subject_id,
                        assessment_point_id=s.assessment_point_id,
                        judgement=s,
                        grade_id=s.grade_id,
                    )
                    for s in summaries
                ],
                batch_size=BATCH,
            )
            _judgements(school, subject, years, pupils, head, rng)
            _tests(school, years, pupils, head, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _judgements(school, subject, years, pupils, head, rng) -> None:
    """Objective judgements: every pupil, every year, on the twenty objectives of their year,
    each climbing the ladder (not yet, developing, secure) in one to three dated steps through
    the year; the last is current. About 40 rows a pupil a year."""
    from nextsteps.assessment.models import CurrentJudgement, Judgement
    from nextsteps.curriculum.models import Objective

    ladder = list(subject.objective_scale().grades.order_by("order"))
    by_stage = {}
    for o in Objective.objects.filter(subject=subject).select_related("stage"):
        by_stage.setdefault(o.stage.year_stage, []).append(o)
    made = []
    for i, pupil in enumerate(pupils):
        for k, year in enumerate(years):
            stage = 1 + i % 4 + k
            for objective in by_stage.get(stage, []):
                steps = rng.randint(1, len(ladder))
                day = year.start_date + timedelta(days=rng.randint(10, 60))
                for step in range(steps):
                    made.append(
                        Judgement(
                            pupil=pupil,
                            objective=objective,
                            grade=ladder[step],
                            recorded_by=head,
                            recorded_at=timezone.make_aware(datetime.combine(day, time(10))),
                            source=Judgement.Source.IMPORT,
                        )
                    )
                    day += timedelta(days=rng.randint(20, 90))
    made = Judgement.objects.bulk_create(made, batch_size=BATCH)
    latest = {}
    for j in made:
        latest[(j.pupil_id, j.objective_id)] = j
    CurrentJudgement.objects.bulk_create(
        [
            CurrentJudgement(
                pupil_id=j.pupil_id, objective_id=j.objective_id, judgement=j, grade_id=j.grade_id
            )
            for j in latest.values()
        ],
        batch_size=BATCH,
    )


def _tests(school, years, pupils, head, rng) -> None:
    """A standardised mathematics test each summer for every pupil, banded by the school's
    own definition (below 85, 85 to 114, 115 and over)."""
    from nextsteps.results.models import AssessmentDefinition, Result
    from nextsteps.results.services import create_sitting

    definition = AssessmentDefinition.objects.get(school=school, code="standardised-maths")
    bands = list(definition.bands.order_by("order"))

    def band_of(score):
        for b in bands:
            if (b.lower is None or score >= b.lower) and (b.upper is None or score <= b.upper):
                return b
        return None

    made = []
    for year in years:
        summer = year.assessment_points.order_by("date", "id").last()
        sitting = create_sitting(
            definition, date=summer.date - timedelta(days=7), by=head, assessment_point=summer
        )
        for pupil in pupils:
            score = max(70, min(141, round(rng.gauss(100, 15))))
            made.append(
                Result(
                    sitting=sitting,
                    pupil=pupil,
                    score=score,
                    band=band_of(score),
                    recorded_by=head,
                    recorded_at=timezone.make_aware(datetime.combine(sitting.date, time(12))),
                )
            )
    Result.objects.bulk_create(made, batch_size=BATCH)


# The run -------------------------------------------------------------------------------------


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def run(repeat: int, options=None) -> dict:
    from nextsteps.accounts.models import User
    from nextsteps.analysis import access, figures, groups
    from nextsteps.analysis import help as needs_help
    from nextsteps.assessment.models import SummaryJudgement
    from nextsteps.curriculum.models import Subject
    from nextsteps.demo.generator import TRUST_NAME
    from nextsteps.lib.dates import academic_year_start
    from nextsteps.schools.models import Enrolment, Pupil, School

    options = options or {}
    schools = max(1, int(options.get("schools", 50)))
    per_school = max(4, int(options.get("pupils_per_school", 500)))
    build(schools, per_school, int(options.get("seed", 1)))
    chosen = list(
        School.objects.filter(trust__name=TRUST_NAME, name__startswith=PREFIX).order_by("name")[
            :schools
        ]
    )
    first = chosen[0]
    head = User.objects.get(username="bench-head-1")
    staff = User.objects.get(username="bench-trust")
    start = academic_year_start(timezone.localdate())
    subject = Subject.objects.get(framework__school_links__school=first, code="maths")
    this_year = first.academic_years.get(start_date__year=start)
    last_year = first.academic_years.get(start_date__year=start - 1)
    point = this_year.assessment_points.order_by("date", "id").first()
    summer = last_year.assessment_points.order_by("date", "id").last()
    scope = access.school_scope(head, first.pk)
    own = groups.custom_groups([first])
    sj = SummaryJudgement._meta.db_table
    en = Enrolment._meta.db_table

    def school_attainment():
        return figures.attainment(scope.cohort(point), subject, point, groups=own)

    on = point.date
    floor_school_sql = (
        f"SELECT s.grade_id, COUNT(*) FROM {sj} s JOIN {en} e ON e.pupil_id = s.pupil_id "
        "WHERE s.subject_id = %s AND s.assessment_point_id = %s AND e.school_id = %s "
        "AND e.academic_year_id = %s AND e.start_date <= %s "
        "AND (e.end_date IS NULL OR e.end_date >= %s) GROUP BY s.grade_id"
    )
    school_params = [subject.pk, point.pk, first.pk, this_year.pk, on, on]

    def school_floor():
        return _rows(floor_school_sql, school_params)

    points = figures.trust_points(chosen, start, 1)
    visible = Pupil.objects.visible_to(staff)

    def trust_attainment():
        return figures.trust_attainment(visible, points, "maths")

    marks = ", ".join(["%s"] * len(points))
    floor_trust_sql = (
        f"SELECT s.grade_id, COUNT(*) FROM {sj} s WHERE s.assessment_point_id IN ({marks}) "
        "GROUP BY s.grade_id"
    )
    trust_params = [p.pk for p in points]

    def trust_floor():
        return _rows(floor_trust_sql, trust_params)

    def transition():
        return figures.transition(scope.cohort(point), subject, summer, point)

    pair_sql = (
        f"SELECT a.grade_id, b.grade_id, COUNT(*) FROM {sj} b "
        f"LEFT JOIN {sj} a ON a.pupil_id = b.pupil_id AND a.subject_id = b.subject_id "
        "AND a.assessment_point_id = %s "
        f"JOIN {en} e ON e.pupil_id = b.pupil_id AND e.school_id = %s AND e.academic_year_id = %s "
        "WHERE b.subject_id = %s AND b.assessment_point_id = %s GROUP BY a.grade_id, b.grade_id"
    )

    def transition_floor():
        return _rows(pair_sql, [summer.pk, first.pk, this_year.pk, subject.pk, point.pk])

    help_pupils = scope.pupils_now()
    ctx = needs_help.context(head, first, help_pupils)

    def help_list():
        return needs_help.who_needs_help(head, first, help_pupils)

    def help_floor():
        if ctx.latest is None or ctx.previous is None:
            return []
        return _rows(
            pair_sql,
            [ctx.previous.pk, first.pk, this_year.pk, subject.pk, ctx.latest.pk],
        )

    # the figures must be about the rows the floors count
    att = school_attainment()
    assert att.row("all").judged == sum(n for _, n in school_floor())
    tr = transition()
    assert tr.total == sum(n for *_, n in transition_floor())
    out = {}
    for name, measure, floor in (
        ("analysis_school_attainment", school_attainment, school_floor),
        ("analysis_trust_attainment", trust_attainment, trust_floor),
        ("analysis_transition", transition, transition_floor),
        ("analysis_help", help_list, help_floor),
    ):
        value, baseline = compare_ms(measure, floor, repeat, warmup=1)
        out[name] = figure(value, baseline)
    pupils = Enrolment.objects.filter(school__in=chosen).values("pupil_id").distinct().count()
    rows = SummaryJudgement.objects.count()
    say(f"{len(chosen)} schools, {pupils} pupils; {rows} summary judgements in the database")
    return out
