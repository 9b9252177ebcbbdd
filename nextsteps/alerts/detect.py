"""Finding where the rules (rules.py) hold, for whole cohorts at once.

Each finder returns Findings for every pupil on roll at a school today: the weekly ratings
of every school in one query; off track, tests and quiet per school in the fixed number of
queries of the functions they reuse (tracking.on_track.statuses, results.comparison.compare,
analysis.help.quiet), whatever the number of pupils.

The sweep reads as the system (SWEEPER), over every pupil on roll: what it writes is then
shown to each person through alerts/access.py."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from . import rules

LOOKBACK_WEEKS = 52  # week indexes 0..52 fit a signed 64-bit mask


class _Sweeper:
    """Who the sweep reads as: every pupil, as a superuser would (never a real account, so
    nothing it does is attributed to a person)."""

    is_authenticated = True
    is_superuser = True
    is_active = True
    is_anonymous = False
    pk = id = None

    def __str__(self) -> str:
        return "the alert sweep"


SWEEPER = _Sweeper()


@dataclass
class Finding:
    """Where a rule holds for a pupil. The words and facts (summary, lines, data) may be left
    to `explain`, called only for findings that raise an alert (the sweep finds the same
    conditions again and again; most already have theirs)."""

    school_id: int
    pupil_id: int
    rule: str
    condition: str
    episode: str
    summary: str = ""
    lines: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    explain: object = None  # () -> (summary, lines, data)

    @property
    def key(self) -> tuple:
        return (self.school_id, self.pupil_id, self.condition)

    def explained(self) -> "Finding":
        if self.explain is not None:
            self.summary, self.lines, self.data = self.explain()
            self.explain = None
        return self


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def week_text(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def on_roll(school_ids, today: date, pupil_ids=None) -> dict[int, set[int]]:
    """school id -> ids of the pupils on roll there today (of `pupil_ids`, if given). One
    query, or one per 5,000 pupils asked about."""
    from nextsteps.schools.models import Enrolment

    current = Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        school_id__in=list(school_ids),
        start_date__lte=today,
    )
    if pupil_ids is None:
        chunks = [current]
    else:
        ids = sorted(set(pupil_ids))
        chunks = [current.filter(pupil_id__in=ids[i : i + 5000]) for i in range(0, len(ids), 5000)]
    out = defaultdict(set)
    for chunk in chunks:
        for school_id, pupil_id in chunk.values_list("school_id", "pupil_id").distinct():
            out[school_id].add(pupil_id)
    return out


def on_roll_ids(school, today: date):
    """A subquery of the ids of the pupils on roll at `school` today."""
    from nextsteps.schools.models import Enrolment

    return Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), school=school, start_date__lte=today
    ).values("pupil_id")


# Weekly progress deteriorating -------------------------------------------------------------


def rating_masks(area_ids, *, first: date, last: date, pupil_ids=None, fresh_from: date = None):
    """(pupil id, area id, red, amber, green) for each student and area with a rating from the
    Monday `first` to the Monday `last`, whose latest rating is Red or Amber (only those can be
    in a run of deterioration) and, with `fresh_from`, given in or after that week. Bit i of
    each mask is week `first + i weeks`. One grouped scan of the ratings, in SQL."""
    from nextsteps.reviews.models import WeeklyRating

    area_ids = list(area_ids)
    if not area_ids:
        return []
    table = connection.ops.quote_name(WeeklyRating._meta.db_table)
    params = {"first": first, "last": last, "fresh": fresh_from}
    if connection.vendor == "postgresql":
        bit = "(1::bigint << ((week - %(first)s::date) / 7))"
        agg = "bit_or"
        areas = "area_id = ANY(%(areas)s)"
        pupils = "pupil_id = ANY(%(pupils)s)"
        params.update(areas=area_ids, pupils=list(pupil_ids or []))
    else:
        bit = "(1 << CAST((julianday(week) - julianday(%(first)s)) / 7 AS INTEGER))"
        agg = "SUM"  # one rating per student, area and week: the bits never overlap
        areas = _in_list("area_id", "a", area_ids, params)
        pupils = _in_list("pupil_id", "p", list(pupil_ids or []), params)

    def mask(rating: str) -> str:
        return f"COALESCE({agg}({bit}) FILTER (WHERE rating = '{rating}'), 0)"

    red, amber, green = mask("R"), mask("A"), mask("G")
    # Only names and placeholders are put into the text; every value is a parameter.
    sql = f"SELECT pupil_id, area_id, {red}, {amber}, {green} FROM {table} WHERE {areas}"  # noqa: S608
    sql += " AND week >= %(first)s AND week <= %(last)s"
    if pupil_ids is not None:
        sql += f" AND {pupils}"
    # Only students whose latest rating is Red or Amber: the latest week rated either is later
    # than the latest rated Green, so its bit (and the mask) is the higher. The database works
    # each aggregate out once, however often the text repeats it.
    sql += f" GROUP BY pupil_id, area_id HAVING ({red} | {amber}) > {green}"
    if fresh_from is not None:
        sql += " AND MAX(week) >= %(fresh)s"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One entry per student and area (about 100 bytes): room for a million of them in
            # memory, for this query only; a bigger cohort spills to disk and is still right.
            cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _in_list(column: str, prefix: str, values, params: dict) -> str:
    names = [f"{prefix}{n}" for n in range(len(values))]
    params.update(zip(names, values, strict=True))
    return f"{column} IN ({', '.join(f'%({n})s' for n in names) or 'NULL'})"


@dataclass(frozen=True)
class AreaRun:
    pupil_id: int
    area_id: int
    run: rules.Run
    first: date  # the Monday of week index 0

    def week(self, index: int) -> date:
        return self.first + timedelta(weeks=index)


def ongoing_runs(
    area_ids, *, today: date, max_gap_weeks, min_weeks=1, pupil_ids=None
) -> list[AreaRun]:
    """Every run of deterioration still going on (rules.ongoing_run) at least `min_weeks`
    long, for the given areas; `max_gap_weeks` and `min_weeks` are numbers or mappings of area
    id to number."""
    current = monday(today)
    first = current - timedelta(weeks=LOOKBACK_WEEKS)

    def per_area(value):
        return value if isinstance(value, dict) else defaultdict(lambda: value)

    gaps, shortest = per_area(max_gap_weeks), per_area(min_weeks)
    widest = max(gaps.values(), default=0) if isinstance(max_gap_weeks, dict) else max_gap_weeks
    fresh_from = current - timedelta(weeks=widest + 1)
    found = []
    for pupil_id, area_id, red, amber, green in rating_masks(
        area_ids, first=first, last=current, pupil_ids=pupil_ids, fresh_from=fresh_from
    ):
        red, amber, green = int(red), int(amber), int(green)
        # A run's weeks are all Red or Amber and come after the last Green: too few of those
        # and there is no run long enough, without reading the weeks one by one.
        if ((red | amber) >> green.bit_length()).bit_count() < shortest[area_id]:
            continue
        run = rules.ongoing_run(
            rules.newest_first_from_masks(red, amber, green),
            max_gap_weeks=gaps[area_id],
            current=LOOKBACK_WEEKS,
        )
        if run is not None and run.length >= shortest[area_id]:
            found.append(AreaRun(pupil_id, area_id, run, first))
    return found


def deteriorating(schools: dict, today: date) -> list[Finding]:
    """Findings of rag_deteriorating for `schools` (school id -> its parsed settings), every
    school in one query of the ratings."""
    from nextsteps.reviews.models import ReviewArea

    areas = {
        a.pk: a
        for a in ReviewArea.objects.filter(
            school_id__in=[pk for pk, s in schools.items() if s[rules.RAG]["enabled"]],
            active=True,
        )
    }
    if not areas:
        return []
    rag = {pk: schools[a.school_id][rules.RAG] for pk, a in areas.items()}
    found = ongoing_runs(
        list(areas),
        today=today,
        max_gap_weeks={pk: r["max_gap_weeks"] for pk, r in rag.items()},
        min_weeks={pk: r["weeks"] + 1 for pk, r in rag.items()},
    )
    roll = on_roll({a.school_id for a in areas.values()}, today, [f.pupil_id for f in found])
    return [
        rag_finding(areas[f.area_id], f, rag[f.area_id]["weeks"])
        for f in found
        if f.pupil_id in roll[areas[f.area_id].school_id]
    ]


def rag_finding(area, found: AreaRun, weeks: int) -> Finding:
    run = found.run

    def explain():
        summary, lines = rules.describe_run(
            run, area.name, weeks, lambda i: week_text(found.week(i))
        )
        data = {
            "area_id": area.pk,
            "area": area.name,
            "weeks_allowed": weeks,
            "run_weeks": run.length,
            "ratings": [
                {"week": found.week(i).isoformat(), "rating": r}
                for i, r in (run.before, *run.weeks)
            ],
            "skipped": [found.week(i).isoformat() for i in run.skipped()],
        }
        return summary, lines, data

    return Finding(
        school_id=area.school_id,
        pupil_id=found.pupil_id,
        rule=rules.RAG,
        condition=f"{rules.RAG}:area:{area.pk}",
        episode=f"from:{found.week(run.start).isoformat()}",
        explain=explain,
    )


# Off track and tests, at the latest assessment point reached -----------------------------


def point_reached(school, today: date):
    """The latest assessment point of the school's current year whose date has come."""
    year = school.current_year(today)
    if year is None:
        return None
    return (
        year.assessment_points.filter(date__lte=today)
        .select_related("academic_year")
        .order_by("-date", "-id")
        .first()
    )


def _subjects(school):
    from nextsteps.curriculum.models import Subject

    return list(
        Subject.objects.filter(framework__school_links__school=school)
        .select_related("framework")
        .order_by("pk")
    )


def off_track(school, pupil_ids, today: date, point) -> list[Finding]:
    from nextsteps.tracking import on_track
    from nextsteps.tracking.rule import OFF_TRACK as STATUS

    subjects = {s.pk: s for s in _subjects(school)}
    if point is None or not subjects or not pupil_ids:
        return []
    out = []
    results = on_track.statuses(sorted(pupil_ids), list(subjects), [point], today=today)
    for (pupil_id, subject_id, _), result in sorted(results.items()):
        if result.status != STATUS:
            continue
        subject = subjects[subject_id]
        target = result.target_grade
        lines = [f"{subject.name} at {point.name.lower()} {point.academic_year}: {result.reason}"]
        if target is not None:
            lines.append(f"Target for the year: {target.short_label} ({target.label}).")
        if result.summary is not None:
            lines.append(
                f"Summary judgement at {point.name.lower()}: {result.summary.short_label}."
            )
        out.append(
            Finding(
                school_id=school.pk,
                pupil_id=pupil_id,
                rule=rules.OFF_TRACK,
                condition=f"{rules.OFF_TRACK}:subject:{subject_id}",
                episode=f"point:{point.pk}",
                summary=f"Off track in {subject.name} at {point.name.lower()}",
                lines=lines,
                data={
                    "subject_id": subject_id,
                    "subject": subject.name,
                    "point_id": point.pk,
                    "point": str(point),
                    "reason": result.reason,
                    "target": target.short_label if target is not None else None,
                    "summary": result.summary.short_label if result.summary else None,
                },
            )
        )
    return out


def tests_disagree(school, pupils, point, min_steps: int) -> list[Finding]:
    from nextsteps.results import comparison

    if point is None:
        return []
    out = []
    for subject in _subjects(school):
        if not subject.code:
            continue
        result = comparison.compare(SWEEPER, pupils, subject, point)
        for row in result.disagreements:
            if row.steps < min_steps:
                continue
            test, teacher = row.test, row.teacher
            out.append(
                Finding(
                    school_id=school.pk,
                    pupil_id=row.pupil.pk,
                    rule=rules.TESTS,
                    condition=f"{rules.TESTS}:subject:{subject.pk}",
                    episode=f"point:{point.pk}",
                    summary=(
                        f"{subject.name}: test reads {test.reading_label.lower()}, teacher "
                        f"judgement {teacher.reading_label.lower()}"
                    ),
                    lines=[
                        f"{test.definition} ({test.sitting}, {week_text(test.date)}): "
                        f"{test.shown}, {test.reading_label.lower()}.",
                        f"The teacher's {point.name.lower()} judgement in {subject.name}: "
                        f"{teacher.short}, {teacher.reading_label.lower()}.",
                        f"{row.steps} steps apart on below / at / above expected.",
                    ],
                    data={
                        "subject_id": subject.pk,
                        "subject": subject.name,
                        "point_id": point.pk,
                        "point": str(point),
                        "result_id": test.result_id,
                        "test_reading": test.reading,
                        "teacher_reading": teacher.reading,
                        "steps": row.steps,
                    },
                )
            )
    return out


# No judgement or evidence -------------------------------------------------------------------


def quiet(school, pupils, today: date, weeks: int) -> list[Finding]:
    from nextsteps.analysis import help as needs_help
    from nextsteps.assessment.models import Conversation, Feedback, Judgement, SummaryJudgement
    from nextsteps.schools.models import Enrolment

    year = school.current_year(today)
    since = today - timedelta(weeks=weeks)
    if year is None or year.start_date > since:
        return []
    ctx = needs_help.Context(
        user=SWEEPER,
        school=school,
        pupils=pupils,
        subjects=[],
        point=None,
        latest=None,
        previous=None,
        today=today,
        settings={**needs_help.DEFAULTS, "quiet_weeks": weeks},
    )
    found = needs_help.quiet(ctx)
    if not found:
        return []
    ids = list(found)
    started = dict(
        Enrolment.objects.filter(school=school, academic_year=year, pupil_id__in=ids)
        .values("pupil_id")
        .annotate(first=Min("start_date"))
        .values_list("pupil_id", "first")
    )
    last = {}
    for model, column in (
        (Judgement, "recorded_at"),
        (SummaryJudgement, "recorded_at"),
        (Feedback, "given_at"),
        (Conversation, "date"),
    ):
        for pupil_id, when in (
            model.objects.filter(pupil_id__in=ids)
            .values("pupil_id")
            .annotate(last=Max(column))
            .values_list("pupil_id", "last")
        ):
            day = timezone.localtime(when).date() if isinstance(when, datetime) else when
            last[pupil_id] = max(last.get(pupil_id, day), day)
    out = []
    for pupil_id, reasons in sorted(found.items()):
        seen = last.get(pupil_id)
        # help.quiet counts back from the clock; the sweep's day decides (the demo, catch-up)
        if pupil_id not in started or started[pupil_id] > since or (seen and seen >= since):
            continue
        out.append(
            Finding(
                school_id=school.pk,
                pupil_id=pupil_id,
                rule=rules.QUIET,
                condition=rules.QUIET,
                episode=f"since:{seen.isoformat() if seen else 'never'}",
                summary=f"No judgement or evidence for {weeks} weeks",
                lines=[r.text for r in reasons]
                + [
                    f"The last evidence of any kind was on {week_text(seen)}."
                    if seen
                    else "Nothing has been recorded for this pupil yet."
                ],
                data={"weeks": weeks, "last_evidence": seen.isoformat() if seen else None},
            )
        )
    return out


# Every rule for a school ---------------------------------------------------------------------


@dataclass
class Evaluation:
    findings: list[Finding]
    evaluated: set  # (school id, rule) pairs that were actually checked


def evaluate(schools, settings: dict, today: date) -> Evaluation:
    """Every enabled rule for `schools` (School objects; `settings` maps school id to parsed
    settings). Rules that could not be checked (no assessment point reached yet, say) are left
    out of `evaluated`, so that their open alerts are not marked cleared."""
    from nextsteps.schools.models import Pupil

    findings, evaluated = [], set()
    findings += deteriorating(settings, today)
    evaluated |= {(s.pk, rules.RAG) for s in schools if settings[s.pk][rules.RAG]["enabled"]}
    for school in schools:
        rule_settings = settings[school.pk]
        pupils = Pupil.objects.filter(pk__in=on_roll_ids(school, today))
        point = point_reached(school, today)
        if rule_settings[rules.OFF_TRACK]["enabled"] and point is not None:
            pupil_ids = on_roll([school.pk], today)[school.pk]
            findings += off_track(school, pupil_ids, today, point)
            evaluated.add((school.pk, rules.OFF_TRACK))
        if rule_settings[rules.TESTS]["enabled"] and point is not None:
            findings += tests_disagree(
                school, pupils, point, rule_settings[rules.TESTS]["min_steps"]
            )
            evaluated.add((school.pk, rules.TESTS))
        if rule_settings[rules.QUIET]["enabled"]:
            findings += quiet(school, pupils, today, rule_settings[rules.QUIET]["weeks"])
            evaluated.add((school.pk, rules.QUIET))
    return Evaluation(findings, evaluated)
