"""Week arithmetic and trends, in plain Python."""

import zoneinfo
from datetime import date, datetime, time

import pytest

from nextsteps.reviews import trend
from nextsteps.reviews.weeks import (
    due_at,
    latest_due_week,
    monday_of,
    parse_due,
    parse_week,
    weeks_back,
    weeks_between,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_monday_of_any_day_and_weeks_around_it():
    assert monday_of(date(2026, 11, 23)) == date(2026, 11, 23)  # a Monday
    assert monday_of(date(2026, 11, 29)) == date(2026, 11, 23)  # its Sunday
    assert monday_of(date(2027, 1, 1)) == date(2026, 12, 28)  # across the new year
    assert weeks_back(date(2026, 11, 23), 3) == [
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]
    assert weeks_between(date(2026, 11, 20), date(2026, 11, 24)) == [
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]


def test_a_week_is_named_by_its_monday_and_nothing_else():
    assert parse_week("2026-11-16") == date(2026, 11, 16)
    with pytest.raises(ValueError, match="Wednesday 18 November 2026 is not a Monday.*16 Nov"):
        parse_week("2026-11-18")
    with pytest.raises(ValueError, match="date of its Monday"):
        parse_week("last week")


def test_due_settings_are_read_or_refused_with_a_sentence():
    assert parse_due("Friday", "15:00") == (4, time(15, 0))
    with pytest.raises(ValueError, match="update day"):
        parse_due("fri", "15:00")
    with pytest.raises(ValueError, match="update time"):
        parse_due("friday", "3pm")


def test_the_latest_due_week_turns_over_at_the_due_moment():
    friday, at = 4, time(15, 0)
    week = date(2026, 11, 16)
    assert due_at(week, friday, at, LONDON) == datetime(2026, 11, 20, 15, tzinfo=LONDON)
    before = datetime(2026, 11, 20, 14, 59, tzinfo=LONDON)
    after = datetime(2026, 11, 20, 15, 0, tzinfo=LONDON)
    assert latest_due_week(before, friday, at, LONDON) == date(2026, 11, 9)
    assert latest_due_week(after, friday, at, LONDON) == week
    # the Monday after, the week just gone is still the one due
    monday = datetime(2026, 11, 23, 9, tzinfo=LONDON)
    assert latest_due_week(monday, friday, at, LONDON) == week


def test_due_moments_follow_local_time_across_the_clock_change():
    # British Summer Time ends on Sunday 25 October 2026: 15:00 on Friday 23rd is 14:00 UTC,
    # 15:00 on Friday 30th is 15:00 UTC.
    summer = due_at(date(2026, 10, 19), 4, time(15), LONDON)
    winter = due_at(date(2026, 10, 26), 4, time(15), LONDON)
    assert summer.utcoffset().total_seconds() == 3600
    assert winter.utcoffset().total_seconds() == 0
    utc = zoneinfo.ZoneInfo("UTC")
    just_before = datetime(2026, 10, 23, 13, 59, tzinfo=utc)
    assert latest_due_week(just_before, 4, time(15), LONDON) == date(2026, 10, 12)
    assert latest_due_week(just_before.replace(hour=14, minute=0), 4, time(15), LONDON) == date(
        2026, 10, 19
    )


def test_change_against_last_week():
    assert trend.change("G", "A") == trend.BETTER
    assert trend.change("R", "A") == trend.WORSE
    assert trend.change("A", "A") == trend.SAME
    assert trend.change("A", None) is None
    assert trend.change(None, "G") is None


@pytest.mark.parametrize(
    ("series", "direction", "words"),
    [
        (["G", "A", "A", "R"], trend.FALLING, "Down from Green to Red over 4 weeks"),
        (["R", "R", "A", "G"], trend.RISING, "Up from Red to Green over 4 weeks"),
        (["A", "A", "A", "A"], trend.STEADY, "Amber for 4 weeks"),
        (["G", "R", "G", "A"], trend.MIXED, "Up and down over 4 weeks, Amber most recently"),
        ([None, None, "G", "A"], trend.FALLING, "Down from Green to Amber over 2 weeks"),
        (["G", None, None, "R"], trend.FALLING, "Down from Green to Red over 4 weeks"),
        ([None, None, None, "G"], trend.UNKNOWN, "Fewer than two weeks rated"),
        # only the last four weeks count: the rise five weeks ago is forgotten
        (["R", "G", "G", "G", "G"], trend.STEADY, "Green for 4 weeks"),
    ],
)
def test_area_trend_over_the_last_four_weeks(series, direction, words):
    found = trend.area_trend(series)
    assert (found.direction, found.words) == (direction, words)
    assert found.label == trend.LABELS[direction] and found.symbol


def test_overall_trend_uses_the_average_of_every_area():
    # one area slipping each week while the others hold: falling overall
    weeks = [["G", "G", "G"], ["G", "G", "A"], ["G", "A", "A"], ["A", "A", "A"]]
    assert trend.overall_trend(weeks).direction == trend.FALLING
    assert trend.overall_trend(weeks).words == "Lower over 4 weeks"
    # a better area and a worse one in the same week cancel out
    assert trend.overall_trend([["G", "R"], ["R", "G"]]).direction == trend.STEADY
    assert trend.overall_trend([[], ["G"]]).direction == trend.UNKNOWN
    assert trend.average_rank(["R", "G", None]) == 1
