"""Recording assessment. Every judgement is a new event; the markbook's rule for two people
editing the same cell is "first save wins, the second is told": a save names the judgement
it was made over, and if someone else has saved since, nothing is written and StaleCell is
raised with what is there now."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import CurrentJudgement, Judgement


class StaleCell(Exception):
    """The cell changed since the editor saw it. Carries the current judgement (or None)."""

    def __init__(self, current: Judgement | None):
        self.current = current
        who = (current.recorded_by if current else None) or "someone else"
        super().__init__(
            f"{who} changed this judgement while you were editing; their judgement has been kept."
        )


_UNSET = object()


@dataclass
class CellWrite:
    pupil_id: int
    objective_id: int
    grade_id: int | None
    expected: object = _UNSET  # id of the judgement the editor saw, None for an empty cell


def _check_grade(objective, grade):
    if grade is not None and grade.scale_id != objective.subject.objective_scale().pk:
        raise ValidationError({"grade": f"That grade is not on the scale for {objective.subject}."})
    if objective.retired_at is not None:
        raise ValidationError({"objective": "That objective has been retired."})


@transaction.atomic
def record_judgement(
    pupil,
    objective,
    grade,
    *,
    by,
    expected=_UNSET,
    source=Judgement.Source.MARKBOOK,
    note: str = "",
    at=None,
) -> Judgement:
    """Record `grade` (None clears the cell) for `pupil` against `objective` as a new event.

    `expected` is the id of the judgement the editor was looking at (None: an empty cell); when
    given and no longer current, raises StaleCell and writes nothing. Recording the grade that
    is already current writes nothing and returns the current judgement."""
    _check_grade(objective, grade)
    current = (
        CurrentJudgement.objects.select_for_update(of=("self",))
        .select_related("judgement__recorded_by")
        .filter(pupil=pupil, objective=objective)
        .first()
    )
    current_id = current.judgement_id if current else None
    if expected is not _UNSET and expected != current_id:
        raise StaleCell(current.judgement if current else None)
    grade_id = grade.pk if grade is not None else None
    if current is not None and current.grade_id == grade_id:
        return current.judgement
    if current is None and grade is None:
        raise ValidationError({"grade": "There is no judgement here to clear."})
    judgement = Judgement.objects.create(
        pupil=pupil,
        objective=objective,
        grade=grade,
        recorded_by=by,
        recorded_at=at or timezone.now(),
        source=source,
        note=note[:300],
        replaces_id=current_id,
    )
    if current is None:
        try:
            with transaction.atomic():
                CurrentJudgement.objects.create(
                    pupil=pupil, objective=objective, judgement=judgement, grade=grade
                )
        except IntegrityError:
            # Another editor filled this empty cell between our read and our write (no row
            # existed to lock). Theirs stands; raising undoes our judgement too.
            other = CurrentJudgement.objects.select_related("judgement__recorded_by").get(
                pupil=pupil, objective=objective
            )
            raise StaleCell(other.judgement) from None
    else:
        current.judgement = judgement
        current.grade = grade
        current.save(update_fields=["judgement", "grade"])
    return judgement


def judgement_history(pupil, objective):
    """Every judgement ever made for this pupil and objective, oldest first."""
    return (
        Judgement.objects.filter(pupil=pupil, objective=objective)
        .select_related("grade", "recorded_by")
        .order_by("recorded_at", "id")
    )
