"""Review areas and weekly ratings: the one way they are written, by the pages, the API, the demo
and the tests alike. Permission checks belong to the caller (access.py); these functions guard
the data: a stale version changes nothing and says what is there now, and bad input is refused
with a sentence before anything is written."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from nextsteps.schools.models import Enrolment, School
from nextsteps.schools.services import ConflictError

from .models import Rating, ReviewArea, WeeklyRating
from .weeks import monday_of, week_end

COMMENT_LIMIT = 500
NAME_LIMIT = 100

# The areas an alternative-provision centre starts with, as the hub's policy describes its
# weekly reviews: progress in the basics, and how the student is getting on.
DEFAULT_AREAS = (
    (
        "Progress in literacy",
        "Green: working on their literacy targets. Amber: some work. Red: little or none.",
    ),
    (
        "Progress in numeracy",
        "Green: working on their numeracy targets. Amber: some work. Red: little or none.",
    ),
    ("Engagement", "Green: takes part in most sessions. Amber: some. Red: rarely."),
    (
        "Behaviour",
        "Green: follows the behaviour plan. Amber: some incidents. "
        "Red: serious or repeated incidents.",
    ),
    ("Attendance", "Green: 95% or more this week. Amber: 80 to 94%. Red: below 80%."),
)


# Areas ----------------------------------------------------------------------------------------


def _name(value) -> str:
    value = " ".join(str(value or "").split())
    if not value:
        raise ValidationError({"name": "Name the area."})
    if len(value) > NAME_LIMIT:
        raise ValidationError({"name": f"Keep the name to {NAME_LIMIT} characters."})
    return value


def _description(value) -> str:
    value = " ".join(str(value or "").split())
    if len(value) > 300:
        raise ValidationError({"description": "Keep the description to 300 characters."})
    return value


def _check_unique(school_id, name, exclude=None) -> None:
    others = ReviewArea.objects.filter(school_id=school_id, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationError(
            {"name": f"{school_name(school_id)} already has an area called {name!r}."}
        )


def school_name(school_id) -> str:
    return (
        School.objects.filter(pk=school_id).values_list("name", flat=True).first() or "The school"
    )


@transaction.atomic
def add_area(school, *, name, description="") -> ReviewArea:
    """A new area at the end of the school's list. Refuses a name the school already uses
    (ignoring case) or an empty one."""
    name = _name(name)
    _check_unique(school.pk, name)
    last = ReviewArea.objects.filter(school=school).aggregate(n=Max("order"))["n"]
    return ReviewArea.objects.create(
        school=school,
        name=name,
        description=_description(description),
        order=0 if last is None else last + 1,
    )


def _locked(area_pk, expected_version) -> ReviewArea:
    current = ReviewArea.objects.select_for_update().get(pk=area_pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current)
    return current


@transaction.atomic
def update_area(area, changes: dict, expected_version: int | None) -> ReviewArea:
    """Rename an area, change its description, or retire (active False) or restore it, if
    nobody has changed it since `expected_version`; else ConflictError and nothing changes.
    A retired area keeps every rating and leaves the weekly screen."""
    current = _locked(area.pk, expected_version)
    unknown = set(changes) - {"name", "description", "active"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    if "name" in changes:
        current.name = _name(changes["name"])
        _check_unique(current.school_id, current.name, exclude=current.pk)
    if "description" in changes:
        current.description = _description(changes["description"])
    if "active" in changes:
        if changes["active"] not in (True, False):
            raise ValidationError({"active": "Say whether the area is in use."})
        current.active = changes["active"]
    current.version += 1
    current.save()
    return current


@transaction.atomic
def move_area(area, direction: int) -> ReviewArea:
    """Swap the area with its neighbour above (-1) or below (+1) in the school's list (retired
    areas included, so restoring one puts it back where it was). At the top or bottom nothing
    changes. The order is renumbered 0, 1, 2 ... as it goes."""
    areas = list(
        ReviewArea.objects.select_for_update()
        .filter(school_id=area.school_id)
        .order_by("order", "name", "pk")
    )
    index = next(i for i, a in enumerate(areas) if a.pk == area.pk)
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(areas):
        areas[index], areas[other] = areas[other], areas[index]
    for order, each in enumerate(areas):
        if each.order != order:
            each.order = order
            each.version += 1
            each.save()
    return next(a for a in areas if a.pk == area.pk)


def ensure_default_areas(school) -> list[ReviewArea]:
    """Give a school with no areas at all (retired ones count) the usual five. Safe to call
    at the same time from two requests: a name already taken is skipped."""
    if ReviewArea.objects.filter(school=school).exists():
        return []
    made = []
    for order, (name, description) in enumerate(DEFAULT_AREAS):
        try:
            with transaction.atomic():
                area, created = ReviewArea.objects.get_or_create(
                    school=school, name=name, defaults={"description": description, "order": order}
                )
        except IntegrityError:  # made by someone else this instant
            continue
        if created:
            made.append(area)
    return made


def active_areas(school) -> list[ReviewArea]:
    """The areas on the weekly screen, in order; an alternative-provision centre with none
    yet is given the usual five first."""
    if school.kind == School.Kind.ALTERNATIVE_PROVISION:
        ensure_default_areas(school)
    return list(ReviewArea.objects.filter(school=school, active=True).order_by("order", "name"))


# Ratings --------------------------------------------------------------------------------------


class StaleRating(Exception):
    """Someone else saved (or cleared) the cell since it was read. `current` is what is there
    now (None: the cell is empty)."""

    def __init__(self, current: WeeklyRating | None):
        self.current = current
        who = (current.recorded_by if current else None) or "someone else"
        super().__init__(
            f"Changed by {who} while you were editing; yours was not saved."
            if current
            else "Cleared by someone else while you were editing; yours was not saved."
        )


@dataclass(frozen=True)
class Saved:
    """The cell as stored after a save: the rating (None when cleared) and its version (0 for
    an empty cell, which is what to send next time)."""

    rating: WeeklyRating | None

    @property
    def version(self) -> int:
        return self.rating.version if self.rating else 0


def on_roll_during(pupil_id, school_id, week: date) -> bool:
    return Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=week),
        pupil_id=pupil_id,
        school_id=school_id,
        start_date__lte=week_end(week),
    ).exists()


def _check_cell(pupil, area, week, rating, comment):
    if not isinstance(week, date) or week.weekday() != 0:
        raise ValidationError({"week": "Weeks are named by their Monday."})
    if week > monday_of(timezone.localdate()):
        raise ValidationError({"week": "That week has not started yet."})
    if not area.active:
        raise ValidationError({"area": f"{area.name} is retired; restore it to record ratings."})
    if rating is not None and rating not in Rating.values:
        raise ValidationError({"rating": "Choose Red, Amber or Green."})
    if comment is not None:
        if len(comment) > COMMENT_LIMIT:
            raise ValidationError({"comment": f"Keep the comment to {COMMENT_LIMIT} characters."})
        if comment and rating is None:
            raise ValidationError({"comment": "Give a rating before writing a comment."})
    if not on_roll_during(pupil.pk, area.school_id, week):
        raise ValidationError(
            {"pupil": f"{pupil.name} was not on roll at {area.school} that week."}
        )


@transaction.atomic
def record_rating(
    pupil, area, week: date, rating: str | None, *, expected_version: int, by, comment=None
) -> Saved:
    """Set (or with rating None, clear) the student's rating in `area` for the week of Monday
    `week`, if the cell is still as the caller saw it: `expected_version` is the version they
    read, 0 for an empty cell. Otherwise raise StaleRating with what is there now and change
    nothing. `comment` None leaves the comment as it is; clearing the rating clears its comment
    (the audit log keeps both). Saving what is already stored writes nothing."""
    comment = None if comment is None else " ".join(str(comment).split())
    _check_cell(pupil, area, week, rating, comment)
    current = _cell(pupil, area, week)
    if (current.version if current else 0) != expected_version:
        raise StaleRating(current)
    if current is None:
        if rating is None:
            return Saved(None)
        return Saved(_create(pupil, area, week, rating, comment, by))
    new_comment = current.comment if comment is None else comment
    if rating is not None and current.rating == rating and current.comment == new_comment:
        return Saved(current)
    # Claim the change with a conditional UPDATE: of two saves made from the same version only
    # one matches, on SQLite as on PostgreSQL, and the other is told.
    claimed = WeeklyRating.objects.filter(pk=current.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise StaleRating(_cell(pupil, area, week))
    if rating is None:
        current.delete()
        return Saved(None)
    current.rating = rating
    current.comment = new_comment
    current.recorded_by = by
    current.version = expected_version + 1
    current.save()
    return Saved(current)


def _cell(pupil, area, week) -> WeeklyRating | None:
    return (
        WeeklyRating.objects.select_related("recorded_by")
        .filter(pupil=pupil, area=area, week=week)
        .first()
    )


def _create(pupil, area, week, rating, comment, by) -> WeeklyRating:
    try:
        with transaction.atomic():
            return WeeklyRating.objects.create(
                pupil=pupil,
                area=area,
                week=week,
                rating=rating,
                comment=comment or "",
                recorded_by=by,
            )
    except IntegrityError:
        # Someone else filled the cell between our read and our write.
        raise StaleRating(_cell(pupil, area, week)) from None
