"""The results services: sittings, recording with optimistic versions, norm tables loaded
all or nothing, bands and thresholds tuned with results kept in step."""

import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from nextsteps.results import services
from nextsteps.results.models import NormTable, Result
from nextsteps.results.scoring import ScoreError
from nextsteps.results.services import NormTableError, StaleResult
from tests.results.conftest import norm_rows, sitting_day

# Sittings ------------------------------------------------------------------------------------


def test_create_sitting_finds_the_year_and_names_it(cast, sitting_of):
    sitting = sitting_of("phonics-screening-check")
    assert sitting.academic_year == cast.year
    assert sitting.school == cast.school
    assert sitting.name == f"Phonics screening check, May {sitting.date.year}"
    assert sitting.pass_mark == D(32)
    own = sitting_of("phonics-screening-check", threshold="31", name=" Phonics, this June ")
    assert (own.pass_mark, own.name) == (D(31), "Phonics, this June")


def test_create_sitting_refuses_what_does_not_fit(cast, sitting_of, definition_of, reading_table):
    cases = [
        ({"date": cast.year.start_date - timedelta(days=800)}, "date"),
        ({"threshold": 41}, "threshold"),
        ({"threshold": "1e9"}, "threshold"),
        ({"assessment_point": cast.last_year.assessment_points.first()}, "assessment_point"),
        ({"norm_table": reading_table}, "norm_table"),  # a reading table for phonics
    ]
    for options, field in cases:
        with pytest.raises(ValidationError) as error:
            sitting_of("phonics-screening-check", **options)
        assert field in error.value.message_dict, options
    with pytest.raises(ValidationError) as error:
        sitting_of("ks2-reading", threshold=121)
    assert error.value.message_dict["threshold"] == ["The pass mark must be within 80 to 120."]
    with pytest.raises(ValidationError):
        sitting_of("eyfs-profile", threshold=1)
    assert not definition_of("phonics-screening-check").sittings.exists()


# Recording -----------------------------------------------------------------------------------


def test_record_converts_and_reads_a_raw_score(cast, sitting_of, reading_table):
    sitting = sitting_of("standardised-reading", norm_table=reading_table)
    result = services.record_result(sitting, cast.amara, by=cast.teacher, raw_score="15")
    # Amara is 103 months old: 70 + 30 - 1 = 99
    assert (result.age_months, result.raw_score, result.score) == (103, D(15), D(99))
    assert (result.percentile, result.band.label, result.version) == (47, "Average", 1)
    assert result.recorded_by == cast.teacher and result.source == Result.Source.GRID
    same = services.record_result(sitting, cast.amara, by=cast.head, raw_score=15)
    assert (same.version, same.recorded_by) == (1, cast.teacher)  # nothing to change
    changed = services.record_result(sitting, cast.amara, by=cast.head, raw_score=30)
    assert (changed.score, changed.band.label, changed.version) == (D(129), "Above average", 2)
    assert Result.objects.count() == 1


def test_a_stale_version_writes_nothing(cast, sitting_of):
    sitting = sitting_of("phonics-screening-check")
    first = services.record_result(
        sitting, cast.amara, by=cast.teacher, raw_score=30, expected_version=0
    )
    services.record_result(sitting, cast.amara, by=cast.head, raw_score=35, expected_version=1)
    with pytest.raises(StaleResult) as stale:
        services.record_result(
            sitting, cast.amara, by=cast.teacher, raw_score=20, expected_version=1
        )
    assert stale.value.current.raw_score == D(35)
    assert stale.value.current.recorded_by == cast.head
    with pytest.raises(StaleResult):  # the page showed an empty cell
        services.record_result(
            sitting, cast.amara, by=cast.teacher, raw_score=20, expected_version=0
        )
    first.refresh_from_db()
    assert (first.raw_score, first.version, first.met_threshold) == (D(35), 2, True)


def test_clear_checks_the_version_too(cast, sitting_of):
    sitting = sitting_of("multiplication-tables-check")
    services.record_result(sitting, cast.amara, by=cast.teacher, raw_score=25)
    with pytest.raises(StaleResult):
        services.clear_result(sitting, cast.amara, by=cast.teacher, expected_version=0)
    services.clear_result(sitting, cast.amara, by=cast.teacher, expected_version=1)
    assert not Result.objects.exists()
    with pytest.raises(StaleResult) as stale:  # cleared by someone else meanwhile
        services.record_result(
            sitting, cast.amara, by=cast.teacher, raw_score=20, expected_version=1
        )
    assert stale.value.current is None
    services.clear_result(sitting, cast.amara, by=cast.teacher)  # nothing there: no error


def test_bad_entries_and_pupils_off_roll_write_nothing(cast, sitting_of, reading_table):
    sitting = sitting_of("standardised-reading", norm_table=reading_table)
    with pytest.raises(ScoreError) as error:
        services.record_result(sitting, cast.amara, by=cast.teacher, raw_score=41)
    assert error.value.field == "raw_score"
    with pytest.raises(ValidationError) as error:
        services.record_result(sitting, cast.priya, by=cast.head, raw_score=10)
    assert "was not on roll" in error.value.message_dict["pupil"][0]
    assert not Result.objects.exists()


def test_profile_components_are_separate_results(cast, sitting_of, definition_of):
    sitting = sitting_of("eyfs-profile")
    grades = {g.label: g for g in definition_of("eyfs-profile").scale.grades.all()}
    services.record_result(
        sitting, cast.amara, by=cast.teacher, grade=grades["Expected"], component="speaking"
    )
    services.record_result(
        sitting, cast.amara, by=cast.teacher, grade=grades["Emerging"].pk, component="number"
    )
    got = dict(Result.objects.values_list("component", "met_threshold"))
    assert got == {"speaking": True, "number": False}
    with pytest.raises(ScoreError):
        services.record_result(sitting, cast.amara, by=cast.teacher, grade=grades["Expected"])


# Changing a sitting or definition keeps results in step -----------------------------------


def test_a_norm_table_added_later_converts_recorded_raw_scores(cast, sitting_of, reading_table):
    sitting = sitting_of("standardised-reading")
    services.record_result(sitting, cast.amara, by=cast.teacher, raw_score=15)
    services.record_result(sitting, cast.bartholomew, by=cast.teacher, raw_score=2, score=69)
    assert Result.objects.get(pupil=cast.amara).score is None
    services.update_sitting(sitting, by=cast.leader, norm_table=reading_table)
    amara = Result.objects.get(pupil=cast.amara)
    assert (amara.score, amara.percentile, amara.band.label) == (D(99), 47, "Average")
    # raw 2 at 106 months converts to 73: the table's figure replaces the one typed in
    assert Result.objects.get(pupil=cast.bartholomew).score == D(73)


def test_moving_the_date_recomputes_ages(cast, sitting_of, reading_table):
    sitting = sitting_of("standardised-reading", norm_table=reading_table)
    services.record_result(sitting, cast.amara, by=cast.teacher, raw_score=15)
    services.update_sitting(sitting, by=cast.leader, date=sitting.date - timedelta(days=60))
    amara = Result.objects.get(pupil=cast.amara)
    assert (amara.age_months, amara.score) == (101, D(100))  # 70 + 30, under 102 months
    with pytest.raises(ValidationError) as error:
        services.update_sitting(sitting, by=cast.leader, date=sitting.date + timedelta(days=400))
    assert "date" in error.value.message_dict


def test_a_new_pass_mark_re_marks_results(cast, sitting_of, definition_of):
    phonics = sitting_of("phonics-screening-check")
    own = sitting_of("phonics-screening-check", threshold=30)
    services.record_result(phonics, cast.amara, by=cast.teacher, raw_score=31)
    services.record_result(own, cast.amara, by=cast.teacher, raw_score=31)
    assert Result.objects.get(sitting=phonics).met_threshold is False
    services.update_definition(
        definition_of("phonics-screening-check"), by=cast.leader, threshold=31
    )
    assert Result.objects.get(sitting=phonics).met_threshold is True
    services.update_sitting(own, by=cast.leader, threshold=33)
    assert Result.objects.get(sitting=own).met_threshold is False


def test_update_definition_keeps_recorded_results_valid(cast, sitting_of, definition_of):
    sitting = sitting_of("multiplication-tables-check")
    services.record_result(sitting, cast.amara, by=cast.teacher, raw_score=24)
    mtc = definition_of("multiplication-tables-check")
    with pytest.raises(ValidationError) as error:
        services.update_definition(mtc, by=cast.leader, max_mark=20)
    assert "max_mark" in error.value.message_dict
    with pytest.raises(services.StaleDefinition) as stale:
        services.update_definition(mtc, by=cast.leader, expected_version=mtc.version + 1, name="X")
    assert "meanwhile" in str(stale.value) and stale.value.current.version == mtc.version
    mtc.refresh_from_db()
    assert mtc.name != "X"
    updated = services.update_definition(mtc, by=cast.leader, name=" MTC ", active=False)
    assert (updated.name, updated.active, updated.version) == ("MTC", False, mtc.version + 1)


def test_tune_bands_moves_results_into_their_new_band(cast, sitting_of, definition_of):
    sitting = sitting_of("standardised-maths")
    services.record_result(sitting, cast.amara, by=cast.teacher, score=82)
    services.record_result(sitting, cast.bartholomew, by=cast.teacher, score=125)
    maths = definition_of("standardised-maths")
    bands = services.tune_bands(
        maths,
        [
            {"label": "Well below", "upper": 70, "expectation": "below", "colour": "#a4000f"},
            {
                "label": "Below",
                "lower": 70,
                "upper": 80,
                "expectation": "below",
                "colour": "#FFBF47",
            },
            {"label": "Typical", "lower": 80, "expectation": "at", "colour": "#00703c"},
        ],
        by=cast.leader,
        expected_version=maths.version,
    )
    assert [b.order for b in bands] == [1, 2, 3]
    assert maths.bands.count() == 3 and bands[1].colour == "#ffbf47"
    got = dict(Result.objects.values_list("pupil__legal_first_name", "band__label"))
    assert got == {"Amara": "Typical", "Bartholomew": "Typical"}


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([{"label": "A", "upper": 85, "expectation": "below", "colour": "#fff"}], "#rrggbb"),
        ([{"label": "", "expectation": "at", "colour": "#ffffff"}], "label"),
        ([{"label": "A", "lower": 9, "upper": 5, "expectation": "at"}], "below the upper"),
        ([{"label": "A", "expectation": "middling"}], "below, at or above"),
        ([{"label": "A", "lower": "x", "expectation": "at"}], "must be numbers"),
        (
            [
                {"label": "A", "upper": 85, "expectation": "below"},
                {"label": "B", "lower": 90, "expectation": "at"},
            ],
            "Band 2 must start where band 1 ends",
        ),
    ],
)
def test_tune_bands_refuses_bad_bands(cast, definition_of, bands, message):
    maths = definition_of("standardised-maths")
    with pytest.raises(ValidationError) as error:
        services.tune_bands(maths, bands, by=cast.leader)
    assert any(message in m for m in error.value.message_dict["bands"])
    assert maths.bands.count() == 3


def test_tune_bands_with_a_stale_version_changes_nothing(cast, definition_of):
    maths = definition_of("standardised-maths")
    before = list(maths.bands.values_list("label", "lower", "upper"))
    one_band = [{"label": "All", "expectation": "at", "colour": "#00703c"}]
    with pytest.raises(services.StaleDefinition) as stale:
        services.tune_bands(maths, one_band, by=cast.leader, expected_version=maths.version - 1)
    assert stale.value.current.version == maths.version
    assert list(maths.bands.values_list("label", "lower", "upper")) == before
    services.tune_bands(maths, one_band, by=cast.leader, expected_version=maths.version)
    assert list(maths.bands.values_list("label", flat=True)) == ["All"]


# Norm tables ---------------------------------------------------------------------------------


def upload(text: str, name="norms.csv"):
    return SimpleUploadedFile(name, text.encode())


def test_long_csv(cast, definition_of):
    text = "Age (years),Age (months),Raw score,Standardised score\n"
    text += "".join(
        f"{r['age_years']},{r['age_months']},{r['raw']},{r['standardised']}\n"
        for r in norm_rows(96, 101, 10)
    )
    table = services.load_norm_table(
        definition_of("standardised-reading"), upload=upload(text), by=cast.leader
    )
    assert (table.name, table.min_age_months, table.max_age_months) == ("norms.csv", 96, 101)
    assert (table.min_raw, table.max_raw, table.entries.count()) == (0, 10, 66)
    assert table.uploaded_by == cast.leader and table.left_out == 0


def test_wide_grid_with_spans_and_inexact_cells(cast, definition_of, sitting_of):
    text = "Raw score,8:00-8:02,8:03-8:05\n0-2,<70,<70\n3,71,70\n4,74,72\n"
    reading = definition_of("standardised-reading")
    table = services.load_norm_table(reading, upload=upload(text), by=cast.leader, name="Grid")
    assert table.left_out == 2
    assert (table.min_age_months, table.max_age_months) == (96, 101)
    assert (table.min_raw, table.max_raw) == (3, 4)
    assert table.entries.get(age_months=97, raw_score=4).standardised == D(74)
    assert table.entries.count() == 12
    sitting = sitting_of("standardised-reading", norm_table=table)
    with pytest.raises(ScoreError) as error:  # Amara is 103 months old
        services.record_result(sitting, cast.amara, by=cast.teacher, raw_score=3)
    assert "older than the norm table covers (8 years 0 months to 8 years 5 months)" in str(
        error.value
    )


def test_wide_xlsx(cast, definition_of):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Raw", "7:00", "7:01"])
    sheet.append([10, 95, 94])
    sheet.append([11, 97, 96.5])
    content = io.BytesIO()
    book.save(content)
    table = services.load_norm_table(
        definition_of("standardised-maths"),
        upload=SimpleUploadedFile("puma.xlsx", content.getvalue()),
        by=cast.leader,
    )
    assert table.entries.get(age_months=85, raw_score=11).standardised == D("96.5")


def test_every_problem_is_reported_and_nothing_loaded(cast, definition_of):
    text = (
        "Raw,8:00,8:13,banana\n"  # line 1: two bad age headers
        "5,80,81\n"
        "6,79,\n"  # descending within 8:00
        "6,85,\n"  # repeats raw 6
        "x,90,\n"
        "7,abc,\n"
        "8,200,\n"
    )
    with pytest.raises(NormTableError) as error:
        services.load_norm_table(
            definition_of("standardised-reading"), upload=upload(text), by=cast.leader
        )
    problems = error.value.problems
    assert [line for line, _ in problems] == [1, 1, 3, 4, 5, 6, 7]
    messages = dict(enumerate(m for _, m in problems))
    assert "'8:13' is not an age" in messages[0] and "'banana'" in messages[1]
    assert "raw 6 gives 79, less than raw 5 (80)" in messages[2]
    assert "already on line 3" in messages[3]
    assert "raw score 'x' is not a number" in messages[4]
    assert "'abc' is not a number" in messages[5]
    assert "200 is outside 55 to 145" in messages[6]
    assert not NormTable.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Name,Score\nAmara,12\n", "The columns were not recognised"),
        ("", "The file is empty"),
        ("Age years,Age months,Raw,Standardised\n8,12,3,90\n", "must be 0 to 11"),
        ("Age years,Age months,Raw,Standardised\neight,1,3,90\n", "'eight' is not a whole"),
        ("Age years,Age months,Raw,Standardised\n8,1,3,\n", "standardised score is missing"),
        ("Raw,8:00\n1,<70\n", "no standardised scores"),
    ],
)
def test_files_that_cannot_be_read(cast, definition_of, text, message):
    with pytest.raises(NormTableError) as error:
        services.load_norm_table(
            definition_of("standardised-reading"), upload=upload(text), by=cast.leader
        )
    assert message in str(error.value)


def test_only_standardised_tests_take_norm_tables(cast, definition_of):
    with pytest.raises(NormTableError) as error:
        services.load_norm_table(
            definition_of("ks2-reading"), rows=norm_rows(96, 96, 3), by=cast.leader
        )
    assert "does not use standardised scores" in str(error.value)


def test_sitting_day_fixture_is_in_the_current_year(cast):
    assert cast.year.start_date <= sitting_day(cast) <= cast.year.end_date
