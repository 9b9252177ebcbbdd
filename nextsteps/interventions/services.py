"""Setting up interventions and changing them, and who takes part. Pages, the API and the demo
all come through here. Every change to an intervention names the version its editor read; if
someone else has saved since, nothing is written and schools.services.ConflictError carries
what is there now. Permission checks belong to the caller; these functions guard the data.
Anything refused raises ValidationError naming the field, with nothing written."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from nextsteps.curriculum.models import Objective, SchoolFramework
from nextsteps.results.models import AssessmentDefinition
from nextsteps.reviews.models import ReviewArea
from nextsteps.schools.models import Enrolment
from nextsteps.schools.services import ConflictError
from nextsteps.tracking.services import is_staff_at

from .measures import NUMERIC_TESTS, long_date
from .models import Intervention, Participation

EDITABLE = {
    "name",
    "kind",
    "description",
    "staff",
    "start_date",
    "end_date",
    "sessions_per_week",
    "minutes_per_session",
    "cost",
    "cost_basis",
    "measure_kind",
    "subject",
    "stage",
    "strand",
    "definition",
    "review_area",
}
MEASURE_FIELDS = {
    Intervention.MeasureKind.OBJECTIVES: ("subject", "stage", "strand"),
    Intervention.MeasureKind.TEST: ("definition",),
    Intervention.MeasureKind.REVIEW: ("review_area",),
}
MAX_SESSIONS = 20
MAX_MINUTES = 480


def measurable_tests(school):
    """The school's tests whose headline score is a number, without diagnostic screenings."""
    return AssessmentDefinition.objects.filter(
        school=school, active=True, sensitive=False, measure__in=NUMERIC_TESTS
    ).order_by("name")


def review_areas(school):
    return ReviewArea.objects.filter(school=school).order_by("-active", "order", "name")


def _check(item: Intervention, staff) -> None:
    errors = {}
    item.name = (item.name or "").strip()
    if not item.name:
        errors["name"] = "Give the intervention a name."
    elif len(item.name) > 150:
        errors["name"] = "Keep the name to 150 characters."
    if item.kind not in Intervention.Kind.values:
        errors["kind"] = "Choose intervention or focus group."
    item.description = (item.description or "").strip()
    if item.start_date is None:
        errors["start_date"] = "Give the date it starts."
    elif item.end_date is not None and item.end_date < item.start_date:
        errors["end_date"] = "The end date cannot be before the start date."
    if not 1 <= (item.sessions_per_week or 0) <= MAX_SESSIONS:
        errors["sessions_per_week"] = f"Sessions a week are between 1 and {MAX_SESSIONS}."
    if not 5 <= (item.minutes_per_session or 0) <= MAX_MINUTES:
        errors["minutes_per_session"] = f"A session lasts between 5 and {MAX_MINUTES} minutes."
    if item.cost is not None:
        item.cost = Decimal(item.cost)
        if item.cost < 0:
            errors["cost"] = "The cost cannot be negative."
        elif item.cost >= Decimal("10000000"):
            errors["cost"] = "That cost is too large."
    if item.cost_basis not in Intervention.CostBasis.values:
        errors["cost_basis"] = "Say whether the cost is for everyone or for each pupil."
    errors.update(_check_measure(item))
    if staff is not None:
        outsiders = [u for u in staff if not is_staff_at(u, item.school_id)]
        if outsiders:
            errors["staff"] = "Choose staff who work at this school."
    if errors:
        raise ValidationError(errors)


def _check_measure(item: Intervention) -> dict:
    kind = item.measure_kind
    if kind not in MEASURE_FIELDS:
        return {"measure_kind": "Choose what the intervention aims to move."}
    # Fields of the other measures are cleared, so one intervention has one measure.
    for other, names in MEASURE_FIELDS.items():
        if other != kind:
            for name in names:
                setattr(item, name, None)
    if kind == Intervention.MeasureKind.OBJECTIVES:
        subject = item.subject
        if subject is None:
            return {"subject": "Choose the objectives it aims to move."}
        if not SchoolFramework.objects.filter(
            school_id=item.school_id, framework_id=subject.framework_id
        ).exists():
            return {"subject": "That subject is not in a framework this school uses."}
        if item.stage is not None and item.stage.framework_id != subject.framework_id:
            return {"subject": f"That stage is not one of {subject}'s."}
        if item.strand is not None and item.strand.subject_id != subject.pk:
            return {"subject": f"That strand is not one of {subject}'s."}
        objectives = Objective.objects.active().filter(subject=subject)
        if item.stage is not None:
            objectives = objectives.filter(stage=item.stage)
        if item.strand is not None:
            objectives = objectives.filter(strand=item.strand)
        if not objectives.exists():
            return {"subject": "There are no objectives there to measure."}
    elif kind == Intervention.MeasureKind.TEST:
        if item.definition is None:
            return {"definition": "Choose the test it aims to move."}
        if not measurable_tests(item.school_id).filter(pk=item.definition.pk).exists():
            return {"definition": "Choose one of this school's tests with a score."}
    elif item.review_area is None:
        return {"review_area": "Choose the weekly review area it aims to move."}
    elif item.review_area.school_id != item.school_id:
        return {"review_area": "Choose one of this school's review areas."}
    return {}


@transaction.atomic
def create_intervention(school, *, by, staff=(), **fields) -> Intervention:
    """A new intervention or focus group at `school` with its measure. Fields are those of
    Intervention (EDITABLE); refuses (ValidationError, nothing written) a missing name, dates
    the wrong way round, a measure the school does not have or staff from elsewhere."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be set here."})
    staff = list(staff)
    item = Intervention(school=school, created_by=by, **fields)
    _check(item, staff)
    item.save()
    item.staff.set(staff)
    return item


@transaction.atomic
def update_intervention(intervention, changes: dict, expected_version: int | None, *, by):
    """Change an intervention if nobody has since `expected_version` was read (else
    ConflictError, nothing changed). `staff`, when given, replaces the staff list."""
    current = Intervention.objects.select_for_update().get(pk=intervention.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current)
    changes = dict(changes)
    staff = changes.pop("staff", None)
    for key in changes:
        if key not in EDITABLE:
            raise ValidationError({key: "This field cannot be changed here."})
    for key, value in changes.items():
        setattr(current, key, value)
    staff = list(staff) if staff is not None else None
    _check(current, staff)
    places = current.members.all()
    early = places.filter(joined__lt=current.start_date).first()
    if early is not None:
        raise ValidationError(
            {"start_date": f"A pupil joined on {long_date(early.joined)}, before that start."}
        )
    if current.end_date is not None:
        late = places.filter(joined__gt=current.end_date).first()
        if late is not None:
            raise ValidationError(
                {"end_date": f"A pupil joined on {long_date(late.joined)}, after that end."}
            )
    current.version += 1
    current.save()
    if staff is not None:
        current.staff.set(staff)
    return current


def default_joined(intervention, today: date) -> date:
    """The day new members join unless told otherwise: today, kept within its dates."""
    day = max(today, intervention.start_date)
    return min(day, intervention.end_date) if intervention.end_date else day


def _on_roll(intervention, pupil, day: date) -> bool:
    return Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day),
        school_id=intervention.school_id,
        pupil=pupil,
        start_date__lte=day,
    ).exists()


@transaction.atomic
def add_members(intervention, pupils, *, joined: date, by) -> list[Participation]:
    """Pupils join the intervention on `joined`. All or nothing: refuses (ValidationError) a
    date outside the intervention, a pupil not on roll at its school that day, or one who is
    already a member (or was: a pupil who left is not added twice)."""
    pupils = list(pupils)
    if not pupils:
        raise ValidationError({"pupils": "Choose at least one pupil."})
    if joined is None:
        raise ValidationError({"joined": "Give the date they joined."})
    if joined < intervention.start_date:
        raise ValidationError(
            {"joined": f"It starts on {long_date(intervention.start_date)}; join on or after."}
        )
    if intervention.end_date is not None and joined > intervention.end_date:
        raise ValidationError(
            {"joined": f"It ends on {long_date(intervention.end_date)}; join on or before."}
        )
    already = set(intervention.members.filter(pupil__in=pupils).values_list("pupil_id", flat=True))
    for pupil in pupils:
        if pupil.pk in already:
            raise ValidationError({"pupils": f"{pupil.name} is already in it, or was."})
        if not _on_roll(intervention, pupil, joined):
            raise ValidationError(
                {"pupils": f"{pupil.name} was not on roll here on {long_date(joined)}."}
            )
    places = []
    for pupil in pupils:
        place = Participation(intervention=intervention, pupil=pupil, joined=joined, added_by=by)
        place.save()
        places.append(place)
    return places


@transaction.atomic
def mark_left(intervention, pupil, *, left: date, by) -> Participation | None:
    """Record that `pupil` left the intervention on `left` (their history stays). A pupil whose
    time in it had not begun by then (joined later) is taken off the list instead, and None is
    returned. Refuses a pupil who is not a member, or who has already left."""
    place = (
        Participation.objects.select_for_update()
        .filter(intervention=intervention, pupil=pupil)
        .first()
    )
    if place is None:
        raise ValidationError({"pupil": "That pupil is not in this intervention."})
    if place.left is not None:
        raise ValidationError({"left": f"{pupil.name} left on {long_date(place.left)}."})
    if left is None:
        raise ValidationError({"left": "Give the date they left."})
    if left < place.joined:
        place.delete()
        return None
    if intervention.end_date is not None and left > intervention.end_date:
        raise ValidationError(
            {"left": f"It ended on {long_date(intervention.end_date)}; nobody left after that."}
        )
    place.left = left
    place.save()
    return place
