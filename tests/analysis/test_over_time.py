"""Figures over time, against target, across the trust and from objective judgements, each
checked against a small hand-counted cohort.

Besides 3 Oak's maths at this year's first point (conftest `oak_maths`: 5 judged, 3 at or
above expected, Amara the only disadvantaged pupil and EXS), last year had:
- Last1, Year 3, EXS at the first point and GDS at the last, target EXS;
- Last2, Year 3, WTS at the first point and WTS at the last, target EXS;
- Last3, Year 4, disadvantaged, WTS at the first point, no target."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from nextsteps.analysis import figures
from nextsteps.analysis import help as needs_help
from nextsteps.analysis.access import class_scope
from nextsteps.assessment.services import record_judgement
from nextsteps.schools import services
from nextsteps.schools.models import Pupil, School
from nextsteps.tracking.targets import set_target
from tests.tracking.conftest import build_ladder, moment, summary

pytestmark = pytest.mark.django_db


def _pupil(cast, name, stage, *, disadvantaged=False, school=None, year=None):
    school, year = school or cast.school, year or cast.last_year
    pupil = services.create_pupil(
        legal_first_name=name, legal_last_name="Pupil", date_of_birth=date(2016, 1, 9), sex="F"
    )
    services.enrol_pupil(
        pupil,
        school,
        school.year_groups.get(stage=stage),
        academic_year=year,
        start_date=year.start_date,
    )
    if disadvantaged:
        services.set_characteristic(pupil, "disadvantaged", "Y", start_date=year.start_date)
    return pupil


@pytest.fixture
def last_year(cast, oak_maths):
    g = oak_maths.grades
    first, *_, final = cast.last_year.assessment_points.order_by("date", "id")
    one, two = _pupil(cast, "Last1", 3), _pupil(cast, "Last2", 3)
    three = _pupil(cast, "Last3", 4, disadvantaged=True)
    for pupil, at_first, at_final in ((one, "EXS", "GDS"), (two, "WTS", "WTS")):
        summary(pupil, oak_maths.subject, first, g[at_first])
        summary(pupil, oak_maths.subject, final, g[at_final])
        set_target(
            pupil,
            oak_maths.subject,
            cast.last_year,
            g["EXS"],
            by=cast.leader,
            reason="Agreed",
            at=moment(cast.last_year.start_date),
        )
    summary(three, oak_maths.subject, first, g["WTS"])
    return SimpleNamespace(pupils=(one, two, three), first=first, final=final)


def test_a_year_group_over_the_years(cast, oak_maths, last_year):
    points = figures.points_of(cast.school, 1)
    assert points == [last_year.first, oak_maths.point]
    rows = figures.trend(Pupil.objects.visible_to(cast.head), oak_maths.subject, points, 3)
    # Last3 was in Year 4 last year, so is not in the Year 3 of that year
    assert [(r["judged"], r["expected"], r["percent"]) for r in rows] == [(2, 1, 50), (5, 3, 60)]


def test_the_disadvantaged_gap_over_time(cast, oak_maths, last_year):
    points = figures.points_of(cast.school)
    rows = figures.disadvantaged_gap(
        Pupil.objects.visible_to(cast.head), oak_maths.subject, points, cast.school
    )
    by_point = {r["point"]: r for r in rows}
    then = by_point[last_year.first]
    assert (then["disadvantaged"], then["disadvantaged_percent"]) == (1, 0)
    assert (then["others"], then["others_percent"], then["gap"]) == (2, 50, 50)
    now = by_point[oak_maths.point]
    assert (now["disadvantaged"], now["disadvantaged_percent"]) == (1, 100)
    assert (now["others"], now["others_percent"], now["gap"]) == (4, 50, -50)
    assert now["small"]
    # a point with nobody judged has no percentages and no gap
    final = by_point[last_year.final]
    assert (final["disadvantaged_percent"], final["gap"]) == (None, None)
    assert (final["others"], final["others_percent"]) == (2, 50)


def test_progress_against_target(cast, oak_maths, last_year):
    cohort = Pupil.objects.filter(pk__in=[p.pk for p in last_year.pupils])
    result = figures.against_target(cohort, oak_maths.subject, last_year.final)
    counts = {r["status"]: (r["count"], r["percent"]) for r in result["rows"]}
    assert counts == {
        "on_track": (1, 33),
        "at_risk": (0, 0),
        "off_track": (1, 33),
        "not_judged": (0, 0),
        "no_target": (1, 33),
    }
    one, two, three = last_year.pupils
    assert result["pupils"]["on_track"] == [one.pk]
    assert result["pupils"]["off_track"] == [two.pk]
    assert result["pupils"]["no_target"] == [three.pk]
    assert result["total"] == 3


@pytest.fixture
def birch(cast, oak_maths):
    """A second school of the trust on another framework (BLW/WTS/EXS/GDS, subject code
    "maths" too) with three pupils judged BLW, EXS and GDS at its first point."""
    school = services.create_school(
        name="Birchwood Primary", kind=School.Kind.PRIMARY, trust=cast.trust, stages=range(0, 7)
    )
    year = services.create_academic_year(school, cast.year.start_date.year)
    ladder = build_ladder(school)
    point = year.assessment_points.order_by("date", "id").first()
    for name, label in (("Birch1", "BLW"), ("Birch2", "EXS"), ("Birch3", "GDS")):
        pupil = _pupil(cast, name, 3, school=school, year=year)
        summary(pupil, ladder.maths, point, ladder.summary[label])
    return SimpleNamespace(school=school, year=year, point=point)


def test_the_trust_across_two_frameworks(cast, oak_maths, birch):
    points = figures.trust_points([cast.school, birch.school], cast.year.start_date.year, 1)
    assert set(points) == {oak_maths.point, birch.point}
    att, by_school = figures.trust_attainment(
        Pupil.objects.visible_to(cast.trust_staff), points, "maths"
    )
    everyone = att.row("all")
    # Oakfield: WTS 2 (below), EXS 2 (at), GDS 1 (above); Birchwood: BLW (below), EXS, GDS
    assert [(g.key, g.count) for g in everyone.grades] == [("below", 3), ("at", 3), ("above", 2)]
    # 5 of 8 is 62.5%, which rounds to the even 62
    assert (everyone.judged, everyone.expected, everyone.expected_percent) == (8, 5, 62)
    figures_by_school = {s.name: (r.judged, r.expected, r.expected_percent) for s, r in by_school}
    assert figures_by_school == {"Oakfield Primary": (5, 3, 60), "Birchwood Primary": (3, 2, 67)}
    assert att.row("disadvantaged").expected == 1  # Amara, EXS


def test_every_trust_figure_drills_down_to_its_pupils(cast, oak_maths, birch, login):
    client = login(cast.trust_staff)
    page = client.get(reverse("analysis:trust", args=[cast.trust.pk]), {"subject": "maths"})
    body = page.content.decode()
    url = reverse("analysis:trust_pupils", args=[cast.trust.pk])
    assert f"{url}?subject=maths" in body

    def names(**query):
        got = client.get(url, {"subject": "maths", "year": cast.year.start_date.year, **query})
        assert got.status_code == 200
        return {p.legal_first_name for p in got.context["pupils"]}

    # below: WTS at Oakfield (Bartholomew, Extra2) and BLW at Birchwood (Birch1)
    assert names(column="below") == {"Bartholomew", "Extra2", "Birch1"}
    assert names(column="expected", group="disadvantaged") == {"Amara"}
    assert names(column="above", group=f"school_{birch.school.pk}") == {"Birch3"}
    # not judged at Oakfield: Extra3 in 3 Oak and Zebedee in the other class
    assert names(column="none", group=f"school_{cast.school.pk}") == {"Extra3", "Zebedee"}
    # the figures' counts and the lists behind them agree
    att, by_school = figures.trust_attainment(
        Pupil.objects.visible_to(cast.trust_staff),
        figures.trust_points([cast.school, birch.school], cast.year.start_date.year, 1),
        "maths",
    )
    assert len(names(column="at")) == att.row("all").grades[1].count
    oak = next(r for s, r in by_school if s == cast.school)
    assert oak.not_judged == 2
    assert client.get(url, {"subject": "maths", "column": "sideways"}).status_code == 404
    assert client.get(url, {"subject": "maths", "group": "school_999999"}).status_code == 404
    assert login(cast.head).get(url, {"subject": "maths"}).status_code == 403
    assert login(cast.parent).get(url, {"subject": "maths"}).status_code == 404


def test_governors_see_the_progress_page_without_names_and_not_the_trust(
    cast, oak_maths, last_year, login
):
    client = login(cast.governor)
    page = client.get(
        reverse("analysis:progress", args=["school", cast.school.pk]),
        {"subject": oak_maths.subject.pk, "point": oak_maths.point.pk},
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "Disadvantaged pupils and the others over time" in body
    assert "Fewer than 5 pupils: not shown" in body  # the one disadvantaged pupil
    assert "Against target" not in body
    assert "/progress/pupils/" not in body
    for name in ("Okonkwo", "Quillfeather", "Extra0", "Last1", "Marchbanks"):
        assert name not in body
    assert client.get(reverse("analysis:trust", args=[cast.trust.pk])).status_code == 403
    staff = login(cast.trust_staff).get(reverse("analysis:trust", args=[cast.trust.pk]))
    assert staff.status_code == 200


def test_lowered_objective_judgements_need_help(cast, oak_maths):
    maths = oak_maths.maths
    objective = maths.objectives[0]
    now = timezone.now()
    # Amara: S then D within the last six weeks (one lowering); Bartholomew: lowered eight
    # weeks ago (too long ago), then raised again now (not a fall)
    record_judgement(cast.amara, objective, maths.grades["S"], by=cast.teacher, at=now)
    record_judgement(
        cast.amara, objective, maths.grades["D"], by=cast.teacher, at=now + timedelta(minutes=1)
    )
    long_ago = now - timedelta(weeks=8)
    record_judgement(cast.bartholomew, objective, maths.grades["M"], by=cast.teacher, at=long_ago)
    record_judgement(
        cast.bartholomew,
        objective,
        maths.grades["N"],
        by=cast.teacher,
        at=long_ago + timedelta(minutes=1),
    )
    record_judgement(cast.bartholomew, objective, maths.grades["S"], by=cast.teacher, at=now)
    pupils = class_scope(cast.teacher, cast.oak.pk).pupils_now()
    entries = {e.pupil.pk: e for e in needs_help.who_needs_help(cast.teacher, cast.school, pupils)}
    lowered = [r for r in entries[cast.amara.pk].reasons if r.kind == "objectives_falling"]
    assert [r.text for r in lowered] == [
        "Mathematics: 1 objective judgement lowered in the last 6 weeks."
    ]
    bart = entries.get(cast.bartholomew.pk)
    assert bart is None or "objectives_falling" not in bart.kinds
