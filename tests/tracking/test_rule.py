"""The written rules on their own (pure Python): choosing from a cohort, a trajectory, the
share expected by a date, and on track by hand-worked cases, boundaries included."""

from datetime import date
from fractions import Fraction

import pytest

from nextsteps.tracking.rule import (
    AT_RISK,
    NO_TARGET,
    NOT_JUDGED,
    OFF_TRACK,
    ON_TRACK,
    Facts,
    OnTrackRule,
    TargetRule,
    cohort_choice,
    judge,
    share_on,
    trajectory_choice,
)


def test_cohort_choice_takes_the_most_common_grade_and_breaks_ties_as_told():
    assert cohort_choice({2: 3, 3: 1, 1: 1}) == 2
    assert cohort_choice({2: 2, 3: 2}) == 3
    assert cohort_choice({2: 2, 3: 2}, "lower") == 2
    assert cohort_choice({}) is None


def test_trajectory_extends_a_rise_by_at_most_the_step_and_never_a_fall():
    assert trajectory_choice([2, 3, 3], top=4, max_step=1) == (4, 1)
    assert trajectory_choice([1, 3], top=4, max_step=1) == (4, 2)
    assert trajectory_choice([1, 3], top=3, max_step=1) == (3, 2)  # already at the top
    assert trajectory_choice([3, 2], top=4, max_step=1) == (2, -1)  # holding, not lower
    assert trajectory_choice([3], top=4, max_step=1) == (3, 0)
    assert trajectory_choice([2, 3], top=4, max_step=0) == (3, 1)
    assert trajectory_choice([], top=4, max_step=1) is None


def test_share_grows_in_a_straight_line_between_points():
    start = date(2026, 9, 1)
    points = [(date(2026, 12, 1), Fraction(1, 3)), (date(2027, 3, 1), Fraction(2, 3))]
    assert share_on(start, start, points) == 0
    assert share_on(date(2026, 12, 1), start, points) == Fraction(1, 3)
    # halfway (in days) from 1 December (1/3) to 1 March (2/3)
    assert share_on(date(2027, 1, 15), start, points) == Fraction(1, 3) + Fraction(1, 3) * Fraction(
        45, 90
    )
    assert share_on(date(2027, 7, 1), start, points) == Fraction(2, 3)


def test_settings_are_checked_with_clear_messages():
    rule = OnTrackRule.from_mapping(
        {"expected_by_point": ["0.25", "1/2", "1"], "at_risk_share": "0.1"}
    )
    assert rule.share_by(1, 3) == Fraction(1, 2)
    assert rule.share_by(5, 6) == 1  # a shorter list repeats its last share
    assert OnTrackRule().share_by(0, 3) == Fraction(1, 3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        OnTrackRule.from_mapping({"at_risk_share": "2"})
    with pytest.raises(ValueError, match="must not fall"):
        OnTrackRule.from_mapping({"expected_by_point": ["1/2", "1/3"]})
    with pytest.raises(ValueError, match="Unknown name"):
        OnTrackRule.from_mapping({"at_rsik_share": "0.1"})
    with pytest.raises(ValueError, match="true or false"):
        OnTrackRule.from_mapping({"summer_summary_decides": "yes"})
    tuned = TargetRule.from_mapping({"cohort_minimum": 3, "cohort_ties": "lower"})
    assert (tuned.cohort_minimum, tuned.cohort_ties) == (3, "lower")
    with pytest.raises(ValueError, match="higher"):
        TargetRule.from_mapping({"cohort_ties": "middle"})
    with pytest.raises(ValueError, match="at least 1"):
        TargetRule.from_mapping({"cohort_years": 0})


def spring(**kwargs):
    """Spring reached, two thirds expected, nine key Year 3 objectives, target EXS (order 3 on
    BLW 1 / WTS 2 / EXS 3 / GDS 4)."""
    values = {
        "point_name": "spring",
        "final": False,
        "reached": True,
        "as_of": date(2027, 3, 20),
        "share_now": Fraction(2, 3),
        "share_at_point": Fraction(2, 3),
        "target": 3,
        "target_label": "EXS",
        "expected": 3,
        "stage_name": "Year 3",
        "subject_name": "Mathematics",
        "key_total": 9,
        "key_judged": 9,
        "all_total": 12,
        "year_name": "Year 3",
    }
    values.update(kwargs)
    return Facts(**values)


@pytest.mark.parametrize(
    ("secure", "status"),
    [(9, ON_TRACK), (6, ON_TRACK), (5, AT_RISK), (3, AT_RISK), (2, OFF_TRACK), (0, OFF_TRACK)],
)
def test_key_objective_evidence_at_the_boundaries(secure, status):
    # 6 expected (ceil(9 x 2/3)); at risk while at most ceil(9 x 1/4) = 3 behind
    verdict = judge(spring(key_secure=secure))
    assert verdict.status == status
    assert verdict.needed == 6


def test_the_reason_is_in_words():
    verdict = judge(spring(key_secure=2))
    assert verdict.reason == "2 of 9 key Year 3 objectives secure by spring; 6 expected for EXS."
    assert verdict.label == "Off track" and verdict.symbol == "✗"


def test_a_lower_target_needs_the_towards_share_and_a_much_lower_one_none():
    assert judge(spring(key_secure=3, target=2, target_label="WTS")).status == ON_TRACK
    assert judge(spring(key_secure=2, target=2, target_label="WTS")).needed == 3
    assert judge(spring(key_secure=0, target=1, target_label="BLW")).status == ON_TRACK


def test_greater_depth_needs_objectives_beyond_secure():
    # all_total 12 x 2/3 = 8 expected by spring; half of them (4) beyond secure for GDS
    facts = spring(key_secure=6, target=4, target_label="GDS", deep=3)
    verdict = judge(facts)
    assert verdict.status == AT_RISK
    assert "3 of 4 needed beyond secure for GDS" in verdict.reason
    assert judge(spring(key_secure=6, target=4, target_label="GDS", deep=4)).status == ON_TRACK


def test_a_summary_judgement_below_target_makes_on_track_at_risk():
    verdict = judge(spring(key_secure=7, summary=2, summary_label="WTS"))
    assert verdict.status == AT_RISK
    assert "summary judgement WTS at spring is below the target" in verdict.reason


def test_summer_summary_decides_unless_the_school_says_not():
    summer = spring(
        point_name="summer", final=True, share_now=Fraction(1), share_at_point=Fraction(1)
    )
    summer.summary, summer.summary_label, summer.key_secure = 2, "WTS", 9
    assert judge(summer).status == OFF_TRACK
    assert judge(summer).reason == "Summary judgement WTS at summer; target EXS."
    assert judge(summer, OnTrackRule(summer_summary_decides=False)).status == AT_RISK
    summer.summary, summer.summary_label = 4, "GDS"
    assert judge(summer).status == ON_TRACK


def test_no_target_and_no_evidence_are_not_judged():
    assert judge(spring(target=None)).status == NO_TARGET
    verdict = judge(spring(key_judged=0))
    assert verdict.status == NOT_JUDGED
    assert verdict.reason == "No key Year 3 objectives judged yet."
    assert judge(spring(key_total=0)).status == NOT_JUDGED
    verdict = judge(spring(stage_name=None, key_total=0))
    assert verdict.reason == "No working stage recorded in Mathematics yet."


def test_a_point_not_reached_is_judged_on_what_is_expected_by_today():
    facts = spring(reached=False, as_of=date(2027, 1, 15), share_now=Fraction(1, 2), key_secure=4)
    verdict = judge(facts)
    assert verdict.status == AT_RISK  # 5 expected by now (ceil 4.5), one behind
    assert "secure so far (15 Jan 2027); 5 expected by now for EXS (6 by spring)" in verdict.reason


def own(**kwargs):
    return spring(
        own_track=True,
        below_stage=True,
        stage_name="Year 2",
        since=date(2026, 9, 1),
        secured_since=4,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("due", "achieved", "status", "label"),
    [
        (3, 3, ON_TRACK, "Meeting own milestones"),
        (3, 2, AT_RISK, "A milestone missed"),
        (3, 1, OFF_TRACK, "Milestones missed"),
    ],
)
def test_own_milestones_never_speak_of_expectations(due, achieved, status, label):
    verdict = judge(own(milestones=4, milestones_due=due, milestones_achieved=achieved))
    assert (verdict.status, verdict.label) == (status, label)
    assert verdict.reason == (
        f"{achieved} of {due} milestones due by spring achieved. "
        "4 objectives secured since 1 Sep 2026."
    )
    for word in ("expected", "on track", "On track"):
        assert word not in verdict.reason + verdict.label


def test_own_track_without_milestones_due_is_not_judged():
    verdict = judge(own(milestones=0))
    assert verdict.status == NOT_JUDGED
    assert verdict.reason.startswith("Working at Year 2 in Year 3: judged against their own")
    verdict = judge(own(milestones=2, milestones_due=0))
    assert verdict.reason.startswith("No milestone due by spring")
