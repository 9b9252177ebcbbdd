"""The written rules on hand-made histories: no database, each case a list of weekly ratings
("-" for a week with no rating) ending in the current week."""

import pytest

from nextsteps.alerts import rules


def run_of(history: str, *, max_gap_weeks: int = 2, current: int | None = None):
    """The ongoing run of `history`, one character a week from week 0 ("R", "A", "G", or "-"
    for no rating); the current week is the week after the last unless given."""
    rated = [(i, r) for i, r in enumerate(history) if r != "-"]
    current = len(history) if current is None else current
    return rules.ongoing_run(reversed(rated), max_gap_weeks=max_gap_weeks, current=current)


def length(history: str, **kwargs) -> int:
    found = run_of(history, **kwargs)
    return found.length if found is not None else 0


@pytest.mark.parametrize(
    "history, weeks",
    [
        ("GGGG", 0),  # steady Green
        ("GGGA", 1),  # one fall
        ("GAAA", 3),  # exactly three weeks: does not fire with the default of 3
        ("GAAAA", 4),  # four: fires
        ("GAAR", 3),  # a further fall continues the run
        ("GARRR", 4),
        ("GR", 1),  # Green straight to Red is one fall
        ("AAAA", 0),  # Amber from the start: no fall, no run
        ("RRRRRR", 0),  # Red from the start: stuck, not deteriorating
        ("GAAAG", 0),  # recovered: the run is over
        ("GAAARA", 0),  # Red to Amber is better than the week before: recovered
        ("GAAARAA", 0),  # and staying Amber after the recovery starts nothing
        ("GAGAAA", 3),  # only the run since the last recovery counts
        ("RGAAAR", 4),  # the run starts at the fall from Green
        ("ARRR", 3),  # a fall from Amber to Red starts a run too
        ("GGAAGAR", 2),
    ],
)
def test_run_length(history, weeks):
    assert length(history) == weeks


def test_fires_only_when_longer_than_the_weeks_allowed():
    assert not rules.fires(run_of("GAAA"), 3)  # exactly three weeks
    assert rules.fires(run_of("GAAAR"), 3)  # four
    assert rules.fires(run_of("GAAA"), 2)  # a school that allows two
    assert not rules.fires(run_of("GAAAAA"), 5)
    assert not rules.fires(None, 3)


def test_a_week_missing_is_skipped_and_not_counted():
    # Green, Amber, Amber, no rating, Amber, Red: four rated weeks of deterioration
    found = run_of("GAA-AR")
    assert found.length == 4 and rules.fires(found, 3)
    assert found.skipped() == [3]
    assert found.before == (0, "G") and found.start == 1
    # the same with no gap is the same run
    assert run_of("GAAAR").length == 4


def test_two_weeks_missing_are_skipped_but_more_break_the_run():
    assert length("GAA--AR") == 4  # two missing weeks: the default allows them
    assert length("GAA---AR") == 1  # three: a break; Amber to Red after it is one fall
    assert length("GAA---AA") == 0  # after the break Amber, Amber has no fall
    assert length("GAA---AR", max_gap_weeks=3) == 4  # a school that allows three
    assert length("GA-A", max_gap_weeks=0) == 0  # a school that allows none


def test_a_break_never_joins_a_fall_across_the_summer():
    # Green at the end of the summer term, six weeks of holiday, then Amber from September
    assert length("GGG------AAAAA") == 0


def test_only_a_run_still_going_on_counts():
    # the latest rating (Red) was given three weeks ago and nothing since: with two weeks
    # allowed missing, the run is no longer current
    assert length("GAAAR", current=5) == 4  # this week's rating not in yet: still current
    assert length("GAAAR", current=7) == 4  # two weeks not rated: still current
    assert length("GAAAR", current=8) == 0  # three: stale
    assert length("GAAAR", current=8, max_gap_weeks=3) == 4


def test_the_history_is_read_back_to_the_last_green_only():
    read = []

    def newest_first():
        for item in [(9, "R"), (8, "A"), (7, "G"), (6, "R"), (5, "R")]:
            read.append(item)
            yield item

    found = rules.ongoing_run(newest_first(), max_gap_weeks=2, current=10)
    assert found.length == 2 and found.before == (7, "G")
    assert read == [(9, "R"), (8, "A"), (7, "G")]


def test_masks_give_the_weeks_newest_first():
    red, amber, green = 0b100000, 0b011000, 0b000101  # weeks 0 G, 2 G, 3 A, 4 A, 5 R
    assert list(rules.newest_first_from_masks(red, amber, green)) == [
        (5, "R"),
        (4, "A"),
        (3, "A"),
        (2, "G"),
        (0, "G"),
    ]
    found = rules.ongoing_run(
        rules.newest_first_from_masks(red, amber, green), max_gap_weeks=2, current=6
    )
    assert found.length == 3 and found.before == (2, "G")


def test_the_evidence_in_words_is_in_week_order():
    found = run_of("GAA-AR")
    summary, lines = rules.describe_run(found, "Engagement", 3, lambda i: f"week {i}")
    assert summary == "Engagement: deteriorating for 4 weeks (Green → Amber ×3 → Red)"
    assert lines == [
        "Green in the week of week 0.",
        "Amber in the week of week 1.",
        "Amber in the week of week 2.",
        "No rating in the week of week 3 (skipped).",
        "Amber in the week of week 4.",
        "Red in the week of week 5.",
        "4 weeks of deterioration in Engagement: more than the 3 the school allows.",
    ]


def test_settings_fill_in_defaults_and_refuse_what_is_not_valid():
    parsed = rules.parse({"rag_deteriorating": {"weeks": 4}})
    assert parsed["rag_deteriorating"]["weeks"] == 4
    assert parsed["rag_deteriorating"]["max_gap_weeks"] == 2
    assert parsed["quiet"] == rules.DEFAULTS["quiet"]
    with pytest.raises(rules.SettingsError) as caught:
        rules.parse(
            {
                "rag_deteriorating": {"weeks": 0, "colour": "red"},
                "off_track": {"enabled": "yes", "plan_owner": "caretaker"},
                "tests_disagree": {"min_steps": True},
                "panic": {},
            }
        )
    assert set(caught.value.errors) == {
        "rag_deteriorating.weeks",
        "rag_deteriorating.colour",
        "off_track.enabled",
        "off_track.plan_owner",
        "tests_disagree.min_steps",
        "panic",
    }
    assert "1 to 26" in caught.value.errors["rag_deteriorating.weeks"]
    with pytest.raises(rules.SettingsError):
        rules.parse(["weeks", 3])
    assert rules.stored({"quiet": {"weeks": 99}}) == rules.defaults()
    assert rules.parse(None) == rules.defaults()
