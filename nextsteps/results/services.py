"""Named actions on tests and results: sittings, recording and clearing results, loading
norm tables, tuning bands and thresholds. Pages, the API, imports and the demo all call these;
none of them checks permissions (the callers do).

Two people editing one result never overwrite each other silently: a save names the version
of the result it was made over (0 for an empty cell), and if the result has changed since,
nothing is written and StaleResult carries what is there now. Results keep what they mean
(age, standardised score, percentile, band, threshold met) in step with their sitting and
definition: changing a threshold, the bands, the norm table or the date re-reads them."""

import re
from dataclasses import dataclass
from datetime import date as Date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from nextsteps.schools.models import AcademicYear, Enrolment

from .models import Band, Expectation, Measure, NormEntry, NormTable, Result, Sitting
from .scoring import (
    ScoreError,
    SittingRules,
    age_in_months,
    band_for,
    format_age,
    parse_number,
    plain,
)

_RESULT_VALUES = ("raw_score", "score", "grade_id", "age_months", "percentile", "band_id")


class StaleResult(Exception):
    """The result changed since the editor saw it. `current` is what is there now (None when
    it was cleared)."""

    def __init__(self, current: Result | None):
        self.current = current
        who = (current.recorded_by if current else None) or "someone else"
        super().__init__(f"{who} changed this result while you were editing; theirs was kept.")


class StaleDefinition(Exception):
    """The definition changed since the editor read it; nothing was saved. `current` is the
    definition as it is now."""

    def __init__(self, current):
        self.current = current
        super().__init__("Someone else changed this assessment meanwhile. Reload it.")


class NormTableError(ValueError):
    """A norm table that cannot be loaded; `problems` lists (line or None, message), every one
    found, so the whole file can be put right at once."""

    def __init__(self, problems: list[tuple[int | None, str]]):
        self.problems = problems
        super().__init__("; ".join(f"line {n}: {m}" if n else m for n, m in problems[:5]))


def _decimal(value, field: str, label: str) -> Decimal | None:
    try:
        return parse_number(value, label)
    except ValueError as error:
        raise ValidationError({field: str(error)}) from None


def _span(low, high) -> str:
    """ "80 to 120", "0 or more", "145 or less"."""
    if low is not None and high is not None:
        return f"{plain(low)} to {plain(high)}"
    return f"{plain(low)} or more" if low is not None else f"{plain(high)} or less"


def _check_threshold(definition, threshold, field="threshold") -> None:
    """A pass mark is on the scale its results are compared on."""
    if threshold is None:
        return
    if definition.measure == Measure.GRADE:
        raise ValidationError({field: "A result recorded as a grade has no pass mark."})
    low, high = Decimal(0), definition.max_mark
    if definition.measure in (Measure.STANDARDISED, Measure.SCALED):
        low, high = definition.min_score or low, definition.max_score
    elif definition.measure == Measure.PERCENTAGE:
        high = Decimal(100)
    if threshold < low or (high is not None and threshold > high):
        raise ValidationError({field: f"The pass mark must be within {_span(low, high)}."})


# Sittings -----------------------------------------------------------------------------------


def _year_holding(school_id, day: Date) -> AcademicYear:
    year = AcademicYear.objects.filter(
        school_id=school_id, start_date__lte=day, end_date__gte=day
    ).first()
    if year is None:
        raise ValidationError(
            {"date": f"No academic year at the school includes {day:%d %B %Y}. Add it first."}
        )
    return year


def _check_sitting(sitting: Sitting) -> None:
    definition = sitting.definition
    point = sitting.assessment_point
    if point is not None and point.academic_year_id != sitting.academic_year_id:
        raise ValidationError(
            {"assessment_point": f"Choose an assessment point in {sitting.academic_year}."}
        )
    if sitting.norm_table is not None and sitting.norm_table.definition_id != definition.pk:
        raise ValidationError({"norm_table": f"That norm table is not for {definition.name}."})
    if sitting.norm_table is not None and definition.measure != Measure.STANDARDISED:
        raise ValidationError(
            {"norm_table": "Only standardised tests convert raw scores through a norm table."}
        )
    _check_threshold(definition, sitting.threshold)
    if not sitting.name.strip():
        raise ValidationError({"name": "Give the sitting a name."})


@transaction.atomic
def create_sitting(
    definition,
    *,
    date: Date,
    by,
    name: str = "",
    assessment_point=None,
    threshold=None,
    norm_table=None,
) -> Sitting:
    """A new sitting of `definition` at its school on `date`, in the academic year holding
    that date. Raises ValidationError (by field) for a date outside every academic year, an
    assessment point of another year, a norm table of another definition or a pass mark off
    the definition's scale. The name defaults to the definition's name and the month."""
    sitting = Sitting(
        definition=definition,
        school_id=definition.school_id,
        academic_year=_year_holding(definition.school_id, date),
        name=(name or f"{definition.name}, {date:%B %Y}").strip(),
        date=date,
        assessment_point=assessment_point,
        threshold=_decimal(threshold, "threshold", "pass mark"),
        norm_table=norm_table,
        created_by=by,
    )
    _check_sitting(sitting)
    sitting.save()
    return sitting


_SITTING_FIELDS = {"name", "date", "assessment_point", "threshold", "norm_table"}


@transaction.atomic
def update_sitting(sitting: Sitting, *, by, **changes) -> Sitting:
    """Change a sitting's name, date, assessment point, pass mark or norm table. Its results
    are read again: a new date recomputes ages, a new date or norm table converts raw scores
    again (a result whose raw score the new table does not cover keeps the score it had), a
    new pass mark re-marks who met it. The date must stay in the sitting's academic year."""
    unknown = set(changes) - _SITTING_FIELDS
    if unknown:
        raise TypeError(f"update_sitting cannot change {', '.join(sorted(unknown))}")
    sitting = Sitting.objects.select_for_update().select_related("definition").get(pk=sitting.pk)
    old_date, old_table = sitting.date, sitting.norm_table_id
    if "threshold" in changes:
        changes["threshold"] = _decimal(changes["threshold"], "threshold", "pass mark")
    for field, value in changes.items():
        setattr(sitting, field, value)
    sitting.name = sitting.name.strip()
    if sitting.date != old_date and _year_holding(sitting.school_id, sitting.date).pk != (
        sitting.academic_year_id
    ):
        raise ValidationError({"date": f"Keep the date within {sitting.academic_year}."})
    _check_sitting(sitting)
    sitting.save()
    moved = sitting.date != old_date
    refresh_results(sitting, reage=moved, reconvert=moved or sitting.norm_table_id != old_table)
    return sitting


def refresh_results(sitting: Sitting, *, reage=False, reconvert=False) -> int:
    """Read every result of `sitting` again after a change to its sitting or definition, and
    return how many changed. Entered values (raw score, a score typed in, grade) are kept."""
    rules = SittingRules.for_sitting(sitting)
    changed = []
    for result in sitting.results.select_related("pupil"):
        age = result.age_months
        if reage:
            age = age_in_months(result.pupil.date_of_birth, sitting.date)
        score = result.score
        if reconvert and result.raw_score is not None:
            try:
                converted = rules.headline(age, result.raw_score, None)
            except ScoreError:
                converted = None  # beyond the table: the score typed in stands
            score = score if converted is None else converted
        derived = rules.read(age, score, rules.grades.get(result.grade_id))
        if _apply(result, derived, result.raw_score, result.grade_id):
            changed.append(result)
    fields = ["age_months", "score", "percentile", "band", "met_threshold"]
    Result.objects.bulk_update(changed, fields, batch_size=500)
    return len(changed)


def _apply(result: Result, derived, raw, grade_id) -> bool:
    """Put derived values on `result`; True if anything differs from before."""
    before = tuple(getattr(result, name) for name in _RESULT_VALUES) + (result.met_threshold,)
    result.raw_score = raw
    result.grade_id = grade_id
    result.score = derived.score
    result.age_months = derived.age_months
    result.percentile = derived.percentile
    result.band = derived.band
    result.met_threshold = derived.met_threshold
    after = tuple(getattr(result, name) for name in _RESULT_VALUES) + (result.met_threshold,)
    return before != after


# Results ------------------------------------------------------------------------------------


def _check_on_roll(sitting: Sitting, pupil) -> None:
    if not Enrolment.objects.filter(
        pupil=pupil, school_id=sitting.school_id, academic_year_id=sitting.academic_year_id
    ).exists():
        raise ValidationError(
            {"pupil": f"{pupil} was not on roll at the school in {sitting.academic_year}."}
        )


def _locked_result(sitting, pupil, component):
    return (
        Result.objects.select_for_update(of=("self",))
        .select_related("recorded_by")
        .filter(sitting=sitting, pupil=pupil, component=component)
        .first()
    )


def _check_version(current: Result | None, expected_version) -> None:
    if expected_version is None:
        return
    if (current.version if current else 0) != expected_version:
        raise StaleResult(current)


@transaction.atomic
def record_result(
    sitting: Sitting,
    pupil,
    *,
    by,
    raw_score=None,
    score=None,
    grade=None,
    component: str = "",
    note: str = "",
    expected_version: int | None = None,
    source: str = Result.Source.GRID,
    import_job=None,
    rules: SittingRules | None = None,
) -> Result:
    """Record (create or replace) `pupil`'s result in `sitting`, or in one component of it.

    - Raises ScoreError (with the field at fault) for an entry the definition does not allow
      or a raw score the norm table cannot convert, ValidationError for a pupil who was not on
      roll at the school in the sitting's year, and StaleResult when `expected_version` (the
      version the editor saw, 0 for none) is given and no longer current. Nothing is written
      then.
    - Stores the age at the test date, the headline score (given, or converted), percentile,
      band and whether the pass mark was met, worked out by SittingRules (pass `rules` when
      recording many results of one sitting, to load them once).
    - Saving the same entry again writes nothing and returns the result as it is."""
    rules = rules or SittingRules.for_sitting(sitting)
    component = component or ""
    _check_on_roll(sitting, pupil)
    derived = rules.derive(
        date_of_birth=pupil.date_of_birth,
        raw_score=raw_score,
        score=score,
        grade=grade,
        component=component,
    )
    raw = rules.number("raw_score", "raw score", raw_score)
    found_grade = rules.grade_for(grade)
    note = (note or "").strip()[:300]
    current = _locked_result(sitting, pupil, component)
    _check_version(current, expected_version)
    result = current or Result(sitting=sitting, pupil=pupil, component=component)
    changed = _apply(result, derived, raw, found_grade.pk if found_grade else None)
    if current is not None and not changed and current.note == note:
        return current
    result.grade = found_grade
    result.note = note
    result.source = source
    result.import_job = import_job
    result.recorded_by = by
    result.recorded_at = timezone.now()
    if current is None:
        try:
            with transaction.atomic():
                result.save()
        except IntegrityError:
            # Someone else filled the empty cell between our read and our write.
            raise StaleResult(_locked_result(sitting, pupil, component)) from None
    else:
        result.version += 1
        result.save()
    return result


@transaction.atomic
def clear_result(
    sitting: Sitting, pupil, *, by, component: str = "", expected_version: int | None = None
) -> None:
    """Remove `pupil`'s result in `sitting` (the audit log keeps what it was). Raises
    StaleResult when `expected_version` is given and no longer current; clearing an empty
    cell does nothing."""
    current = _locked_result(sitting, pupil, component or "")
    _check_version(current, expected_version)
    if current is not None:
        current.delete()


# Norm tables --------------------------------------------------------------------------------

_AGE = re.compile(
    r"^(\d{1,2})\s*(?::|y(?:ears?|rs?)?)\s*(\d{1,2})\s*(?:m(?:onths?|ths?)?)?$", re.IGNORECASE
)
_RANGE = re.compile(r"\s*(?:-|–|to)\s*")
_HEADERS = {
    "years": {"age years", "years", "age yrs", "yrs", "age in years"},
    "months": {"age months", "months", "mths", "age mths", "months over", "age in months"},
    "age": {"age", "age at test"},
    "raw": {"raw", "raw score", "raw mark"},
    "standardised": {
        "standardised",
        "standardised score",
        "standardized",
        "standardized score",
        "standard score",
        "ss",
        "sas",
    },
}
SHAPES_HELP = (
    "Use one of two shapes. Long: one row per age and raw score, with columns age_years, "
    "age_months, raw and standardised (or one age column written years:months, e.g. 8:03). "
    "Wide, as publishers print them: a raw column, then one column per age headed "
    "years:months (8:03) or a span of ages (8:00-8:02), with the standardised scores in the "
    "grid. Cells such as <70 or >140 are left out: enter those pupils' scores yourself."
)


def _header_key(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()
    return next((key for key, names in _HEADERS.items() if words in names), "")


def _parse_age(text: str) -> int:
    match = _AGE.match(text.strip())
    if not match or int(match.group(2)) > 11:
        raise ValueError(f"{text!r} is not an age in years and months (write 8:03)")
    return int(match.group(1)) * 12 + int(match.group(2))


def _parse_ages(text: str) -> list[int]:
    """ "8:03" -> [99]; "8:00-8:02" -> [96, 97, 98]."""
    parts = _RANGE.split(str(text).strip())
    if len(parts) == 1:
        return [_parse_age(parts[0])]
    if len(parts) == 2:
        first, last = _parse_age(parts[0]), _parse_age(parts[1])
        if first <= last:
            return list(range(first, last + 1))
    raise ValueError(f"{text!r} is not an age or a span of ages (write 8:00-8:02)")


def _parse_raws(text: str) -> list[Decimal]:
    """ "12" -> [12]; "12-14" -> [12, 13, 14] (a row some publishers print for several marks)."""
    parts = _RANGE.split(str(text).strip())
    try:
        numbers = [Decimal(p) for p in parts]
    except InvalidOperation:
        raise ValueError(f"the raw score {text!r} is not a number") from None
    if len(numbers) == 1 and numbers[0].is_finite():
        return numbers
    if len(numbers) == 2 and all(n == int(n) for n in numbers) and numbers[0] <= numbers[1]:
        return [Decimal(n) for n in range(int(numbers[0]), int(numbers[1]) + 1)]
    raise ValueError(f"the raw score {text!r} is not a number or a span like 12-14")


def _whole(text: str, what: str) -> int:
    if not str(text).strip().isdigit():
        raise ValueError(f"the {what} {text!r} is not a whole number")
    return int(text)


def _inexact(text: str) -> bool:
    return text[:1] in "<>≤≥"


@dataclass
class _Entries:
    """The cells read so far, (age, raw) -> (standardised, line), and the problems found."""

    definition: object
    problems: list
    cells: dict
    left_out: int = 0

    def add(self, line: int, ages: list[int], raws: list[Decimal], value: str, where: str = ""):
        if _inexact(value):
            self.left_out += 1
            return
        problem = self._problem(ages, raws, value)
        if problem:
            self.problems.append((line, where + problem))
            return
        for raw in raws:
            for age in ages:
                self.cells[(age, raw)] = (Decimal(value), line)

    def _problem(self, ages, raws, value) -> str:
        definition = self.definition
        try:
            standardised = Decimal(value)
        except InvalidOperation:
            return f"the standardised score {value!r} is not a number"
        low, high = definition.min_score, definition.max_score
        if not standardised.is_finite():
            return f"the standardised score {value!r} is not a number"
        if (low is not None and standardised < low) or (high is not None and standardised > high):
            return f"the standardised score {value} is outside {_span(low, high)}"
        top = definition.max_mark
        for raw in raws:
            if raw < 0 or (top is not None and raw > top):
                return f"the raw score {plain(raw)} is outside {_span(0, top)}"
            for age in ages:
                if (age, raw) in self.cells:
                    first = self.cells[(age, raw)][1]
                    return f"raw {plain(raw)} at {format_age(age)} is already on line {first}"
        return ""

    def check_order(self):
        """Within an age a higher raw score never gives a lower standardised score; when it
        does, the columns are most likely misaligned."""
        by_age: dict[int, list] = {}
        for (age, raw), (value, line) in self.cells.items():
            by_age.setdefault(age, []).append((raw, value, line))
        for age, column in sorted(by_age.items()):
            column.sort()
            for (raw_a, low, _), (raw_b, value, line) in zip(column, column[1:], strict=False):
                if value < low:
                    self.problems.append(
                        (
                            line,
                            f"at {format_age(age)} raw {plain(raw_b)} gives {plain(value)}, "
                            f"less than raw {plain(raw_a)} ({plain(low)}): check the columns",
                        )
                    )
                    break


def _read_long(rows, columns: dict[str, int], entries: _Entries):
    def cell(cells, key):
        index = columns.get(key)
        return "" if index is None or index >= len(cells) else cells[index]

    for line, cells in rows:
        try:
            if "age" in columns:
                ages = _parse_ages(cell(cells, "age"))
            else:
                years = _whole(cell(cells, "years"), "age in years")
                months = _whole(cell(cells, "months") or "0", "months over the years")
                if months > 11:
                    raise ValueError(f"the months over the years ({months}) must be 0 to 11")
                ages = [years * 12 + months]
            raws = _parse_raws(cell(cells, "raw"))
        except ValueError as exc:
            entries.problems.append((line, str(exc)))
            continue
        value = cell(cells, "standardised")
        if not value:
            entries.problems.append((line, "the standardised score is missing"))
            continue
        entries.add(line, ages, raws, value)


def _read_wide(headers, rows, entries: _Entries):
    columns = []
    for index, header in enumerate(headers[1:], start=1):
        if not header:
            continue
        try:
            columns.append((index, header, _parse_ages(header)))
        except ValueError as exc:
            entries.problems.append((1, f"column {index + 1}: {exc}"))
    for line, cells in rows:
        try:
            raws = _parse_raws(cells[0] if cells else "")
        except ValueError as exc:
            entries.problems.append((line, str(exc)))
            continue
        for index, header, ages in columns:
            value = cells[index] if index < len(cells) else ""
            if value:
                entries.add(line, ages, raws, value, where=f"under {header}, ")


def _table_rows(upload=None, rows=None):
    """(headers, [(line, [text cells])]) from an uploaded file or from mappings in the long
    shape (age_years, age_months, raw, standardised)."""
    from nextsteps.interop.readers import FileProblem, cell_text, read_table

    if upload is not None:
        content = upload.read()
        try:
            table = read_table(content, getattr(upload, "name", ""))
        except FileProblem as exc:
            raise NormTableError([(None, str(exc))]) from None
        return table.headers, [(line, [cell_text(c) for c in cells]) for line, cells in table.rows]
    keys = ["age_years", "age_months", "raw", "standardised"]
    body = [
        (number, [cell_text(row.get(key)) for key in keys])
        for number, row in enumerate(rows or [], start=1)
    ]
    return keys, body


@transaction.atomic
def load_norm_table(
    definition, *, by, upload=None, rows=None, name: str = "", source: str = ""
) -> NormTable:
    """Load a publisher's norm table for `definition` from an uploaded CSV or XLSX file
    (`upload`, any object with read() and name) or from `rows` (mappings with age_years,
    age_months, raw and standardised). The shapes accepted are described in SHAPES_HELP.

    All or nothing: any problem raises NormTableError listing every problem found, by line,
    and nothing is written. The table returned has `left_out`, the number of cells that were
    not exact scores (such as <70) and so were not loaded."""
    if definition.measure != Measure.STANDARDISED:
        raise NormTableError([(None, f"{definition.name} does not use standardised scores.")])
    headers, body = _table_rows(upload, rows)
    keys = [_header_key(h) for h in headers]
    entries = _Entries(definition=definition, problems=[], cells={})
    if "standardised" in keys and "raw" in keys and ("age" in keys or "years" in keys):
        _read_long(body, {k: i for i, k in reversed(list(enumerate(keys))) if k}, entries)
    elif keys and keys[0] == "raw" and len(headers) > 1:
        _read_wide(headers, body, entries)
    else:
        raise NormTableError([(1, f"The columns were not recognised. {SHAPES_HELP}")])
    if not entries.cells and not entries.problems:
        entries.problems.append((None, "The file has no standardised scores in it."))
    entries.check_order()
    if entries.problems:
        raise NormTableError(sorted(entries.problems, key=lambda p: p[0] or 0))
    ages = [age for age, _ in entries.cells]
    raws = [raw for _, raw in entries.cells]
    table = NormTable.objects.create(
        definition=definition,
        name=(name or getattr(upload, "name", "") or "Norm table").strip()[:200],
        source=source.strip()[:300],
        min_age_months=min(ages),
        max_age_months=max(ages),
        min_raw=min(raws),
        max_raw=max(raws),
        uploaded_by=by,
    )
    NormEntry.objects.bulk_create(
        (
            NormEntry(table=table, age_months=age, raw_score=raw, standardised=value)
            for (age, raw), (value, _) in sorted(entries.cells.items())
        ),
        batch_size=1000,
    )
    table.left_out = entries.left_out
    return table


# Definitions --------------------------------------------------------------------------------


def _check_definition_version(definition, expected_version):
    if expected_version is not None and definition.version != expected_version:
        raise StaleDefinition(definition)


def _clean_bands(bands) -> list[dict]:
    """Each band's label, expectation, colour and range checked; bands run upwards, each
    starting where the one below ends, with only the ends open."""
    errors, clean = [], []
    expectations = set(Expectation.values)
    for number, band in enumerate(bands, start=1):
        label = str(band.get("label") or "").strip()
        try:
            lower = _decimal(band.get("lower"), "lower", "lower bound")
            upper = _decimal(band.get("upper"), "upper", "upper bound")
        except ValidationError:
            errors.append(f"Band {number}: the bounds must be numbers.")
            continue
        colour = str(band.get("colour") or "#9e9e9e").strip().lower()
        if not label or len(label) > 60:
            errors.append(f"Band {number}: give it a label of up to 60 characters.")
        if band.get("expectation") not in expectations:
            errors.append(f"Band {number}: choose below, at or above expected.")
        if not re.fullmatch(r"#[0-9a-f]{6}", colour):
            errors.append(f"Band {number}: the colour must be written #rrggbb.")
        if lower is not None and upper is not None and lower >= upper:
            errors.append(f"Band {number}: the lower bound must be below the upper bound.")
        if clean and (clean[-1]["upper"] is None or clean[-1]["upper"] != lower):
            errors.append(f"Band {number} must start where band {number - 1} ends.")
        clean.append(
            {
                "label": label,
                "lower": lower,
                "upper": upper,
                "expectation": band.get("expectation"),
                "colour": colour,
            }
        )
    if errors:
        raise ValidationError({"bands": errors})
    return clean


@transaction.atomic
def tune_bands(definition, bands, *, by, expected_version: int | None = None) -> list[Band]:
    """Replace `definition`'s bands with `bands` (mappings with label, lower, upper,
    expectation and colour, lowest first) and put every recorded result in its new band.
    Raises ValidationError listing each band's problems, or StaleDefinition when
    `expected_version` is given and no longer current, writing nothing."""
    definition = type(definition).objects.select_for_update().get(pk=definition.pk)
    _check_definition_version(definition, expected_version)
    clean = _clean_bands(bands)
    definition.bands.filter(order__gt=len(clean)).delete()
    existing = {b.order: b for b in definition.bands.all()}
    saved = []
    for order, values in enumerate(clean, start=1):
        band = existing.get(order) or Band(definition=definition, order=order)
        if band.pk is None or any(getattr(band, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(band, key, value)
            band.save()
        saved.append(band)
    definition.version += 1
    definition.save(update_fields=["version"])
    changed = []
    for result in Result.objects.filter(sitting__definition=definition).only("score", "band"):
        band = band_for(saved, result.score)
        if result.band_id != (band.pk if band else None):
            result.band = band
            changed.append(result)
    Result.objects.bulk_update(changed, ["band"], batch_size=500)
    return saved


_DEFINITION_FIELDS = {
    "name",
    "description",
    "publisher",
    "threshold",
    "max_mark",
    "min_score",
    "max_score",
    "active",
    "sensitive",
}


@transaction.atomic
def update_definition(definition, *, by, expected_version: int | None = None, **changes):
    """Change a definition's name, description, publisher, pass mark, maximum mark,
    reportable score range, whether it is in use, or whether it is sensitive. A maximum mark
    or score range that recorded results fall outside is refused; a new pass mark re-marks
    who met it in sittings that do not set their own. Raises StaleDefinition when
    `expected_version` is given and no longer current. With no changes only the version is
    checked, and the definition (locked) is returned as it is."""
    unknown = set(changes) - _DEFINITION_FIELDS
    if unknown:
        raise TypeError(f"update_definition cannot change {', '.join(sorted(unknown))}")
    definition = type(definition).objects.select_for_update().get(pk=definition.pk)
    _check_definition_version(definition, expected_version)
    if not changes:
        return definition
    old_threshold = definition.threshold
    labels = {"threshold": "pass mark", "max_mark": "maximum mark"}
    for field, value in changes.items():
        if field in {"threshold", "max_mark", "min_score", "max_score"}:
            value = _decimal(value, field, labels.get(field, "score"))
        setattr(definition, field, value)
    definition.name = (definition.name or "").strip()
    if not definition.name:
        raise ValidationError({"name": "Give the assessment a name."})
    _check_threshold(definition, definition.threshold)
    _check_recorded_fit(definition)
    definition.version += 1
    definition.save()
    if definition.threshold != old_threshold:
        for sitting in definition.sittings.filter(threshold__isnull=True):
            refresh_results(sitting)
    return definition


def _check_recorded_fit(definition) -> None:
    results = Result.objects.filter(sitting__definition=definition)
    if (
        definition.max_mark is not None
        and results.filter(raw_score__gt=definition.max_mark).exists()
    ):
        raise ValidationError({"max_mark": "Some recorded raw scores are above that maximum mark."})
    low, high = definition.min_score, definition.max_score
    if low is not None and high is not None and low >= high:
        raise ValidationError({"max_score": "The highest score must be above the lowest."})
    if low is not None and results.filter(score__lt=low).exists():
        raise ValidationError({"min_score": "Some recorded scores are below that lowest score."})
    if high is not None and results.filter(score__gt=high).exists():
        raise ValidationError({"max_score": "Some recorded scores are above that highest score."})
