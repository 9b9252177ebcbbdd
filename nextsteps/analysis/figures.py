"""The analysis figures: attainment by group, transition matrices, progress against target,
trends over years and the disadvantaged gap, for a class, a year group, a school or a trust.

Every figure is a GROUP BY over the current summary judgements (assessment.CurrentSummary,
the latest recorded row per pupil, subject and assessment point, kept in step as they are
recorded), so it costs a fixed number of
queries whatever the size of the cohort; nothing loops over pupils in Python. The cohort is
passed in already scoped to the user (Pupil.objects.visible_to), usually from
nextsteps.results.comparison (class_cohort, year_group_cohort, school_cohort: the pupils on
roll on the point's date).

Percentages are whole numbers of the pupils in the group who have a summary judgement (the
"judged"); pupils without one are counted beside them as "not judged". At or above expected
is read with the shared results.comparison.grade_reading, so schools on different scales
can be added up in a trust."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from nextsteps.assessment.models import CurrentSummary
from nextsteps.curriculum.models import Grade
from nextsteps.results.comparison import ABOVE, AT, BELOW, READING_LABELS, grade_readings
from nextsteps.schools.models import AssessmentPoint, Enrolment

from .groups import ALL, SMALL_GROUP, Breakdown, breakdowns, flags

EXPECTED = (AT, ABOVE)


def percent(n, total):
    return round(100 * n / total) if total else None


# -- current summary judgements -----------------------------------------------------------


def current(subjects, points, pupils=None):
    """The current summary judgements (assessment.CurrentSummary: the latest per pupil,
    subject and point) of `subjects` at `points`, for `pupils` (a scoped queryset) when
    given. Rows with no grade (nothing to read) are left out. The rows carry pupil, subject,
    assessment_point and grade, as SummaryJudgement does."""
    rows = CurrentSummary.objects.filter(
        subject_id__in=[getattr(s, "pk", s) for s in subjects],
        assessment_point_id__in=[getattr(p, "pk", p) for p in points],
        grade__isnull=False,
    )
    if pupils is not None:
        rows = rows.filter(pupil_id__in=pupils.values("pk"))
    return rows.order_by()


def on_roll(point):
    """Enrolments on roll at the point's school on its date (today for one still to come)."""
    from nextsteps.results.comparison import cohort_date

    on = cohort_date(point)
    return Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        start_date__lte=on,
        academic_year_id=point.academic_year_id,
    )


# -- attainment ---------------------------------------------------------------------------


@dataclass
class GradeCount:
    key: str  # a grade id as text, or a reading (below, at, above)
    label: str
    count: int | None
    percent: int | None


@dataclass
class AttainmentRow:
    breakdown: Breakdown
    pupils: int | None
    judged: int | None
    grades: list[GradeCount]
    expected: int | None
    expected_percent: int | None
    small: bool
    suppressed: bool = False

    @property
    def key(self):
        return self.breakdown.key

    @property
    def label(self):
        return self.breakdown.label

    @property
    def not_judged(self):
        return None if self.pupils is None else self.pupils - self.judged


@dataclass
class Attainment:
    columns: list[tuple[str, str]]  # (key, label) per grade or reading, lowest first
    rows: list[AttainmentRow] = field(default_factory=list)
    anonymised: bool = False

    def row(self, key):
        return next((r for r in self.rows if r.key == key), None)


def _rows(columns, judged_counts, pupil_counts, reading_of, items, anonymise) -> list:
    """Sum the GROUP BY results into one row per breakdown. `judged_counts` is a list of
    (flags dict, column key, n); `pupil_counts` a list of (flags dict, n)."""
    out = []
    for b in items:
        pupils = sum(n for row, n in pupil_counts if b.holds(row))
        by_column = Counter()
        for row, key, n in judged_counts:
            if b.holds(row):
                by_column[key] += n
        judged = sum(by_column.values())
        expected = sum(n for key, n in by_column.items() if reading_of(key) in EXPECTED)
        small = 0 < pupils < SMALL_GROUP
        if b is ALL or b.key == "all":
            small = False
        hide = anonymise and small
        grades = [
            GradeCount(
                key,
                label,
                None if hide else by_column[key],
                None if hide else percent(by_column[key], judged),
            )
            for key, label in columns
        ]
        out.append(
            AttainmentRow(
                breakdown=b,
                pupils=None if hide else pupils,
                judged=None if hide else judged,
                grades=grades,
                expected=None if hide else expected,
                expected_percent=None if hide else percent(expected, judged),
                small=small,
                suppressed=hide,
            )
        )
    return out


def attainment(pupils, subject, point, *, groups=(), anonymise=False) -> Attainment:
    """The share of `pupils` (the cohort, scoped) at each grade of the subject's summary
    scale at `point`, and at or above expected, overall and for each breakdown (the standard
    groups and `groups`, the schools' own). With `anonymise`, groups of fewer than
    SMALL_GROUP pupils show no figures. Two queries (plus one for the grades)."""
    from nextsteps.results.comparison import cohort_date

    on = cohort_date(point)
    grades = list(subject.point_scale().grades.order_by("order"))
    readings = grade_readings({subject.point_scale().pk})
    judged_flags = flags(on, "pupil", groups)
    judged = (
        current([subject], [point], pupils)
        .annotate(**judged_flags)
        .values(*judged_flags, "grade_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    pupil_flags = flags(on, "pk", groups)
    totals = pupils.annotate(**pupil_flags).values(*pupil_flags).annotate(n=Count("pk")).order_by()
    judged_counts = [(r, str(r["grade_id"]), r["n"]) for r in judged]
    pupil_counts = [(r, r["n"]) for r in totals]
    columns = [(str(g.pk), g.short_label) for g in grades]
    result = Attainment(columns, anonymised=anonymise)
    result.rows = _rows(
        columns,
        judged_counts,
        pupil_counts,
        lambda key: readings.get(int(key)),
        breakdowns(groups),
        anonymise,
    )
    return result


def attainment_pupils(pupils, subject, point, breakdown: Breakdown, column: str, groups=()):
    """The pupils behind one figure of `attainment`: those of the cohort in `breakdown` whose
    current judgement is the grade `column` (a grade id), "expected" (at or above), or
    "none" (not judged). A queryset of pupils, still scoped."""
    from nextsteps.results.comparison import cohort_date

    on = cohort_date(point)
    rows = current([subject], [point], pupils)
    if column == "none":
        chosen = pupils.exclude(pk__in=rows.values("pupil_id"))
    else:
        if column == "expected":
            readings = grade_readings({subject.point_scale().pk})
            rows = rows.filter(grade_id__in=[g for g, r in readings.items() if r in EXPECTED])
        else:
            rows = rows.filter(grade_id=int(column))
        chosen = pupils.filter(pk__in=rows.values("pupil_id"))
    f = flags(on, "pk", groups)
    return chosen.annotate(**f).filter(breakdown.q())


# -- transition matrices ------------------------------------------------------------------


@dataclass
class Transition:
    before: list[tuple[str, str]]  # (grade id as text or "none", label): where pupils were
    after: list[tuple[str, str]]  # where they are now
    counts: dict  # (before key, after key) -> n
    moved_up: int = 0
    stayed: int = 0
    moved_down: int = 0

    @property
    def total(self):
        return sum(self.counts.values())

    def rows(self):
        out = []
        for key, label in self.before:
            cells = [(a, self.counts.get((key, a), 0)) for a, _ in self.after]
            n = sum(c for _, c in cells)
            out.append({"key": key, "label": label, "cells": cells, "total": n})
        return out

    def column_totals(self):
        return [sum(self.counts.get((b, a), 0) for b, _ in self.before) for a, _ in self.after]


def transition(pupils, subject, point_from, point_to, *, subject_from=None) -> Transition:
    """Where the cohort (`pupils`, scoped: usually those on roll at `point_to`) was at
    `point_from` and is at `point_to` in `subject` (`subject_from` at the earlier point when
    the framework changed between years), counted by grade. "none" is no judgement. Moving up
    or down is by grade order on one scale, or by reading (below, at, above) across two.
    Three queries."""
    subject_from = subject_from or subject
    before_grades = list(subject_from.point_scale().grades.order_by("order"))
    after_grades = list(subject.point_scale().grades.order_by("order"))
    earlier = current([subject_from], [point_from]).filter(pupil_id=OuterRef("pupil_id"))
    rows = (
        current([subject], [point_to], pupils)
        .annotate(before=Subquery(earlier.values("grade_id")[:1]))
        .values("before", "grade_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = Counter()
    for r in rows:
        counts[(str(r["before"]) if r["before"] else "none", str(r["grade_id"]))] += r["n"]
    judged_now = current([subject], [point_to], pupils).values("pupil_id")
    unjudged = (
        current([subject_from], [point_from], pupils.exclude(pk__in=judged_now))
        .values("grade_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    placed = 0
    for r in unjudged:
        counts[(str(r["grade_id"]), "none")] += r["n"]
        placed += r["n"]
    neither = pupils.count() - sum(counts.values())
    if neither:
        counts[("none", "none")] += neither
    result = Transition(
        [(str(g.pk), g.short_label) for g in before_grades] + [("none", "No judgement")],
        [(str(g.pk), g.short_label) for g in after_grades] + [("none", "No judgement")],
        dict(counts),
    )
    same_scale = subject_from.point_scale().pk == subject.point_scale().pk
    readings = grade_readings({subject_from.point_scale().pk, subject.point_scale().pk})
    order = {str(g.pk): g.order for g in before_grades + after_grades}
    steps = {BELOW: 0, AT: 1, ABOVE: 2}
    for (b, a), n in counts.items():
        if b == "none" or a == "none":
            continue
        if same_scale:
            move = order[a] - order[b]
        else:
            rb, ra = readings.get(int(b)), readings.get(int(a))
            if rb is None or ra is None:
                continue
            move = steps[ra] - steps[rb]
        if move > 0:
            result.moved_up += n
        elif move < 0:
            result.moved_down += n
        else:
            result.stayed += n
    return result


def transition_pupils(pupils, subject, point_from, point_to, before, after, *, subject_from=None):
    """The pupils in one cell of `transition` (keys as there: a grade id as text or "none")."""
    subject_from = subject_from or subject
    now = current([subject], [point_to], pupils)
    then = current([subject_from], [point_from], pupils)
    chosen = pupils
    if after == "none":
        chosen = chosen.exclude(pk__in=now.values("pupil_id"))
    else:
        chosen = chosen.filter(pk__in=now.filter(grade_id=int(after)).values("pupil_id"))
    if before == "none":
        chosen = chosen.exclude(pk__in=then.values("pupil_id"))
    else:
        chosen = chosen.filter(pk__in=then.filter(grade_id=int(before)).values("pupil_id"))
    return chosen


# -- progress against target --------------------------------------------------------------


def against_target(pupils, subject, point) -> dict:
    """How many of the cohort are on track, at risk, off track, not judged or without a
    target in `subject` at `point`, by the school's on-track rule (tracking.on_track), with
    the pupil ids behind each."""
    from nextsteps.tracking import on_track
    from nextsteps.tracking.rule import LABELS, STATUSES

    results = on_track.statuses(pupils, [subject], [point])
    ids = defaultdict(list)
    for r in results.values():
        ids[r.status].append(r.pupil_id)
    total = sum(len(v) for v in ids.values())
    return {
        "rows": [
            {
                "status": s,
                "label": LABELS[s],
                "count": len(ids[s]),
                "percent": percent(len(ids[s]), total),
            }
            for s in STATUSES
        ],
        "total": total,
        "pupils": dict(ids),
    }


# -- over time ----------------------------------------------------------------------------


def points_of(school, position=None):
    """The school's assessment points, oldest first, with their year; only the `position`th
    (1-based) of each year when given."""
    points = list(
        AssessmentPoint.objects.filter(academic_year__school=school)
        .select_related("academic_year")
        .order_by("academic_year__start_date", "date", "id")
    )
    if position is None:
        return points
    by_year = defaultdict(list)
    for p in points:
        by_year[p.academic_year_id].append(p)
    return [ps[position - 1] for ps in by_year.values() if len(ps) >= position]


def _share_rows(rows, readings):
    """{point id: (judged, at or above)} from rows of (point id, grade id, n)."""
    out = defaultdict(lambda: [0, 0])
    for point_id, grade_id, n in rows:
        out[point_id][0] += n
        if readings.get(grade_id) in EXPECTED:
            out[point_id][1] += n
    return out


def trend(visible, subject, points, stage) -> list[dict]:
    """At or above expected in `subject` for the pupils in the year group of `stage` at each
    of `points` (one per year, usually the same point of each year): how each year's cohort
    compares with the last. `visible` is the user's pupils. One query."""
    enrolled = Enrolment.objects.filter(
        pupil_id=OuterRef("pupil_id"),
        academic_year_id=OuterRef("assessment_point__academic_year_id"),
        year_group__stage=stage,
    )
    rows = (
        current([subject], points, visible)
        .filter(Exists(enrolled))
        .values_list("assessment_point_id", "grade_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    shares = _share_rows(rows, grade_readings({subject.point_scale().pk}))
    return [
        {
            "point": p,
            "label": f"{p.academic_year.name} {p.name}",
            "judged": shares[p.pk][0],
            "expected": shares[p.pk][1],
            "percent": percent(shares[p.pk][1], shares[p.pk][0]),
        }
        for p in points
    ]


def disadvantaged_gap(visible, subject, points, school) -> list[dict]:
    """At or above expected in `subject` at each of `points` for disadvantaged pupils and for
    the others on roll at `school` that year (disadvantaged as on the point's date), and the
    gap between them in percentage points (others minus disadvantaged). One query."""
    enrolled = Enrolment.objects.filter(
        pupil_id=OuterRef("pupil_id"),
        academic_year_id=OuterRef("assessment_point__academic_year_id"),
        school=school,
    )
    flag = flags(OuterRef("assessment_point__date"), "pupil")["g_disadvantaged"]
    rows = (
        current([subject], points, visible)
        .filter(Exists(enrolled))
        .annotate(dis=flag)
        .values_list("assessment_point_id", "dis", "grade_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    readings = grade_readings({subject.point_scale().pk})
    split = {True: [], False: []}
    for point_id, dis, grade_id, n in rows:
        split[bool(dis)].append((point_id, grade_id, n))
    dis_shares = _share_rows(split[True], readings)
    other_shares = _share_rows(split[False], readings)
    out = []
    for p in points:
        d, o = dis_shares[p.pk], other_shares[p.pk]
        dp, op = percent(d[1], d[0]), percent(o[1], o[0])
        out.append(
            {
                "point": p,
                "label": f"{p.academic_year.name} {p.name}",
                "disadvantaged": d[0],
                "disadvantaged_percent": dp,
                "others": o[0],
                "others_percent": op,
                "gap": None if dp is None or op is None else op - dp,
                "small": 0 < d[0] < SMALL_GROUP,
            }
        )
    return out


# -- the trust ----------------------------------------------------------------------------

READING_COLUMNS = [(r, READING_LABELS[r]) for r in (BELOW, AT, ABOVE)]


def trust_points(schools, start_year: int, position: int) -> list:
    """Each school's `position`th assessment point (1-based) of the academic year starting in
    `start_year`."""
    points = (
        AssessmentPoint.objects.filter(
            academic_year__school__in=schools, academic_year__start_date__year=start_year
        )
        .select_related("academic_year__school")
        .order_by("academic_year_id", "date", "id")
    )
    by_year = defaultdict(list)
    for p in points:
        by_year[p.academic_year_id].append(p)
    return [ps[position - 1] for ps in by_year.values() if len(ps) >= position]


def _roll_q(points) -> Q:
    """Enrolments on roll at each point's school on the point's date (an academic year
    belongs to one school, so the year says which school). Points of one date, which is how
    the callers group them, give one plain condition the planner can estimate well."""
    enrolled = Q()
    for on, same_day in _by_date(points).items():
        enrolled |= Q(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            academic_year_id__in=[p.academic_year_id for p in same_day],
            start_date__lte=on,
        )
    return enrolled


def _by_date(points) -> dict:
    days = defaultdict(list)
    for p in points:
        days[p.date].append(p)
    return days


def trust_attainment(visible, points, subject_code: str, *, anonymise=False):
    """Attainment across schools that may use different frameworks: every summary grade is
    read as below, at or above expected (results.comparison.grade_reading) and counted by
    reading, for each breakdown and for each school. The cohort is every pupil the user may
    see (`visible`) on roll at a school on its point's date. The flags are worked out for
    each point's date, so the schools are counted in two queries per distinct point date
    (usually one date: trusts tend to share their calendar), plus one for the grades."""
    if not points:
        return Attainment(READING_COLUMNS), []
    rows, totals = [], []
    for on, same_day in _by_date(points).items():
        roll = Enrolment.objects.filter(_roll_q(same_day), pupil_id__in=visible.values("pk"))
        judged_flags = flags(on, "pupil")
        rows += (
            CurrentSummary.objects.filter(
                subject__code=subject_code,
                assessment_point_id__in=[p.pk for p in same_day],
                pupil_id__in=roll.values("pupil_id"),
                grade__isnull=False,
            )
            .annotate(**judged_flags, school=F("assessment_point__academic_year__school_id"))
            .values(*judged_flags, "school", "grade_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        totals += (
            roll.annotate(**judged_flags)
            .values(*judged_flags, "school_id")
            .annotate(n=Count("pupil_id", distinct=True))
            .order_by()
        )
    readings = grade_readings(
        Grade.objects.filter(pk__in={r["grade_id"] for r in rows}).values_list(
            "scale_id", flat=True
        )
    )
    judged_counts = [(r, readings.get(r["grade_id"]), r["n"]) for r in rows]
    pupil_counts = [(r, r["n"]) for r in totals]
    result = Attainment(READING_COLUMNS, anonymised=anonymise)
    result.rows = _rows(
        READING_COLUMNS, judged_counts, pupil_counts, lambda k: k, breakdowns(), anonymise
    )
    judged_at, pupils_at = defaultdict(list), defaultdict(list)
    for r, k, n in judged_counts:
        judged_at[r["school"]].append((r, k, n))
    for r, n in pupil_counts:
        pupils_at[r["school_id"]].append((r, n))
    by_school = []
    for p in sorted(points, key=lambda p: p.academic_year.school.name):
        school = p.academic_year.school
        b = Breakdown(f"school_{school.pk}", school.name)
        here_j, here_p = judged_at[school.pk], pupils_at[school.pk]
        by_school.append(
            (school, _rows(READING_COLUMNS, here_j, here_p, lambda k: k, [b], anonymise)[0])
        )
    return result, by_school


def trust_attainment_pupils(visible, points, subject_code, breakdown, column, school_id=None):
    """The pupils behind one figure of `trust_attainment`: those of the cohort (the user's
    pupils on roll at a school on its point's date; only `school_id`'s when given) in
    `breakdown`, whose current judgement reads `column` (below, at, above), "expected" (at or
    above) or "none" (not judged). A queryset of pupils, still scoped."""
    if school_id is not None:
        points = [p for p in points if p.academic_year.school_id == school_id]
    if not points:
        return visible.none()
    in_group = Q()
    for on, same_day in _by_date(points).items():
        roll = (
            Enrolment.objects.filter(_roll_q(same_day), pupil_id__in=visible.values("pk"))
            .annotate(**flags(on, "pupil"))
            .filter(breakdown.q())
        )
        in_group |= Q(pk__in=roll.values("pupil_id"))
    chosen = visible.filter(in_group)
    rows = CurrentSummary.objects.filter(
        subject__code=subject_code,
        assessment_point_id__in=[p.pk for p in points],
        grade__isnull=False,
    )
    if column == "none":
        return chosen.exclude(pk__in=rows.values("pupil_id"))
    wanted = EXPECTED if column == "expected" else (column,)
    scales = rows.values_list("grade__scale_id", flat=True).distinct()
    grades = [g for g, r in grade_readings(set(scales)).items() if r in wanted]
    return chosen.filter(pk__in=rows.filter(grade_id__in=grades).values("pupil_id"))
