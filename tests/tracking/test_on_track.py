"""On track from the database: target in force, evidence as it stood at the point, pupils
working below their year judged by their own milestones, the summer summary, and a fixed
number of queries however many pupils."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nextsteps.curriculum.services import set_working_stage
from nextsteps.schools import services as school_services
from nextsteps.tracking import on_track, services, targets
from nextsteps.tracking.rule import AT_RISK, NO_TARGET, NOT_JUDGED, OFF_TRACK, ON_TRACK

from .conftest import judge, moment, points_of, pupil_with_years, summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(cast, ladder):
    autumn, spring, summer = points_of(cast.year)
    return {"autumn": autumn, "spring": spring, "summer": summer, "start": cast.year.start_date}


def target(cast, ladder, pupil, label, days=7, academic_year=None):
    academic_year = academic_year or cast.year
    return targets.set_target(
        pupil,
        ladder.maths,
        academic_year,
        ladder.summary[label],
        by=cast.leader,
        reason="Agreed",
        at=moment(academic_year.start_date + timedelta(days=days)),
    )


def status_of(cast, ladder, pupils, point, today):
    results = on_track.statuses(pupils, [ladder.maths], [point], today=today)
    return [results.get((p.pk, ladder.maths.pk, point.pk)) for p in pupils]


def test_statuses_at_a_past_point_at_the_boundaries(cast, ladder, year):
    spring = year["spring"]
    before = spring.date - timedelta(days=3)
    pupils = [pupil_with_years(cast, {cast.year: 3}) for _ in range(3)]
    for pupil, secure in zip(pupils, (6, 3, 2), strict=True):
        target(cast, ladder, pupil, "EXS")
        judge(pupil, ladder.key[3][:secure], ladder.grades["S"], before)
        judge(pupil, ladder.key[3][secure:], ladder.grades["D"], before)
    # secured after the point: does not count for spring
    judge(pupils[2], ladder.key[3][2:8], ladder.grades["S"], spring.date + timedelta(days=2))
    results = status_of(cast, ladder, pupils, spring, today=spring.date + timedelta(days=10))
    assert [r.status for r in results] == [ON_TRACK, AT_RISK, OFF_TRACK]
    assert results[2].reason == "2 of 9 key Year 3 objectives secure by spring; 6 expected for EXS."
    assert (results[2].key_secure, results[2].key_total, results[2].needed) == (2, 9, 6)
    assert results[0].target.grade == ladder.summary["EXS"]


def test_a_point_not_reached_uses_todays_evidence_and_share(cast, ladder, year):
    pupil = pupil_with_years(cast, {cast.year: 3})
    target(cast, ladder, pupil, "EXS")
    autumn, spring = year["autumn"], year["spring"]
    today = autumn.date + (spring.date - autumn.date) / 2  # halfway: 3 + 1.5 = 4.5, so 5 by now
    judge(pupil, ladder.key[3][:5], ladder.grades["S"], today - timedelta(days=1))
    [result] = status_of(cast, ladder, [pupil], spring, today=today)
    assert result.status == ON_TRACK
    assert "5 expected by now for EXS (6 by spring)" in result.reason


def test_no_target_no_judgement_and_a_target_set_too_late(cast, ladder, year):
    spring = year["spring"]
    no_target, no_judgement, late = (pupil_with_years(cast, {cast.year: 3}) for _ in range(3))
    judge(no_target, ladder.key[3][:6], ladder.grades["S"], spring.date - timedelta(days=1))
    target(cast, ladder, no_judgement, "EXS")
    target(cast, ladder, late, "EXS", days=(spring.date - year["start"]).days + 5)
    judge(late, ladder.key[3][:6], ladder.grades["S"], spring.date - timedelta(days=1))
    results = status_of(
        cast, ladder, [no_target, no_judgement, late], spring, spring.date + timedelta(days=30)
    )
    assert [r.status for r in results] == [NO_TARGET, NOT_JUDGED, NO_TARGET]
    assert results[1].reason == "No key Year 3 objectives judged yet."
    assert results[2].reason == "No target had been set by spring."
    # the late target does count at summer
    [summer] = status_of(cast, ladder, [late], year["summer"], year["summer"].date)
    assert summer.status != NO_TARGET


def test_summer_summary_decides_and_can_be_turned_off(cast, ladder, year):
    summer = year["summer"]
    pupil = pupil_with_years(cast, {cast.year: 3})
    target(cast, ladder, pupil, "GDS")
    judge(pupil, ladder.key[3], ladder.grades["S"], summer.date - timedelta(days=5))
    summary(pupil, ladder.maths, summer, ladder.summary["EXS"])
    [result] = status_of(cast, ladder, [pupil], summer, summer.date + timedelta(days=1))
    assert (result.status, result.reason) == (
        OFF_TRACK,
        "Summary judgement EXS at summer; target GDS.",
    )
    cast.school.settings = {"on_track": {"summer_summary_decides": False}}
    cast.school.save()
    [result] = status_of(cast, ladder, [pupil], summer, summer.date + timedelta(days=1))
    # nine key secure but nothing beyond secure for greater depth, and the summary is below
    assert result.status == AT_RISK
    assert "needed beyond secure for GDS" in result.reason


def test_pupils_working_below_their_year_are_judged_on_their_own_milestones(cast, ladder):
    # last year, so that every date is past (a milestone cannot be achieved in the future)
    _, spring, _ = points_of(cast.last_year)
    year = {"start": cast.last_year.start_date}
    today = spring.date + timedelta(days=1)
    pupil = pupil_with_years(cast, {cast.last_year: 3})
    target(cast, ladder, pupil, "BLW", academic_year=cast.last_year)
    set_working_stage(pupil, ladder.maths, ladder.stages[2], since=year["start"], by=cast.senco)
    [result] = status_of(cast, ladder, [pupil], spring, today)
    assert (result.status, result.own_track, result.below_stage) == (NOT_JUDGED, True, True)
    assert "judged against their own milestones, and none are set" in result.reason

    y2 = ladder.key[2]
    early = spring.date - timedelta(days=20)
    by_objectives = services.add_milestone(
        pupil,
        ladder.maths,
        description="Number bonds to 20",
        start_date=year["start"],
        due_date=early,
        objectives=y2[:2],
        by=cast.teacher,
    )
    marked = services.add_milestone(
        pupil,
        ladder.maths,
        description="Counts in tens",
        start_date=year["start"],
        due_date=early,
        by=cast.teacher,
    )
    services.update_milestone(marked, {"achieved_at": early}, marked.version, by=cast.teacher)
    missed = services.add_milestone(
        pupil,
        ladder.maths,
        description="Halves",
        start_date=year["start"],
        due_date=early,
        objectives=y2[2:4],
        by=cast.teacher,
    )
    services.add_milestone(  # due after spring: not counted yet
        pupil,
        ladder.maths,
        description="Quarters",
        start_date=year["start"],
        due_date=spring.date + timedelta(days=40),
        by=cast.teacher,
    )
    judge(pupil, y2[:2], ladder.grades["S"], early - timedelta(days=3))
    judge(pupil, y2[2:3], ladder.grades["S"], early - timedelta(days=3))  # one of two in "Halves"
    [result] = status_of(cast, ladder, [pupil], spring, today)
    assert (result.status, result.label) == (AT_RISK, "A milestone missed")
    assert result.reason == (
        f"2 of 3 milestones due by spring achieved. 3 objectives secured since "
        f"{year['start'].day} {year['start']:%b %Y}."
    )
    assert "expected" not in result.reason and "On track" not in result.label
    assert missed.pk and by_objectives.pk


def test_sen_pupils_at_their_year_are_judged_as_others_until_they_have_milestones(
    cast, ladder, year
):
    spring = year["spring"]
    bart = cast.bartholomew  # SEN support, Year 3
    target(cast, ladder, bart, "WTS")
    judge(bart, ladder.key[3][:3], ladder.grades["S"], spring.date - timedelta(days=2))
    [result] = status_of(cast, ladder, [bart], spring, spring.date + timedelta(days=1))
    assert (result.status, result.own_track) == (ON_TRACK, False)
    assert result.reason.endswith("3 expected for WTS.")
    services.add_milestone(
        bart,
        ladder.maths,
        description="Place value to 100",
        start_date=year["start"],
        due_date=spring.date - timedelta(days=1),
        objectives=ladder.key[3][:3],
        by=cast.teacher,
    )
    [result] = status_of(cast, ladder, [bart], spring, spring.date + timedelta(days=1))
    assert (result.status, result.own_track, result.label) == (
        ON_TRACK,
        True,
        "Meeting own milestones",
    )


def test_only_pupils_on_roll_and_subjects_the_school_uses_are_judged(cast, ladder, year):
    from tests.curriculum_cast import build_maths

    other = build_maths()  # a framework nobody at the school uses
    spring = year["spring"]
    results = on_track.statuses(
        [cast.amara, cast.priya], [ladder.maths, other.maths], [spring], today=spring.date
    )
    assert set(results) == {(cast.amara.pk, ladder.maths.pk, spring.pk)}


def test_a_whole_class_costs_the_same_number_of_queries(cast, ladder, year):
    spring, summer = year["spring"], year["summer"]
    today = spring.date + timedelta(days=1)

    def grow(count):
        made = []
        for n in range(count):
            pupil = pupil_with_years(cast, {cast.last_year: 2, cast.year: 3})
            target(cast, ladder, pupil, "EXS")
            judge(pupil, ladder.key[3][: n % 9], ladder.grades["S"], spring.date - timedelta(1))
            if n % 3 == 0:
                set_working_stage(pupil, ladder.maths, ladder.stages[2], since=year["start"])
                services.add_milestone(
                    pupil,
                    ladder.maths,
                    description="Step",
                    start_date=year["start"],
                    due_date=spring.date,
                    objectives=ladder.key[2][:2],
                    by=cast.teacher,
                )
            if n % 4 == 0:
                school_services.set_characteristic(pupil, "sen", "K", start_date=year["start"])
            made.append(pupil)
        return made

    def measure(pupils):
        with CaptureQueriesContext(connection) as ctx:
            results = on_track.statuses(pupils, [ladder.maths], [spring, summer], today=today)
        assert len(results) == 2 * len(pupils)
        return len(ctx.captured_queries)

    small = measure(grow(3))
    large = measure(grow(3) + grow(15))
    assert small == large
