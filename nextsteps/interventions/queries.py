"""Read paths for the interventions pages and API: a list, the members of one, a pupil's
interventions and the provision map. Each takes the user and scopes by access.py and
Pupil.objects.visible_to."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from nextsteps.schools.models import Enrolment, Pupil

from . import access
from .evaluation import Evaluated, evaluate, member_period
from .impact import REASONS, signed
from .models import Intervention, Participation

PENCE = Decimal("0.01")


def status(intervention, today: date) -> str:
    if today < intervention.start_date:
        return "planned"
    if intervention.end_date is not None and intervention.end_date < today:
        return "finished"
    return "running"


STATUS_LABELS = {"planned": "Not started", "running": "Running", "finished": "Finished"}


def _decimal(value, places=Decimal("0.1")) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(places, rounding=ROUND_HALF_UP)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(PENCE, rounding=ROUND_HALF_UP)


def costs(intervention, members: int) -> tuple[Decimal | None, Decimal | None]:
    """(total, per pupil) whichever way the cost was given; per pupil over every pupil who took
    part (None when there is no cost, or no pupils to share a total between)."""
    cost = intervention.cost
    if cost is None:
        return None, None
    if intervention.cost_basis == Intervention.CostBasis.PER_PUPIL:
        return (cost * members).quantize(PENCE), cost
    per = (cost / members).quantize(PENCE, rounding=ROUND_HALF_UP) if members else None
    return cost, per


def for_list(user, *, school=None, state=None, today=None):
    """Interventions the user may open, with their member counts, newest first."""
    today = today or timezone.localdate()
    rows = access.interventions_visible_to(user)
    if school is not None:
        rows = rows.filter(school=school)
    if state == "planned":
        rows = rows.filter(start_date__gt=today)
    elif state == "running":
        rows = rows.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
    elif state == "finished":
        rows = rows.filter(end_date__lt=today)
    return (
        rows.select_related("school", "subject", "stage", "strand", "definition", "review_area")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("school__name", "-start_date", "name", "pk")
    )


@dataclass
class MemberRow:
    place: Participation
    pupil: Pupil
    line: object  # evaluation.Line, or None before their time in it began
    measure: object
    not_counted: str = ""

    @property
    def change(self) -> str:
        if self.line is None or self.line.value.change is None:
            return "–"
        return signed(self.line.value.change)

    @property
    def entry(self) -> str:
        return self.measure.show(self.line.value.entry) if self.line else "–"

    @property
    def exit(self) -> str:
        return self.measure.show(self.line.value.exit) if self.line else "–"

    @property
    def starting_point(self) -> str:
        if self.line is None or self.line.band is None:
            return "–"
        return self.measure.band_label(self.line.band)


def member_rows(user, evaluated: Evaluated) -> tuple[list[MemberRow], int]:
    """The members the user may see, with their values; and how many others there are."""
    intervention = evaluated.intervention
    places = list(
        intervention.members.filter(pupil__in=Pupil.objects.visible_to(user).values("pk"))
        .select_related("pupil")
        .order_by("pupil__legal_last_name", "pupil__legal_first_name", "pk")
    )
    reasons = evaluated.impact.reason_of if evaluated.impact else {}
    rows = [
        MemberRow(
            p,
            p.pupil,
            evaluated.members.get(p.pupil_id),
            evaluated.measure,
            REASONS.get(reasons.get(p.pupil_id), ""),
        )
        for p in places
    ]
    others = intervention.members.count() - len(rows)
    return rows, others


@dataclass
class PupilIntervention:
    intervention: Intervention
    place: Participation
    evaluated: Evaluated
    status: str
    line: object = None
    costs: tuple = (None, None)
    sees_costs: bool = False
    opens: bool = False  # may open the intervention's own page

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def entry(self) -> str:
        return self.evaluated.measure.show(self.line.value.entry) if self.line else "–"

    @property
    def exit(self) -> str:
        return self.evaluated.measure.show(self.line.value.exit) if self.line else "–"

    @property
    def change(self) -> str:
        if self.line is None or self.line.value.change is None:
            return "no change measured yet"
        return f"{signed(self.line.value.change)} {self.evaluated.measure.reading.unit}"


def for_pupil(user, pupil, *, today=None) -> list[PupilIntervention]:
    """The pupil's interventions, newest first. The caller fetched the pupil through
    visible_to; costs and links are only for those who may see them."""
    today = today or timezone.localdate()
    places = list(
        pupil.intervention_places.select_related(
            "intervention__school",
            "intervention__subject",
            "intervention__stage",
            "intervention__strand",
            "intervention__definition",
            "intervention__review_area",
        )
        .annotate(member_count=Count("intervention__members", distinct=True))
        .order_by("-joined", "-pk")
    )
    openable = set(
        access.interventions_visible_to(user)
        .filter(pk__in=[p.intervention_id for p in places])
        .values_list("pk", flat=True)
    )
    out = []
    for place in places:
        intervention = place.intervention
        evaluated = evaluate(intervention, today=today, by=user)
        out.append(
            PupilIntervention(
                intervention=intervention,
                place=place,
                evaluated=evaluated,
                status=status(intervention, today),
                line=evaluated.members.get(pupil.pk),
                costs=costs(intervention, place.member_count),
                sees_costs=access.sees_costs(user, intervention.school_id),
                opens=intervention.pk in openable,
            )
        )
    return out


# The provision map -----------------------------------------------------------------------------

GROUP_BY = {"year-group": "Year group", "class": "Class"}


@dataclass
class MapRow:
    pupil: Pupil
    group: str
    year_group: str
    school_class: str
    intervention: Intervention
    place: Participation
    minutes: int
    cost: Decimal | None
    change: str
    verdict: str
    change_value: Decimal | None = None

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)


@dataclass
class MapGroup:
    name: str
    rows: list = field(default_factory=list)

    @property
    def pupils(self) -> int:
        return len({r.pupil.pk for r in self.rows})

    @property
    def hours(self) -> Decimal:
        return hours(sum(r.minutes for r in self.rows))

    @property
    def cost(self) -> Decimal:
        return sum((r.cost for r in self.rows if r.cost is not None), Decimal(0))


@dataclass
class MapSummary:
    intervention: Intervention
    pupils: int
    shown: int
    hours: Decimal
    total: Decimal | None
    per_pupil: Decimal | None
    evaluated: Evaluated


@dataclass
class ProvisionMap:
    school: object
    year: object
    group_by: str
    groups: list
    summaries: list

    @property
    def rows(self) -> list[MapRow]:
        return [r for g in self.groups for r in g.rows]


MAP_HEADERS = [
    "Group",
    "Pupil",
    "UPN",
    "Year group",
    "Class",
    "Intervention",
    "Kind",
    "Starts",
    "Ends",
    "Joined",
    "Left",
    "Sessions a week",
    "Minutes a session",
    "Hours a week",
    "Cost per pupil (GBP)",
    "Pupil's change",
    "Impact",
]


def map_table(pmap: ProvisionMap) -> list[list]:
    out = []
    for r in pmap.rows:
        i = r.intervention
        out.append(
            [
                r.group,
                f"{r.pupil.last_name}, {r.pupil.first_name}",
                r.pupil.upn or "",
                r.year_group,
                r.school_class,
                i.name,
                i.get_kind_display(),
                i.start_date,
                i.end_date or "",
                r.place.joined,
                r.place.left or "",
                i.sessions_per_week,
                i.minutes_per_session,
                hours(r.minutes),
                "" if r.cost is None else r.cost,
                "" if r.change_value is None else r.change_value,
                r.verdict,
            ]
        )
    return out


def provision_map(user, school, year, *, group_by="year-group", today=None) -> ProvisionMap:
    """Who gets what at `school` in academic `year`: every intervention running at some time in
    the year, the members the user may see, grouped by their year group or class, with hours a
    week, cost per pupil, their own change and the intervention's verdict."""
    today = today or timezone.localdate()
    interventions = list(
        access.interventions_visible_to(user)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=year.start_date))
        .filter(school=school, start_date__lte=year.end_date)
        .select_related("school", "subject", "stage", "strand", "definition", "review_area")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("name", "pk")
    )
    visible = Pupil.objects.visible_to(user).values("pk")
    places = defaultdict(list)
    for place in (
        Participation.objects.filter(intervention__in=interventions, pupil__in=visible)
        .select_related("pupil")
        .order_by("pupil__legal_last_name", "pupil__legal_first_name", "pk")
    ):
        places[place.intervention_id].append(place)
    enrolments = {}
    for e in (
        Enrolment.objects.filter(
            school=school,
            academic_year=year,
            pupil_id__in={p.pupil_id for items in places.values() for p in items},
        )
        .select_related("year_group", "school_class")
        .order_by("start_date", "id")
    ):
        enrolments[e.pupil_id] = e  # the latest in the year
    groups: dict[str, MapGroup] = {}
    order = {}
    summaries = []
    for intervention in interventions:
        evaluated = evaluate(intervention, today=today, by=user)
        total, per = costs(intervention, intervention.member_count)
        mine = places.get(intervention.pk, [])
        summaries.append(
            MapSummary(
                intervention,
                intervention.member_count,
                len(mine),
                hours(intervention.minutes_per_week),
                total,
                per,
                evaluated,
            )
        )
        for place in mine:
            if member_period(place, intervention, min(today, year.end_date)) is None:
                continue
            enrolment = enrolments.get(place.pupil_id)
            year_group = str(enrolment.year_group) if enrolment else "Not on roll this year"
            school_class = str(enrolment.school_class or "") if enrolment else ""
            if group_by == "class":
                name = school_class or "No class"
                key = (enrolment.year_group.stage if enrolment else 99, name)
            else:
                name = year_group
                key = (enrolment.year_group.stage if enrolment else 99, "")
            group = groups.setdefault(name, MapGroup(name))
            order[name] = key
            line = evaluated.members.get(place.pupil_id)
            change = line.value.change if line is not None else None
            group.rows.append(
                MapRow(
                    pupil=place.pupil,
                    group=name,
                    year_group=year_group,
                    school_class=school_class,
                    intervention=intervention,
                    place=place,
                    minutes=intervention.minutes_per_week,
                    cost=per,
                    change="–" if change is None else signed(change),
                    verdict=evaluated.impact.text if evaluated.impact else "",
                    change_value=None if change is None else _decimal(change),
                )
            )
    for group in groups.values():
        group.rows.sort(key=lambda r: (r.pupil.last_name, r.pupil.first_name, r.intervention.name))
    ordered = [groups[name] for name in sorted(groups, key=lambda n: order[n])]
    return ProvisionMap(school, year, group_by, ordered, summaries)
