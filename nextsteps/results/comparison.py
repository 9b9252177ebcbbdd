"""Tests beside teacher judgement: each pupil's latest test band next to the teacher's current
summary judgement for the same subject and assessment point, read on one common scale (below,
at or above expected), counted into a concordance matrix, with the pupils where the two
disagree listed for pupil progress meetings.

Which test result is compared, for a pupil, a subject and an assessment point:

1. Only headline results (no component) of definitions whose `subject_code` is the subject's
   code, that are not diagnostic (sensitive definitions are never compared), and that can be
   read: the result has a band, or a grade on a scale with a secure grade.
2. If the pupil has such a result in a sitting linked to this assessment point, the latest of
   those (by sitting date, then when it was recorded) is compared.
3. Failing that, the latest such result in a sitting dated from the start of the point's
   academic year up to and including the point's date.
4. Otherwise the pupil has "no test".

The teacher's side is the current (latest recorded) summary judgement for that pupil, subject
and point; a pupil with none has "no judgement". Pupils with neither are counted as well, so
that every pupil in the cohort is accounted for.

Readings: a band carries its own `expectation`; a grade is read by `grade_reading` (not secure:
below; the scale's lowest secure grade: at; any secure grade above it: above). The distance
between two readings is counted in steps (below to at is one step, below to above two).

Everything here reads in a fixed number of queries, whatever the size of the cohort, and
every read is scoped: the cohort by `Pupil.objects.visible_to`, results by
`Result.objects.visible_to`.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from nextsteps.assessment.models import SummaryJudgement
from nextsteps.curriculum.models import Grade
from nextsteps.schools.models import Enrolment, Pupil
from nextsteps.schools.queries import pupils_in_class

from .models import Expectation, Result

BELOW, AT, ABOVE = Expectation.BELOW.value, Expectation.AT.value, Expectation.ABOVE.value
READINGS = (BELOW, AT, ABOVE)
READING_LABELS = dict(Expectation.choices)
STEPS = {reading: n for n, reading in enumerate(READINGS)}

AGREE = "agree"
TEST_HIGHER = "test higher than teacher"
TEACHER_HIGHER = "teacher higher than test"


# -- reading grades ------------------------------------------------------------------------


def grade_reading(grade, scale_grades) -> str | None:
    """The common reading of `grade`, given every grade of its scale: a grade that is not
    secure is below expected, the scale's lowest secure grade is at expected and any secure
    grade above that is above expected. None when there is no grade, or when the scale marks
    no grade secure (a CfE level achieved, say, whose meaning depends on the learner's stage),
    since such a grade cannot be read against an expected standard on its own."""
    if grade is None:
        return None
    lowest = min((g.order for g in scale_grades if g.secure), default=None)
    if lowest is None:
        return None
    if not grade.secure:
        return BELOW
    return AT if grade.order <= lowest else ABOVE


def grade_readings(scale_ids) -> dict[int, str | None]:
    """grade id -> reading for every grade of the given scales, in one query."""
    scale_ids = {s for s in scale_ids if s is not None}
    if not scale_ids:
        return {}
    by_scale = defaultdict(list)
    for grade in Grade.objects.filter(scale_id__in=scale_ids):
        by_scale[grade.scale_id].append(grade)
    return {
        grade.pk: grade_reading(grade, grades) for grades in by_scale.values() for grade in grades
    }


def reading_label(reading) -> str:
    return READING_LABELS.get(reading, "Not read")


def number_text(value) -> str:
    """A score as a teacher writes it: 104, 31.5 (no trailing zeros); empty for none."""
    if value is None:
        return ""
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- one pupil's two sides ------------------------------------------------------------------


@dataclass(frozen=True)
class TestSide:
    result_id: int
    definition: str
    sitting: str
    date: date
    score: object
    band: str
    grade: str
    reading: str
    linked: bool  # the sitting is linked to the assessment point compared

    @property
    def reading_label(self) -> str:
        return reading_label(self.reading)

    @property
    def shown(self) -> str:
        """The result as a teacher reads it: score and band, or the grade."""
        parts = []
        if self.score is not None:
            parts.append(number_text(self.score))
        if self.band:
            parts.append(f"({self.band})" if parts else self.band)
        if not parts and self.grade:
            parts.append(self.grade)
        return " ".join(parts)


@dataclass(frozen=True)
class TeacherSide:
    judgement_id: int
    grade: str
    short: str
    reading: str

    @property
    def reading_label(self) -> str:
        return reading_label(self.reading)


@dataclass
class PupilRow:
    pupil: Pupil
    test: TestSide | None
    teacher: TeacherSide | None

    @property
    def compared(self) -> bool:
        return self.test is not None and self.teacher is not None

    @property
    def gap(self) -> int | None:
        """Steps from the teacher's reading to the test's: positive when the test is higher."""
        if not self.compared:
            return None
        return STEPS[self.test.reading] - STEPS[self.teacher.reading]

    @property
    def steps(self) -> int | None:
        return None if self.gap is None else abs(self.gap)

    @property
    def direction(self) -> str | None:
        if self.gap is None:
            return None
        if self.gap > 0:
            return TEST_HIGHER
        if self.gap < 0:
            return TEACHER_HIGHER
        return AGREE


# -- the matrix -----------------------------------------------------------------------------


def _percent(n: int, total: int) -> int | None:
    return round(100 * n / total) if total else None


@dataclass
class Cell:
    test: str
    teacher: str
    count: int
    percent: int | None

    @property
    def agrees(self) -> bool:
        return self.test == self.teacher


@dataclass
class MatrixRow:
    reading: str
    label: str
    cells: list[Cell]
    total: int
    percent: int | None


@dataclass
class Matrix:
    """Counts of pupils by (test reading, teacher reading), plus those with one side only."""

    counts: dict = field(default_factory=dict)  # (test, teacher) -> n
    no_test: int = 0  # a summary judgement but no test to read
    no_judgement: int = 0  # a test but no summary judgement
    neither: int = 0
    test_higher: int = 0
    teacher_higher: int = 0

    @classmethod
    def of(cls, rows) -> "Matrix":
        matrix = cls(counts={(t, j): 0 for t in READINGS for j in READINGS})
        for row in rows:
            if row.compared:
                matrix.counts[row.test.reading, row.teacher.reading] += 1
                if row.direction == TEST_HIGHER:
                    matrix.test_higher += 1
                elif row.direction == TEACHER_HIGHER:
                    matrix.teacher_higher += 1
            elif row.teacher is not None:
                matrix.no_test += 1
            elif row.test is not None:
                matrix.no_judgement += 1
            else:
                matrix.neither += 1
        return matrix

    @property
    def compared(self) -> int:
        return sum(self.counts.values())

    @property
    def pupils(self) -> int:
        return self.compared + self.no_test + self.no_judgement + self.neither

    @property
    def agree(self) -> int:
        return sum(self.counts[r, r] for r in READINGS)

    @property
    def disagree(self) -> int:
        return self.compared - self.agree

    def percent(self, n: int) -> int | None:
        """`n` as a whole-number percentage of the pupils compared (None when nobody was)."""
        return _percent(n, self.compared)

    @property
    def agree_percent(self) -> int | None:
        return self.percent(self.agree)

    def rows(self) -> list[MatrixRow]:
        """One row per test reading (below, at, above), a cell per teacher reading."""
        total = self.compared
        out = []
        for t in READINGS:
            cells = [
                Cell(t, j, self.counts[t, j], _percent(self.counts[t, j], total)) for j in READINGS
            ]
            n = sum(c.count for c in cells)
            out.append(MatrixRow(t, READING_LABELS[t], cells, n, _percent(n, total)))
        return out

    def column_totals(self) -> list[tuple[int, int | None]]:
        total = self.compared
        sums = [sum(self.counts[t, j] for t in READINGS) for j in READINGS]
        return [(n, _percent(n, total)) for n in sums]


def sort_disagreements(rows) -> list[PupilRow]:
    """The pupils whose test and teacher readings differ, biggest gap first; within a gap,
    test-higher before teacher-higher, then by name."""
    return sorted(
        (r for r in rows if r.compared and r.gap != 0),
        key=lambda r: (
            -r.steps,
            r.direction != TEST_HIGHER,
            r.pupil.last_name.lower(),
            r.pupil.first_name.lower(),
            r.pupil.pk,
        ),
    )


@dataclass
class Comparison:
    subject: object
    point: object
    rows: list[PupilRow]  # every pupil of the cohort, by name
    matrix: Matrix

    @property
    def disagreements(self) -> list[PupilRow]:
        return sort_disagreements(self.rows)

    @property
    def without_test(self) -> list[PupilRow]:
        return [r for r in self.rows if r.test is None and r.teacher is not None]

    @property
    def without_judgement(self) -> list[PupilRow]:
        return [r for r in self.rows if r.teacher is None and r.test is not None]

    def breakdown(self, groups: dict) -> list[tuple[object, Matrix]]:
        """A matrix per group, for `groups` mapping pupil id -> group (a class or a year
        group, see `groups_on_roll`), youngest year first, then by name."""
        members = defaultdict(list)
        for row in self.rows:
            group = groups.get(row.pupil.pk)
            if group is not None:
                members[group].append(row)
        ordered = sorted(members, key=_group_order)
        return [(group, Matrix.of(members[group])) for group in ordered]


def _group_order(group):
    year_group = getattr(group, "year_group", None)
    stage = getattr(group, "stage", None)
    if stage is None and year_group is not None:
        stage = year_group.stage
    return (stage if stage is not None else 99, str(group))


# -- reading the two sides in bulk -----------------------------------------------------------


def latest_tests(user, pupils, subject_code: str, point, *, results=None) -> dict[int, TestSide]:
    """pupil id -> the test result compared at `point` (see the module docstring for the
    rule), for the pupils in `pupils` (a queryset already scoped to the user). One query for
    the results and at most one for the grades' scales. `results` replaces the user's scope
    only for counts that name nobody (see compare_anonymised)."""
    if not subject_code:
        return {}
    year_start = point.academic_year.start_date
    base = Result.objects.visible_to(user) if results is None else results
    results = list(
        base.filter(
            pupil_id__in=pupils.values("pk"),
            component="",
            sitting__definition__subject_code=subject_code,
            sitting__definition__sensitive=False,
        )
        .filter(Q(band__isnull=False) | Q(grade__isnull=False))
        .filter(
            Q(sitting__assessment_point=point)
            | Q(sitting__date__gte=year_start, sitting__date__lte=point.date)
        )
        .select_related("sitting__definition", "band", "grade")
        .order_by("sitting__date", "recorded_at", "id")
    )
    readings = grade_readings(r.grade.scale_id for r in results if r.band is None and r.grade)
    linked, dated = {}, {}
    for result in results:  # oldest first, so the latest of each kind is kept
        if result.band is not None:
            reading = result.band.expectation
        else:
            reading = readings.get(result.grade_id)
        if reading not in STEPS:
            continue
        is_linked = result.sitting.assessment_point_id == point.pk
        side = TestSide(
            result_id=result.pk,
            definition=result.sitting.definition.name,
            sitting=result.sitting.name,
            date=result.sitting.date,
            score=result.score,
            band=result.band.label if result.band else "",
            grade=result.grade.label if result.grade else "",
            reading=reading,
            linked=is_linked,
        )
        if is_linked:
            linked[result.pupil_id] = side
        if year_start <= result.sitting.date <= point.date:
            dated[result.pupil_id] = side
    return {**dated, **linked}


def current_judgements(pupils, subject, point) -> dict[int, TeacherSide]:
    """pupil id -> the current summary judgement in `subject` at `point`, read, for the
    pupils in `pupils` (already scoped). A judgement whose grade cannot be read counts as
    none. Two queries."""
    latest = {}
    for item in (
        SummaryJudgement.objects.filter(
            pupil_id__in=pupils.values("pk"), subject=subject, assessment_point=point
        )
        .select_related("grade")
        .order_by("recorded_at", "id")
    ):
        latest[item.pupil_id] = item
    readings = grade_readings({j.grade.scale_id for j in latest.values() if j.grade})
    out = {}
    for pupil_id, item in latest.items():
        reading = readings.get(item.grade_id)
        if reading is None:
            continue
        out[pupil_id] = TeacherSide(item.pk, item.grade.label, item.grade.short_label, reading)
    return out


def compare(user, pupils, subject, point) -> Comparison:
    """The comparison for `pupils` (a queryset already scoped with Pupil.objects.visible_to)
    in `subject` at `point`. A fixed number of queries, whatever the number of pupils."""
    tests = latest_tests(user, pupils, subject.code, point)
    teachers = current_judgements(pupils, subject, point)
    rows = [PupilRow(p, tests.get(p.pk), teachers.get(p.pk)) for p in pupils]
    rows.sort(key=lambda r: (r.pupil.last_name.lower(), r.pupil.first_name.lower(), r.pupil.pk))
    return Comparison(subject, point, rows, Matrix.of(rows))


def compare_anonymised(pupils, subject, point, school) -> Comparison:
    """The concordance counts alone, for governors: `pupils` is the school's cohort read
    without visible_to (as the governors' attainment figures are) and the tests are the
    school's own, so the matrix counts what staff see, but the comparison carries no rows, so
    no pupil is named or listed. Diagnostic (sensitive) tests are never read, as for staff."""
    tests = latest_tests(
        None, pupils, subject.code, point, results=Result.objects.filter(sitting__school=school)
    )
    teachers = current_judgements(pupils, subject, point)
    rows = [PupilRow(p, tests.get(p.pk), teachers.get(p.pk)) for p in pupils]
    return Comparison(subject, point, [], Matrix.of(rows))


# -- cohorts ---------------------------------------------------------------------------------


def cohort_date(point) -> date:
    """The day whose roll a comparison is about: the point's date, or today for a point that
    has not come yet."""
    return min(point.date, timezone.localdate())


def _on_roll(point, **where):
    on = cohort_date(point)
    return Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        start_date__lte=on,
        academic_year=point.academic_year,
        **where,
    )


def class_cohort(user, school_class, point):
    """The class's pupils the user may see, as on the point's date."""
    return pupils_in_class(user, school_class, on=cohort_date(point))


def year_group_cohort(user, year_group, point):
    """The pupils of a year group on roll on the point's date, that the user may see."""
    enrolments = _on_roll(point, school_id=year_group.school_id, year_group=year_group)
    return Pupil.objects.visible_to(user).filter(pk__in=enrolments.values("pupil_id"))


def school_cohort(user, school, point):
    """Every pupil on roll at the school on the point's date, that the user may see."""
    enrolments = _on_roll(point, school=school)
    return Pupil.objects.visible_to(user).filter(pk__in=enrolments.values("pupil_id"))


def groups_on_roll(pupils, school, point, by: str) -> dict:
    """pupil id -> their class (by="class") or year group (by="year_group") at the school on
    the point's date, for the pupils in `pupils` (a scoped queryset). One query."""
    enrolments = (
        _on_roll(point, school=school)
        .filter(pupil_id__in=pupils.values("pk"))
        .select_related("year_group", "school_class__year_group")
        .order_by("start_date", "id")
    )
    out = {}
    for enrolment in enrolments:  # the latest start wins
        group = enrolment.school_class if by == "class" else enrolment.year_group
        if group is not None:
            out[enrolment.pupil_id] = group
    return out
