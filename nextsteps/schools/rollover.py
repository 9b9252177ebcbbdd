"""September rollover: every pupil on roll at the end of one academic year moves up a year
group into a class of the next year; pupils in the last year group leave (archived, with their
history). First `plan_rollover` shows what would happen; `apply_rollover` does it, in one
transaction, and doing it twice changes nothing the second time."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import services
from .models import AcademicYear, Enrolment, School, SchoolClass, YearGroup

LEAVING_REASON = "Left at end of year"


@dataclass
class Move:
    pupil: object
    from_group: YearGroup
    from_class: SchoolClass | None
    to_group: YearGroup | None  # None: leaves
    to_class: SchoolClass | None
    done: bool = False  # already rolled over

    @property
    def leaves(self) -> bool:
        return self.to_group is None


@dataclass
class Plan:
    school: School
    from_year: AcademicYear
    to_year: AcademicYear | None  # None until created by apply
    to_start: date
    to_name: str
    class_map: dict = field(default_factory=dict)  # old class id -> new class id or None
    old_classes: list = field(default_factory=list)
    new_classes: list = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)

    @property
    def counts(self) -> dict:
        todo = [m for m in self.moves if not m.done]
        return {
            "move": sum(1 for m in todo if not m.leaves),
            "leave": sum(1 for m in todo if m.leaves),
            "done": sum(1 for m in self.moves if m.done),
            "no_class": sum(1 for m in todo if not m.leaves and m.to_class is None),
        }


class RolloverError(ValueError):
    """The rollover cannot be planned; the message says what to set up first."""


def source_year(school: School, on: date | None = None) -> AcademicYear | None:
    """The year to roll over from: the latest started year that still has pupils on roll with
    no end date (so a rollover done late, after the new year began, still starts from the
    right place), else the year holding today."""
    on = on or timezone.localdate()
    open_years = (
        AcademicYear.objects.filter(school=school, start_date__lte=on)
        .filter(enrolments__school=school, enrolments__end_date__isnull=True)
        .order_by("-start_date")
    )
    return open_years.first() or school.current_year(on)


def _number_free(name: str) -> str:
    """A class name without its year number: "3 Oak" and "Year 4 Oak" both give "oak"."""
    text = re.sub(r"\b(year|yr|y|p|s)?\s*\d+\b", " ", name.lower())
    return re.sub(r"[^a-z0-9]", "", text)


def default_class(old: SchoolClass, next_group: YearGroup | None, new_classes: list):
    """The class that pupils of `old` move to: the one in the next year group with the same
    name apart from its number, else the only class of that year group, else none."""
    if next_group is None:
        return None
    candidates = [c for c in new_classes if c.year_group_id == next_group.pk]
    same = [c for c in candidates if _number_free(c.name) == _number_free(old.name)]
    if len(same) == 1:
        return same[0]
    if len(candidates) == 1:
        return candidates[0]
    return None


def plan_rollover(school: School, class_map: dict | None = None, on: date | None = None) -> Plan:
    """What the rollover would do, without changing anything. `class_map` (old class id to new
    class id, or None for no class) overrides the default choice per old class."""
    from_year = source_year(school, on)
    if from_year is None:
        raise RolloverError("The school has no academic year to roll over from.")
    to_start = from_year.end_date + timedelta(days=1)
    to_year = AcademicYear.objects.filter(school=school, start_date=to_start).first()
    to_name = to_year.name if to_year else f"{to_start.year}/{(to_start.year + 1) % 100:02d}"
    old_classes = list(
        SchoolClass.objects.filter(school=school, academic_year=from_year).select_related(
            "year_group"
        )
    )
    new_classes = list(
        SchoolClass.objects.filter(school=school, academic_year=to_year).select_related(
            "year_group"
        )
        if to_year
        else []
    )
    by_id = {c.pk: c for c in new_classes}
    plan = Plan(school, from_year, to_year, to_start, to_name, {}, old_classes, new_classes)
    for old in old_classes:
        chosen = None
        if class_map is not None and old.pk in class_map:
            chosen = by_id.get(class_map[old.pk])
        else:
            chosen = default_class(
                old, old.year_group.next() if old.year_group else None, new_classes
            )
        plan.class_map[old.pk] = chosen.pk if chosen else None

    enrolments = (
        Enrolment.objects.filter(school=school, academic_year=from_year)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=from_year.end_date))
        .select_related("pupil", "year_group", "school_class")
        .order_by(
            "year_group__stage",
            "school_class__name",
            "pupil__legal_last_name",
            "pupil__legal_first_name",
        )
    )
    moved = set()
    if to_year is not None:
        moved = set(
            Enrolment.objects.filter(school=school, academic_year=to_year).values_list(
                "pupil_id", flat=True
            )
        )
    seen = set()
    for enrolment in enrolments:
        if enrolment.pupil_id in seen:
            continue
        seen.add(enrolment.pupil_id)
        next_group = enrolment.year_group.next()
        to_class = None
        if next_group is not None and enrolment.school_class_id:
            to_class = by_id.get(plan.class_map.get(enrolment.school_class_id))
        done = enrolment.pupil_id in moved or (
            next_group is None
            and enrolment.end_date is not None
            and enrolment.leaving_reason == LEAVING_REASON
        )
        plan.moves.append(
            Move(
                enrolment.pupil,
                enrolment.year_group,
                enrolment.school_class,
                next_group,
                to_class,
                done,
            )
        )
    return plan


@transaction.atomic
def apply_rollover(school: School, class_map: dict | None = None, on: date | None = None) -> Plan:
    """Carry out the plan: create the next academic year if it is missing, enrol every moving
    pupil from its first day in the next year group and chosen class, and mark leavers as left
    on the last day of the year. All or nothing; pupils already rolled over are left alone."""
    plan = plan_rollover(school, class_map, on)
    if plan.to_year is None:
        plan.to_year = services.create_academic_year(school, plan.to_start.year)
    for move in plan.moves:
        if move.done:
            continue
        if move.leaves:
            services.mark_left(
                move.pupil, school, on=plan.from_year.end_date, reason=LEAVING_REASON
            )
        else:
            services.enrol_pupil(
                move.pupil,
                school,
                move.to_group,
                school_class=move.to_class,
                academic_year=plan.to_year,
                start_date=plan.to_year.start_date,
            )
        move.done = True
    return plan
