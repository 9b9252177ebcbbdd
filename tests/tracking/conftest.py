"""A small framework for tracking tests (Years 2 to 4 of mathematics, nine key objectives and
three others a stage, judged N/D/S/M and summarised BLW/WTS/EXS/GDS) and helpers to give
pupils a history at the cast's school."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from nextsteps.assessment.models import SummaryJudgement
from nextsteps.assessment.services import record_judgement
from nextsteps.assessment.summary import refresh_current
from nextsteps.curriculum import services as curriculum
from nextsteps.schools import services


@dataclass
class Ladder:
    framework: object
    maths: object
    stages: dict  # year stage -> Stage
    key: dict  # year stage -> [Objective]
    other: dict  # year stage -> [Objective]
    grades: dict  # N D S M
    summary: dict  # BLW WTS EXS GDS
    extra: dict = field(default_factory=dict)


def build_ladder(school, key_per_stage=9, others=3) -> Ladder:
    scale = curriculum.create_scale(
        "track-nydsm",
        "Not yet / Developing / Secure / Mastery",
        [
            {"label": "Not yet", "short_label": "N"},
            {"label": "Developing", "short_label": "D"},
            {"label": "Secure", "short_label": "S", "secure": True},
            {"label": "Mastery", "short_label": "M", "secure": True},
        ],
    )
    summary = curriculum.create_scale(
        "track-wts",
        "BLW / WTS / EXS / GDS",
        [
            {"label": "Working below", "short_label": "BLW"},
            {"label": "Working towards", "short_label": "WTS"},
            {"label": "Expected", "short_label": "EXS", "secure": True},
            {"label": "Greater depth", "short_label": "GDS", "secure": True},
        ],
    )
    framework = curriculum.create_framework(
        code="track-primary", name="Tracking primary", judgement_scale=scale, summary_scale=summary
    )
    maths = curriculum.add_subject(framework, "maths", "Mathematics")
    strand = curriculum.add_strand(maths, "Number", 1)
    stages, key, other = {}, {}, {}
    for year in (2, 3, 4):
        stage = curriculum.add_stage(framework, f"Y{year}", f"Year {year}", year, year_stage=year)
        stages[year] = stage
        key[year], other[year] = [], []
        for n in range(1, key_per_stage + others + 1):
            objective = curriculum.add_objective(
                strand,
                stage,
                f"M{year}.{n}",
                f"Year {year} number objective {n}",
                key=n <= key_per_stage,
            )
            (key if n <= key_per_stage else other)[year].append(objective)
    curriculum.adopt_framework(school, framework)
    return Ladder(
        framework=framework,
        maths=maths,
        stages=stages,
        key=key,
        other=other,
        grades={g.short_label: g for g in scale.grades.all()},
        summary={g.short_label: g for g in summary.grades.all()},
    )


@pytest.fixture
def ladder(cast):
    return build_ladder(cast.school)


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def points_of(year):
    return list(year.assessment_points.order_by("date", "id"))


def summary(pupil, subject, point, grade, *, by=None):
    """A summary judgement written as history (tests of what was recorded in earlier years)."""
    made = SummaryJudgement.objects.create(
        pupil=pupil,
        subject=subject,
        assessment_point=point,
        grade=grade,
        recorded_by=by,
        recorded_at=moment(point.date),
    )
    refresh_current(subject, point, [pupil.pk])
    return made


def judge(pupil, objectives, grade, on: date, by=None):
    for objective in objectives:
        record_judgement(pupil, objective, grade, by=by, at=moment(on))


_made = {"n": 0}


def pupil_with_years(cast, years: dict, name: str = ""):
    """A new pupil at the cast's school, in year group stage `years[academic_year]` each year."""
    _made["n"] += 1
    pupil = services.create_pupil(
        legal_first_name=name or f"Cohort{_made['n']}",
        legal_last_name="Pupil",
        date_of_birth=date(2017, 1, 1 + _made["n"] % 28),
        sex="F",
    )
    for year in sorted(years, key=lambda y: y.start_date):
        services.enrol_pupil(
            pupil,
            cast.school,
            cast.school.year_groups.get(stage=years[year]),
            academic_year=year,
            start_date=year.start_date,
        )
    return pupil


@pytest.fixture
def history(cast, ladder):
    """Four years at the school: Y-3, Y-2, last year and this year. Amara was WTS in autumn,
    then EXS in spring and summer of Year 2 last year.

    Earlier Year 3s who ended Year 2 at EXS:
    - in Y-2: three pupils, who ended Year 3 EXS, EXS, GDS
    - last year: two pupils, who ended Year 3 EXS, WTS
    so of five, three EXS, one GDS, one WTS: EXS is suggested.
    Not counted: a Year 4 who was EXS at the end of Year 3 (another year group), a Year 3 who
    started at WTS, and one who started at EXS but has no judgement at the end of the year."""
    school, s = cast.school, ladder.summary
    start = cast.year.start_date.year
    y3 = services.create_academic_year(school, start - 3)
    y2 = services.create_academic_year(school, start - 2)
    last, now = cast.last_year, cast.year
    final = {y: points_of(y)[-1] for y in (y3, y2, last)}
    maths = ladder.maths
    for outcome in ("EXS", "EXS", "GDS"):
        p = pupil_with_years(cast, {y3: 2, y2: 3, last: 4})
        summary(p, maths, final[y3], s["EXS"])
        summary(p, maths, final[y2], s[outcome])
    for outcome in ("EXS", "WTS"):
        p = pupil_with_years(cast, {y2: 2, last: 3, now: 4})
        summary(p, maths, final[y2], s["EXS"])
        summary(p, maths, final[last], s[outcome])
    other_year = pupil_with_years(cast, {y2: 3, last: 4})
    summary(other_year, maths, final[y2], s["EXS"])
    summary(other_year, maths, final[last], s["GDS"])
    other_start = pupil_with_years(cast, {y2: 2, last: 3})
    summary(other_start, maths, final[y2], s["WTS"])
    summary(other_start, maths, final[last], s["GDS"])
    unfinished = pupil_with_years(cast, {y2: 2, last: 3})
    summary(unfinished, maths, final[y2], s["EXS"])
    autumn, spring, summer = points_of(last)
    summary(cast.amara, maths, autumn, s["WTS"])
    summary(cast.amara, maths, spring, s["EXS"])
    summary(cast.amara, maths, summer, s["EXS"])
    return {"y3": y3, "y2": y2}


@pytest.fixture
def api(db):
    """Calls the API as a member of the cast and checks each answer against the schema."""
    from django.test import Client

    from tests.api.conftest import PREFIX, ApiCaller

    return ApiCaller(Client().get(f"{PREFIX}/openapi.json").json())
