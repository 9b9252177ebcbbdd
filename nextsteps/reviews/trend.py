"""Which way a student's weekly ratings are going, in plain Python (no Django), for the weekly
screen, the student's history and the provider updates. Alerts have their own rules
(nextsteps.alerts); this only describes.

- Against last week: better, worse or the same; nothing when either week is unrated.
- Over the last few weeks (the window, four by default, this week last): the rated weeks in
  the window, oldest first, compared week to week (a week with no rating is skipped).
  Falling: at least one step down and none up. Rising: at least one up and none down.
  Steady: no change. Up and down: both. Fewer than two rated weeks: not enough to say.
- Overall, for a student: the same, over the average of their areas' ratings each week
  (Red 0, Amber 1, Green 2), so one area slipping while the others hold counts as falling.
"""

from dataclasses import dataclass

RANK = {"R": 0, "A": 1, "G": 2}
NAMES = {"R": "Red", "A": "Amber", "G": "Green"}
WINDOW = 4

FALLING, RISING, STEADY, MIXED, UNKNOWN = "falling", "rising", "steady", "mixed", "unknown"
LABELS = {
    FALLING: "Falling",
    RISING: "Rising",
    STEADY: "Steady",
    MIXED: "Up and down",
    UNKNOWN: "Too soon to tell",
}
# A sign as well as a word, so the trend never rests on colour.
SYMBOLS = {FALLING: "↓", RISING: "↑", STEADY: "→", MIXED: "↕", UNKNOWN: "·"}

BETTER, WORSE, SAME = "better", "worse", "same"
CHANGE_WORDS = {BETTER: "Better than last week", WORSE: "Worse than last week", SAME: "Same"}


def change(this: str | None, last: str | None) -> str | None:
    """This week's rating against last week's: better, worse, same, or None if either is
    missing."""
    if this not in RANK or last not in RANK:
        return None
    if RANK[this] > RANK[last]:
        return BETTER
    if RANK[this] < RANK[last]:
        return WORSE
    return SAME


@dataclass(frozen=True)
class Trend:
    direction: str  # one of FALLING, RISING, STEADY, MIXED, UNKNOWN
    weeks: int  # weeks spanned from the first rated week in the window to the last
    words: str

    @property
    def label(self) -> str:
        return LABELS[self.direction]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.direction]


def _direction(values: list[float | None]) -> tuple[str, int, list[tuple[int, float]]]:
    rated = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(rated) < 2:
        return UNKNOWN, len(rated), rated
    ups = downs = 0
    for (_, before), (_, after) in zip(rated, rated[1:], strict=False):
        if after > before + 1e-9:
            ups += 1
        elif after < before - 1e-9:
            downs += 1
    span = rated[-1][0] - rated[0][0] + 1
    if downs and not ups:
        return FALLING, span, rated
    if ups and not downs:
        return RISING, span, rated
    if ups and downs:
        return MIXED, span, rated
    return STEADY, span, rated


def _weeks(n: int) -> str:
    return f"{n} week{'s' if n != 1 else ''}"


def area_trend(ratings: list[str | None], window: int = WINDOW) -> Trend:
    """The trend of one area's ratings (oldest first, this week last) over the last `window`
    weeks."""
    recent = list(ratings)[-window:]
    direction, span, rated = _direction([RANK.get(r) if r else None for r in recent])
    if direction == UNKNOWN:
        return Trend(UNKNOWN, span, "Fewer than two weeks rated")
    first = NAMES[recent[rated[0][0]]]
    last = NAMES[recent[rated[-1][0]]]
    if direction == FALLING:
        words = f"Down from {first} to {last} over {_weeks(span)}"
    elif direction == RISING:
        words = f"Up from {first} to {last} over {_weeks(span)}"
    elif direction == STEADY:
        words = f"{last} for {_weeks(span)}"
    else:
        words = f"Up and down over {_weeks(span)}, {last} most recently"
    return Trend(direction, span, words)


def average_rank(ratings) -> float | None:
    """The mean of the ratings given (Red 0, Amber 1, Green 2), None if there are none."""
    ranks = [RANK[r] for r in ratings if r in RANK]
    return sum(ranks) / len(ranks) if ranks else None


def overall_trend(weeks: list[list[str | None]], window: int = WINDOW) -> Trend:
    """A student's trend across all their areas: `weeks` holds, oldest first and this week
    last, the ratings of every area that week."""
    recent = list(weeks)[-window:]
    direction, span, _ = _direction([average_rank(week) for week in recent])
    words = {
        UNKNOWN: "Fewer than two weeks rated",
        FALLING: f"Lower over {_weeks(span)}",
        RISING: f"Higher over {_weeks(span)}",
        STEADY: f"Steady for {_weeks(span)}",
        MIXED: f"Up and down over {_weeks(span)}",
    }[direction]
    return Trend(direction, span, words)
