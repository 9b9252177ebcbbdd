"""Tests beside teacher judgement: the reading of grades, which test is compared, the
concordance matrix for small cohorts worked out by hand, the disagreement list and the scope.
The helpers at the top are shared by the page and timeline tests."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nextsteps.assessment.summary import record_summary
from nextsteps.curriculum import services as curriculum
from nextsteps.curriculum.models import Scale
from nextsteps.results import comparison
from nextsteps.results.comparison import (
    ABOVE,
    AT,
    BELOW,
    TEACHER_HIGHER,
    TEST_HIGHER,
    grade_reading,
)
from nextsteps.results.models import AssessmentDefinition, Result, Sitting
from tests.cast import add_pupils_to_oak
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db

SCORES = {BELOW: 78, AT: 100, ABOVE: 121}


# -- helpers shared with the page and timeline tests ------------------------------------------


def shipped(school, code="standardised-maths"):
    """One of the definitions every school is given (installed when the school is made)."""
    return AssessmentDefinition.objects.get(school=school, code=code)


def sit(definition, on, *, point=None, year=None, name=""):
    if year is None:
        year = point.academic_year if point else definition.school.current_year(on)
    return Sitting.objects.create(
        definition=definition,
        school=definition.school,
        academic_year=year,
        name=name or f"{definition.name}, {on:%d %b %Y}",
        date=on,
        assessment_point=point,
    )


def result(sitting, pupil, reading=None, *, score=None, grade=None, component=""):
    """A result read `reading` (its band set as the scoring would), or with an explicit
    score and no band, or a grade."""
    band = sitting.definition.bands.get(expectation=reading) if reading else None
    if score is None and reading:
        score = SCORES[reading]
    return Result.objects.create(
        sitting=sitting,
        pupil=pupil,
        component=component,
        score=score,
        grade=grade,
        band=band,
        recorded_at=timezone.now(),
    )


def judge(pupil, subject, point, short, by):
    grade = subject.point_scale().grades.get(short_label=short)
    return record_summary(pupil, subject, point, grade, by=by)


def points(cast):
    return list(cast.year.assessment_points.order_by("date"))


@pytest.fixture
def setup(cast):
    maths = build_maths(cast.school)
    return cast, maths, shipped(cast.school), points(cast)[1]


# -- reading grades ----------------------------------------------------------------------------


def _read(scale_code):
    grades = list(Scale.objects.get(code=scale_code).grades.order_by("order"))
    return {g.short_label: grade_reading(g, grades) for g in grades}


def test_summary_grades_read_below_at_above_on_the_shipped_scales(db):
    # not secure -> below; the lowest secure grade -> at; a secure grade above it -> above
    assert _read("wts-exs-gds") == {"BLW": BELOW, "WTS": BELOW, "EXS": AT, "GDS": ABOVE}
    assert _read("nydsm") == {"N": BELOW, "D": BELOW, "S": AT, "M": ABOVE}
    assert _read("eyfs") == {"EM": BELOW, "EXP": AT}
    assert _read("rag") == {"R": BELOW, "A": BELOW, "G": AT}
    assert _read("points-1-9") == {
        "1": BELOW,
        "2": BELOW,
        "3": BELOW,
        "4": AT,
        **{str(n): ABOVE for n in range(5, 10)},
    }
    # CfE levels achieved mark no grade secure: a level cannot be read on its own
    assert set(_read("cfe-level").values()) == {None}
    assert grade_reading(None, []) is None


def test_grade_readings_covers_several_scales_in_one_query(db):
    scales = list(
        Scale.objects.filter(code__in=["wts-exs-gds", "nydsm"]).values_list("pk", flat=True)
    )
    with CaptureQueriesContext(connection) as ctx:
        readings = comparison.grade_readings(scales)
    assert len(ctx.captured_queries) == 1
    exs = Scale.objects.get(code="wts-exs-gds").grades.get(short_label="EXS")
    mastery = Scale.objects.get(code="nydsm").grades.get(short_label="M")
    assert readings[exs.pk] == AT and readings[mastery.pk] == ABOVE
    assert comparison.grade_readings([]) == {}


# -- the matrix ---------------------------------------------------------------------------------


def test_matrix_of_a_small_class_worked_by_hand(setup):
    cast, maths, definition, point = setup
    extras = add_pupils_to_oak(cast, 8)
    amara, bart = cast.amara, cast.bartholomew
    p = [amara, bart, *extras]  # ten pupils in 3 Oak
    sitting = sit(definition, point.date - timedelta(days=10), point=point)
    plan = [
        # (pupil, test reading, teacher grade)
        (p[0], BELOW, "WTS"),  # agree below
        (p[1], AT, "EXS"),  # agree at
        (p[2], AT, "EXS"),  # agree at (a tie in the same cell)
        (p[3], ABOVE, "WTS"),  # two steps, test higher
        (p[4], BELOW, "EXS"),  # one step, teacher higher
        (p[5], AT, "GDS"),  # one step, teacher higher
        (p[6], ABOVE, "EXS"),  # one step, test higher
        (p[7], AT, None),  # a test, no judgement
        (p[8], None, "EXS"),  # a judgement, no test
        (p[9], None, None),  # neither
    ]
    for pupil, reading, grade in plan:
        if reading:
            result(sitting, pupil, reading)
        if grade:
            judge(pupil, maths.maths, point, grade, cast.teacher)
    # Zebedee, in 4 Ash, is not part of 3 Oak's matrix
    result(sitting, cast.zebedee, ABOVE)
    judge(cast.zebedee, maths.maths, point, "WTS", cast.teacher)

    found = comparison.compare(
        cast.teacher, comparison.class_cohort(cast.teacher, cast.oak, point), maths.maths, point
    )
    m = found.matrix
    assert {k: v for k, v in m.counts.items() if v} == {
        (BELOW, BELOW): 1,
        (AT, AT): 2,
        (ABOVE, BELOW): 1,
        (BELOW, AT): 1,
        (AT, ABOVE): 1,
        (ABOVE, AT): 1,
    }
    assert (m.compared, m.agree, m.disagree, m.agree_percent) == (7, 3, 4, 43)
    assert (m.no_test, m.no_judgement, m.neither, m.pupils) == (1, 1, 1, 10)
    assert (m.test_higher, m.teacher_higher) == (2, 2)
    rows = m.rows()
    assert [r.total for r in rows] == [2, 3, 2]
    assert [r.percent for r in rows] == [29, 43, 29]
    assert [(c.count, c.percent, c.agrees) for c in rows[1].cells] == [
        (0, 0, False),
        (2, 29, True),
        (1, 14, False),
    ]
    assert m.column_totals() == [(2, 29), (4, 57), (1, 14)]

    # biggest gap first; within a gap, test-higher first, then by name
    listed = [(r.pupil, r.steps, r.direction) for r in found.disagreements]
    one_step_teacher = sorted([p[4], p[5]], key=lambda x: (x.last_name, x.first_name))
    assert listed == [
        (p[3], 2, TEST_HIGHER),
        (p[6], 1, TEST_HIGHER),
        (one_step_teacher[0], 1, TEACHER_HIGHER),
        (one_step_teacher[1], 1, TEACHER_HIGHER),
    ]
    assert [r.pupil for r in found.without_test] == [p[8]]
    assert [r.pupil for r in found.without_judgement] == [p[7]]
    assert cast.zebedee not in [r.pupil for r in found.rows]
    gap_row = found.disagreements[0]
    assert gap_row.gap == 2 and gap_row.test.shown == "121 (Above average)"
    assert gap_row.teacher.grade == "Working towards" and gap_row.teacher.reading == BELOW


def test_an_empty_cohort_gives_an_empty_matrix_without_percentages(setup):
    cast, maths, definition, point = setup
    empty = cast.school.classes.create(academic_year=cast.year, name="3 Empty", year_group=cast.y3)
    found = comparison.compare(
        cast.head, comparison.class_cohort(cast.head, empty, point), maths.maths, point
    )
    m = found.matrix
    assert (m.compared, m.pupils, m.agree_percent) == (0, 0, None)
    assert all(c.percent is None and c.count == 0 for r in m.rows() for c in r.cells)
    assert m.column_totals() == [(0, None)] * 3
    assert found.disagreements == [] and found.rows == []


def test_matrix_counts_everyone_with_only_one_side(setup):
    cast, maths, definition, point = setup
    sitting = sit(definition, point.date - timedelta(days=3), point=point)
    result(sitting, cast.amara, AT)
    judge(cast.bartholomew, maths.maths, point, "GDS", cast.teacher)
    m = comparison.compare(
        cast.head, comparison.class_cohort(cast.head, cast.oak, point), maths.maths, point
    ).matrix
    assert (m.compared, m.no_test, m.no_judgement, m.neither) == (0, 1, 1, 0)
    assert m.agree_percent is None


def test_nydsm_summary_scale_is_read_the_same_way(setup):
    cast, maths, definition, point = setup
    number = curriculum.add_subject(maths.framework, "number", "Number", summary_scale=maths.scale)
    definition.subject_code = "number"
    definition.save()
    sitting = sit(definition, point.date, point=point)
    result(sitting, cast.amara, ABOVE)
    result(sitting, cast.bartholomew, AT)
    judge(cast.amara, number, point, "M", cast.teacher)  # Mastery: above
    judge(cast.bartholomew, number, point, "D", cast.teacher)  # Developing: below
    found = comparison.compare(
        cast.head, comparison.class_cohort(cast.head, cast.oak, point), number, point
    )
    assert found.matrix.counts[ABOVE, ABOVE] == 1 and found.matrix.counts[AT, BELOW] == 1
    assert [(r.pupil, r.steps, r.direction) for r in found.disagreements] == [
        (cast.bartholomew, 1, TEST_HIGHER)
    ]


# -- which test is compared --------------------------------------------------------------------


def test_which_result_is_compared(setup):
    cast, maths, definition, point = setup
    a, b, c, d, e, f, g = [cast.amara, cast.bartholomew, *add_pupils_to_oak(cast, 5)]
    before = point.date - timedelta(days=5)
    linked = sit(definition, point.date - timedelta(days=30), point=point, name="Linked")
    later = sit(definition, before, name="Later, not linked")
    earlier = sit(definition, point.date - timedelta(days=60), name="Earlier")
    after = sit(definition, point.date + timedelta(days=3), name="After the point")
    last_year = sit(definition, cast.last_year.start_date + timedelta(days=30), year=cast.last_year)
    linked_late = sit(definition, point.date + timedelta(days=2), point=point, name="Linked late")
    # a: linked beats a later unlinked one, and a diagnostic linked one is never used
    result(linked, a, AT)
    result(later, a, ABOVE)
    dyslexia = sit(shipped(cast.school, "dyslexia-screening"), point.date, point=point)
    assert dyslexia.definition.sensitive
    dyslexia.definition.subject_code = "maths"  # even were it tagged as maths
    dyslexia.definition.save()
    result(dyslexia, a, BELOW)
    # b: nothing linked, so the latest sitting up to the point's date; later ones ignored
    result(earlier, b, BELOW)
    result(later, b, ABOVE)
    result(after, b, BELOW)
    # c: only last year's result, and one in another subject
    result(last_year, c, ABOVE)
    reading = sit(shipped(cast.school, "standardised-reading"), before, point=point)
    result(reading, c, ABOVE)
    # d: only a component result; e: only a result with no band
    result(earlier, d, AT, component="part-a")
    result(earlier, e, score=100)
    # f: a grade on the early-years scale, read by the grade rule
    eyfs = Scale.objects.get(code="eyfs")
    graded = AssessmentDefinition.objects.create(
        school=cast.school,
        code="maths-teacher-check",
        name="Maths check",
        kind="raw",
        measure="grade",
        subject_code="maths",
        scale=eyfs,
    )
    result(sit(graded, before), f, grade=eyfs.grades.get(short_label="EXP"))
    # g: linked but sat after the point's date still counts as this point's test
    result(earlier, g, BELOW)
    result(linked_late, g, ABOVE)

    tests = comparison.latest_tests(
        cast.head, comparison.class_cohort(cast.head, cast.oak, point), "maths", point
    )
    assert tests[a.pk].reading == AT and tests[a.pk].linked and tests[a.pk].sitting == "Linked"
    assert tests[b.pk].reading == ABOVE and not tests[b.pk].linked
    assert tests[b.pk].sitting == "Later, not linked"
    assert c.pk not in tests and d.pk not in tests and e.pk not in tests
    assert tests[f.pk].reading == AT and tests[f.pk].shown == "Expected"
    assert tests[g.pk].reading == ABOVE and tests[g.pk].sitting == "Linked late"
    assert comparison.latest_tests(cast.head, cast.oak.enrolments.none(), "", point) == {}


def test_the_teachers_current_judgement_is_the_latest_recorded(setup):
    cast, maths, definition, point = setup
    judge(cast.amara, maths.maths, point, "WTS", cast.teacher)
    judge(cast.amara, maths.maths, point, "GDS", cast.leader)
    other_point = points(cast)[0]
    judge(cast.amara, maths.maths, other_point, "EXS", cast.teacher)
    cohort = comparison.class_cohort(cast.head, cast.oak, point)
    judged = comparison.current_judgements(cohort, maths.maths, point)
    assert judged[cast.amara.pk].reading == ABOVE and judged[cast.amara.pk].short == "GDS"
    assert cast.bartholomew.pk not in judged


# -- scope -------------------------------------------------------------------------------------


def test_a_teacher_of_another_class_sees_nobody(setup):
    cast, maths, definition, point = setup
    sitting = sit(definition, point.date, point=point)
    for pupil in (cast.amara, cast.bartholomew):
        result(sitting, pupil, BELOW)
        judge(pupil, maths.maths, point, "GDS", cast.teacher)
    cohort = comparison.class_cohort(cast.other_teacher, cast.oak, point)
    found = comparison.compare(cast.other_teacher, cohort, maths.maths, point)
    assert found.rows == [] and found.matrix.pupils == 0
    # and the results themselves are scoped too, whatever cohort is passed in
    everyone = comparison.class_cohort(cast.head, cast.oak, point)
    assert comparison.latest_tests(cast.other_teacher, everyone, "maths", point) == {}
    # the class teacher does see them
    mine = comparison.compare(
        cast.teacher, comparison.class_cohort(cast.teacher, cast.oak, point), maths.maths, point
    )
    assert mine.matrix.counts[BELOW, ABOVE] == 2


def test_year_group_and_school_cohorts_and_their_breakdowns(setup):
    cast, maths, definition, point = setup
    sitting = sit(definition, point.date, point=point)
    for pupil, reading, grade in (
        (cast.amara, AT, "EXS"),
        (cast.bartholomew, BELOW, "EXS"),
        (cast.zebedee, ABOVE, "GDS"),
    ):
        result(sitting, pupil, reading)
        judge(pupil, maths.maths, point, grade, cast.teacher)
    year3 = comparison.year_group_cohort(cast.head, cast.y3, point)
    assert set(year3) == {cast.amara, cast.bartholomew}
    school = comparison.school_cohort(cast.head, cast.school, point)
    assert set(school) == {cast.amara, cast.bartholomew, cast.zebedee}  # not the hub's pupils
    found = comparison.compare(cast.head, school, maths.maths, point)
    assert (found.matrix.compared, found.matrix.agree) == (3, 2)
    by_class = found.breakdown(comparison.groups_on_roll(school, cast.school, point, "class"))
    assert [(str(g), m.compared, m.agree) for g, m in by_class] == [
        ("3 Oak", 2, 1),
        ("4 Ash", 1, 1),
    ]
    by_year = found.breakdown(comparison.groups_on_roll(school, cast.school, point, "year_group"))
    assert [(g.stage, m.compared) for g, m in by_year] == [(3, 2), (4, 1)]
    # a teacher asking for the year group sees only their own class's pupils in it
    assert set(comparison.year_group_cohort(cast.other_teacher, cast.y3, point)) == set()


def test_comparison_reads_in_a_fixed_number_of_queries(setup):
    cast, maths, definition, point = setup
    sitting = sit(definition, point.date, point=point)
    readings, grades = [BELOW, AT, ABOVE], ["WTS", "EXS", "GDS"]

    def grow(pupils, start):
        for n, pupil in enumerate(pupils, start=start):
            result(sitting, pupil, readings[n % 3])
            judge(pupil, maths.maths, point, grades[n // 3 % 3], cast.teacher)

    def count():
        cohort = comparison.school_cohort(cast.head, cast.school, point)
        with CaptureQueriesContext(connection) as ctx:
            found = comparison.compare(cast.head, cohort, maths.maths, point)
            found.breakdown(comparison.groups_on_roll(cohort, cast.school, point, "class"))
        return len(ctx.captured_queries), found.matrix.compared

    grow(add_pupils_to_oak(cast, 3), 0)
    small, n_small = count()
    grow(add_pupils_to_oak(cast, 15, start=3), 3)
    large, n_large = count()
    assert (n_small, n_large) == (3, 18)
    assert small == large
