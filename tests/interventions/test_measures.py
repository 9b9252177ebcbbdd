"""Entry and exit values read from the records (nextsteps/interventions/measures.py): objectives
secure as they stood on a day, test scores before and after, weekly ratings before and at the
end; and the starting-point bands, ties included."""

from datetime import timedelta
from decimal import Decimal

import pytest

from nextsteps.interventions.measures import (
    ObjectivesMeasure,
    Period,
    ReviewMeasure,
    ScoreMeasure,
    monday,
)

from .conftest import judge, rate

pytestmark = pytest.mark.django_db


def test_objectives_secure_before_the_first_day_and_at_the_end_of_the_last(setting):
    s, g, o = setting, setting.maths.grades, setting.y3
    amara = s.cast.amara
    judge(amara, [o[0]], g["S"], s.day(-2))  # secure before: in the entry
    judge(amara, [o[1]], g["S"], s.start)  # on the first day: progress, not entry
    judge(amara, [o[2]], g["D"], s.day(3))
    judge(amara, [o[0]], g["D"], s.day(4))  # lowered while in it: no longer secure
    judge(amara, [o[2]], g["M"], s.end + timedelta(days=1))  # after the end: not counted
    measure = ObjectivesMeasure(s.maths.maths, s.maths.y3)
    assert measure.out_of == 3
    whole = measure.values({amara.pk: Period(s.start, s.end, True)})[amara.pk]
    assert (whole.entry, whole.exit, whole.change) == (1, 1, 0)
    part = measure.values({amara.pk: Period(s.start, s.day(3), False)})[amara.pk]
    assert (part.entry, part.exit) == (1, 2)
    assert measure.show(part.exit) == "2 of 3"
    assert measure.describe() == "Mathematics, Year 3: how many of its 3 objectives are secure"
    # a pupil with no judgements has nothing secure, which is a value
    bart = s.cast.bartholomew
    none = measure.values({bart.pk: Period(s.start, s.end, True)})[bart.pk]
    assert (none.entry, none.exit) == (0, 0)


def test_objective_bands_are_thirds_with_a_tie_going_up(setting):
    measure = ObjectivesMeasure(setting.maths.maths, setting.maths.y3)  # 3 objectives
    assert [measure.band(Decimal(n)) for n in range(4)] == [0, 1, 2, 2]
    seven = ObjectivesMeasure(setting.maths.maths, out_of=7)
    # a third of 7 is 2.33: 2 is below it, 3 above; two thirds is 4.67
    assert [seven.band(Decimal(n)) for n in (0, 2, 3, 4, 5, 7)] == [0, 0, 1, 1, 2, 2]
    assert seven.band(None) is None
    assert measure.band_label(1) == "secure in a third to two thirds"


def test_test_scores_before_the_start_and_first_after_the_end(setting):
    s = setting
    amara, bart = s.cast.amara, s.cast.bartholomew
    s.sitting(s.day(-6), {amara: 84, bart: 90})
    s.sitting(s.start, {amara: 88})  # on the first day counts as before
    s.sitting(s.day(4), {amara: 93, bart: 94})  # while it runs
    s.sitting(s.end, {amara: 97})  # on the last day counts as after
    s.sitting(s.end + timedelta(days=30), {amara: 99, bart: 101})
    measure = ScoreMeasure(s.reading)
    done = measure.values(
        {amara.pk: Period(s.start, s.end, True), bart.pk: Period(s.start, s.end, True)}
    )
    assert (done[amara.pk].entry, done[amara.pk].exit) == (88, 97)
    assert (done[amara.pk].entry_on, done[amara.pk].exit_on) == (s.start, s.end)
    assert (done[bart.pk].entry, done[bart.pk].exit) == (90, 101)
    # while it runs: the latest score since the start, so far
    running = measure.values({amara.pk: Period(s.start, s.day(5), False)})[amara.pk]
    assert (running.entry, running.exit) == (88, 93)
    # ten-point starting bands for a standardised score; a margin of 3 points
    assert [measure.band(Decimal(v)) for v in ("89.5", "90", "99.99", "100")] == [8, 9, 9, 10]
    assert measure.band_label(9) == "90 to 99"
    assert measure.reading.margin == 3


def test_a_finished_test_measure_waits_for_its_exit_sitting(setting):
    s = setting
    item = s.intervention(measure_kind="test", definition=s.reading, subject=None, stage=None)
    measure = ScoreMeasure(s.reading)
    after = s.end + timedelta(days=10)
    assert "Waiting for the exit test" in measure.waiting_for(item, after)
    s.sitting(s.end + timedelta(days=3), {s.cast.amara: 100})
    assert measure.waiting_for(item, after) is None
    # a sitting dated after "today" has not happened yet
    assert measure.waiting_for(item, s.end + timedelta(days=2)) is not None


def test_weekly_ratings_four_weeks_before_and_the_last_four(setting):
    s = setting
    area = s.area()
    amara = s.cast.amara
    first = monday(s.start)
    before = {-5: "G", -4: "R", -3: "A", -2: "A", -1: "R"}  # -5 is outside the window
    during = {0: "R", 4: "R", 5: "G", 6: "G", 7: "A", 8: "G"}
    for offset, rating in {**before, **during}.items():
        rate(amara, area, first + timedelta(weeks=offset), rating)
    measure = ReviewMeasure(area)
    value = measure.values({amara.pk: Period(s.start, s.end, True)})[amara.pk]
    # entry (0 + 1 + 1 + 0) / 4 = 0.5; exit weeks 5 to 8: (2 + 2 + 1 + 2) / 4 = 1.75
    assert (value.entry, value.exit) == (Decimal("0.5"), Decimal("1.75"))
    assert value.exit_on == first + timedelta(weeks=8)
    assert value.change == Decimal("1.25")
    # exactly a half is amber, exactly one and a half is green
    assert [measure.band(Decimal(v)) for v in ("0.49", "0.5", "1.49", "1.5")] == [0, 1, 1, 2]
    assert measure.show(value.entry) == "0.50 (mostly amber)"
    # a pupil with no ratings in a window has no value there
    bart = s.cast.bartholomew
    rate(bart, area, first + timedelta(weeks=2), "G")
    alone = measure.values({bart.pk: Period(s.start, s.end, True)})[bart.pk]
    assert alone.entry is None and alone.exit is None and alone.change is None
