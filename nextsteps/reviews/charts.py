"""A student's weeks as a small SVG chart drawn on the server: one column a week, stacked Green
(bottom), Amber, Red, with each segment's letter written on it when there is room, and the same
figures written out as the text alternative. The table under it on the page has every rating."""

from dataclasses import dataclass

from .updates import BADGES

WIDTH = 640
LEFT = 34
BOTTOM = 40
TOP = 10
HEIGHT = 200
ORDER = ("G", "A", "R")
NAMES = {"G": "Green", "A": "Amber", "R": "Red"}


@dataclass
class Segment:
    x: int
    y: int
    width: int
    height: int
    colour: str
    ink: str
    letter: str
    count: int

    @property
    def name(self) -> str:
        return NAMES[self.letter]

    @property
    def text_x(self):
        return self.x + self.width // 2

    @property
    def text_y(self):
        return self.y + self.height // 2 + 5


@dataclass
class Column:
    label: str
    x: int
    width: int
    segments: list

    @property
    def text_x(self):
        return self.x + self.width // 2


@dataclass
class WeeklyChart:
    title: str
    description: str
    columns: list
    most: int
    WIDTH: int = WIDTH
    HEIGHT: int = HEIGHT
    LEFT: int = LEFT

    @property
    def axis_y(self):
        return HEIGHT - BOTTOM

    @property
    def label_y(self):
        return HEIGHT - BOTTOM + 16


def weekly_chart(history, first_name: str) -> WeeklyChart | None:
    """The chart of `history` (queries.History), or None when there is nothing to draw."""
    if history.empty:
        return None
    weeks = history.totals
    most = max(max(t["R"] + t["A"] + t["G"] for t in weeks), 1)
    plot = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) // max(len(weeks), 1)
    bar = max(min(slot - 6, 48), 4)
    columns, words = [], []
    for i, totals in enumerate(weeks):
        x = LEFT + i * slot + (slot - bar) // 2
        y = HEIGHT - BOTTOM
        segments = []
        for letter in ORDER:
            count = totals[letter]
            if not count:
                continue
            height = round(plot * count / most)
            y -= height
            colour, ink = BADGES[letter]
            segments.append(Segment(x, y, bar, height, colour, ink, letter, count))
        columns.append(Column(f"{totals['week']:%-d %b}", x, bar, segments))
        said = ", ".join(f"{totals[k]} {NAMES[k]}" for k in ORDER if totals[k]) or "not rated"
        words.append(f"week of {totals['week']:%-d %B}: {said}")
    title = f"{first_name}'s ratings each week, by colour"
    description = "; ".join(words).capitalize() + "."
    return WeeklyChart(title, description, columns, most)
