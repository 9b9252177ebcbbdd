"""End-of-year attainment targets: suggesting them from prior attainment, setting them one at a
time or for a whole year group, and their history. The suggestion rule is written in rule.py.

Targets are append-only: every setting, change or withdrawal is a new Target row keeping what
NextSteps suggested, on what basis, and the reason for any difference; the latest row for a
pupil, subject and academic year is the current target. Permission checks belong to the
caller (pages and API); these functions guard the data itself and read in bulk (a fixed number
of queries for a whole year group)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from nextsteps.assessment.models import SummaryJudgement
from nextsteps.curriculum.models import Grade, PupilStage
from nextsteps.schools.models import (
    AcademicYear,
    AssessmentPoint,
    Characteristic,
    Enrolment,
    Pupil,
    School,
)

from .models import Target
from .rule import TargetRule, cohort_choice, trajectory_choice

M = Target.Method
UNSET = object()  # "expected" not given: no check for a concurrent change
REASON_LIMIT = 300


def target_rule(school) -> TargetRule:
    """The school's target rule; a setting that is not valid gives the defaults (the rule page
    says what is wrong with it)."""
    try:
        return TargetRule.from_mapping(_setting(school, "targets"))
    except ValueError:
        return TargetRule()


def _setting(school, name):
    settings = getattr(school, "settings", None)
    return settings.get(name) if isinstance(settings, dict) else None


@dataclass
class Suggestion:
    grade: Grade | None
    method: str
    basis: str


@dataclass
class _Year:
    """An academic year of the school with its final assessment point."""

    year: AcademicYear
    final: AssessmentPoint | None


def _grade_words(grades_by_order, counts: Counter) -> str:
    parts = [
        f"{n} {grades_by_order[order].short_label}"
        for order, n in sorted(counts.items(), key=lambda item: (-item[1], -item[0]))
    ]
    first, _, rest = parts[0].partition(" ")
    parts[0] = f"{first} {'was' if first == '1' else 'were'} {rest}"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _points_of(years) -> dict[int, AssessmentPoint]:
    """The last assessment point of each academic year (by date, then id)."""
    finals = {}
    for point in AssessmentPoint.objects.filter(academic_year__in=years).order_by("date", "id"):
        finals[point.academic_year_id] = point
    return finals


def _latest_summaries(queryset) -> dict[tuple[int, int], int]:
    """(pupil id, point id) -> grade id of the latest summary judgement there."""
    latest = {}
    for pupil_id, point_id, grade_id in queryset.order_by("recorded_at", "id").values_list(
        "pupil_id", "assessment_point_id", "grade_id"
    ):
        latest[(pupil_id, point_id)] = grade_id
    return latest


def _year_groups_in(year, pupil_ids) -> dict[int, object]:
    """Each pupil's year group in `year` (their latest enrolment in it)."""
    groups = {}
    for enrolment in (
        Enrolment.objects.filter(academic_year=year, pupil_id__in=pupil_ids)
        .select_related("year_group")
        .order_by("start_date", "id")
    ):
        groups[enrolment.pupil_id] = enrolment.year_group
    return groups


def own_performance_reasons(years: dict, subject, school, on) -> dict[int, str]:
    """Why a pupil's target is set against their own previous performance, for those where it
    is: working at a stage below their year group's in `subject` on date `on`, SEN support or
    an EHC plan then, or being on roll at an alternative-provision centre. `years` maps pupil
    id to their year group in the target year."""
    pupil_ids = list(years)
    reasons = {}
    if school.kind == School.Kind.ALTERNATIVE_PROVISION:
        for pupil_id in years:
            reasons[pupil_id] = "in alternative provision"
    for row in Characteristic.objects.filter(
        pupil_id__in=pupil_ids, kind=Characteristic.Kind.SEN, value__in=["K", "E"]
    ).values("pupil_id", "start_date", "end_date"):
        if row["start_date"] <= on and (row["end_date"] is None or row["end_date"] >= on):
            reasons.setdefault(row["pupil_id"], "special educational needs")
    chosen = {}
    for row in (
        PupilStage.objects.filter(pupil_id__in=pupil_ids, subject=subject, since__lte=on)
        .select_related("stage")
        .order_by("since", "id")
    ):
        chosen[row.pupil_id] = row.stage
    for pupil_id, stage in chosen.items():
        group = years.get(pupil_id)
        if group is not None and stage.year_stage is not None and stage.year_stage < group.stage:
            reasons[pupil_id] = f"working at {stage.name} in {group.name}"
    return reasons


def suggest_targets(pupils, subject, year, *, today: date | None = None) -> dict[int, Suggestion]:
    """A suggested end-of-year target in `subject` for each pupil on roll in academic `year`,
    with its method and its basis in words (the rule is in rule.py). `pupils` must already be
    the ones the user may see; the cohort evidence is counted over every pupil of the school,
    and only counts are shown. Pupils not on roll that year are left out. Reads in a fixed
    number of queries however many pupils there are."""
    today = today or timezone.localdate()
    school = year.school
    rule = target_rule(school)
    pupil_ids = [getattr(p, "pk", p) for p in pupils]
    groups = _year_groups_in(year, pupil_ids)
    grades = list(subject.point_scale().grades.order_by("order"))
    by_order = {g.order: g for g in grades}
    by_id = {g.pk: g for g in grades}
    top = grades[-1].order if grades else 0
    on = min(max(today, year.start_date), year.end_date)
    own = own_performance_reasons(groups, subject, school, on)

    # The pupils' own summary judgements before the target year, at any school.
    prior = defaultdict(list)  # pupil id -> [(point, grade)] oldest first
    rows = SummaryJudgement.objects.filter(
        pupil_id__in=list(groups), subject=subject, assessment_point__date__lt=year.start_date
    ).select_related("assessment_point__academic_year")
    latest = {}
    for item in rows.order_by("recorded_at", "id"):
        latest[(item.pupil_id, item.assessment_point_id)] = item
    for item in sorted(latest.values(), key=lambda s: (s.assessment_point.date, s.pk)):
        if item.grade_id in by_id:
            prior[item.pupil_id].append((item.assessment_point, by_id[item.grade_id]))
    prior_finals = _points_of({p.academic_year_id for items in prior.values() for p, _ in items})

    # Where this school's earlier pupils got to: (year stage, start order) -> Counter(end order)
    earlier = list(
        AcademicYear.objects.filter(school=school, start_date__lt=year.start_date).order_by(
            "start_date"
        )
    )
    finals = _points_of(earlier)
    # consecutive years, each with a final point: where pupils started, and a year later
    pairs = [
        (before, after)
        for before, after in zip(earlier, earlier[1:], strict=False)
        if finals.get(before.pk)
        and finals.get(after.pk)
        and after.start_date.year - before.start_date.year == 1
    ][-rule.cohort_years :]
    cohort = defaultdict(Counter)
    if pairs:
        wanted = [finals[y.pk].pk for pair in pairs for y in pair]
        summaries = _latest_summaries(
            SummaryJudgement.objects.filter(subject=subject, assessment_point_id__in=wanted)
        )
        stages = {}
        for pupil_id, year_id, stage in (
            Enrolment.objects.filter(school=school, academic_year__in=[a for _, a in pairs])
            .order_by("start_date", "id")
            .values_list("pupil_id", "academic_year_id", "year_group__stage")
        ):
            stages[(pupil_id, year_id)] = stage
        for before, after in pairs:
            start_point, end_point = finals[before.pk], finals[after.pk]
            for (pupil_id, year_id), stage in stages.items():
                if year_id != after.pk:
                    continue
                start = summaries.get((pupil_id, start_point.pk))
                end = summaries.get((pupil_id, end_point.pk))
                if start in by_id and end in by_id:
                    cohort[(stage, by_id[start].order)][by_id[end].order] += 1
    span = ""
    if pairs:
        first, last = pairs[0][1].name, pairs[-1][1].name
        span = first if first == last else f"{first} to {last}"
    names = dict(school.year_groups.values_list("stage", "name"))

    result = {}
    for pupil_id, group in groups.items():
        history = prior.get(pupil_id, [])
        result[pupil_id] = _suggest_one(
            group=group,
            history=history,
            finals=prior_finals,
            year=year,
            subject=subject,
            cohort=cohort,
            span=span,
            names=names,
            by_order=by_order,
            top=top,
            rule=rule,
            own=own.get(pupil_id),
        )
    return result


def _point_words(point) -> str:
    return f"{point.name} {point.academic_year.name}"


def _suggest_one(
    *, group, history, finals, year, subject, cohort, span, names, by_order, top, rule, own
):
    if not history:
        return Suggestion(
            None,
            M.MANUAL,
            f"No summary judgement in {subject.name} before {year.name}: nothing to suggest "
            "from, so set this target by hand.",
        )
    last_point, last_grade = history[-1]
    # The end of last year: the final point of an academic year that ended in the year before
    # the target year began.
    ended_last_year = finals.get(
        last_point.academic_year_id
    ) == last_point and last_point.academic_year.end_date >= year.start_date - timedelta(days=366)
    why_not = ""
    if own is None and ended_last_year:
        counts = cohort.get((group.stage, last_grade.order), Counter())
        total = sum(counts.values())
        previous = max((s for s in names if s < group.stage), default=None)
        before_name = names.get(previous, "the year before")
        if total >= rule.cohort_minimum:
            order = cohort_choice(dict(counts), rule.cohort_ties)
            tied = sum(1 for n in counts.values() if n == counts[order]) > 1
            basis = (
                f"Of {total} pupils at this school who were {last_grade.short_label} at the end "
                f"of {before_name}, {_grade_words(by_order, counts)} at the end of "
                f"{group.name}" + (f" ({span})" if span else "") + "."
            )
            if tied:
                basis += f" A tie: the {rule.cohort_ties} grade is suggested."
            return Suggestion(by_order[order], M.COHORT, basis)
        why_not = (
            f"No cohort evidence: {total} pupil{'s' if total != 1 else ''} at this school "
            f"started {group.name} at {last_grade.short_label} ({rule.cohort_minimum} needed)."
        )
    elif own is None:
        why_not = "No cohort evidence: no summary judgement at the end of last year."
    # the pupil's own trajectory over the year up to their latest judgement
    window = [
        (p, g) for p, g in history if p.date > last_point.date - timedelta(days=365)
    ] or history[-1:]
    order, rise = trajectory_choice([g.order for _, g in window], top, rule.trajectory_max_step)
    seen = ", ".join(f"{g.short_label} at {_point_words(p)}" for p, g in window)
    grade = by_order[order]
    if len(window) == 1:
        move = f"the only recent summary judgement; holding {grade.short_label}"
    elif rise > 0 and order > last_grade.order:
        move = (
            f"up {rise} grade{'s' if rise != 1 else ''} over the year, so "
            f"{order - last_grade.order} more: {grade.short_label}"
        )
    elif rise > 0:
        move = f"up {rise} over the year, already at the top grade: {grade.short_label}"
    elif rise < 0:
        move = f"down {-rise} over the year; holding {grade.short_label}, not lower"
    else:
        move = f"steady; holding {grade.short_label}"
    if own is not None:
        return Suggestion(
            grade,
            M.MILESTONES,
            f"Set against their own previous performance ({own}): {seen}; {move}. "
            "Progress is followed through individual milestones.",
        )
    return Suggestion(grade, M.TRAJECTORY, f"{why_not} Own trajectory: {seen}; {move}.")


# Current targets and history --------------------------------------------------------------------


def current_targets(pupil_ids, subject_ids, year_ids, *, at=None) -> dict[tuple, Target]:
    """(pupil id, subject id, academic year id) -> the target in force (the latest row, or the
    latest set by `at`), withdrawn ones included (grade None)."""
    rows = Target.objects.filter(
        pupil_id__in=list(pupil_ids),
        subject_id__in=list(subject_ids),
        academic_year_id__in=list(year_ids),
    )
    if at is not None:
        rows = rows.filter(set_at__lte=at)
    latest = {}
    for target in rows.select_related("grade", "suggested", "set_by").order_by("set_at", "id"):
        latest[(target.pupil_id, target.subject_id, target.academic_year_id)] = target
    return latest


def target_history(pupil, subject=None, year=None):
    """Every target row for the pupil (optionally one subject and year), oldest first."""
    rows = Target.objects.filter(pupil=pupil)
    if subject is not None:
        rows = rows.filter(subject=subject)
    if year is not None:
        rows = rows.filter(academic_year=year)
    return rows.select_related("grade", "suggested", "set_by", "subject", "academic_year").order_by(
        "academic_year__start_date", "subject__order", "set_at", "id"
    )


# Setting targets --------------------------------------------------------------------------------


class StaleTarget(Exception):
    """The target changed since the editor saw it. Carries the current one (or None)."""

    def __init__(self, current: Target | None):
        self.current = current
        if current is None:
            message = "The target was withdrawn while you were editing; nothing was saved."
        else:
            who = current.set_by or "someone else"
            now = current.grade.short_label if current.grade_id else "withdrawn"
            message = (
                f"{who} changed this target while you were editing (it is now {now}); "
                "theirs has been kept and nothing was saved."
            )
        super().__init__(message)


@dataclass
class TargetRow:
    """One pupil's line of a bulk save. `grade` None leaves the pupil alone; `expected` is the
    id of the current target the editor saw (None for none)."""

    pupil: Pupil
    grade: Grade | None
    reason: str = ""
    expected: object = UNSET


class TargetErrors(ValidationError):
    """A bulk save refused: `errors` maps pupil id to what is wrong with that pupil's row."""

    def __init__(self, errors: dict[int, str]):
        self.errors = errors
        count = len(errors)
        rows = f"{count} rows need" if count != 1 else "1 row needs"
        super().__init__(f"Nothing was saved: {rows} attention.")


@dataclass
class _Context:
    subject: object
    year: AcademicYear
    scale_ids: set
    on_roll: set
    uses_framework: bool
    current: dict = field(default_factory=dict)


def _context(pupil_ids, subject, year) -> _Context:
    return _Context(
        subject=subject,
        year=year,
        scale_ids=set(subject.point_scale().grades.values_list("pk", flat=True)),
        on_roll=set(
            Enrolment.objects.filter(academic_year=year, pupil_id__in=pupil_ids).values_list(
                "pupil_id", flat=True
            )
        ),
        uses_framework=year.school.framework_links.filter(
            framework_id=subject.framework_id
        ).exists(),
        current={
            key[0]: target
            for key, target in current_targets(pupil_ids, [subject.pk], [year.pk]).items()
        },
    )


def _problem(ctx: _Context, pupil_id, grade, reason, suggestion, expected, withdraw=False):
    """What is wrong with setting this target: (field, words), or None. Raises StaleTarget."""
    if not ctx.uses_framework:
        return "subject", f"{ctx.year.school} does not use {ctx.subject.framework}."
    if pupil_id not in ctx.on_roll:
        return "pupil", f"That pupil was not on roll in {ctx.year}."
    current = ctx.current.get(pupil_id)
    if expected is not UNSET and expected != (current.pk if current else None):
        raise StaleTarget(current)
    if not withdraw and _unchanged(ctx, pupil_id, grade, reason):
        return None  # nothing to write, so nothing to explain
    if len(reason) > REASON_LIMIT:
        return "reason", f"Keep the reason to {REASON_LIMIT} characters."
    if withdraw:
        if current is None or current.grade_id is None:
            return "grade", "There is no target to withdraw."
        if not reason:
            return "reason", "Say why the target is withdrawn."
        return None
    if grade is None or grade.pk not in ctx.scale_ids:
        return "grade", f"Choose a grade on the {ctx.subject} summary scale."
    differs = suggestion is not None and suggestion.grade and grade.pk != suggestion.grade.pk
    if differs and not reason:
        return "reason", (
            f"Say why the target differs from the suggestion "
            f"({suggestion.grade.short_label}), for example known capacity for improvement."
        )
    return None


def _unchanged(ctx, pupil_id, grade, reason) -> bool:
    current = ctx.current.get(pupil_id)
    grade_id = grade.pk if grade is not None else None
    return current is not None and current.grade_id == grade_id and reason in ("", current.reason)


def _row(ctx, pupil_id, grade, reason, suggestion, by, at) -> Target:
    return Target(
        pupil_id=pupil_id,
        subject=ctx.subject,
        academic_year=ctx.year,
        grade=grade,
        suggested=suggestion.grade if suggestion else None,
        method=suggestion.method if suggestion else M.MANUAL,
        basis=suggestion.basis if suggestion else "",
        reason=reason,
        set_by=by,
        set_at=at,
    )


def _lock(pupil_ids) -> None:
    # Lock the pupils' rows: two people setting the same pupil's target wait for each other,
    # so the second sees the first's row and is told (no lost update).
    list(Pupil.objects.select_for_update().filter(pk__in=sorted(pupil_ids)).values_list("pk"))


@transaction.atomic
def set_target(
    pupil,
    subject,
    year,
    grade,
    *,
    by,
    reason: str = "",
    expected=UNSET,
    withdraw: bool = False,
    suggestion: Suggestion | None = None,
    at=None,
) -> Target:
    """Set (or with `withdraw`, withdraw) the pupil's end-of-year target in `subject` for
    academic `year` as a new row keeping the suggestion and its basis.

    Refuses with a ValidationError, writing nothing, when the grade is not on the subject's
    summary scale, the school does not use the subject's framework, the pupil was not on roll
    that year, or the grade differs from the suggestion without a reason (a withdrawal always
    needs one). `expected` is the id of the target the editor saw (None: none); if another
    target has been set since, raises StaleTarget and writes nothing. Setting the grade that
    is already current with no new reason writes nothing and returns the current target."""
    reason = (reason or "").strip()
    _lock([pupil.pk])
    ctx = _context([pupil.pk], subject, year)
    if suggestion is None:
        suggestion = suggest_targets([pupil], subject, year).get(pupil.pk)
    problem = _problem(ctx, pupil.pk, grade, reason, suggestion, expected, withdraw=withdraw)
    if problem:
        raise ValidationError({problem[0]: problem[1]})
    if withdraw:
        grade = None
    elif _unchanged(ctx, pupil.pk, grade, reason):
        return ctx.current[pupil.pk]
    target = _row(ctx, pupil.pk, grade, reason, suggestion, by, at or timezone.now())
    target.save()
    return target


def _plan(rows, subject, year, *, by, suggestions, at):
    """Check every row: (pupil id -> what is wrong, the new Target rows to write)."""
    pupil_ids = [row.pupil.pk for row in rows]
    ctx = _context(pupil_ids, subject, year)
    if suggestions is None:
        suggestions = suggest_targets([row.pupil for row in rows], subject, year)
    errors, new, seen = {}, [], set()
    for row in rows:
        pupil_id = row.pupil.pk
        if pupil_id in seen:
            errors[pupil_id] = "This pupil is listed twice."
            continue
        seen.add(pupil_id)
        if row.grade is None:
            continue
        reason = (row.reason or "").strip()
        suggestion = suggestions.get(pupil_id)
        try:
            problem = _problem(ctx, pupil_id, row.grade, reason, suggestion, row.expected)
        except StaleTarget as exc:
            problem = (None, str(exc))
        if problem:
            errors[pupil_id] = problem[1]
        elif not _unchanged(ctx, pupil_id, row.grade, reason):
            new.append(_row(ctx, pupil_id, row.grade, reason, suggestion, by, at))
    return errors, new


def check_targets(rows, subject, year, *, suggestions=None) -> dict[int, str]:
    """What set_targets would refuse in these rows (pupil id -> words), writing nothing."""
    return _plan(list(rows), subject, year, by=None, suggestions=suggestions, at=None)[0]


@transaction.atomic
def set_targets(rows, subject, year, *, by, suggestions=None, at=None) -> list[Target]:
    """Set many pupils' targets in `subject` for `year` in one go (the year-group page and the
    API): all or nothing. Every row is checked first; if any is wrong (including one changed by
    someone else since it was read), raises TargetErrors naming each such pupil's problem and
    writes nothing. Rows with no grade, or repeating the current target, are left alone.
    Returns the new target rows. `suggestions` (pupil id -> Suggestion) saves working them out
    again when the caller already has them."""
    rows = list(rows)
    _lock([row.pupil.pk for row in rows])
    errors, new = _plan(
        rows, subject, year, by=by, suggestions=suggestions, at=at or timezone.now()
    )
    if errors:
        raise TargetErrors(errors)
    return _write(new)


def _write(targets: list[Target]) -> list[Target]:
    """Create the rows at once, each logged as a single save would be."""
    from nextsteps.audit.services import record_change
    from nextsteps.audit.signals import SKIPPED_FIELDS

    created = Target.objects.bulk_create(targets, batch_size=1000)
    for item in created:
        after = {
            f.name: f.value_to_string(item)
            for f in item._meta.concrete_fields
            if f.name not in SKIPPED_FIELDS
        }
        record_change(item, "create", {"after": after})
    return created
