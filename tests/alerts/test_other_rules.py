"""Off track against target, tests disagreeing with teacher judgement, and no judgement or
evidence: each on a small hand-made history at the cast's school, through the sweep, with who
is told and which episode an alert stands for."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from nextsteps.alerts import services
from nextsteps.alerts.models import Alert
from nextsteps.assessment.services import record_judgement
from nextsteps.tracking import targets
from tests.curriculum_cast import build_maths
from tests.results.test_comparison import ABOVE, AT, judge, points, result, shipped, sit
from tests.tracking.conftest import build_ladder, points_of, summary

from .conftest import only, sweep

pytestmark = pytest.mark.django_db


def told(alert) -> set:
    return {
        (n.channel, n.address if n.channel == "email" else n.user.username, n.why)
        for n in alert.notices.all()
    }


# Off track -----------------------------------------------------------------------------------


@pytest.fixture
def summer_off_track(cast):
    """Amara's target is EXS; at the summer point her summary judgement is WTS (the summer
    summary decides: off track). Bartholomew meets his WTS target."""
    only(cast.school, "off_track")
    ladder = build_ladder(cast.school)
    s = ladder.summary
    summer = points_of(cast.year)[-1]
    targets.set_target(cast.amara, ladder.maths, cast.year, s["EXS"], by=cast.leader)
    targets.set_target(cast.bartholomew, ladder.maths, cast.year, s["WTS"], by=cast.leader)
    summary(cast.amara, ladder.maths, summer, s["WTS"])
    summary(cast.bartholomew, ladder.maths, summer, s["WTS"])
    return ladder, summer


def test_off_track_at_a_point_reached_tells_the_class_teacher_and_inclusion_manager(
    cast, summer_off_track
):
    ladder, summer = summer_off_track
    assert sweep(cast.school, today=summer.date - timedelta(days=1), send=False).raised == 0
    record = sweep(cast.school, today=summer.date + timedelta(days=1), send=False)
    assert record.raised == 1
    alert = Alert.objects.get()
    assert (alert.pupil, alert.rule) == (cast.amara, "off_track")
    assert alert.condition == f"off_track:subject:{ladder.maths.pk}"
    assert alert.episode == f"point:{summer.pk}"
    assert alert.summary == "Off track in Mathematics at summer"
    assert "Target for the year: EXS (Expected)." in alert.lines
    assert told(alert) >= {
        ("in_app", "teacher", "Class teacher"),
        ("in_app", "senco", "Inclusion manager"),
        ("email", "teacher@example.org", "Class teacher"),
        ("email", "senco@example.org", "Inclusion manager"),
    }
    assert not alert.notices.filter(user__username__in=["other_teacher", "ta", "head"]).exists()
    # the class teacher owns the action plan, reviewed four weeks after it was opened
    assert alert.plan.owner == cast.teacher
    assert alert.plan.review_date == timezone.localdate() + timedelta(days=28)


def test_off_track_again_while_the_alert_is_open_raises_nothing_more(cast, summer_off_track):
    _, summer = summer_off_track
    after = summer.date + timedelta(days=1)
    sweep(cast.school, today=after, send=False)
    sweep(cast.school, today=after + timedelta(days=2), send=False)
    assert Alert.objects.count() == 1
    alert = Alert.objects.get()
    services.close_alert(
        alert, outcome="Extra maths sessions agreed", expected_version=1, by=cast.head
    )
    # the same point's off-track status is the same episode: closed means dealt with
    assert sweep(cast.school, today=after + timedelta(days=3), send=False).raised == 0


def test_no_point_reached_yet_checks_nothing_and_clears_nothing(cast, summer_off_track):
    _, summer = summer_off_track
    sweep(cast.school, today=summer.date + timedelta(days=1), send=False)
    alert = Alert.objects.get()
    sweep(cast.school, today=cast.year.start_date + timedelta(days=3), send=False)
    alert.refresh_from_db()
    assert alert.cleared_at is None


# Tests against teacher judgement ---------------------------------------------------------------


@pytest.fixture
def spring_tests(cast):
    only(cast.school, "tests_disagree")
    maths = build_maths(cast.school)
    point = points(cast)[1]
    sitting = sit(shipped(cast.school), point.date - timedelta(days=10), point=point)
    result(sitting, cast.amara, ABOVE)  # test above expected, teacher below: two steps
    judge(cast.amara, maths.maths, point, "WTS", cast.teacher)
    result(sitting, cast.bartholomew, AT)  # at against below: one step
    judge(cast.bartholomew, maths.maths, point, "WTS", cast.teacher)
    return maths, point


def test_tests_disagreeing_strongly_raise_an_alert(cast, spring_tests):
    maths, point = spring_tests
    record = sweep(cast.school, today=point.date + timedelta(days=1), send=False)
    assert record.raised == 1
    alert = Alert.objects.get()
    assert (alert.pupil, alert.rule, alert.episode) == (
        cast.amara,
        "tests_disagree",
        f"point:{point.pk}",
    )
    assert (
        alert.summary == "Mathematics: test reads above expected, teacher judgement below expected"
    )
    assert alert.lines[-1] == "2 steps apart on below / at / above expected."
    assert {(c, who) for c, who, _ in told(alert) if c == "in_app"} == {
        ("in_app", "teacher"),
        ("in_app", "leader"),
    }


def test_a_school_can_alert_on_any_disagreement(cast, spring_tests):
    _, point = spring_tests
    settings = services.settings_for(cast.school)
    settings["tests_disagree"]["min_steps"] = 1
    services.save_settings(cast.school, settings, None, by=cast.head)
    assert sweep(cast.school, today=point.date + timedelta(days=1), send=False).raised == 2


# No judgement or evidence ----------------------------------------------------------------------


def test_quiet_pupils_after_weeks_on_roll(cast):
    # who needs help's quiet signal counts back from the sweep's day, not the clock
    only(cast.school, "quiet")
    maths = build_maths(cast.school)
    start = cast.year.start_date
    # three weeks into the year nobody is counted: not long enough on roll
    assert sweep(cast.school, today=start + timedelta(weeks=3), send=False).raised == 0
    day = start + timedelta(weeks=10)
    record_judgement(
        cast.amara,
        maths.objectives[0],
        maths.grades["D"],
        by=cast.teacher,
        at=timezone.make_aware(datetime.combine(day - timedelta(days=3), time(9))),
    )
    sweep(cast.school, today=day, send=False)
    assert {a.pupil for a in Alert.objects.filter(rule="quiet")} == {
        cast.bartholomew,
        cast.zebedee,
    }
    zebedee = Alert.objects.get(pupil=cast.zebedee)
    assert zebedee.episode == "since:never"
    assert zebedee.lines[-1] == "Nothing has been recorded for this pupil yet."
    assert {u for _, u, _ in told(zebedee)} == {"other_teacher"}  # the 4 Ash teacher, in app
    # new evidence, then a new quiet spell: a new episode, raised once the old one is closed
    record_judgement(
        cast.zebedee,
        maths.objectives[0],
        maths.grades["D"],
        by=cast.other_teacher,
        at=timezone.make_aware(datetime.combine(day + timedelta(days=1), time(9))),
    )
    later = day + timedelta(weeks=8)
    assert sweep(cast.school, today=later, send=False).raised == 1  # Amara now
    services.close_alert(zebedee, outcome="Assessed in class", expected_version=1, by=cast.head)
    assert sweep(cast.school, today=later, send=False).raised == 1
    again = Alert.objects.filter(pupil=cast.zebedee, closed_at__isnull=True).get()
    assert again.episode == f"since:{(day + timedelta(days=1)).isoformat()}"
