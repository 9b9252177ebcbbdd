"""Impact: did the pupils in an intervention move further on its measure than similar pupils
who were not in it? Pure Python (no Django), so the rule can be tested on small hand-made
cohorts. The measures themselves (what "entry" and "exit" are) are in measures.py; who is
compared with whom is gathered in evaluation.py.

How it is worked out
--------------------

1. Each pupil's change is their exit value minus their entry value on the intervention's
   measure (objectives secure, a test score, or the mean weekly Red/Amber/Green rating).

2. A member counts when they took part for at least half of the intervention's time so far
   (a pupil who joined late or left early but had most of it counts; one who was in it for a
   week or two does not) and both their entry and their exit value are known.

3. Similar pupils are pupils at the same school who were never in this intervention, in the
   same year group when it started (at an alternative-provision centre, the same key stage),
   and with the same starting point: their entry value in the same band as the member's
   (bands are set for each measure: thirds of the objectives, ten standardised-score points,
   mostly red, amber or green ...). They are measured over the intervention's whole time.

4. Each counted member is set beside the average change of the similar pupils in their own year
   group and band. The members' average change is compared with the average of those
   comparisons; members with no similar pupils at all are left out and counted as such.

5. The verdict needs at least 3 members and 5 similar pupils (otherwise "Too few pupils to
   say"). The members made more progress when their average change is ahead by at least the
   measure's margin (half an objective, 3 standardised-score points, a quarter of a step on
   the weekly rating ...), less when behind by at least that much, and about the same
   otherwise. A difference exactly equal to the margin counts.

While an intervention runs, the verdict is "so far", measured to today. Once it has ended,
its evaluation is taken once and kept (see evaluation.py).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MIN_PUPILS = 3
MIN_SIMILAR = 5

MORE, SAME, LESS, TOO_FEW, NOT_MEASURED = "more", "same", "less", "too_few", "not_measured"
LABELS = {
    MORE: "Made more progress than similar pupils",
    SAME: "Made about the same progress as similar pupils",
    LESS: "Made less progress than similar pupils",
    TOO_FEW: "Too few pupils to say",
    NOT_MEASURED: "Not measured yet",
}

# Why a member is not in the comparison.
SHORT, UNMEASURED, UNMATCHED = "short", "unmeasured", "unmatched"
REASONS = {
    SHORT: "in it for less than half of its time",
    UNMEASURED: "no entry or exit measure yet",
    UNMATCHED: "no similar pupils to compare with",
}


@dataclass(frozen=True)
class Reading:
    """How a measure's changes are said: '+2.1 objectives secured', with its margin."""

    unit: str  # after the number: "objectives secured", "points", "on the weekly rating"
    margin: Fraction


@dataclass
class Row:
    """One pupil: their year group when it started (or whatever similar pupils must share), their
    starting band and their change (None when an entry or exit value is missing). `counted` is
    False for a member who was in it for too short a time."""

    pupil_id: int
    year_group_id: object
    band: object
    change: Fraction | None
    counted: bool = True


@dataclass
class Impact:
    verdict: str
    label: str
    detail: str
    members: int = 0  # every member with any time in it
    pupils: int = 0  # members in the comparison
    similar: int = 0  # similar pupils compared with them
    pupils_mean: Fraction | None = None
    similar_mean: Fraction | None = None
    difference: Fraction | None = None
    not_counted: dict = field(default_factory=dict)  # reason -> how many members
    so_far: bool = False
    reason_of: dict = field(default_factory=dict)  # member pupil id -> reason not counted

    @property
    def text(self) -> str:
        return f"{self.label}: {self.detail}" if self.detail else self.label

    def not_counted_words(self) -> list[str]:
        return [
            f"{count} {'pupil' if count == 1 else 'pupils'} {REASONS[reason]}"
            for reason, count in self.not_counted.items()
            if count
        ]


def signed(value: Fraction, places: int = 1) -> str:
    """+2.1, -0.4, 0.0: one decimal place, halves rounded away from zero."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    shown = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if shown == 0:
        return f"{abs(shown)}"
    return f"+{shown}" if shown > 0 else f"{shown}"


def _mean(values) -> Fraction:
    values = list(values)
    return sum(values, Fraction(0)) / len(values)


def _pupils(n: int) -> str:
    return f"{n} pupil" if n == 1 else f"{n} pupils"


def compare(members: list[Row], similar: list[Row], reading: Reading, *, so_far=False) -> Impact:
    """The verdict for `members` against `similar` pupils (the rule in the module docstring)."""
    cells = defaultdict(list)
    for row in similar:
        if row.change is not None and row.band is not None:
            cells[(row.year_group_id, row.band)].append(row)
    reason_of = {}
    matched = []  # (member change, mean change of their similar pupils)
    used = set()
    for row in members:
        if not row.counted:
            reason_of[row.pupil_id] = SHORT
        elif row.change is None or row.band is None:
            reason_of[row.pupil_id] = UNMEASURED
        elif not cells.get((row.year_group_id, row.band)):
            reason_of[row.pupil_id] = UNMATCHED
        else:
            cell = cells[(row.year_group_id, row.band)]
            matched.append((row.change, _mean(r.change for r in cell)))
            used.update(r.pupil_id for r in cell)
    not_counted = dict.fromkeys(REASONS, 0)
    for reason in reason_of.values():
        not_counted[reason] += 1
    impact = Impact(
        verdict=NOT_MEASURED,
        label=LABELS[NOT_MEASURED],
        detail="",
        members=len(members),
        pupils=len(matched),
        similar=len(used),
        not_counted=not_counted,
        so_far=so_far,
        reason_of=reason_of,
    )
    measured = [r for r in members if r.counted and r.change is not None]
    if not measured:
        impact.detail = "no pupil in it has both an entry and an exit measure yet."
        return _finish(impact)
    if matched:
        impact.pupils_mean = _mean(m for m, _ in matched)
        impact.similar_mean = _mean(s for _, s in matched)
        impact.difference = impact.pupils_mean - impact.similar_mean
    if len(matched) < MIN_PUPILS or len(used) < MIN_SIMILAR:
        impact.verdict = TOO_FEW
        impact.detail = (
            f"{_pupils(len(matched))} in it and {_pupils(len(used))} like them were measured; "
            f"at least {MIN_PUPILS} and {MIN_SIMILAR} are needed."
        )
        return _finish(impact)
    if impact.difference >= reading.margin:
        impact.verdict = MORE
    elif impact.difference <= -reading.margin:
        impact.verdict = LESS
    else:
        impact.verdict = SAME
    impact.detail = (
        f"{signed(impact.pupils_mean)} {reading.unit} vs {signed(impact.similar_mean)} "
        f"({_pupils(len(matched))}, {len(used)} similar)"
    )
    return _finish(impact)


def _finish(impact: Impact) -> Impact:
    label = LABELS[impact.verdict]
    if impact.so_far and impact.verdict in (MORE, SAME, LESS):
        label = "So far, " + label[0].lower() + label[1:]
    impact.label = label
    return impact
