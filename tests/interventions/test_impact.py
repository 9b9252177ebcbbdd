"""The impact rule (nextsteps/interventions/impact.py) on small hand-made cohorts, every figure
worked out by hand in the comments."""

from fractions import Fraction as F

from nextsteps.interventions.impact import (
    LESS,
    MORE,
    NOT_MEASURED,
    SAME,
    SHORT,
    TOO_FEW,
    UNMATCHED,
    UNMEASURED,
    Reading,
    Row,
    compare,
    signed,
)

OBJECTIVES = Reading("objectives secured", F(1, 2))


def rows(changes, year=3, band=0, start=1, counted=True):
    return [
        Row(start + i, year, band, None if c is None else F(c), counted)
        for i, c in enumerate(changes)
    ]


def test_more_progress_than_similar_pupils_with_the_counts():
    members = rows([3, 2, 2, 1])  # mean 2
    similar = rows([1, 1, 0, 2, 1], start=100)  # mean 1
    impact = compare(members, similar, OBJECTIVES)
    assert impact.verdict == MORE
    assert (impact.pupils, impact.similar) == (4, 5)
    assert impact.pupils_mean == 2 and impact.similar_mean == 1 and impact.difference == 1
    assert impact.text == (
        "Made more progress than similar pupils: "
        "+2.0 objectives secured vs +1.0 (4 pupils, 5 similar)"
    )


def test_each_member_is_set_beside_their_own_year_group_and_band():
    # Band 0 members gained 2 each against similar pupils who gained 2: no better.
    # Band 1 member gained 1 against similar pupils who lost 1 (mean -1).
    members = rows([2, 2], band=0) + rows([1], band=1, start=10)
    similar = rows([2, 2, 2], band=0, start=100) + rows([-1, -1], band=1, start=200)
    impact = compare(members, similar, OBJECTIVES)
    # members' mean (2+2+1)/3 = 5/3; their similar pupils' means 2, 2, -1: mean 1
    assert impact.pupils_mean == F(5, 3)
    assert impact.similar_mean == 1
    assert impact.difference == F(2, 3)
    assert impact.verdict == MORE
    assert impact.detail == "+1.7 objectives secured vs +1.0 (3 pupils, 5 similar)"
    # pupils of another year group are not similar, whatever their band
    other_year = rows([9, 9, 9, 9, 9], year=4, start=300)
    assert compare(members, similar + other_year, OBJECTIVES).similar == 5


def test_a_difference_exactly_at_the_margin_counts_either_way():
    similar = rows([1, 1, 1, 1, 1], start=100)
    at_margin = compare(rows([F(3, 2)] * 3), similar, OBJECTIVES)
    assert at_margin.difference == F(1, 2) and at_margin.verdict == MORE
    behind = compare(rows([F(1, 2)] * 3), similar, OBJECTIVES)
    assert behind.difference == F(-1, 2) and behind.verdict == LESS
    assert behind.label == "Made less progress than similar pupils"
    just_inside = compare(rows([F(3, 2) - F(1, 100)] * 3), similar, OBJECTIVES)
    assert just_inside.verdict == SAME
    assert just_inside.label == "Made about the same progress as similar pupils"


def test_too_few_pupils_to_say_below_three_members_or_five_similar():
    few_members = compare(rows([5, 5]), rows([0] * 10, start=100), OBJECTIVES)
    assert few_members.verdict == TOO_FEW
    assert few_members.text == (
        "Too few pupils to say: 2 pupils in it and 10 pupils like them were measured; "
        "at least 3 and 5 are needed."
    )
    few_similar = compare(rows([5, 5, 5]), rows([0] * 4, start=100), OBJECTIVES)
    assert few_similar.verdict == TOO_FEW and few_similar.similar == 4
    # the means are still worked out for those who want them
    assert few_similar.difference == 5


def test_members_with_no_similar_pupils_are_left_out_and_counted():
    members = rows([4, 4, 4], band=2) + rows([1, 1, 1], band=0, start=10)
    similar = rows([1, 1, 1, 1, 1], band=0, start=100)  # nobody like the band-2 members
    impact = compare(members, similar, OBJECTIVES)
    assert impact.not_counted[UNMATCHED] == 3
    assert impact.pupils == 3 and impact.pupils_mean == 1
    assert impact.verdict == SAME
    assert "3 pupils no similar pupils to compare with" in impact.not_counted_words()
    nobody = compare(members, [], OBJECTIVES)
    assert nobody.verdict == TOO_FEW and nobody.pupils == 0 and nobody.pupils_mean is None


def test_pupils_who_left_early_or_are_unmeasured_are_not_counted():
    members = (
        rows([3, 3, 3])
        + rows([-5], start=10, counted=False)  # left after a week: not counted
        + rows([None], start=20)  # no exit value yet
    )
    similar = rows([1] * 5, start=100)
    impact = compare(members, similar, OBJECTIVES)
    assert impact.members == 5 and impact.pupils == 3
    assert impact.not_counted[SHORT] == 1 and impact.not_counted[UNMEASURED] == 1
    assert impact.reason_of == {10: SHORT, 20: UNMEASURED}
    assert impact.pupils_mean == 3  # the early leaver's -5 is not in it


def test_nothing_measured_yet():
    impact = compare(rows([None, None, None]), rows([1] * 5, start=100), OBJECTIVES)
    assert impact.verdict == NOT_MEASURED
    assert impact.text.startswith("Not measured yet")


def test_so_far_while_it_runs_and_signed_rounding():
    impact = compare(rows([2] * 3), rows([1] * 5, start=100), OBJECTIVES, so_far=True)
    assert impact.label == "So far, made more progress than similar pupils"
    assert signed(F(21, 10)) == "+2.1"
    assert signed(F(1, 20)) == "+0.1"  # a half rounds away from zero
    assert signed(F(-1, 20)) == "-0.1"
    assert signed(F(-1, 100)) == "0.0"
    assert signed(F(0)) == "0.0"
