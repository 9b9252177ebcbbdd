"""Attainment and transition figures checked against a hand-counted cohort (conftest)."""

import pytest

from nextsteps.analysis import figures, groups
from nextsteps.assessment.summary import record_summary
from nextsteps.results.comparison import class_cohort

pytestmark = pytest.mark.django_db


def _att(cast, oak_maths, anonymise=False):
    own = groups.custom_groups([cast.school])
    cohort = class_cohort(cast.head, cast.oak, oak_maths.point)
    return figures.attainment(
        cohort, oak_maths.subject, oak_maths.point, groups=own, anonymise=anonymise
    )


def _grades(row, oak_maths):
    return {
        label: (g.count, g.percent)
        for g, label in zip(row.grades, ("WTS", "EXS", "GDS"), strict=True)
    }


def test_attainment_by_group_matches_the_hand_count(cast, oak_maths):
    att = _att(cast, oak_maths)
    everyone = att.row("all")
    assert (everyone.pupils, everyone.judged, everyone.not_judged) == (6, 5, 1)
    assert _grades(everyone, oak_maths) == {"WTS": (2, 40), "EXS": (2, 40), "GDS": (1, 20)}
    assert (everyone.expected, everyone.expected_percent) == (3, 60)
    boys = att.row("boys")
    assert (boys.pupils, boys.judged) == (3, 3)
    # a tie: 2 and 1 of 3 round to 67 and 33
    assert _grades(boys, oak_maths) == {"WTS": (2, 67), "EXS": (0, 0), "GDS": (1, 33)}
    assert (boys.expected, boys.expected_percent) == (1, 33)
    girls = att.row("girls")
    assert (girls.pupils, girls.judged, girls.expected, girls.expected_percent) == (3, 2, 2, 100)
    assert girls.small
    assert (att.row("disadvantaged").pupils, att.row("disadvantaged").expected) == (1, 1)
    assert att.row("not_disadvantaged").expected_percent == 50
    assert (att.row("sen_k").pupils, att.row("sen_k").expected_percent) == (1, 0)
    assert att.row("summer_born").pupils == 1
    eal = att.row("eal")
    assert (eal.pupils, eal.judged, eal.expected, eal.expected_percent) == (2, 1, 0, 0)
    # empty groups: no pupils, no percentage
    for key in ("sen_e", "looked_after"):
        row = att.row(key)
        assert (row.pupils, row.judged, row.expected, row.expected_percent) == (0, 0, 0, None)
        assert not row.small
    focus = att.row(f"group_{oak_maths.group.pk}")
    assert (focus.pupils, focus.expected, focus.expected_percent) == (2, 2, 100)


def test_the_latest_summary_counts(cast, oak_maths):
    record_summary(
        cast.amara, oak_maths.subject, oak_maths.point, oak_maths.grades["WTS"], by=cast.leader
    )
    everyone = _att(cast, oak_maths).row("all")
    assert (everyone.judged, everyone.expected) == (5, 2)


def test_anonymised_figures_hide_small_groups(cast, oak_maths):
    att = _att(cast, oak_maths, anonymise=True)
    assert att.row("all").pupils == 6
    girls = att.row("girls")
    assert girls.suppressed and girls.pupils is None and girls.expected_percent is None
    assert all(g.count is None for g in girls.grades)


def test_the_pupils_behind_a_figure(cast, oak_maths):
    own = groups.custom_groups([cast.school])
    cohort = class_cohort(cast.head, cast.oak, oak_maths.point)
    boys = groups.find("boys", own)
    wts = str(oak_maths.grades["WTS"].pk)
    names = {
        p.pk
        for p in figures.attainment_pupils(
            cohort, oak_maths.subject, oak_maths.point, boys, wts, own
        )
    }
    assert names == {cast.bartholomew.pk, oak_maths.extra[2].pk}
    none = figures.attainment_pupils(
        cohort, oak_maths.subject, oak_maths.point, groups.ALL, "none", own
    )
    assert [p.pk for p in none] == [oak_maths.extra[3].pk]


def test_transition_between_two_points(cast, oak_maths):
    later = cast.year.assessment_points.order_by("date")[1]
    g = oak_maths.grades
    record_summary(cast.amara, oak_maths.subject, later, g["GDS"], by=cast.leader)
    record_summary(cast.bartholomew, oak_maths.subject, later, g["WTS"], by=cast.leader)
    record_summary(oak_maths.extra[0], oak_maths.subject, later, g["EXS"], by=cast.leader)
    record_summary(oak_maths.extra[3], oak_maths.subject, later, g["EXS"], by=cast.leader)
    cohort = class_cohort(cast.head, cast.oak, later)
    tr = figures.transition(cohort, oak_maths.subject, oak_maths.point, later)
    k = {label: str(g[label].pk) for label in g}
    assert tr.counts[(k["EXS"], k["GDS"])] == 1
    assert tr.counts[(k["WTS"], k["WTS"])] == 1
    assert tr.counts[(k["GDS"], k["EXS"])] == 1
    assert tr.counts[("none", k["EXS"])] == 1
    assert tr.counts[(k["EXS"], "none")] == 1  # Extra1
    assert tr.counts[(k["WTS"], "none")] == 1  # Extra2
    assert tr.total == 6
    assert (tr.moved_up, tr.stayed, tr.moved_down) == (1, 1, 1)
    cell = figures.transition_pupils(
        cohort, oak_maths.subject, oak_maths.point, later, k["GDS"], k["EXS"]
    )
    assert [p.pk for p in cell] == [oak_maths.extra[0].pk]
