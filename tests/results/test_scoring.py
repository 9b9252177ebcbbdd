"""Score conversions checked against hand-worked examples. Most rules are built from unsaved
model instances: derive() asks the database nothing."""

from datetime import date
from decimal import Decimal as D

import pytest

from nextsteps.curriculum.models import Grade
from nextsteps.results.models import AssessmentDefinition, Band, Measure, NormTable
from nextsteps.results.scoring import (
    NormLookup,
    ScoreError,
    SittingRules,
    age_in_months,
    format_age,
    percentile_rank,
)

TEST_DAY = date(2026, 5, 12)


def standard_bands():
    return [
        Band(order=1, label="Below average", lower=None, upper=D(85), expectation="below"),
        Band(order=2, label="Average", lower=D(85), upper=D(115), expectation="at"),
        Band(order=3, label="Above average", lower=D(115), upper=None, expectation="above"),
    ]


def rules(measure=Measure.STANDARDISED, *, bands=None, norms=None, pass_mark=None, **fields):
    definition = AssessmentDefinition(name="Reading test", measure=measure, **fields)
    return SittingRules(
        definition=definition,
        on=TEST_DAY,
        pass_mark=pass_mark,
        bands=bands if bands is not None else [],
        grades={},
        norms=norms,
    )


# Ages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "months"),
    [
        (date(2018, 5, 12), date(2026, 5, 12), 96),  # the birthday itself completes the year
        (date(2018, 5, 12), date(2026, 5, 11), 95),  # the day before does not
        (date(2018, 5, 13), date(2026, 5, 12), 95),
        (date(2018, 1, 31), date(2018, 2, 28), 1),  # no 31 February: the last day counts
        (date(2018, 1, 31), date(2018, 2, 27), 0),
        (date(2020, 1, 31), date(2020, 2, 29), 1),  # leap year: 29 February is the last day
        (date(2020, 1, 31), date(2020, 2, 28), 0),
        (date(2018, 3, 31), date(2018, 4, 30), 1),
        (date(2018, 8, 30), date(2019, 2, 28), 6),  # 30th, short February: completed on the 28th
        (date(2018, 8, 30), date(2019, 2, 27), 5),
        (date(2018, 12, 31), date(2019, 1, 31), 1),  # across a new year
        (date(2018, 12, 31), date(2019, 1, 30), 0),
    ],
)
def test_age_in_completed_months_at_month_ends(born, on, months):
    assert age_in_months(born, on) == months


@pytest.mark.parametrize(
    ("on", "months"),
    [
        (date(2017, 2, 27), 11),
        (date(2017, 2, 28), 12),  # not a leap year: the year completes on 28 February
        (date(2017, 3, 1), 12),
        (date(2019, 2, 28), 36),
        (date(2020, 2, 28), 47),  # a leap year: 29 February still to come
        (date(2020, 2, 29), 48),
        (date(2016, 3, 28), 0),
        (date(2016, 3, 29), 1),
    ],
)
def test_leap_day_birthday(on, months):
    assert age_in_months(date(2016, 2, 29), on) == months


def test_age_refuses_a_birth_after_the_test():
    with pytest.raises(ScoreError) as error:
        age_in_months(date(2026, 6, 1), date(2026, 5, 12))
    assert error.value.field == "date_of_birth"
    assert "after the date of the test" in error.value.message


def test_format_age():
    assert format_age(99) == "8 years 3 months"
    assert format_age(13) == "1 year 1 month"


# Percentiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "rank"),
    [
        (100, 50),
        (85, 16),  # one standard deviation below: 15.87%
        (115, 84),  # 84.13%
        (70, 2),  # 2.28%
        (130, 98),  # 97.72%
        (107, 68),  # z = 0.467: 67.98%
        (55, 1),  # 0.13%, held at 1
        (141, 99),  # 99.7%, held at 99
    ],
)
def test_percentile_rank(score, rank):
    assert percentile_rank(D(score)) == rank


# Bands and thresholds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "label"),
    [("84.99", "Below average"), ("85", "Average"), ("114", "Average"), ("114.99", "Average")]
    + [("115", "Above average"), ("69", "Below average"), ("141", "Above average")],
)
def test_band_edges(score, label):
    derived = rules(bands=standard_bands()).derive(date_of_birth=date(2018, 1, 1), score=score)
    assert derived.band.label == label
    assert derived.score == D(score)


def test_a_given_standardised_score_gets_percentile_band_and_age():
    derived = rules(bands=standard_bands(), pass_mark=D(100)).derive(
        date_of_birth=date(2018, 2, 13), score=D(96)
    )
    assert derived.age_months == 98  # 8 years 2 months on 12 May 2026
    assert derived.percentile == 39  # z = -0.267: 39.49%
    assert derived.met_threshold is False


def test_score_outside_the_reportable_range():
    scaled = rules(Measure.SCALED, min_score=D(80), max_score=D(120))
    with pytest.raises(ScoreError) as error:
        scaled.derive(date_of_birth=date(2015, 1, 1), score=121)
    assert (error.value.field, error.value.message) == (
        "score",
        "The score must be between 80 and 120.",
    )
    assert scaled.derive(date_of_birth=date(2015, 1, 1), score=120).score == D(120)


def test_scaled_score_threshold_and_no_percentile():
    ks2 = rules(Measure.SCALED, min_score=D(80), max_score=D(120), pass_mark=D(100))
    met = ks2.derive(date_of_birth=date(2015, 1, 1), score=100)
    missed = ks2.derive(date_of_birth=date(2015, 1, 1), score="99")
    assert (met.met_threshold, missed.met_threshold) == (True, False)
    assert met.percentile is None


def test_phonics_threshold_is_on_the_raw_mark():
    phonics = rules(Measure.RAW, max_mark=D(40), pass_mark=D(32))
    assert phonics.derive(date_of_birth=date(2019, 9, 1), raw_score=32).met_threshold is True
    assert phonics.derive(date_of_birth=date(2019, 9, 1), raw_score=31).met_threshold is False
    assert phonics.derive(date_of_birth=date(2019, 9, 1), raw_score=31).score == D(31)
    with pytest.raises(ScoreError) as error:
        phonics.derive(date_of_birth=date(2019, 9, 1), raw_score=41)
    assert error.value.message == "The raw score must be between 0 and 40."
    with pytest.raises(ScoreError):
        phonics.derive(date_of_birth=date(2019, 9, 1), raw_score=-1)


def test_no_pass_mark_means_no_threshold_reading():
    mtc = rules(Measure.RAW, max_mark=D(25))
    assert mtc.derive(date_of_birth=date(2017, 1, 1), raw_score=25).met_threshold is None


def test_percentage_from_raw_mark():
    unit = rules(Measure.PERCENTAGE, max_mark=D(30), pass_mark=D(60))
    derived = unit.derive(date_of_birth=date(2017, 1, 1), raw_score=17)
    assert derived.score == D("56.67")
    assert derived.met_threshold is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "The raw score must be a number."),
        ("12.345", "The raw score can have at most two decimal places."),
        ("NaN", "The raw score must be a number."),
        ("1e9", "The raw score is too large."),
    ],
)
def test_bad_numbers_are_refused(value, message):
    with pytest.raises(ScoreError) as error:
        rules(Measure.RAW, max_mark=D(40)).derive(date_of_birth=date(2019, 1, 1), raw_score=value)
    assert (error.value.field, error.value.message) == ("raw_score", message)


def test_nothing_entered():
    with pytest.raises(ScoreError) as error:
        rules(Measure.RAW).derive(date_of_birth=date(2019, 1, 1), raw_score="  ")
    assert (error.value.field, error.value.message) == ("raw_score", "Enter a raw score.")
    with pytest.raises(ScoreError) as error:
        rules().derive(date_of_birth=date(2019, 1, 1))
    assert error.value.field == "score"


# Norm tables ---------------------------------------------------------------------------------


def small_table():
    """Ages 96 to 101 months in two columns (96: 8:00-8:02, 99: 8:03-8:05), raw 10 to 14, with
    raw 12 missing from the second column."""
    table = NormTable(min_age_months=96, max_age_months=101, min_raw=D(10), max_raw=D(14))
    entries = [(96, raw, 90 + 3 * (raw - 10)) for raw in range(10, 15)]
    entries += [(99, raw, 88 + 3 * (raw - 10)) for raw in (10, 11, 13, 14)]
    return NormLookup.from_entries(table, entries)


def test_raw_score_converted_by_age():
    reading = rules(bands=standard_bands(), norms=small_table(), max_mark=D(40))
    # born 12 May 2018: 96 months on 12 May 2026 -> column 96
    first = reading.derive(date_of_birth=date(2018, 5, 12), raw_score=13)
    assert (first.age_months, first.score, first.percentile) == (96, D(99), 47)
    assert first.band.label == "Average"
    # one day younger: 95 months, before the table starts
    with pytest.raises(ScoreError) as error:
        reading.derive(date_of_birth=date(2018, 5, 13), raw_score=13)
    assert error.value.field == "date_of_birth"
    assert "7 years 11 months at the test, younger than the norm table covers" in str(error.value)
    # 98 months still reads the 96 column; 99 reads the next one
    assert reading.derive(date_of_birth=date(2018, 3, 12), raw_score=13).score == D(99)
    assert reading.derive(date_of_birth=date(2018, 2, 12), raw_score=13).score == D(97)


def test_ages_beyond_the_table():
    reading = rules(norms=small_table(), max_mark=D(40))
    assert reading.derive(date_of_birth=date(2017, 12, 12), raw_score=10).score == D(88)  # 101
    with pytest.raises(ScoreError) as error:
        reading.derive(date_of_birth=date(2017, 11, 12), raw_score=10)  # 102 months
    assert "8 years 6 months at the test, older than the norm table covers" in error.value.message
    assert "(8 years 0 months to 8 years 5 months)" in error.value.message


@pytest.mark.parametrize(("raw", "side"), [(9, "below"), (15, "above")])
def test_raw_scores_beyond_the_table(raw, side):
    reading = rules(norms=small_table(), max_mark=D(40))
    with pytest.raises(ScoreError) as error:
        reading.derive(date_of_birth=date(2018, 5, 12), raw_score=raw)
    assert error.value.field == "raw_score"
    assert error.value.message == (
        f"A raw score of {raw} is {side} the norm table's range (10 to 14). "
        "Enter the standardised score yourself."
    )
    # the teacher can give the standardised score from the publisher's table instead
    given = reading.derive(date_of_birth=date(2018, 5, 12), raw_score=raw, score=69)
    assert given.score == D(69)


def test_a_gap_in_the_table_is_refused_not_guessed():
    reading = rules(norms=small_table(), max_mark=D(40))
    with pytest.raises(ScoreError) as error:
        reading.derive(date_of_birth=date(2018, 2, 12), raw_score=12)  # 99 months
    assert error.value.message == (
        "The norm table has no standardised score for a raw score of 12 at 8 years 3 months. "
        "Enter the standardised score yourself."
    )
    assert reading.derive(date_of_birth=date(2018, 5, 12), raw_score=12).score == D(96)


def test_raw_score_with_no_norm_table_keeps_no_score():
    derived = rules(bands=standard_bands(), max_mark=D(40)).derive(
        date_of_birth=date(2018, 5, 12), raw_score=13
    )
    assert (derived.score, derived.percentile, derived.band) == (None, None, None)


# Grades and components -----------------------------------------------------------------------


def graded(components=(), secure_scale=True):
    definition = AssessmentDefinition(
        name="Early years profile",
        measure=Measure.GRADE,
        components=[{"code": c, "name": c} for c in components],
    )
    grades = {
        1: Grade(pk=1, order=1, label="Emerging", value=1, secure=False),
        2: Grade(pk=2, order=2, label="Expected", value=2, secure=secure_scale),
    }
    return SittingRules(
        definition=definition,
        on=TEST_DAY,
        pass_mark=None,
        bands=[],
        grades=grades,
        components=frozenset(components),
    )


def test_grades_meet_the_standard_when_secure():
    profile = graded(["listening", "speaking"])
    assert profile.derive(
        date_of_birth=date(2021, 1, 1), grade=2, component="speaking"
    ).met_threshold
    expected = profile.derive(date_of_birth=date(2021, 1, 1), grade="1", component="listening")
    assert expected.met_threshold is False
    assert expected.score is None
    levels = graded(secure_scale=False)
    assert levels.derive(date_of_birth=date(2015, 1, 1), grade=2).met_threshold is None


def test_grades_off_the_scale_and_unknown_components():
    profile = graded(["listening"])
    with pytest.raises(ScoreError) as error:
        profile.derive(date_of_birth=date(2021, 1, 1), grade=99, component="listening")
    assert error.value.field == "grade"
    with pytest.raises(ScoreError) as error:
        profile.derive(date_of_birth=date(2021, 1, 1), grade=2, component="dancing")
    assert error.value.field == "component"
    with pytest.raises(ScoreError) as error:
        profile.derive(date_of_birth=date(2021, 1, 1), grade=2)
    assert error.value.field == "component"
    with pytest.raises(ScoreError) as error:
        graded().derive(date_of_birth=date(2021, 1, 1), grade=2, component="listening")
    assert error.value.message == "Early years profile is recorded as a whole, not in parts."
    with pytest.raises(ScoreError) as error:
        rules().derive(date_of_birth=date(2021, 1, 1), grade=2)
    assert error.value.field == "grade"


# Loading a sitting ---------------------------------------------------------------------------


def test_for_sitting_loads_everything_then_asks_nothing(cast, django_assert_num_queries):
    from nextsteps.results.models import NormEntry, Sitting

    definition = AssessmentDefinition.objects.create(
        school=cast.school,
        code="reading-test",
        name="Reading test",
        kind="standardised",
        measure=Measure.STANDARDISED,
        max_mark=40,
        threshold=95,
    )
    for band in standard_bands():
        band.definition = definition
        band.save()
    table = NormTable.objects.create(
        definition=definition,
        name="Spring",
        min_age_months=96,
        max_age_months=101,
        min_raw=10,
        max_raw=14,
    )
    NormEntry.objects.bulk_create(
        NormEntry(table=table, age_months=96, raw_score=raw, standardised=90 + raw)
        for raw in range(10, 15)
    )
    sitting = Sitting.objects.create(
        definition=definition,
        school=cast.school,
        academic_year=cast.year,
        name="Reading",
        date=TEST_DAY,
        norm_table=table,
    )
    sitting = Sitting.objects.get(pk=sitting.pk)
    with django_assert_num_queries(4):  # definition, bands, norm table, its entries
        sitting_rules = SittingRules.for_sitting(sitting)
    with django_assert_num_queries(0):
        derived = [
            sitting_rules.derive(date_of_birth=date(2018, 5, 1), raw_score=raw)
            for raw in range(10, 15)
        ]
    assert [d.score for d in derived] == [D(100 + n) for n in range(5)]
    assert [d.met_threshold for d in derived] == [True] * 5
    assert derived[0].band.label == "Average"
