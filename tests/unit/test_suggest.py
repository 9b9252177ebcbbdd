"""The summary suggestion rule, worked by hand on a WTS / EXS / GDS scale (EXS is the first
expected grade, so the indices are WTS 0, EXS 1, GDS 2)."""

from fractions import Fraction

import pytest

from nextsteps.lib.suggest import Evidence, Thresholds, expected_by_now, suggest

WTS_EXS_GDS = [False, True, True]
BLW_WTS_EXS_GDS = [False, False, True, True]
AUTUMN, SPRING, SUMMER = Fraction(1, 3), Fraction(2, 3), Fraction(1)


def evidence(key_secure, *, key_total=9, position=SPRING, deep=0, all_total=18, **extra):
    return Evidence(
        key_secure=key_secure,
        key_judged=max(key_secure, 1),
        key_total=key_total,
        all_secure=key_secure,
        all_total=all_total,
        deep=deep,
        position=position,
        point_name="spring",
        stage_name="Year 4",
        **extra,
    )


@pytest.mark.parametrize(
    "total, position, due", [(9, AUTUMN, 3), (9, SPRING, 6), (9, SUMMER, 9), (10, AUTUMN, 4)]
)
def test_key_objectives_expected_by_each_point(total, position, due):
    assert expected_by_now(total, position) == due


def test_seven_of_nine_by_spring_is_expected_and_says_why():
    result = suggest(evidence(7), WTS_EXS_GDS)
    assert result.index == 1
    assert result.reason == "7 of 9 key Year 4 objectives secure by spring; 6 expected."


@pytest.mark.parametrize(
    "secure, position, index",
    [
        (3, AUTUMN, 1),  # 3 due by autumn: expected
        (2, AUTUMN, 0),  # 2 >= half of 3 rounded up (2): working towards
        (6, SPRING, 1),
        (5, SPRING, 0),
        (8, SUMMER, 0),  # all 9 due by summer
        (9, SUMMER, 1),
    ],
)
def test_thresholds_at_each_point(secure, position, index):
    assert suggest(evidence(secure, position=position), WTS_EXS_GDS).index == index


def test_well_below_uses_the_grade_two_under_expected_when_the_scale_has_one():
    # spring: 6 due, towards needs 3; 2 secure is well below
    assert suggest(evidence(2), BLW_WTS_EXS_GDS).index == 0
    assert suggest(evidence(3), BLW_WTS_EXS_GDS).index == 1
    # on a three-grade scale there is nothing under WTS
    result = suggest(evidence(2), WTS_EXS_GDS)
    assert result.index == 0 and "fewer than 3 secure" in result.reason


def test_greater_depth_needs_objectives_beyond_secure():
    # spring: all 18 objectives -> 12 due; half of them (6) judged deeper than secure
    assert suggest(evidence(6, deep=5), WTS_EXS_GDS).index == 1
    result = suggest(evidence(6, deep=6), WTS_EXS_GDS)
    assert result.index == 2 and "6 objectives beyond secure (6 needed" in result.reason


def test_pupils_below_their_year_never_get_expected():
    result = suggest(evidence(9, below_stage=True, year_name="Year 5"), WTS_EXS_GDS)
    assert result.index == 0
    assert result.reason.startswith("Working at Year 4 in Year 5: below expected stage.")
    assert suggest(evidence(9, below_stage=True, deep=18), BLW_WTS_EXS_GDS).index == 0


def test_no_suggestion_without_judged_key_objectives_or_an_expected_grade():
    none_judged = Evidence(0, 0, 9, 0, 18, stage_name="Year 4")
    assert suggest(none_judged, WTS_EXS_GDS).index is None
    assert "No key Year 4 objectives judged" in suggest(none_judged, WTS_EXS_GDS).reason
    assert suggest(evidence(9), [False, False]).index is None
    assert suggest(Evidence(0, 0, 0, 0, 0), WTS_EXS_GDS).index is None


def test_a_school_can_tune_the_thresholds():
    lenient = Thresholds.from_mapping({"expected_share": "0.8"})
    # spring: 6 due, 80% of 6 rounds up to 5
    assert suggest(evidence(5), WTS_EXS_GDS, lenient).index == 1
    assert suggest(evidence(5), WTS_EXS_GDS).index == 0
    with pytest.raises(ValueError, match="between 0 and 1"):
        Thresholds.from_mapping({"towards_share": 2})
    with pytest.raises(ValueError, match="Unknown"):
        Thresholds.from_mapping({"expected": 1})
