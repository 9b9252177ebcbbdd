"""Read paths for support plans, the SEN register and the inclusion manager's list. Functions
here do not check access: their callers pass pupils already scoped (support/access.py, on top
of Pupil.objects.visible_to). Each reads a whole school or class in a fixed number of queries.

The inclusion manager's list (`inclusion_list`), as the seed policy puts it: the pupils who are
not on track need a support plan; the inclusion manager checks that list against the SEN
register. So each pupil on roll is put on the list for any of these reasons:

1. Not on track, no plan, not on the SEN register: off track (or at risk) in a subject at the
   current assessment point under the school's on-track rule, with no open plan of any kind,
   and SEN status N or none. Agree a support plan; if quality first teaching and interventions
   have not worked, the class teacher tells the inclusion manager, who considers whether the
   pupil has SEN.
2. Not on track, on the SEN register, no plan: as 1 but at SEN support (K) or with an EHC plan
   (E). The support plan could be part of their individual plan or IEP.
3. On the SEN register with no plan: K or E, on track or not judged, and no open plan. Every
   pupil at SEN support should have a plan (an EHC plan for E).
4. Plan review overdue: an open plan whose review date has passed.

A pupil not on track who has an open plan (of any kind: an alert's action plan counts) is not
on the list for that reason."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from nextsteps.curriculum.models import Subject
from nextsteps.schools.models import Characteristic, Enrolment

from .models import Plan, SenNeed

REGISTER_CODES = ("K", "E")


def open_plans_for(pupil_ids, *, kinds=None) -> dict[int, list[Plan]]:
    """Open plans per pupil id (only pupils with one appear), newest first, in one query;
    `kinds` narrows them to those plan kinds."""
    plans = Plan.objects.filter(pupil_id__in=list(pupil_ids), status=Plan.Status.OPEN)
    if kinds is not None:
        plans = plans.filter(kind__in=list(kinds))
    found: dict[int, list[Plan]] = defaultdict(list)
    for plan in plans.select_related("owner").order_by("pupil_id", "-start_date", "-id"):
        found[plan.pupil_id].append(plan)
    return dict(found)


def _current(queryset, on):
    return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on)


def sen_status_on(pupil_ids, on: date) -> dict[int, Characteristic]:
    """The SEN status record in force on `on` per pupil id (pupils with none are missing)."""
    out = {}
    for record in _current(
        Characteristic.objects.filter(pupil_id__in=list(pupil_ids), kind=Characteristic.Kind.SEN),
        on,
    ).order_by("start_date", "id"):
        out[record.pupil_id] = record
    return out


def on_register_since(history: list[Characteristic], on: date) -> date | None:
    """When the pupil's current spell on the register (K or E without a break) began."""
    spell = None
    for record in sorted(history, key=lambda r: r.start_date):
        if record.start_date > on:
            break
        if record.value in REGISTER_CODES:
            if spell is None:
                spell = record.start_date
        else:
            spell = None
    current = [r for r in history if r.current_on(on)]
    if not current or current[-1].value not in REGISTER_CODES:
        return None
    return spell


def current_needs(pupil_ids, on: date) -> dict[int, list[SenNeed]]:
    """Current areas of need per pupil id, the primary one first."""
    out = defaultdict(list)
    for need in _current(SenNeed.objects.filter(pupil_id__in=list(pupil_ids)), on).order_by(
        "pupil_id", "-primary", "area", "id"
    ):
        out[need.pupil_id].append(need)
    return dict(out)


def current_places(pupil_ids, school, on: date) -> dict[int, Enrolment]:
    """Each pupil's enrolment at `school` on `on`, with year group and class."""
    out = {}
    for row in (
        _current(Enrolment.objects.filter(pupil_id__in=list(pupil_ids), school=school), on)
        .select_related("year_group", "school_class")
        .order_by("start_date", "id")
    ):
        out[row.pupil_id] = row
    return out


def _name_key(pupil):
    return (pupil.last_name.lower(), pupil.first_name.lower(), pupil.pk)


# The SEN register -------------------------------------------------------------------------------


@dataclass
class RegisterRow:
    pupil: object
    place: Enrolment | None
    status: Characteristic
    since: date | None
    needs: list
    plans: list
    overdue: bool

    @property
    def primary_need(self):
        return next((n for n in self.needs if n.primary), None)


def register(pupils, school, *, on: date | None = None) -> list[RegisterRow]:
    """The school's SEN register on `on` (default today): every pupil of `pupils` (scoped) on
    roll there at SEN support or with an EHC plan, with the status, since when they have been
    on the register, their current areas of need and open plans."""
    on = on or timezone.localdate()
    pupils = {p.pk: p for p in pupils}
    places = current_places(pupils, school, on)
    statuses = {
        pk: record
        for pk, record in sen_status_on(places, on).items()
        if record.value in REGISTER_CODES
    }
    history = defaultdict(list)
    for record in Characteristic.objects.filter(
        pupil_id__in=list(statuses), kind=Characteristic.Kind.SEN
    ):
        history[record.pupil_id].append(record)
    needs = current_needs(statuses, on)
    plans = open_plans_for(statuses)
    rows = [
        RegisterRow(
            pupil=pupils[pk],
            place=places.get(pk),
            status=record,
            since=on_register_since(history[pk], on),
            needs=needs.get(pk, []),
            plans=plans.get(pk, []),
            overdue=any(p.review_overdue(on) for p in plans.get(pk, [])),
        )
        for pk, record in statuses.items()
    ]
    rows.sort(key=lambda r: (r.status.value, _name_key(r.pupil)))
    return rows


# Plans ------------------------------------------------------------------------------------------


def plans_at(school, pupils, *, state="open", kind=None):
    """Plans at `school` for `pupils` (scoped), soonest review first: `state` open, closed,
    overdue (open with the review date passed) or all."""
    plans = Plan.objects.filter(school=school, pupil__in=pupils)
    if state == "open":
        plans = plans.filter(status=Plan.Status.OPEN)
    elif state == "closed":
        plans = plans.filter(status=Plan.Status.CLOSED)
    elif state == "overdue":
        plans = plans.filter(status=Plan.Status.OPEN, review_date__lt=timezone.localdate())
    if kind:
        plans = plans.filter(kind=kind)
    return plans.select_related("pupil", "owner").order_by("review_date", "pupil__legal_last_name")


def plan_detail(plan):
    """The plan's targets (with objectives and progress at each review), provision and reviews
    (newest first, with their progress), in a fixed number of queries."""
    targets = list(plan.targets.prefetch_related("objectives__subject").order_by("position", "id"))
    provision = list(plan.provision.order_by("position", "id"))
    reviews = list(
        plan.reviews.select_related("recorded_by")
        .prefetch_related("progress__target")
        .order_by("-held_on", "-id")
    )
    return targets, provision, reviews


# The inclusion manager's list -------------------------------------------------------------------

NO_PLAN = "no_plan"
SEN_NOT_ON_TRACK = "sen_not_on_track"
SEN_NO_PLAN = "sen_no_plan"
REVIEW_OVERDUE = "review_overdue"
KINDS = {
    NO_PLAN: "Not on track, no plan, not on the SEN register",
    SEN_NOT_ON_TRACK: "Not on track, on the SEN register, no plan",
    SEN_NO_PLAN: "On the SEN register with no plan",
    REVIEW_OVERDUE: "Plan review overdue",
}


@dataclass
class Entry:
    pupil: object
    place: Enrolment | None
    sen: Characteristic | None
    not_on_track: list = field(default_factory=list)  # OnTrack results, in subject order
    plans: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    reasons: list = field(default_factory=list)  # sentences

    @property
    def on_register(self) -> bool:
        return self.sen is not None and self.sen.value in REGISTER_CODES


@dataclass
class InclusionList:
    school: object
    point: object  # the assessment point judged, or None when the school has no year yet
    entries: list
    counts: dict
    pupils: int  # how many pupils were checked


def current_point(school, today: date):
    """The assessment point judged now: this year's next point not yet past, else its last."""
    year = school.current_year(today)
    if year is None:
        return None
    points = list(year.assessment_points.order_by("date", "id"))
    return next((p for p in points if p.date >= today), points[-1] if points else None)


def inclusion_list(
    school, pupils, *, today: date | None = None, at_risk: bool = True
) -> InclusionList:
    """The inclusion manager's list for `pupils` (scoped, on roll at `school`): see the module
    docstring for who is on it and why. `at_risk` False counts only off track as not on
    track."""
    from nextsteps.tracking import on_track
    from nextsteps.tracking.rule import AT_RISK, OFF_TRACK

    today = today or timezone.localdate()
    pupils = {p.pk: p for p in pupils}
    point = current_point(school, today)
    subjects = list(
        Subject.objects.filter(framework__school_links__school=school).order_by(
            "framework__name", "order", "name"
        )
    )
    wanted = {OFF_TRACK, AT_RISK} if at_risk else {OFF_TRACK}
    behind = defaultdict(list)
    if point is not None and subjects and pupils:
        order = {s.pk: i for i, s in enumerate(subjects)}
        names = {s.pk: s.name for s in subjects}
        results = on_track.statuses(list(pupils), subjects, [point], today=today)
        for result in sorted(results.values(), key=lambda r: order[r.subject_id]):
            if result.status in wanted:
                result.subject_name = names[result.subject_id]
                behind[result.pupil_id].append(result)
    sen = sen_status_on(pupils, today)
    plans = open_plans_for(pupils)
    places = current_places(pupils, school, today)
    entries = []
    for pk, pupil in pupils.items():
        entry = Entry(
            pupil=pupil,
            place=places.get(pk),
            sen=sen.get(pk),
            not_on_track=behind.get(pk, []),
            plans=plans.get(pk, []),
        )
        _classify(entry, today, point)
        if entry.kinds:
            entries.append(entry)
    entries.sort(key=lambda e: (min(list(KINDS).index(k) for k in e.kinds), _name_key(e.pupil)))
    counts = {kind: sum(1 for e in entries if kind in e.kinds) for kind in KINDS}
    return InclusionList(school, point, entries, counts, len(pupils))


def _behind_words(entry, point) -> str:
    parts = [f"{r.subject_name} ({r.label.lower()})" for r in entry.not_on_track]
    when = f" at {point.name.lower()}" if point is not None else ""
    return f"Not on track{when} in {', '.join(parts)}"


def _register_words(record) -> str:
    return "with an EHC plan" if record.value == "E" else "at SEN support"


def _classify(entry: Entry, today: date, point) -> None:
    has_plan = bool(entry.plans)
    if entry.not_on_track and not has_plan:
        if entry.on_register:
            entry.kinds.append(SEN_NOT_ON_TRACK)
            entry.reasons.append(
                f"{_behind_words(entry, point)}; on the SEN register "
                f"({_register_words(entry.sen)}) with no open plan: the support plan could be part "
                "of their individual plan."
            )
        else:
            entry.kinds.append(NO_PLAN)
            entry.reasons.append(
                f"{_behind_words(entry, point)}; no open plan and not on the SEN register: "
                "agree a support plan, and consider SEN if quality first teaching and "
                "interventions have not worked."
            )
    elif entry.on_register and not has_plan:
        entry.kinds.append(SEN_NO_PLAN)
        wanted = "an EHC plan" if entry.sen.value == "E" else "an individual plan or IEP"
        entry.reasons.append(
            f"On the SEN register ({_register_words(entry.sen)}) since "
            f"{entry.sen.start_date:%-d %b %Y} with no open plan: record {wanted}."
        )
    for plan in entry.plans:
        if plan.review_overdue(today):
            if REVIEW_OVERDUE not in entry.kinds:
                entry.kinds.append(REVIEW_OVERDUE)
            days = (today - plan.review_date).days
            entry.reasons.append(
                f"{plan.get_kind_display()} “{plan.title}”: review was due "
                f"{plan.review_date:%-d %b %Y} ({days} day{'s' if days != 1 else ''} ago)."
            )
