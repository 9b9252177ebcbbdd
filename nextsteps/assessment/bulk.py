"""Writing many objective judgements at once, for imports and the demo data. The markbook and
the API use services.record_judgement, which checks for a concurrent edit cell by cell."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from nextsteps.curriculum.models import Grade, Objective

from .models import CurrentJudgement, Judgement

BATCH = 2000


@dataclass(frozen=True)
class HistoryEvent:
    pupil_id: int
    objective_id: int
    grade_id: int | None  # None clears the cell
    recorded_at: datetime
    recorded_by_id: int | None = None
    note: str = ""


@transaction.atomic
def import_history(events, *, source=Judgement.Source.IMPORT) -> int:
    """Append `events` (HistoryEvent) as Judgement rows and bring CurrentJudgement into step;
    returns how many judgements were written.

    Guarantees:
    - All or nothing: one transaction. Every grade is checked against its objective's scale and
      retired objectives are refused (ValidationError naming the problem, nothing written).
    - Append-only: existing judgements are never changed. Within a cell, events are applied in
      `recorded_at` order (ties in the order given); each new judgement `replaces` the one that
      was current before it, as record_judgement would have set it.
    - An event that repeats the cell's current grade, or clears an empty cell, writes nothing
      (as record_judgement does).
    - Afterwards each touched cell's CurrentJudgement is the latest event written for it.

    There is no "first save wins" check: existing CurrentJudgement rows for the touched cells
    are locked while they are rewritten, but an editor who saw a cell before the import is not
    told. Meant for imports and the demo, for cells nobody is editing at the same time; the
    markbook and the API use record_judgement."""
    events = sorted(enumerate(events), key=lambda item: (item[1].recorded_at, item[0]))
    events = [event for _, event in events]
    if not events:
        return 0
    objective_ids = {e.objective_id for e in events}
    objectives = {
        o.pk: o
        for o in Objective.objects.filter(pk__in=objective_ids).select_related(
            "subject__judgement_scale", "subject__framework"
        )
    }
    scale_of_grade = dict(
        Grade.objects.filter(pk__in={e.grade_id for e in events if e.grade_id}).values_list(
            "pk", "scale_id"
        )
    )
    for e in events:
        objective = objectives.get(e.objective_id)
        if objective is None:
            raise ValidationError({"objective": f"There is no objective {e.objective_id}."})
        if objective.retired_at is not None:
            raise ValidationError({"objective": f"{objective.code} has been retired."})
        if e.grade_id is not None and scale_of_grade.get(e.grade_id) != (
            objective.subject.judgement_scale_id or objective.subject.framework.judgement_scale_id
        ):
            raise ValidationError(
                {"grade": f"That grade is not on the scale for {objective.subject}."}
            )

    pupil_ids = {e.pupil_id for e in events}
    current = {
        (c.pupil_id, c.objective_id): c
        for c in CurrentJudgement.objects.select_for_update()
        .filter(pupil_id__in=pupil_ids, objective_id__in=objective_ids)
        .only("pk", "pupil_id", "objective_id", "judgement_id", "grade_id")
    }
    # Split the events into rounds: round k holds each cell's k-th change, so every round's
    # `replaces` points at rows written in an earlier round (bulk_create sets their ids).
    state = {cell: (c.judgement_id, c.grade_id) for cell, c in current.items()}
    pending: dict[tuple, list] = defaultdict(list)
    grade_now = {cell: grade for cell, (_, grade) in state.items()}
    for e in events:
        cell = (e.pupil_id, e.objective_id)
        before = grade_now.get(cell, "empty")
        if e.grade_id == before or (e.grade_id is None and before in ("empty", None)):
            continue
        grade_now[cell] = e.grade_id
        pending[cell].append(e)
    written = 0
    latest: dict[tuple, Judgement] = {}
    round_no = 0
    while True:
        batch = [(c, items[round_no]) for c, items in pending.items() if len(items) > round_no]
        if not batch:
            break
        rows = [
            Judgement(
                pupil_id=e.pupil_id,
                objective_id=e.objective_id,
                grade_id=e.grade_id,
                recorded_by_id=e.recorded_by_id,
                recorded_at=e.recorded_at,
                source=source,
                note=e.note[:300],
                replaces_id=latest[cell].pk if cell in latest else state.get(cell, (None,))[0],
            )
            for cell, e in batch
        ]
        rows = Judgement.objects.bulk_create(rows, batch_size=BATCH)
        for (cell, _), row in zip(batch, rows, strict=True):
            if row.pk is None:  # pragma: no cover - every supported database returns ids
                raise RuntimeError("The database did not return the new judgement ids.")
            latest[cell] = row
        written += len(rows)
        round_no += 1

    changed, created = [], []
    for cell, judgement in latest.items():
        row = current.get(cell)
        if row is None:
            created.append(
                CurrentJudgement(
                    pupil_id=cell[0],
                    objective_id=cell[1],
                    judgement=judgement,
                    grade_id=judgement.grade_id,
                )
            )
        else:
            row.judgement = judgement
            row.grade_id = judgement.grade_id
            changed.append(row)
    CurrentJudgement.objects.bulk_create(created, batch_size=BATCH)
    CurrentJudgement.objects.bulk_update(changed, ["judgement", "grade"], batch_size=BATCH)
    return written


@dataclass(frozen=True)
class SummaryRow:
    pupil_id: int
    grade_id: int
    recorded_at: datetime
    suggested_id: int | None = None
    recorded_by_id: int | None = None
    note: str = ""


@transaction.atomic
def import_summaries(subject, point, rows) -> int:
    """Append summary judgements in `subject` at `point` for many pupils at once (SummaryRow);
    returns how many were written.

    Guarantees, as summary.record_summary gives them one at a time:
    - All or nothing. Refused with a ValidationError, writing nothing, when the point is locked
      (summary.PointLocked), a grade is not on the subject's summary scale, the point's school
      does not use the subject's framework, or a pupil was not on roll there in the point's year.
    - Append-only; a row repeating the pupil's current grade there writes nothing.
    - Each row written is in the audit log, as a single save would be.
    Meant for imports and the demo; the summary screen uses record_summary."""
    from nextsteps.audit.services import record_change
    from nextsteps.audit.signals import SKIPPED_FIELDS
    from nextsteps.schools.models import AssessmentPoint, Enrolment

    from .models import SummaryJudgement
    from .summary import PointLocked, current_summaries, is_locked, refresh_current

    rows = list(rows)
    if not rows:
        return 0
    AssessmentPoint.objects.select_for_update().filter(pk=point.pk).first()
    if is_locked(point):
        raise PointLocked(point)
    allowed = set(subject.point_scale().grades.values_list("pk", flat=True))
    if any(row.grade_id not in allowed for row in rows):
        raise ValidationError({"grade": f"Choose a grade on the {subject} summary scale."})
    year = point.academic_year
    if not year.school.framework_links.filter(framework_id=subject.framework_id).exists():
        raise ValidationError({"subject": f"{year.school} does not use {subject.framework}."})
    pupil_ids = {row.pupil_id for row in rows}
    enrolled = set(
        Enrolment.objects.filter(pupil_id__in=pupil_ids, academic_year=year).values_list(
            "pupil_id", flat=True
        )
    )
    if pupil_ids - enrolled:
        raise ValidationError({"pupil": f"A pupil in the list was not on roll in {year}."})
    current = {
        pk: item.grade_id for pk, item in current_summaries(pupil_ids, subject, point).items()
    }
    new = []
    for row in sorted(rows, key=lambda r: r.recorded_at):
        if current.get(row.pupil_id) == row.grade_id:
            continue
        current[row.pupil_id] = row.grade_id
        new.append(
            SummaryJudgement(
                pupil_id=row.pupil_id,
                subject=subject,
                assessment_point=point,
                grade_id=row.grade_id,
                suggested_id=row.suggested_id,
                recorded_by_id=row.recorded_by_id,
                recorded_at=row.recorded_at,
                note=row.note[:300],
            )
        )
    created = SummaryJudgement.objects.bulk_create(new, batch_size=BATCH)
    refresh_current(subject, point, {item.pupil_id for item in created})
    # bulk_create sends no save signals, so log each row as the signal would have
    for item in created:
        after = {
            f.name: f.value_to_string(item)
            for f in item._meta.concrete_fields
            if f.name not in SKIPPED_FIELDS
        }
        record_change(item, "create", {"after": after})
    return len(created)
