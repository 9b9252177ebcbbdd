"""Small charts drawn on the server as SVG, with the same figures written out as the text
alternative (the house style of results.timeline)."""

from dataclasses import dataclass

WIDTH = 640
LEFT = 200
ROW = 26
TOP = 10


@dataclass
class Bar:
    label: str
    percent: int
    detail: str
    y: int
    width: int

    @property
    def text_y(self):
        return self.y + 15

    @property
    def end_x(self):
        return LEFT + self.width + 6


@dataclass
class BarChart:
    title: str
    bars: list
    height: int
    description: str
    WIDTH: int = WIDTH
    LEFT: int = LEFT

    @property
    def axis_bottom(self):
        return self.height - 4


def bar_chart(items, title) -> BarChart | None:
    """`items`: (label, percent, detail) for each bar; None when nothing has a figure."""
    items = [(label, p, detail) for label, p, detail in items if p is not None]
    if not items:
        return None
    span = WIDTH - LEFT - 60
    bars = [
        Bar(label, p, detail, TOP + i * ROW, round(span * p / 100))
        for i, (label, p, detail) in enumerate(items)
    ]
    description = "; ".join(f"{b.label}: {b.percent}% ({b.detail})" for b in bars) + "."
    return BarChart(title, bars, TOP + len(bars) * ROW + 8, description)
