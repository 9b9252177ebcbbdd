"""Entry and exit values, read from what the school already records. Nothing here is typed in.

- Objectives: how many of the measure's objectives (a subject, optionally one stage and one
  strand) were secure when the pupil's time in the intervention began (before that day's
  judgements), and at the end of its last day (today while it runs). Judgement history is read
  as it stood on each day, the way tracking reads it (tracking.on_track's evidence).
- A test: the pupil's score in the latest sitting of the test on or before the day they
  started, and in the first sitting on or after the day their time ended (while it runs: the
  latest sitting after they started, so far).
- Weekly Red/Amber/Green reviews: the mean rating (Red 0, Amber 1, Green 2) over the four
  weeks before the week they started, and over the last four weeks of their time in it.

Each measure also says how its values are banded into starting points (for finding similar
pupils) and the margin that counts as a real difference (see impact.py).

Callers pass pupil ids they have already chosen (members and similar pupils of one school);
what a user may see is decided where the results are shown."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import ceil

from nextsteps.assessment.models import Judgement
from nextsteps.curriculum.models import Grade, Objective
from nextsteps.results.models import Measure as TestMeasureKind
from nextsteps.results.models import Result, Sitting
from nextsteps.reviews.models import RANK, WeeklyRating
from nextsteps.tracking.on_track import _end_of, _Evidence, _start_of

from .impact import Reading as ReadingScale
from .models import Intervention

PLACES = Decimal("0.001")
REVIEW_WEEKS = 4
NUMERIC_TESTS = {
    TestMeasureKind.STANDARDISED,
    TestMeasureKind.SCALED,
    TestMeasureKind.RAW,
    TestMeasureKind.PERCENTAGE,
}


@dataclass(frozen=True)
class Period:
    """A pupil's time in an intervention, from `start` to `end` (both included; `end` is today
    while it runs). `closed`: their time is over (they left, or it ended)."""

    start: date
    end: date
    closed: bool

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Value:
    entry: Decimal | None
    exit: Decimal | None
    entry_on: date | None = None
    exit_on: date | None = None

    @property
    def change(self) -> Fraction | None:
        if self.entry is None or self.exit is None:
            return None
        return Fraction(self.exit) - Fraction(self.entry)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _fixed(value) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(PLACES)


class BaseMeasure:
    kind: str
    reading: ReadingScale

    def describe(self) -> str:
        raise NotImplementedError

    def values(self, periods: dict[int, Period]) -> dict[int, Value]:
        raise NotImplementedError

    def band(self, entry: Decimal | None):
        raise NotImplementedError

    def band_label(self, band) -> str:
        raise NotImplementedError

    def show(self, value: Decimal | None) -> str:
        raise NotImplementedError

    def waiting_for(self, intervention, today: date) -> str | None:
        """Why a finished intervention cannot be measured yet (None: it can)."""
        return None

    @property
    def out_of(self) -> int | None:
        return None


class ObjectivesMeasure(BaseMeasure):
    kind = Intervention.MeasureKind.OBJECTIVES
    reading = ReadingScale("objectives secured", Fraction(1, 2))

    def __init__(self, subject, stage=None, strand=None, out_of: int | None = None):
        self.subject, self.stage, self.strand = subject, stage, strand
        self._ids = None
        self._out_of = out_of

    def objective_ids(self) -> list[int]:
        if self._ids is None:
            rows = Objective.objects.active().filter(subject=self.subject)
            if self.stage is not None:
                rows = rows.filter(stage=self.stage)
            if self.strand is not None:
                rows = rows.filter(strand=self.strand)
            self._ids = list(rows.order_by("stage__order", "order").values_list("pk", flat=True))
        return self._ids

    @property
    def out_of(self) -> int:
        return self._out_of if self._out_of is not None else len(self.objective_ids())

    def describe(self) -> str:
        parts = [self.subject.name]
        if self.stage is not None:
            parts.append(self.stage.name)
        if self.strand is not None:
            parts.append(self.strand.name)
        n = self.out_of
        return (
            f"{', '.join(parts)}: how many of its {n} objective{'s' if n != 1 else ''} are secure"
        )

    def values(self, periods):
        ids = self.objective_ids()
        if not periods or not ids:
            return {pk: Value(None, None) for pk in periods}
        until = _end_of(max(p.end for p in periods.values()))
        history = {}
        for pupil_id, objective_id, grade_id, recorded_at in (
            Judgement.objects.filter(
                pupil_id__in=list(periods), objective_id__in=ids, recorded_at__lt=until
            )
            .order_by("recorded_at", "id")
            .values_list("pupil_id", "objective_id", "grade_id", "recorded_at")
        ):
            times, grades = history.setdefault((pupil_id, objective_id), ([], []))
            times.append(recorded_at)
            grades.append(grade_id)
        used = {g for _, grades in history.values() for g in grades if g is not None}
        secure = set(Grade.objects.filter(pk__in=used, secure=True).values_list("pk", flat=True))
        evidence = _Evidence(None, None, history)
        out = {}
        for pupil_id, period in periods.items():
            start, end = _start_of(period.start), _end_of(period.end)
            entry = sum(1 for o in ids if evidence.before(pupil_id, o, start) in secure)
            exit_ = sum(1 for o in ids if evidence.before(pupil_id, o, end) in secure)
            out[pupil_id] = Value(_fixed(entry), _fixed(exit_), period.start, period.end)
        return out

    def band(self, entry):
        if entry is None or not self.out_of:
            return None
        return min(2, int(Fraction(entry) * 3 // self.out_of))

    def band_label(self, band) -> str:
        return {
            0: "secure in fewer than a third",
            1: "secure in a third to two thirds",
            2: "secure in two thirds or more",
        }.get(band, "not known")

    def show(self, value) -> str:
        if value is None:
            return "–"
        return f"{int(value)} of {self.out_of}"


class ScoreMeasure(BaseMeasure):
    kind = Intervention.MeasureKind.TEST

    # (band width, margin) by what the score is
    STEPS = {
        TestMeasureKind.STANDARDISED: (10, 3),
        TestMeasureKind.SCALED: (5, 2),
        TestMeasureKind.PERCENTAGE: (20, 5),
    }

    def __init__(self, definition):
        self.definition = definition
        width, margin = self.STEPS.get(definition.measure, (None, None))
        if width is None:  # a raw mark: fifths of the maximum, a twentieth as the margin
            top = definition.max_mark or Decimal(50)
            width = max(1, ceil(top / 5))
            margin = max(Fraction(1), Fraction(top) / 20)
        self.width = width
        self.reading = ReadingScale("points", Fraction(margin))

    def describe(self) -> str:
        return f"{self.definition.name}: the score before the start and the first one after the end"

    def values(self, periods):
        rows = defaultdict(list)  # pupil -> [(date, score)] oldest first
        for pupil_id, score, day in (
            Result.objects.filter(
                sitting__definition=self.definition,
                pupil_id__in=list(periods),
                component="",
                score__isnull=False,
            )
            .order_by("sitting__date", "sitting_id")
            .values_list("pupil_id", "score", "sitting__date")
        ):
            rows[pupil_id].append((day, score))
        out = {}
        for pupil_id, period in periods.items():
            mine = rows.get(pupil_id, [])
            before = [(d, s) for d, s in mine if d <= period.start]
            if period.closed:
                after = [(d, s) for d, s in mine if d >= period.end]
                exit_ = after[0] if after else None
            else:
                after = [(d, s) for d, s in mine if period.start < d <= period.end]
                exit_ = after[-1] if after else None
            entry = before[-1] if before else None
            out[pupil_id] = Value(
                _fixed(entry[1]) if entry else None,
                _fixed(exit_[1]) if exit_ else None,
                entry[0] if entry else None,
                exit_[0] if exit_ else None,
            )
        return out

    def band(self, entry):
        if entry is None:
            return None
        return int(Fraction(entry) // self.width)

    def band_label(self, band) -> str:
        if band is None:
            return "not known"
        low = band * self.width
        return f"{low} to {low + self.width - 1}"

    def show(self, value) -> str:
        if value is None:
            return "–"
        return f"{value.normalize():f}"

    def waiting_for(self, intervention, today):
        if intervention.end_date is None:
            return None
        if Sitting.objects.filter(
            definition=self.definition, date__gte=intervention.end_date, date__lte=today
        ).exists():
            return None
        return (
            f"Waiting for the exit test: the first {self.definition.name} sitting on or after "
            f"{long_date(intervention.end_date)}."
        )


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class ReviewMeasure(BaseMeasure):
    kind = Intervention.MeasureKind.REVIEW
    reading = ReadingScale("on the weekly rating", Fraction(1, 4))

    def __init__(self, area):
        self.area = area

    def describe(self) -> str:
        return (
            f"{self.area.name} in the weekly reviews: the mean rating (Red 0, Amber 1, Green 2) "
            f"over the {REVIEW_WEEKS} weeks before the start and the last {REVIEW_WEEKS} weeks"
        )

    @staticmethod
    def windows(period: Period):
        first = monday(period.start)
        last = monday(period.end)
        entry = (first - timedelta(weeks=REVIEW_WEEKS), first - timedelta(weeks=1))
        exit_ = (max(first, last - timedelta(weeks=REVIEW_WEEKS - 1)), last)
        return entry, exit_

    def values(self, periods):
        if not periods:
            return {}
        spans = {pk: self.windows(p) for pk, p in periods.items()}
        low = min(entry[0] for entry, _ in spans.values())
        high = max(exit_[1] for _, exit_ in spans.values())
        ratings = defaultdict(list)
        for pupil_id, week, rating in (
            WeeklyRating.objects.filter(
                area=self.area, pupil_id__in=list(periods), week__gte=low, week__lte=high
            )
            .order_by("week")
            .values_list("pupil_id", "week", "rating")
        ):
            ratings[pupil_id].append((week, RANK[rating]))

        def mean(rows, window):
            chosen = [(w, r) for w, r in rows if window[0] <= w <= window[1]]
            if not chosen:
                return None, None
            return _fixed(Fraction(sum(r for _, r in chosen), len(chosen))), chosen[-1][0]

        out = {}
        for pupil_id, (entry_window, exit_window) in spans.items():
            entry, entry_on = mean(ratings.get(pupil_id, []), entry_window)
            exit_, exit_on = mean(ratings.get(pupil_id, []), exit_window)
            out[pupil_id] = Value(entry, exit_, entry_on, exit_on)
        return out

    def band(self, entry):
        if entry is None:
            return None
        if entry < Decimal("0.5"):
            return 0
        return 1 if entry < Decimal("1.5") else 2

    def band_label(self, band) -> str:
        return {0: "mostly red", 1: "mostly amber", 2: "mostly green"}.get(band, "not known")

    def show(self, value) -> str:
        if value is None:
            return "–"
        return f"{value.quantize(Decimal('0.01'))} ({self.band_label(self.band(value))})"


def measure_for(intervention, *, out_of: int | None = None) -> BaseMeasure:
    kind = intervention.measure_kind
    if kind == Intervention.MeasureKind.OBJECTIVES:
        return ObjectivesMeasure(
            intervention.subject, intervention.stage, intervention.strand, out_of=out_of
        )
    if kind == Intervention.MeasureKind.TEST:
        return ScoreMeasure(intervention.definition)
    return ReviewMeasure(intervention.review_area)
