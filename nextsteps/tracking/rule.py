"""The written rules of tracking, in pure Python (no Django) so they can be read, tuned and tested
on their own: how a target is suggested from prior attainment, and whether a pupil is on track
against their target at an assessment point. The database side is in targets.py and
on_track.py; the rule is also shown to staff on the "How on-track is worked out" page.

Both are tunable per school in School.settings:

    {"targets": {"cohort_minimum": 5, "cohort_years": 3, "cohort_ties": "higher",
                 "trajectory_max_step": 1},
     "on_track": {"expected_by_point": ["1/3", "2/3", "1"], "at_risk_share": "1/4",
                  "summer_summary_decides": true, "milestones_at_risk": 1}}

Suggesting a target (TargetRule)
--------------------------------
1. Cohort. The starting point is the pupil's summary judgement at the end of last year. Look
   at the pupils of this school who were in the same year group in each of the previous
   `cohort_years` years and had the same starting point at the end of the year before; the
   suggestion is the grade most of them reached at the end of the year ("Of 14 pupils who were
   EXS at the end of Year 2, 9 were EXS and 3 GDS at the end of Year 3"). A tie goes to the
   higher grade (`cohort_ties: "lower"` for the lower). Fewer than `cohort_minimum` such pupils
   is no cohort evidence.
2. Own trajectory, when there is no cohort evidence (or the pupil works below their year, has
   SEN or is in alternative provision: their target is set against their own previous
   performance). Take the pupil's summary judgements over the year up to their latest one
   before the target year: the suggestion is the latest grade, moved on by as many grades as
   the pupil rose over that year (at most `trajectory_max_step`; a fall is not extended, so
   the suggestion is never below the latest grade).
3. No summary judgement before the target year: no suggestion; the target is set by hand.

On track (OnTrackRule)
----------------------
For a pupil, a subject and an assessment point, against the pupil's target for that year:

1. No target (or a withdrawn one): not judged, "No target".
2. Own milestones. A pupil working at a stage below their year's in the subject, or a pupil
   with SEN or in alternative provision who has milestones in the subject, is judged only
   against their own milestones, never against age-related expectations. The milestones due
   by the point (due date on or before it) are counted with those achieved by then (marked
   achieved, or every objective in them secure). All achieved: meeting their milestones;
   up to `milestones_at_risk` missed: at risk; more: off track. No milestone due yet, or none
   set: not judged. The reason also says how many objectives were secured since the start of
   the year (small steps).
3. The last point of the year with a summary judgement, when `summer_summary_decides`: the
   summary judgement at or above the target is on track, below it off track.
4. Otherwise the evidence of the key objectives of the pupil's working stage. By each point a
   share of them is expected secure: `expected_by_point` (default the point's place in the
   year, a third by autumn, two thirds by spring, all by summer; between points the share
   grows steadily, so a point not reached yet is judged on what is expected by today). The
   target sets how many of those count: a target at or above the expected grade needs
   `expected_share` of them, one grade below it `towards_share`, lower targets none (the
   shares are the school's suggestion_rule, so this agrees with the summary suggestion).
   Secure at least as many as needed: on track; behind by no more than `at_risk_share` of the
   stage's key objectives (rounded up): at risk; further behind: off track. A target above
   the expected grade also needs `greater_depth_share` of the objectives expected by then
   judged beyond secure; short of that is at risk. No working stage known, or no key
   objective judged yet: not judged.
   A summary judgement at the point below the target makes "on track" "at risk".
"""

import math
from dataclasses import dataclass, field, fields
from datetime import date
from fractions import Fraction

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NOT_JUDGED = "not_judged"
NO_TARGET = "no_target"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NOT_JUDGED, NO_TARGET)

LABELS = {
    ON_TRACK: "On track",
    AT_RISK: "At risk",
    OFF_TRACK: "Off track",
    NOT_JUDGED: "Not judged",
    NO_TARGET: "No target",
}
# Pupils judged against their own milestones are never called "on track" against age-related
# expectations: their labels say what they achieved.
OWN_LABELS = {
    ON_TRACK: "Meeting own milestones",
    AT_RISK: "A milestone missed",
    OFF_TRACK: "Milestones missed",
    NOT_JUDGED: "Not judged yet",
    NO_TARGET: "No target",
}
# A symbol beside every label, so the status never depends on colour alone.
SYMBOLS = {ON_TRACK: "✓", AT_RISK: "!", OFF_TRACK: "✗", NOT_JUDGED: "–", NO_TARGET: "–"}


def _share(name: str, raw) -> Fraction:
    try:
        value = Fraction(str(raw))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{name} must be a share such as 1/4 or 0.25, not {raw!r}.") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1, not {raw}.")
    return value


def _count(name: str, raw, low: int = 0) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"{name} must be a whole number, not {raw!r}.")
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < low:
        raise ValueError(f"{name} must be at least {low}, not {value}.")
    return value


def _flag(name: str, raw) -> bool:
    if isinstance(raw, bool):
        return raw
    raise ValueError(f"{name} must be true or false, not {raw!r}.")


def _check_names(cls, overrides: dict, setting: str) -> None:
    if not isinstance(overrides, dict):
        raise ValueError(f'The "{setting}" setting must be a JSON object of named values.')
    unknown = set(overrides) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f'Unknown name in the "{setting}" setting: {", ".join(sorted(unknown))}.')


@dataclass(frozen=True)
class TargetRule:
    cohort_minimum: int = 5
    cohort_years: int = 3
    cohort_ties: str = "higher"
    trajectory_max_step: int = 1

    @classmethod
    def from_mapping(cls, overrides: dict | None) -> "TargetRule":
        """Defaults with a school's `overrides`; a bad name or value raises ValueError."""
        overrides = {} if overrides is None else overrides
        _check_names(cls, overrides, "targets")
        values = {}
        for name, raw in overrides.items():
            if name == "cohort_ties":
                if raw not in ("higher", "lower"):
                    raise ValueError(f'cohort_ties must be "higher" or "lower", not {raw!r}.')
                values[name] = raw
            else:
                values[name] = _count(name, raw, low=1 if name == "cohort_years" else 0)
        return cls(**values)


@dataclass(frozen=True)
class OnTrackRule:
    # share of the stage's key objectives expected secure by each point, in date order; None:
    # the point's place in the year (1/3, 2/3, 1 with three points)
    expected_by_point: tuple[Fraction, ...] | None = None
    at_risk_share: Fraction = Fraction(1, 4)
    summer_summary_decides: bool = True
    milestones_at_risk: int = 1
    # from the school's suggestion_rule, so that on-track agrees with the summary suggestion
    expected_share: Fraction = Fraction(1)
    towards_share: Fraction = Fraction(1, 2)
    greater_depth_share: Fraction = Fraction(1, 2)

    @classmethod
    def from_mapping(cls, overrides: dict | None, thresholds=None) -> "OnTrackRule":
        """Defaults with a school's `overrides` (and its suggestion `thresholds`, anything with
        expected_share, towards_share and greater_depth_share); bad values raise ValueError."""
        overrides = {} if overrides is None else overrides
        _check_names(cls, overrides, "on_track")
        values = {}
        for name, raw in overrides.items():
            if name == "expected_by_point":
                if not isinstance(raw, list) or not raw:
                    raise ValueError("expected_by_point must be a list of shares, one a point.")
                shares = tuple(_share("expected_by_point", item) for item in raw)
                if list(shares) != sorted(shares):
                    raise ValueError("expected_by_point must not fall from one point to the next.")
                values[name] = shares
            elif name in ("at_risk_share",):
                values[name] = _share(name, raw)
            elif name == "summer_summary_decides":
                values[name] = _flag(name, raw)
            elif name == "milestones_at_risk":
                values[name] = _count(name, raw)
            else:
                raise ValueError(f"{name} is set in the suggestion_rule setting, not on_track.")
        if thresholds is not None:
            for name in ("expected_share", "towards_share", "greater_depth_share"):
                values[name] = Fraction(getattr(thresholds, name))
        return cls(**values)

    def share_by(self, index: int, count: int) -> Fraction:
        """The share of key objectives expected secure by point `index` (0-based) of `count`.
        A list shorter than the year's points repeats its last share."""
        if self.expected_by_point:
            return self.expected_by_point[min(index, len(self.expected_by_point) - 1)]
        return Fraction(index + 1, count)


def share_on(day: date, start: date, milestones: list[tuple[date, Fraction]]) -> Fraction:
    """The share expected by `day`: 0 at the start of the year, each point's share on its date,
    growing in a straight line between them and staying at the last share after it."""
    before_day, before_share = start, Fraction(0)
    for when, share in milestones:
        if day >= when:
            before_day, before_share = when, share
            continue
        span = (when - before_day).days
        if span <= 0 or day <= before_day:
            return before_share
        return before_share + (share - before_share) * Fraction((day - before_day).days, span)
    return before_share


def at_least(share, count: int) -> int:
    return math.ceil(Fraction(share) * count)


# Suggesting targets ---------------------------------------------------------------------------


def cohort_choice(outcomes: dict[int, int], ties: str = "higher") -> int | None:
    """The grade (an order on the scale) most pupils reached, from {order: count}; a tie goes
    to the higher grade unless `ties` is "lower"."""
    if not outcomes:
        return None
    most = max(outcomes.values())
    tied = [order for order, n in outcomes.items() if n == most]
    return max(tied) if ties == "higher" else min(tied)


def trajectory_choice(history: list[int], top: int, max_step: int) -> tuple[int, int] | None:
    """From the pupil's grades (orders, oldest first) over their last year: (suggested order,
    the rise over the year). The latest grade moved on by the rise, at most `max_step`, never
    below the latest and never beyond `top`."""
    if not history:
        return None
    rise = history[-1] - history[0]
    return min(history[-1] + max(0, min(rise, max_step)), top), rise


# On track -------------------------------------------------------------------------------------


@dataclass
class Facts:
    """What the rule needs to know about one pupil, subject and point."""

    point_name: str  # lower case: "spring"
    final: bool  # the year's last point
    reached: bool  # the point's date has come
    as_of: date  # the date the evidence is read on
    share_now: Fraction  # share of key objectives expected secure by as_of
    share_at_point: Fraction
    target: int | None = None  # order of the target grade; None: no target
    target_label: str = ""
    expected: int | None = None  # order of the scale's first expected (secure) grade
    summary: int | None = None  # order of the summary judgement at the point
    summary_label: str = ""
    stage_name: str | None = "the stage"  # None: no working stage known
    key_total: int = 0
    key_secure: int = 0
    key_judged: int = 0
    all_total: int = 0
    deep: int = 0  # objectives of the stage judged beyond secure
    below_stage: bool = False
    year_name: str = ""
    subject_name: str = ""
    own_track: bool = False
    milestones: int = 0  # set in the subject
    milestones_due: int = 0
    milestones_achieved: int = 0  # of those due
    secured_since: int = 0
    since: date | None = None


@dataclass
class Verdict:
    status: str
    reason: str
    own_track: bool = False
    needed: int | None = None  # key objectives needed by as_of (evidence rule only)
    notes: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return (OWN_LABELS if self.own_track else LABELS)[self.status]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.status]


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _by(f: Facts) -> str:
    return f"by {f.point_name}" if f.reached else f"so far ({_day(f.as_of)})"


def judge(f: Facts, rule: OnTrackRule = OnTrackRule()) -> Verdict:
    """Apply the on-track rule (see the module docstring) to one pupil, subject and point."""
    if f.target is None:
        return Verdict(NO_TARGET, "No target set for this year.")
    if f.own_track:
        return _judge_milestones(f, rule)
    if f.final and f.reached and f.summary is not None and rule.summer_summary_decides:
        words = f"Summary judgement {f.summary_label} at {f.point_name}; target {f.target_label}."
        return Verdict(ON_TRACK if f.summary >= f.target else OFF_TRACK, words)
    if f.stage_name is None:
        return Verdict(NOT_JUDGED, f"No working stage recorded in {f.subject_name} yet.")
    if f.key_total == 0:
        return Verdict(NOT_JUDGED, f"{f.stage_name} has no key objectives in {f.subject_name}.")
    if f.key_judged == 0:
        return Verdict(NOT_JUDGED, f"No key {f.stage_name} objectives judged yet.")
    if f.expected is None or f.target >= f.expected:
        weight = rule.expected_share
    elif f.target == f.expected - 1:
        weight = rule.towards_share
    else:
        weight = Fraction(0)
    needed = at_least(weight * f.share_now, f.key_total)
    secured = f"{f.key_secure} of {f.key_total} key {f.stage_name} objectives secure {_by(f)}"
    if f.reached:
        expected_words = f"{needed} expected for {f.target_label}"
    else:
        at_point = at_least(weight * f.share_at_point, f.key_total)
        expected_words = (
            f"{needed} expected by now for {f.target_label} ({at_point} by {f.point_name})"
        )
    reason = f"{secured}; {expected_words}"
    behind = needed - f.key_secure
    if behind <= 0:
        status = ON_TRACK
    elif behind <= at_least(rule.at_risk_share, f.key_total):
        status = AT_RISK
    else:
        status = OFF_TRACK
    if status == ON_TRACK and f.expected is not None and f.target > f.expected:
        deep_needed = at_least(rule.greater_depth_share * f.share_now, f.all_total)
        if f.deep < deep_needed:
            status = AT_RISK
            reason += f"; {f.deep} of {deep_needed} needed beyond secure for {f.target_label}"
    if f.summary is not None and f.summary < f.target:
        reason += f"; summary judgement {f.summary_label} at {f.point_name} is below the target"
        if status == ON_TRACK:
            status = AT_RISK
    return Verdict(status, reason + ".", needed=needed)


def _judge_milestones(f: Facts, rule: OnTrackRule) -> Verdict:
    where = (
        f"Working at {f.stage_name} in {f.year_name}: judged against their own milestones"
        if f.below_stage
        else "Judged against their own milestones"
    )
    steps = ""
    if f.since is not None:
        plural = "s" if f.secured_since != 1 else ""
        steps = f" {f.secured_since} objective{plural} secured since {_day(f.since)}."
    if f.milestones == 0:
        return Verdict(
            NOT_JUDGED, f"{where}, and none are set in {f.subject_name}.{steps}", own_track=True
        )
    if f.milestones_due == 0:
        return Verdict(NOT_JUDGED, f"No milestone due {_by(f)}.{steps}", own_track=True)
    missed = f.milestones_due - f.milestones_achieved
    if missed <= 0:
        status = ON_TRACK
    elif missed <= rule.milestones_at_risk:
        status = AT_RISK
    else:
        status = OFF_TRACK
    plural = "s" if f.milestones_due != 1 else ""
    return Verdict(
        status,
        f"{f.milestones_achieved} of {f.milestones_due} milestone{plural} due {_by(f)} "
        f"achieved.{steps}",
        own_track=True,
    )
