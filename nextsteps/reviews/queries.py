"""Read paths for weekly reviews. Every function takes pupils already scoped to the user (or a
HistoryScope from access.py), and reads a whole grid or history in a fixed number of queries
however many students it shows."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from nextsteps.schools.models import Enrolment, Pupil

from . import trend
from .models import ReviewArea, WeeklyRating
from .weeks import WEEK, week_end, weeks_between


def _during(week: date) -> Q:
    """Enrolments that overlap the week."""
    return Q(start_date__lte=week_end(week)) & (Q(end_date__isnull=True) | Q(end_date__gte=week))


def class_pupils(user, school_class, week: date):
    """The class's students the user may see who were in it at some point that week."""
    enrolled = Enrolment.objects.filter(_during(week), school_class=school_class)
    return _ordered(Pupil.objects.visible_to(user).filter(pk__in=enrolled.values("pupil_id")))


def group_pupils(user, group, week: date):
    """The group's members the user may see who were on roll at its school that week."""
    on_roll = Enrolment.objects.filter(_during(week), school=group.school)
    return _ordered(
        Pupil.objects.visible_to(user)
        .filter(group_memberships__group=group)
        .filter(pk__in=on_roll.values("pupil_id"))
    )


def _ordered(pupils):
    return pupils.order_by("legal_last_name", "legal_first_name", "pk")


@dataclass
class Cell:
    area: ReviewArea
    this: WeeklyRating | None
    last: WeeklyRating | None

    @property
    def change(self) -> str | None:
        return trend.change(
            self.this.rating if self.this else None, self.last.rating if self.last else None
        )


@dataclass
class Row:
    pupil: Pupil
    cells: list[Cell] = field(default_factory=list)

    @property
    def rated(self) -> int:
        return sum(1 for c in self.cells if c.this is not None)


def week_grid(pupils, areas, week: date) -> list[Row]:
    """One row per student: for each area, this week's rating and last week's. Two queries
    whatever the size."""
    pupils = list(pupils)
    found = {}
    ratings = WeeklyRating.objects.filter(
        pupil__in=[p.pk for p in pupils],
        area__in=[a.pk for a in areas],
        week__in=[week, week - WEEK],
    ).select_related("recorded_by")
    for r in ratings:
        found[(r.pupil_id, r.area_id, r.week)] = r
    return [
        Row(
            pupil,
            [
                Cell(
                    area,
                    found.get((pupil.pk, area.pk, week)),
                    found.get((pupil.pk, area.pk, week - WEEK)),
                )
                for area in areas
            ],
        )
        for pupil in pupils
    ]


def counts(rows: list[Row]) -> dict[str, int]:
    """How many of this week's cells are Red, Amber and Green, and how many are not rated."""
    tally = Counter(c.this.rating for row in rows for c in row.cells if c.this is not None)
    total = sum(len(row.cells) for row in rows)
    return {
        "R": tally["R"],
        "A": tally["A"],
        "G": tally["G"],
        "unrated": total - sum(tally.values()),
    }


# A student's history --------------------------------------------------------------------------


@dataclass
class AreaHistory:
    area: ReviewArea
    cells: list  # WeeklyRating or None, one per week shown
    trend: trend.Trend


@dataclass
class History:
    weeks: list[date]
    areas: list[AreaHistory]
    comments: list[WeeklyRating]
    overall: trend.Trend
    totals: list[dict]  # per week shown: {"week", "R", "A", "G"}

    @property
    def empty(self) -> bool:
        return not self.areas


def pupil_history(scope, *, last: int | None = 12, today: date | None = None) -> History:
    """Every rating of the student the scope allows, by area and week: the last `last` weeks
    that have a rating (None: all), with each area's trend over its most recent weeks, the
    student's overall trend, and the comments newest first."""
    ratings = [
        r
        for r in WeeklyRating.objects.filter(
            pupil=scope.pupil, area__school_id__in=scope.school_ids
        ).select_related("area__school", "recorded_by")
        if scope.allows(r.area.school_id, r.week)
    ]
    if not ratings:
        return History([], [], [], trend.overall_trend([]), [])
    weeks = weeks_between(min(r.week for r in ratings), max(r.week for r in ratings))
    if last is not None:
        weeks = weeks[-last:]
    shown = [r for r in ratings if r.week >= weeks[0]]
    by_cell = {(r.area_id, r.week): r for r in shown}
    areas = sorted({r.area for r in shown}, key=lambda a: (a.school.name, a.order, a.name))
    rows = []
    for area in areas:
        cells = [by_cell.get((area.pk, w)) for w in weeks]
        rows.append(
            AreaHistory(area, cells, trend.area_trend([c.rating if c else None for c in cells]))
        )
    per_week = defaultdict(list)
    for r in shown:
        per_week[r.week].append(r.rating)
    totals = [{"week": w, **{k: per_week[w].count(k) for k in ("R", "A", "G")}} for w in weeks]
    comments = sorted(
        (r for r in shown if r.comment), key=lambda r: (r.week, r.area.order), reverse=True
    )
    overall = trend.overall_trend([per_week.get(w, []) for w in weeks])
    return History(weeks, rows, comments, overall, totals)
