"""From what a teacher enters to what a result means: checking the entry against its
definition, age in completed months, raw score to standardised score through a norm table,
percentile rank, band and threshold.

`SittingRules.for_sitting(sitting)` loads everything a sitting needs in a few queries; after
that `derive()` is plain arithmetic, so a grid save or an import of thousands of rows asks the
database nothing more per pupil.
"""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from statistics import NormalDist

from nextsteps.lib import dates

from .models import Band, Measure

_STANDARD = NormalDist(100, 15)
_CENT = Decimal("0.01")
_LARGEST = Decimal("99999.99")  # what the database holds: 7 digits, 2 after the point


class ScoreError(ValueError):
    """An entry that cannot be recorded. `field` names the input at fault ("raw_score",
    "score", "grade", "component" or "date_of_birth"); `message` says why, for a teacher."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


def age_in_months(date_of_birth: date, on: date) -> int:
    """Age in completed months on `on`.

    A month is completed on the day of the month matching the birthday; when a month has no
    such day (born on the 29th, 30th or 31st) it is completed on that month's last day. So a
    child born on 31 January is one month old on 28 February (29 in a leap year), and a child
    born on 29 February completes each year on 28 February when the year is not a leap year."""
    if date_of_birth is None:
        raise ScoreError("date_of_birth", "The pupil has no date of birth recorded.")
    if on < date_of_birth:
        raise ScoreError("date_of_birth", "The date of birth is after the date of the test.")
    return dates.age_in_months(date_of_birth, on)


def format_age(months: int) -> str:
    """An age the way norm tables print it: "8 years 3 months"."""
    years, rest = divmod(months, 12)
    return f"{years} year{'s' if years != 1 else ''} {rest} month{'s' if rest != 1 else ''}"


def percentile_rank(standardised: Decimal) -> int:
    """The share of the population scoring at or below `standardised` on a scale with mean 100
    and standard deviation 15, as a whole percentage held within 1 to 99 (as publishers
    report it: 100 is 50, 85 is 16, 115 is 84, 130 is 98)."""
    share = Decimal(str(_STANDARD.cdf(float(standardised)))) * 100
    rank = int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(99, max(1, rank))


def parse_number(value, label: str) -> Decimal | None:
    """`value` (text or a number) as a decimal with at most two places, None when blank.
    Raises ValueError saying what is wrong, in words for a teacher."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"The {label} must be a number.") from None
    if not number.is_finite():
        raise ValueError(f"The {label} must be a number.")
    if number != number.quantize(_CENT, rounding=ROUND_HALF_UP):
        raise ValueError(f"The {label} can have at most two decimal places.")
    if abs(number) > _LARGEST:
        raise ValueError(f"The {label} is too large.")
    return number.quantize(_CENT)


def band_for(bands, score: Decimal | None) -> Band | None:
    """The band with lower <= score < upper (an empty end is open), or None."""
    if score is None:
        return None
    for band in bands:
        if (band.lower is None or band.lower <= score) and (
            band.upper is None or score < band.upper
        ):
            return band
    return None


@dataclass
class Derived:
    age_months: int | None
    score: Decimal | None
    percentile: int | None
    band: Band | None
    met_threshold: bool | None


def plain(value) -> str:
    """A decimal as a teacher writes it: 32, 32.5 (no trailing zeros)."""
    return format(Decimal(value).normalize(), "f")


@dataclass
class NormLookup:
    """A norm table in memory: standardised score by age in completed months and raw score.

    An age column stands for every age from it up to the next column, so a table printed in
    bands of three months ("7:00-7:02") can be stored by its first month. A raw score the
    column does not list is refused rather than guessed."""

    min_age: int
    max_age: int
    min_raw: Decimal
    max_raw: Decimal
    columns: dict[int, dict[Decimal, Decimal]]
    ages: list[int] = field(init=False)

    def __post_init__(self):
        self.ages = sorted(self.columns)

    @classmethod
    def from_entries(cls, table, entries) -> "NormLookup":
        columns: dict[int, dict[Decimal, Decimal]] = {}
        for age, raw, standardised in entries:
            columns.setdefault(age, {})[Decimal(raw)] = Decimal(standardised)
        return cls(
            min_age=table.min_age_months,
            max_age=table.max_age_months,
            min_raw=Decimal(table.min_raw),
            max_raw=Decimal(table.max_raw),
            columns=columns,
        )

    def convert(self, age: int, raw: Decimal) -> Decimal:
        covered = f"{format_age(self.min_age)} to {format_age(self.max_age)}"
        if age < self.min_age or age > self.max_age:
            younger = "younger" if age < self.min_age else "older"
            raise ScoreError(
                "date_of_birth",
                f"The pupil was {format_age(age)} at the test, {younger} than the norm table "
                f"covers ({covered}). Enter the standardised score yourself.",
            )
        if raw < self.min_raw or raw > self.max_raw:
            side = "below" if raw < self.min_raw else "above"
            raise ScoreError(
                "raw_score",
                f"A raw score of {plain(raw)} is {side} the norm table's range "
                f"({plain(self.min_raw)} to {plain(self.max_raw)}). "
                "Enter the standardised score yourself.",
            )
        position = bisect_right(self.ages, age)
        column = self.columns[self.ages[position - 1]] if position else {}
        if raw not in column:
            raise ScoreError(
                "raw_score",
                f"The norm table has no standardised score for a raw score of {plain(raw)} "
                f"at {format_age(age)}. Enter the standardised score yourself.",
            )
        return column[raw]


@dataclass
class SittingRules:
    """Everything needed to check and read one sitting's entries, held in memory.

    `grades` maps grade id to grade for the definition's scale; `components` are the codes of
    the definition's parts (empty when it is sat as a whole)."""

    definition: object
    on: date
    pass_mark: Decimal | None
    bands: list[Band]
    grades: dict[int, object]
    norms: NormLookup | None = None
    components: frozenset[str] = frozenset()

    @classmethod
    def for_sitting(cls, sitting) -> "SittingRules":
        definition = sitting.definition
        grades = {}
        if definition.scale_id:
            from nextsteps.curriculum.models import Grade

            grades = {g.pk: g for g in Grade.objects.filter(scale_id=definition.scale_id)}
        norms = None
        if sitting.norm_table_id:
            table = sitting.norm_table
            norms = NormLookup.from_entries(
                table, table.entries.values_list("age_months", "raw_score", "standardised")
            )
        return cls(
            definition=definition,
            on=sitting.date,
            pass_mark=sitting.pass_mark,
            bands=list(definition.bands.order_by("order")),
            grades=grades,
            norms=norms,
            components=frozenset(
                c["code"] for c in (definition.components or []) if isinstance(c, dict)
            ),
        )

    # Checking each input ----------------------------------------------------------------

    def number(self, name: str, label: str, value) -> Decimal | None:
        """`value` as a decimal with at most two places, None when blank."""
        try:
            return parse_number(value, label)
        except ValueError as error:
            raise ScoreError(name, str(error)) from None

    def _check_raw(self, raw: Decimal) -> None:
        top = self.definition.max_mark
        if raw < 0 or (top is not None and raw > top):
            limit = f"between 0 and {plain(top)}" if top is not None else "0 or more"
            raise ScoreError("raw_score", f"The raw score must be {limit}.")

    def _check_score(self, score: Decimal) -> None:
        low, high = self.definition.min_score, self.definition.max_score
        if (low is not None and score < low) or (high is not None and score > high):
            if low is not None and high is not None:
                limit = f"between {plain(low)} and {plain(high)}"
            elif low is not None:
                limit = f"{plain(low)} or more"
            else:
                limit = f"{plain(high)} or less"
            raise ScoreError("score", f"The score must be {limit}.")

    def grade_for(self, grade):
        """The grade (given as a Grade or its id) on the definition's scale, None if blank."""
        if grade is None or grade == "":
            return None
        if not self.grades:
            raise ScoreError("grade", f"{self.definition.name} is not recorded as a grade.")
        grade_id = getattr(grade, "pk", grade)
        try:
            found = self.grades.get(int(grade_id))
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise ScoreError(
                "grade", f"That grade is not on the scale {self.definition.name} uses."
            )
        return found

    def _check_component(self, component: str) -> None:
        if self.components and component not in self.components:
            raise ScoreError(
                "component", f"Choose which part of {self.definition.name} this result is for."
            )
        if not self.components and component:
            raise ScoreError(
                "component", f"{self.definition.name} is recorded as a whole, not in parts."
            )

    def _nothing_entered(self) -> ScoreError:
        measure = self.definition.measure
        if measure == Measure.GRADE:
            return ScoreError("grade", "Choose a grade.")
        if measure == Measure.RAW or self.norms is not None:
            return ScoreError("raw_score", "Enter a raw score.")
        return ScoreError("score", "Enter a score.")

    # Reading ----------------------------------------------------------------------------

    def band_for(self, score: Decimal | None) -> Band | None:
        return band_for(self.bands, score)

    def headline(self, age, raw, score):
        """The headline score: the one given, else the raw mark converted as the definition
        reads it (itself, as a percentage, or through the norm table), else None."""
        measure = self.definition.measure
        if score is not None or raw is None:
            return score
        if measure == Measure.RAW:
            return raw
        if measure == Measure.PERCENTAGE and self.definition.max_mark:
            return (raw * 100 / self.definition.max_mark).quantize(_CENT, ROUND_HALF_UP)
        if self.norms is not None and measure == Measure.STANDARDISED:
            if age is None:
                raise ScoreError(
                    "date_of_birth", "The pupil's age is needed to convert the raw score."
                )
            return self.norms.convert(age, raw)
        return None  # a raw mark kept beside a score still to come

    def derive(
        self, *, date_of_birth, raw_score=None, score=None, grade=None, component=""
    ) -> Derived:
        """Check one pupil's entry and work out what it means. Raises ScoreError for the first
        input at fault. A score given directly wins over converting the raw score."""
        component = component or ""
        self._check_component(component)
        raw = self.number("raw_score", "raw score", raw_score)
        given = self.number("score", "score", score)
        found_grade = self.grade_for(grade)
        if raw is None and given is None and found_grade is None:
            raise self._nothing_entered()
        if raw is not None:
            self._check_raw(raw)
        if given is not None:
            if self.definition.measure == Measure.GRADE:
                raise ScoreError("score", f"{self.definition.name} is recorded as a grade.")
            self._check_score(given)
        age = age_in_months(date_of_birth, self.on) if date_of_birth is not None else None
        return self.read(age, self.headline(age, raw, given), found_grade)

    def read(self, age_months: int | None, score: Decimal | None, grade=None) -> Derived:
        """What a headline score (or grade) means in this sitting: percentile rank for
        standardised scores, band, and whether it meets the pass mark."""
        percentile = None
        if score is not None and self.definition.measure == Measure.STANDARDISED:
            percentile = percentile_rank(score)
        return Derived(
            age_months=age_months,
            score=score,
            percentile=percentile,
            band=self.band_for(score),
            met_threshold=self._met(score, grade),
        )

    def _met(self, headline, grade) -> bool | None:
        if grade is not None and headline is None:
            # A grade meets the standard when its scale marks it secure; a scale with no
            # secure grade (CfE levels: it depends on the stage) says nothing.
            if any(g.secure for g in self.grades.values()):
                return bool(grade.secure)
            return None
        if headline is None or self.pass_mark is None:
            return None
        return headline >= self.pass_mark
