"""The pure helpers in nextsteps.lib, checked against hand-worked examples."""

from datetime import date

import pytest

from nextsteps.lib.dates import (
    academic_year_start,
    age_in_months,
    age_years_months,
    is_summer_born,
    national_curriculum_year,
    scottish_stage,
)
from nextsteps.lib.upn import UPNError, check_letter, make_upn, parse_upn


def test_check_letter_worked_by_hand():
    # 2*2 + 0*3 + 1*4 + 2*5 + 0*6 + 0*7 + 1*8 + 1*9 + 8*10 + 0*11 + 0*12 + 1*13 = 128;
    # 128 mod 23 = 13, the 14th letter of ABCDEFGHJKLMNPQRTUVWXYZ
    assert check_letter("201200118001") == "P"
    assert parse_upn("P201200118001").temporary is False


def test_temporary_upn_ends_in_a_letter_that_counts_by_its_position():
    # as above but the last character A (value 0) drops 13 from the sum: 115 mod 23 = 0
    parsed = parse_upn("a20120011800a")
    assert parsed.value == "A20120011800A" and parsed.temporary


def test_spaces_and_case_are_forgiven():
    assert parse_upn(" p2012 0011 8001 ").value == "P201200118001"


@pytest.mark.parametrize(
    "raw,words",
    [
        ("", "empty"),
        ("P20120011800", "13 characters"),
        ("I201200118001", "check letter"),
        ("P2012001X8001", "digits"),
        ("A201200118001", "expected 'P'"),
        ("P20120011800$", "last character"),
    ],
)
def test_bad_upns_say_what_is_wrong(raw, words):
    with pytest.raises(UPNError, match=words):
        parse_upn(raw)


def test_make_upn_round_trips():
    for serial in range(0, 1000, 37):
        assert parse_upn(make_upn(938, 2001, 19, serial)).value.endswith(f"{serial:03d}")
    assert parse_upn(make_upn(938, 2001, 19, 5, temporary_letter="K")).temporary


@pytest.mark.parametrize(
    "born,on,months",
    [
        (date(2016, 1, 15), date(2016, 2, 14), 0),
        (date(2016, 1, 15), date(2016, 2, 15), 1),
        (date(2016, 1, 31), date(2016, 2, 28), 0),
        (date(2016, 1, 31), date(2016, 2, 29), 1),  # the last day of a shorter month counts
        (date(2012, 2, 29), date(2013, 2, 27), 11),
        (date(2012, 2, 29), date(2013, 2, 28), 12),  # leap-day birthday in a common year
        (date(2015, 9, 1), date(2024, 5, 13), 8 * 12 + 8),
    ],
)
def test_age_in_completed_months(born, on, months):
    assert age_in_months(born, on) == months


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError):
        age_in_months(date(2020, 1, 1), date(2019, 12, 31))
    assert age_years_months(date(2015, 9, 1), date(2024, 5, 13)) == (8, 8)


def test_school_years():
    assert academic_year_start(date(2026, 9, 1)) == 2026
    assert academic_year_start(date(2026, 8, 31)) == 2025
    assert academic_year_start(date(2026, 8, 15), first_month=8) == 2026
    # Reception in 2025/26: born 1 Sep 2020 to 31 Aug 2021
    assert national_curriculum_year(date(2020, 9, 1), 2025) == 0
    assert national_curriculum_year(date(2021, 8, 31), 2025) == 0
    assert national_curriculum_year(date(2020, 8, 31), 2025) == 1
    # P1 in session 2024/25: born 1 Mar 2019 to 28 Feb 2020
    assert scottish_stage(date(2019, 3, 1), 2024) == 1
    assert scottish_stage(date(2020, 2, 28), 2024) == 1
    assert scottish_stage(date(2019, 2, 28), 2024) == 2


def test_summer_born_is_april_to_august():
    assert [is_summer_born(date(2019, m, 1)) for m in (3, 4, 8, 9)] == [False, True, True, False]
