"""A pupil's tests, summary judgements and objective coverage on one timeline per subject, for
the pupil profile: a small chart drawn on the server (SVG, with a text alternative) and a
table of every entry.

- Tests: each result the user may see (`Result.objects.visible_to`) of a definition whose
  subject code is the subject's, with its score, band and reading. Results of definitions with
  no such subject (a phonics check, a questionnaire, a diagnostic screening) are listed on
  their own. Diagnostic results appear only for those allowed to see them, and showing them
  is written to the audit log.
- Summary judgements: the current one at each assessment point, with its reading
  (`comparison.grade_reading`).
- Objective coverage: the share of the objectives of the pupil's stage that are secure,
  replayed from the judgement events, on every day a judgement was made, at each assessment
  point and at each change of year. The stage on a day follows the rule of
  `nextsteps.assessment.rules.standings`: the latest working stage set by then, else the
  framework stage expected in the pupil's year group. Objectives retired by then are left out.

`pupil_timelines` reads in a fixed number of queries, however long the pupil's history.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone
from django.utils.dateformat import format as format_date

from nextsteps.assessment.models import Judgement, SummaryJudgement
from nextsteps.audit.services import record_read
from nextsteps.curriculum.models import Objective, PupilStage, SchoolFramework, Stage, Subject
from nextsteps.schools.models import AssessmentPoint

from .comparison import grade_readings, number_text, reading_label
from .models import Result

TEST, SUMMARY, COVERAGE = "test", "summary", "coverage"
KIND_LABELS = {TEST: "Test", SUMMARY: "Summary judgement", COVERAGE: "Objectives secure"}


@dataclass
class Entry:
    """One row of a timeline's table."""

    date: date
    kind: str
    what: str
    result: str
    reading: str | None = None
    sensitive: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def reading_label(self) -> str:
        return reading_label(self.reading) if self.reading else ""


@dataclass
class Coverage:
    date: date
    stage: Stage
    secure: int
    total: int

    @property
    def share(self) -> float:
        """Secure objectives as a percentage, unrounded (for drawing)."""
        return 100 * self.secure / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(self.share)

    @property
    def text(self) -> str:
        return f"{self.secure} of {self.total} ({self.percent}%)"


@dataclass
class Marker:
    x: float
    y: float
    label: str


@dataclass
class Chart:
    """Coordinates for the template's SVG: coverage as a line in the top panel, tests
    (circles) and summary judgements (diamonds) in lanes below, at or above expected."""

    WIDTH = 640
    HEIGHT = 250
    LEFT = 120
    RIGHT = 16
    COVER_TOP = 20
    COVER_BOTTOM = 100
    LANES = {"above": 136, "at": 166, "below": 196}
    AXIS = 214

    start: date
    end: date
    line: str = ""
    dots: list[Marker] = field(default_factory=list)
    tests: list[Marker] = field(default_factory=list)
    summaries: list[Marker] = field(default_factory=list)
    ticks: list[Marker] = field(default_factory=list)

    @property
    def plot_right(self) -> int:
        return self.WIDTH - self.RIGHT

    @property
    def lanes(self) -> list[Marker]:
        return [Marker(self.LEFT - 8, y, reading_label(r)) for r, y in self.LANES.items()]

    @property
    def cover_middle(self) -> float:
        return (self.COVER_TOP + self.COVER_BOTTOM) / 2

    @property
    def diamond_points(self):
        return [
            (m, f"{m.x},{m.y - 7} {m.x + 7},{m.y} {m.x},{m.y + 7} {m.x - 7},{m.y}")
            for m in self.summaries
        ]

    def x(self, day: date) -> float:
        span = (self.end - self.start).days or 1
        width = self.WIDTH - self.LEFT - self.RIGHT
        return round(self.LEFT + (day - self.start).days / span * width, 1)

    def cover_y(self, percent: float) -> float:
        height = self.COVER_BOTTOM - self.COVER_TOP
        return round(self.COVER_BOTTOM - percent / 100 * height, 1)


@dataclass
class SubjectTimeline:
    subject: Subject
    entries: list[Entry]  # newest first
    coverage: list[Coverage]  # oldest first, every sample
    chart: Chart | None
    description: str

    @property
    def tests(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == TEST]

    @property
    def summaries(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == SUMMARY]


@dataclass
class Profile:
    subjects: list[SubjectTimeline]
    other_tests: list[Entry]  # newest first
    diagnostics_shown: bool = False

    @property
    def empty(self) -> bool:
        return not self.subjects and not self.other_tests


def _day(value) -> date:
    return timezone.localtime(value).date() if hasattr(value, "tzinfo") else value


def _nice(day: date) -> str:
    return format_date(day, "j M Y")


def _test_entry(result, reading) -> Entry:
    definition = result.sitting.definition
    parts = []
    if result.score is not None:
        parts.append(f"score {number_text(result.score)}")
    elif result.raw_score is not None:
        parts.append(f"mark {number_text(result.raw_score)}")
    if result.raw_score is not None and result.score is not None:
        parts.append(f"raw {number_text(result.raw_score)}")
    if result.percentile is not None:
        parts.append(f"percentile {result.percentile}")
    if result.band is not None:
        parts.append(f"band {result.band.label}")
    if result.grade is not None:
        parts.append(result.grade.label)
    if result.component:
        parts.append(f"part {result.component}")
    what = result.sitting.name if result.sitting.name else definition.name
    if definition.name not in what:
        what = f"{definition.name}: {what}"
    return Entry(
        date=result.sitting.date,
        kind=TEST,
        what=what,
        result=", ".join(parts) or "no score",
        reading=reading,
        sensitive=definition.sensitive,
    )


def _stage_on(day, subject, stages_by_year, working, enrolments):
    """The stage `subject` is tracked at on `day` (the rule of rules.standings)."""
    chosen = None
    for since, stage in working.get(subject.pk, ()):
        if since <= day:
            chosen = stage
    if chosen is not None:
        return chosen
    year_group = None
    for enrolment in enrolments:
        if enrolment.start_date <= day:
            year_group = enrolment.year_group
    if year_group is None:
        return None
    return stages_by_year.get(subject.framework_id, {}).get(year_group.stage)


def _coverage(subject, events, objectives, sample_days, stage_on) -> list[Coverage]:
    """Replay the judgement events of one subject and count, on each sample day, the secure
    objectives of the stage of that day that were not yet retired."""
    secure: dict[int, bool] = {}
    out = []
    i = 0
    for day in sorted(sample_days):
        while i < len(events) and events[i][0] <= day:
            _, objective_id, is_secure = events[i]
            secure[objective_id] = bool(is_secure)
            i += 1
        stage = stage_on(day)
        if stage is None:
            continue
        mine = [
            pk
            for pk, stage_id, retired in objectives
            if stage_id == stage.pk and (retired is None or retired > day)
        ]
        if mine:
            out.append(Coverage(day, stage, sum(secure.get(pk, False) for pk in mine), len(mine)))
    return out


def _chart(tests, summaries, coverage, marks) -> Chart | None:
    days = [e.date for e in tests + summaries] + [c.date for c in coverage]
    if not days:
        return None
    start, end = min(days), max(days)
    if start == end:
        start, end = start - timedelta(days=30), end + timedelta(days=30)
    chart = Chart(start=start, end=end)
    chart.line = " ".join(f"{chart.x(c.date)},{chart.cover_y(c.share)}" for c in coverage)
    chart.dots = [
        Marker(chart.x(c.date), chart.cover_y(c.share), f"{c.stage}: {c.text}")
        for c in coverage
        if c.date in marks
    ]
    chart.tests = [
        Marker(chart.x(e.date), Chart.LANES[e.reading], f"{e.what}: {e.result}")
        for e in tests
        if e.reading in Chart.LANES
    ]
    chart.summaries = [
        Marker(chart.x(e.date), Chart.LANES[e.reading], f"{e.what}: {e.result}")
        for e in summaries
        if e.reading in Chart.LANES
    ]
    months = []
    month = date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    step = max(1, -(-len(months) // 6))
    chart.ticks = [Marker(chart.x(m), Chart.AXIS, format_date(m, "M Y")) for m in months[::step]]
    return chart


def _describe(subject, tests, summaries, coverage) -> str:
    parts = [f"{subject.name}:"]
    if tests:
        latest = tests[0]
        parts.append(
            f"{len(tests)} test result{'s' if len(tests) != 1 else ''}, the latest "
            f"{latest.result} on {_nice(latest.date)}"
            + (f" ({latest.reading_label.lower()})." if latest.reading else ".")
        )
    else:
        parts.append("no test results.")
    if summaries:
        latest = summaries[0]
        parts.append(
            f"{len(summaries)} summary judgement{'s' if len(summaries) != 1 else ''}, the "
            f"latest {latest.result} at {latest.what}"
            + (f" ({latest.reading_label.lower()})." if latest.reading else ".")
        )
    else:
        parts.append("no summary judgements.")
    if coverage:
        first, last = coverage[0], coverage[-1]
        parts.append(
            f"Objectives secure went from {first.percent}% of {first.stage} on "
            f"{_nice(first.date)} to {last.secure} of {last.total} ({last.percent}%) of "
            f"{last.stage} on {_nice(last.date)}."
        )
    else:
        parts.append("No objective judgements yet.")
    parts.append("Every entry is listed in the table that follows.")
    return " ".join(parts)


def pupil_timelines(user, pupil, *, today: date | None = None) -> Profile:
    """The profile's timelines for `pupil`, who must have been fetched through
    `Pupil.objects.visible_to(user)`. Shows only results the user may see; when diagnostic
    results are among them, records the read in the audit log (once per school whose
    results are shown). A fixed number of queries, however long the history."""
    today = today or timezone.localdate()
    enrolments = list(pupil.enrolments.select_related("year_group").order_by("start_date", "id"))
    school_ids = {e.school_id for e in enrolments}
    subjects = list(
        Subject.objects.filter(
            framework_id__in=SchoolFramework.objects.filter(school_id__in=school_ids).values(
                "framework_id"
            )
        )
        .select_related("framework")
        .order_by("framework__name", "order", "name")
    )
    subject_ids = [s.pk for s in subjects]
    codes = {s.code for s in subjects}

    results = list(
        Result.objects.visible_to(user)
        .filter(pupil=pupil)
        .select_related("sitting__definition", "sitting__school", "band", "grade")
        .order_by("sitting__date", "recorded_at", "id")
    )
    latest_summary = {}
    for item in (
        SummaryJudgement.objects.filter(pupil=pupil, subject_id__in=subject_ids)
        .select_related("grade", "assessment_point__academic_year")
        .order_by("recorded_at", "id")
    ):
        latest_summary[item.subject_id, item.assessment_point_id] = item
    readings = grade_readings(
        {r.grade.scale_id for r in results if r.grade is not None}
        | {j.grade.scale_id for j in latest_summary.values() if j.grade is not None}
    )

    events = defaultdict(list)  # subject id -> [(day, objective id, secure)], oldest first
    for subject_id, objective_id, is_secure, at in (
        Judgement.objects.filter(pupil=pupil, objective__subject_id__in=subject_ids)
        .order_by("recorded_at", "id")
        .values_list("objective__subject_id", "objective_id", "grade__secure", "recorded_at")
    ):
        events[subject_id].append((_day(at), objective_id, is_secure))
    objectives = defaultdict(list)  # subject id -> [(objective id, stage id, retired day)]
    # framework id -> year group stage -> the framework stage expected there; stages with no
    # objectives in these subjects cannot give a coverage, so the objectives bring the stages
    stages_by_year = defaultdict(dict)
    working = defaultdict(list)
    points = []
    if events:
        for objective in Objective.objects.filter(subject_id__in=list(events)).select_related(
            "stage"
        ):
            retired = objective.retired_at
            objectives[objective.subject_id].append(
                (objective.pk, objective.stage_id, _day(retired) if retired else None)
            )
            stage = objective.stage
            expected = stages_by_year[stage.framework_id]
            # as in rules.standings, the later stage wins when two share a year
            if stage.year_stage is not None and (
                stage.year_stage not in expected or stage.order > expected[stage.year_stage].order
            ):
                expected[stage.year_stage] = stage
        for row in (
            PupilStage.objects.filter(pupil=pupil, subject_id__in=list(events))
            .select_related("stage")
            .order_by("since", "id")
        ):
            working[row.subject_id].append((row.since, row.stage))
        points = list(
            AssessmentPoint.objects.filter(
                academic_year_id__in={e.academic_year_id for e in enrolments}, date__lte=today
            )
        )

    def reading_of(result):
        if result.band is not None:
            return result.band.expectation
        return readings.get(result.grade_id) if result.grade_id else None

    tests_by_code = defaultdict(list)
    other = []
    for result in results:
        entry = _test_entry(result, reading_of(result))
        code = result.sitting.definition.subject_code
        if code and code in codes:
            tests_by_code[code].append(entry)
        else:
            other.append(entry)

    timelines = []
    for subject in subjects:
        tests = sorted(tests_by_code.get(subject.code, []), key=lambda e: e.date, reverse=True)
        summaries = []
        for (subject_id, _), item in latest_summary.items():
            if subject_id != subject.pk or item.grade is None:
                continue
            point = item.assessment_point
            summaries.append(
                Entry(
                    date=point.date,
                    kind=SUMMARY,
                    what=f"{point.name} {point.academic_year}",
                    result=item.grade.label,
                    reading=readings.get(item.grade_id),
                )
            )
        summaries.sort(key=lambda e: e.date, reverse=True)
        coverage, marks = [], set()
        subject_events = events.get(subject.pk, [])
        if subject_events:
            first = subject_events[0][0]
            # carry on to the latest point that has passed: coverage stands still until then
            last = max([subject_events[-1][0]] + [p.date for p in points])
            marks = {p.date for p in points if first <= p.date <= last}
            marks.add(subject_events[-1][0])
            days = {day for day, _, _ in subject_events} | marks
            days |= {e.start_date for e in enrolments if first <= e.start_date <= last}
            coverage = _coverage(
                subject,
                subject_events,
                objectives[subject.pk],
                days,
                lambda day, s=subject: _stage_on(day, s, stages_by_year, working, enrolments),
            )
        if not (tests or summaries or coverage):
            continue
        snapshots = [
            Entry(date=c.date, kind=COVERAGE, what=str(c.stage), result=c.text)
            for c in coverage
            if c.date in marks
        ]
        entries = sorted(
            tests + summaries + snapshots,
            key=lambda e: (e.date, (TEST, SUMMARY, COVERAGE).index(e.kind)),
            reverse=True,
        )
        timelines.append(
            SubjectTimeline(
                subject=subject,
                entries=entries,
                coverage=coverage,
                chart=_chart(tests, summaries, coverage, marks),
                description=_describe(subject, tests, summaries, coverage),
            )
        )

    other.sort(key=lambda e: e.date, reverse=True)
    schools_read = {}
    for result in results:
        if result.sitting.definition.sensitive:
            schools_read[result.sitting.school_id] = result.sitting.school
    for school in schools_read.values():
        record_read(user, pupil, "Diagnostic results (pupil profile)", school=school)
    return Profile(timelines, other, diagnostics_shown=bool(schools_read))
