"""Measuring an intervention: whose time in it is measured over which days, who they are compared
with, and when a measurement is stored.

When it is measured
-------------------

- While an intervention runs (no end date yet, or an end date today or later) it is measured
  live whenever it is shown, up to today, and its verdict says "so far".
- Once its end date has passed, it is measured once and the measurement is stored (an
  Evaluation): every member's and every similar pupil's entry and exit values. From then on the
  stored values are shown, with the date they were taken, so a judgement corrected or a result
  typed in later does not quietly change a finished evaluation.
- A test measure is stored only once the exit test has been sat (a sitting on or after the end
  date); until then the page says what it is waiting for and shows the values so far.
- Changing the intervention itself (its dates, its measure or its members) means the stored
  measurement no longer matches it, so it is measured again the next time it is shown. Staff
  who manage interventions can also measure a finished one again on purpose ("Measure again"),
  for instance after results were corrected. Every measurement is kept; the latest that matches
  is the one in force.

Whose time counts
-----------------

A member is measured from the later of the day they joined and the start, to the earliest of
the day they left, the end and today. Similar pupils (see impact.py) are measured over the
intervention's whole time, and must be on roll at the school on its first and its last day.

"The same year group" is the year group a pupil was in when their time in it began. At an
alternative-provision centre, whose groups are small and of mixed ages, it is the same key stage
instead (Years 7 to 9, Years 10 and 11, ...): a handful of students per year could never be
compared with anyone.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nextsteps.schools.models import Enrolment, School, YearGroup

from .impact import Impact, Row, compare
from .measures import BaseMeasure, Period, Value, long_date, measure_for
from .models import Evaluation, EvaluationRow, Intervention, Participation


@dataclass
class Line:
    """One pupil in a measurement."""

    pupil_id: int
    member: bool
    year_group_id: int | None
    period: Period
    value: Value
    band: object = None
    counted: bool = True


@dataclass
class Evaluated:
    intervention: Intervention
    measure: BaseMeasure
    impact: Impact | None
    members: dict = field(default_factory=dict)  # pupil id -> Line
    similar: list = field(default_factory=list)
    span: Period | None = None
    stored: Evaluation | None = None
    waiting: str | None = None

    @property
    def started(self) -> bool:
        return self.span is not None


def is_finished(intervention, today: date) -> bool:
    return intervention.end_date is not None and intervention.end_date < today


def span_of(intervention, today: date) -> Period | None:
    """The intervention's time so far (None before it starts)."""
    if today < intervention.start_date:
        return None
    end = min(intervention.end_date or today, today)
    return Period(intervention.start_date, end, is_finished(intervention, today))


def member_period(place: Participation, intervention, today: date) -> Period | None:
    """The member's own time in it so far (None if it has not begun)."""
    start = max(place.joined, intervention.start_date)
    stops = [d for d in (place.left, intervention.end_date) if d is not None]
    end = min([*stops, today])
    if end < start:
        return None
    return Period(start, end, bool(stops) and min(stops) <= today)


def counted(period: Period, span: Period) -> bool:
    """In it for at least half of its time so far."""
    return period.days * 2 >= span.days


def basis(intervention, places) -> str:
    """A fingerprint of what a measurement depends on besides the history itself."""
    data = [
        str(intervention.start_date),
        str(intervention.end_date),
        intervention.measure_kind,
        intervention.subject_id,
        intervention.stage_id,
        intervention.strand_id,
        intervention.definition_id,
        intervention.review_area_id,
        sorted([p.pupil_id, str(p.joined), str(p.left)] for p in places),
    ]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def _year_groups(school_id, pupil_ids, days) -> dict:
    """(pupil id, day) -> the year group the pupil was in at the school on that day."""
    out = {}
    rows = (
        Enrolment.objects.filter(school_id=school_id, pupil_id__in=pupil_ids)
        .order_by("start_date", "id")
        .values_list("pupil_id", "year_group_id", "start_date", "end_date")
    )
    for pupil_id, year_group_id, start, end in rows:
        for day in days.get(pupil_id, ()):
            if start <= day and (end is None or end >= day):
                out[(pupil_id, day)] = year_group_id
    return out


def key_stage(stage: int) -> int:
    """England's key stages by year group stage (0 for the early years)."""
    for key, last in ((0, 0), (1, 2), (2, 6), (3, 9), (4, 11)):
        if stage <= last:
            return key
    return 5


def cohorts(school, year_group_ids) -> dict:
    """Year group id -> what similar pupils share: the year group, or at an alternative-
    provision centre the key stage."""
    stages = dict(YearGroup.objects.filter(pk__in=set(year_group_ids)).values_list("pk", "stage"))
    if school.kind == School.Kind.ALTERNATIVE_PROVISION:
        return {pk: ("key stage", key_stage(stage)) for pk, stage in stages.items()}
    return {pk: ("year", stage) for pk, stage in stages.items()}


def _on_roll(school_id, day) -> dict:
    """pupil id -> year group id, for every pupil on roll at the school on `day`."""
    return dict(
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day),
            school_id=school_id,
            start_date__lte=day,
        )
        .order_by("start_date", "id")
        .values_list("pupil_id", "year_group_id")
    )


def _measure_live(intervention, places, span, measure, today) -> tuple[dict, list]:
    periods = {}
    for place in places:
        period = member_period(place, intervention, today)
        if period is not None:
            periods[place.pupil_id] = period
    days = {pk: [p.start] for pk, p in periods.items()}
    groups = _year_groups(intervention.school_id, list(periods), days)
    member_groups = {pk: groups.get((pk, p.start)) for pk, p in periods.items()}
    at_start = _on_roll(intervention.school_id, span.start)
    at_end = _on_roll(intervention.school_id, span.end)
    wanted = {g for g in member_groups.values() if g is not None}
    ever = {p.pupil_id for p in places}
    similar_ids = [
        pk for pk, group in at_start.items() if group in wanted and pk in at_end and pk not in ever
    ]
    values = measure.values({**periods, **dict.fromkeys(similar_ids, span)})
    members = {
        pk: Line(pk, True, member_groups[pk], period, values[pk]) for pk, period in periods.items()
    }
    similar = [Line(pk, False, at_start[pk], span, values[pk]) for pk in similar_ids]
    return members, similar


def _today():
    return timezone.localdate()


def _lines_from(evaluation) -> tuple[dict, list]:
    members, similar = {}, []
    for row in evaluation.rows.all():
        line = Line(
            row.pupil_id,
            row.member,
            row.year_group_id,
            Period(row.from_date, row.to_date, True),
            Value(row.entry, row.exit, row.entry_on, row.exit_on),
        )
        if row.member:
            members[row.pupil_id] = line
        else:
            similar.append(line)
    return members, similar


def _judge(result: Evaluated, members, similar, span, so_far) -> Evaluated:
    measure = result.measure
    everyone = [*members.values(), *similar]
    for line in everyone:
        line.band = measure.band(line.value.entry)
    for line in members.values():
        line.counted = counted(line.period, span)
    result.members, result.similar, result.span = members, similar, span
    cohort = cohorts(result.intervention.school, [line.year_group_id for line in everyone])
    result.impact = compare(
        [
            Row(m.pupil_id, cohort.get(m.year_group_id), m.band, m.value.change, m.counted)
            for m in members.values()
        ],
        [Row(s.pupil_id, cohort.get(s.year_group_id), s.band, s.value.change) for s in similar],
        measure.reading,
        so_far=so_far,
    )
    return result


def _places(intervention):
    return list(intervention.members.order_by("joined", "id"))


def current_evaluation(intervention, places=None) -> Evaluation | None:
    """The stored measurement in force: the latest one taken for the intervention as it is."""
    places = _places(intervention) if places is None else places
    return (
        intervention.evaluations.filter(basis=basis(intervention, places))
        .order_by("-taken_at", "-id")
        .first()
    )


def evaluate(intervention, *, today: date | None = None, by=None, store=True) -> Evaluated:
    """The intervention measured: its members' entry and exit values, the similar pupils' and the
    verdict. A finished intervention is read from its stored measurement, which is taken now
    (as `by`) if there is none yet and `store` is set (see the module docstring)."""
    today = today or _today()
    measure = measure_for(intervention)
    result = Evaluated(intervention, measure, None)
    span = span_of(intervention, today)
    if span is None:
        result.impact = compare([], [], measure.reading)
        result.impact.detail = f"it starts on {long_date(intervention.start_date)}."
        return result
    places = _places(intervention)
    if span.closed:
        result.waiting = measure.waiting_for(intervention, today)
        stored = current_evaluation(intervention, places)
        if stored is None and store and result.waiting is None:
            stored = _store(intervention, places, span, measure, by, today)
        if stored is not None:
            result.stored = stored
            result.measure = measure_for(intervention, out_of=stored.out_of)
            members, similar = _lines_from(stored)
            return _judge(result, members, similar, span, so_far=False)
    members, similar = _measure_live(intervention, places, span, measure, today)
    return _judge(result, members, similar, span, so_far=not span.closed)


@transaction.atomic
def _store(intervention, places, span, measure, by, today) -> Evaluation:
    members, similar = _measure_live(intervention, places, span, measure, today)
    evaluation = Evaluation.objects.create(
        intervention=intervention,
        basis=basis(intervention, places),
        period_start=span.start,
        period_end=span.end,
        measure=measure.describe()[:300],
        out_of=measure.out_of,
        taken_at=timezone.now(),
        taken_by=by,
    )
    # Written once, in bulk: the evaluation itself is in the audit log; its rows never change.
    EvaluationRow.objects.bulk_create(
        [
            EvaluationRow(
                evaluation=evaluation,
                pupil_id=line.pupil_id,
                member=line.member,
                year_group_id=line.year_group_id,
                from_date=line.period.start,
                to_date=line.period.end,
                entry=line.value.entry,
                exit=line.value.exit,
                entry_on=line.value.entry_on,
                exit_on=line.value.exit_on,
            )
            for line in [*members.values(), *similar]
        ]
    )
    return evaluation


def take_evaluation(intervention, *, by, today: date | None = None) -> Evaluation:
    """Measure a finished intervention again and store it (the new measurement is in force).
    Refuses (ValueError, nothing written) one that has not ended, or whose exit test has not
    been sat yet."""
    today = today or _today()
    span = span_of(intervention, today)
    if span is None or not span.closed:
        raise ValueError("It is still running: it is measured afresh every time it is shown.")
    measure = measure_for(intervention)
    waiting = measure.waiting_for(intervention, today)
    if waiting:
        raise ValueError(waiting)
    return _store(intervention, _places(intervention), span, measure, by, today)
