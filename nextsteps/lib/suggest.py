"""The rule that suggests a summary judgement from objective judgements. Pure Python: no Django,
so it can be read, tuned and tested on its own.

The rule, in words (the thresholds are the fields of `Thresholds`):

1. Teaching works up the stage's ladder through the year, so by an assessment point a pupil is
   expected to have secured the share of the stage's key objectives that matches the point's
   position in the year: ceil(key_total x position). With three points that is a third by
   autumn, two thirds by spring and all of them by summer ("expected by now").
2. No key objective judged yet: no suggestion.
3. A pupil tracked at a stage below their year group's is "below expected stage": they get
   the grade two below the scale's first expected grade (or the lowest grade), whatever their
   evidence, because expected on the summary scale means expected for their year.
4. key_secure >= ceil(expected_share x expected by now): the first expected grade
   ("Expected"), and the grade above it ("Greater depth") when also
   deep >= ceil(greater_depth_share x all objectives expected by now), where deep counts the
   objectives judged above the first secure grade (e.g. Mastery).
5. Otherwise key_secure >= ceil(towards_share x expected by now): the grade just below
   expected ("Working towards"); else the grade two below it, or the lowest grade.
"""

import math
from dataclasses import dataclass, fields
from fractions import Fraction


@dataclass(frozen=True)
class Thresholds:
    """Tunable shares, each between 0 and 1."""

    # share of the key objectives expected by now that must be secure for "expected"
    expected_share: Fraction = Fraction(1)
    # share of the key objectives expected by now that must be secure for "working towards"
    towards_share: Fraction = Fraction(1, 2)
    # share of all objectives expected by now judged deeper than secure for "greater depth"
    greater_depth_share: Fraction = Fraction(1, 2)

    @classmethod
    def from_mapping(cls, overrides: dict | None) -> "Thresholds":
        """Defaults with `overrides` applied; unknown names or shares outside 0..1 raise
        ValueError naming the problem."""
        values = {}
        names = {f.name for f in fields(cls)}
        for name, raw in (overrides or {}).items():
            if name not in names:
                raise ValueError(f"Unknown suggestion threshold {name!r}.")
            share = Fraction(str(raw))
            if not 0 <= share <= 1:
                raise ValueError(f"The threshold {name} must be between 0 and 1, not {raw}.")
            values[name] = share
        return cls(**values)


@dataclass(frozen=True)
class Evidence:
    key_secure: int
    key_judged: int
    key_total: int
    all_secure: int
    all_total: int
    deep: int = 0  # objectives judged above the first secure grade
    position: Fraction = Fraction(1)  # the point's place in the year: 1/3, 2/3, 1
    point_name: str = "this point"
    stage_name: str = "the stage"
    below_stage: bool = False
    year_name: str = ""


@dataclass(frozen=True)
class Suggestion:
    index: int | None  # position on the summary scale (0 = lowest), None = no suggestion
    reason: str


def _at_least(share, count) -> int:
    return math.ceil(Fraction(share) * count)


def expected_by_now(total: int, position) -> int:
    return _at_least(Fraction(position).limit_denominator(1000), total)


def suggest(evidence: Evidence, secure_flags: list[bool], thresholds: Thresholds = Thresholds()):
    """The suggested index on a summary scale whose grades, lowest first, have the given
    `secure` flags, with the reason in words."""
    e, t = evidence, thresholds
    if True not in secure_flags:
        return Suggestion(None, "The summary scale has no expected grade to suggest against.")
    expected = secure_flags.index(True)
    towards = max(expected - 1, 0)
    well_below = max(expected - 2, 0)
    if e.key_total == 0:
        return Suggestion(None, f"{e.stage_name} has no key objectives.")
    if e.key_judged == 0:
        return Suggestion(None, f"No key {e.stage_name} objectives judged yet.")
    due = max(expected_by_now(e.key_total, e.position), 1)
    evidence_words = (
        f"{e.key_secure} of {e.key_total} key {e.stage_name} objectives secure by "
        f"{e.point_name}; {due} expected"
    )
    if e.below_stage:
        year = f" in {e.year_name}" if e.year_name else ""
        return Suggestion(
            well_below, f"Working at {e.stage_name}{year}: below expected stage. {evidence_words}."
        )
    if e.key_secure >= _at_least(t.expected_share, due):
        deep_due = _at_least(t.greater_depth_share, expected_by_now(e.all_total, e.position))
        if expected + 1 < len(secure_flags) and deep_due and e.deep >= deep_due:
            return Suggestion(
                expected + 1,
                f"{evidence_words}; {e.deep} objectives beyond secure ({deep_due} needed for "
                "greater depth).",
            )
        return Suggestion(expected, f"{evidence_words}.")
    if e.key_secure >= _at_least(t.towards_share, due):
        return Suggestion(towards, f"{evidence_words}.")
    return Suggestion(
        well_below,
        f"{evidence_words}; fewer than {_at_least(t.towards_share, due)} secure.",
    )
