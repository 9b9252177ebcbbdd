"""On track, at risk or off track: for many pupils, subjects and assessment points at once.

The rule itself is written in rule.py (module docstring, and `judge`): against the pupil's
target for the point's academic year, by their own milestones when they work below their year,
by the summary judgement at the last point of the year, otherwise by the key objectives of
their working stage secure by the point, with the reason in words ("2 of 9 key Year 3
objectives secure by spring; 6 expected for EXS"). Each school tunes it in
School.settings["on_track"] (see rule.py for the names and defaults).

This module gathers the facts the rule needs, set-based: `statuses()` reads a fixed number of
queries whatever the number of pupils (about fifteen), so a class, a year group or a whole
trust costs the same number of round trips. Evidence is read as it stood on the point's date
(for a point not reached yet, as it stands today); the target is the one in force then.

The caller scopes: pass only pupils the user may see (Pupil.objects.visible_to)."""

from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from nextsteps.assessment.models import CurrentJudgement, Judgement, SummaryJudgement
from nextsteps.assessment.rules import thresholds_for
from nextsteps.curriculum.models import (
    Grade,
    Objective,
    PupilStage,
    SchoolFramework,
    Stage,
    Subject,
)
from nextsteps.schools.models import AssessmentPoint, Characteristic, Enrolment, School

from .models import Milestone, Target
from .rule import LABELS, OWN_LABELS, SYMBOLS, Facts, OnTrackRule, judge, share_on


def on_track_rule(school) -> OnTrackRule:
    """The school's rule; settings that are not valid give the defaults (see rule_problems)."""
    try:
        return _rule(school)
    except ValueError:
        return OnTrackRule()


def _rule(school) -> OnTrackRule:
    settings = school.settings if isinstance(school.settings, dict) else {}
    return OnTrackRule.from_mapping(settings.get("on_track"), thresholds_for(school))


def rule_problems(school) -> list[str]:
    """What is wrong with the school's tracking settings, in words (empty when all is well)."""
    from .targets import TargetRule, _setting

    problems = []
    try:
        _rule(school)
    except ValueError as exc:
        problems.append(f"{exc} The default rule is used until it is put right.")
    try:
        TargetRule.from_mapping(_setting(school, "targets"))
    except ValueError as exc:
        problems.append(f"{exc} The default target rule is used until it is put right.")
    return problems


@dataclass
class OnTrack:
    pupil_id: int
    subject_id: int
    point_id: int
    status: str
    reason: str
    own_track: bool = False
    target: Target | None = None  # the target row in force (its grade may be None: withdrawn)
    summary: Grade | None = None
    stage: Stage | None = None
    below_stage: bool = False
    key_secure: int = 0
    key_total: int = 0
    needed: int | None = None

    @property
    def label(self) -> str:
        return (OWN_LABELS if self.own_track else LABELS)[self.status]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.status]

    @property
    def target_grade(self) -> Grade | None:
        return self.target.grade if self.target is not None else None


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class _Evidence:
    """Objective grades as they stood on any date: the current judgements for today, the
    judgement history for earlier dates."""

    def __init__(self, today, current, history):
        self.today = today
        self.current = current  # (pupil, objective) -> grade id
        self.history = history  # (pupil, objective) -> ([recorded_at], [grade id])

    def grade(self, pupil_id, objective_id, day: date):
        if day >= self.today and self.current is not None:
            return self.current.get((pupil_id, objective_id))
        return self.before(pupil_id, objective_id, _end_of(day))

    def before(self, pupil_id, objective_id, moment: datetime):
        times, grades = self.history.get((pupil_id, objective_id), ((), ()))
        index = bisect_left(times, moment)
        return grades[index - 1] if index else None


def statuses(pupils, subjects, points, *, today: date | None = None) -> dict[tuple, OnTrack]:
    """(pupil id, subject id, point id) -> OnTrack for every pupil on roll in the point's
    academic year and every subject whose framework the point's school uses. `pupils`,
    `subjects` and `points` may be objects or ids; pupils must already be scoped to the user."""
    today = today or timezone.localdate()
    pupil_ids = sorted({getattr(p, "pk", p) for p in pupils})
    subject_ids = sorted({getattr(s, "pk", s) for s in subjects})
    point_ids = sorted({getattr(p, "pk", p) for p in points})
    if not (pupil_ids and subject_ids and point_ids):
        return {}
    points = list(
        AssessmentPoint.objects.filter(pk__in=point_ids).select_related("academic_year__school")
    )
    years = {p.academic_year_id: p.academic_year for p in points}
    schools = {y.school_id: y.school for y in years.values()}
    year_points = defaultdict(list)
    for pk, year_id, when in (
        AssessmentPoint.objects.filter(academic_year_id__in=years)
        .order_by("date", "id")
        .values_list("pk", "academic_year_id", "date")
    ):
        year_points[year_id].append((pk, when))
    enrolments = defaultdict(list)
    for enrolment in (
        Enrolment.objects.filter(pupil_id__in=pupil_ids, academic_year_id__in=years)
        .select_related("year_group")
        .order_by("start_date", "id")
    ):
        enrolments[(enrolment.pupil_id, enrolment.academic_year_id)].append(enrolment)
    subjects = list(
        Subject.objects.filter(pk__in=subject_ids).select_related("framework").order_by("pk")
    )
    used = set(
        SchoolFramework.objects.filter(school_id__in=schools).values_list(
            "school_id", "framework_id"
        )
    )
    summary_scale = {s.pk: s.summary_scale_id or s.framework.summary_scale_id for s in subjects}
    objective_scale = {
        s.pk: s.judgement_scale_id or s.framework.judgement_scale_id for s in subjects
    }
    grades = {
        g.pk: g
        for g in Grade.objects.filter(
            scale_id__in=set(summary_scale.values()) | set(objective_scale.values())
        )
    }
    first_secure = {}
    for g in sorted(grades.values(), key=lambda g: g.order):
        if g.secure:
            first_secure.setdefault(g.scale_id, g.order)
    stages = {
        s.pk: s for s in Stage.objects.filter(framework_id__in={s.framework_id for s in subjects})
    }
    stage_for_year = {(s.framework_id, s.year_stage): s for s in stages.values()}
    ladder = defaultdict(list)  # (subject, stage) -> [(objective id, key)]
    for pk, subject_id, stage_id, key in (
        Objective.objects.active()
        .filter(subject_id__in=subject_ids)
        .order_by("order", "id")
        .values_list("pk", "subject_id", "stage_id", "key")
    ):
        ladder[(subject_id, stage_id)].append((pk, key))
    working = defaultdict(list)
    for pupil_id, subject_id, stage_id, since in (
        PupilStage.objects.filter(pupil_id__in=pupil_ids, subject_id__in=subject_ids)
        .order_by("since", "id")
        .values_list("pupil_id", "subject_id", "stage_id", "since")
    ):
        working[(pupil_id, subject_id)].append((since, stage_id))
    targets = defaultdict(list)
    for target in (
        Target.objects.filter(
            pupil_id__in=pupil_ids, subject_id__in=subject_ids, academic_year_id__in=years
        )
        .select_related("grade", "set_by")
        .order_by("set_at", "id")
    ):
        targets[(target.pupil_id, target.subject_id, target.academic_year_id)].append(target)
    summaries = {}
    for pupil_id, subject_id, point_id, grade_id in (
        SummaryJudgement.objects.filter(
            pupil_id__in=pupil_ids, subject_id__in=subject_ids, assessment_point_id__in=point_ids
        )
        .order_by("recorded_at", "id")
        .values_list("pupil_id", "subject_id", "assessment_point_id", "grade_id")
    ):
        summaries[(pupil_id, subject_id, point_id)] = grade_id
    sen = defaultdict(list)
    for pupil_id, value, start, end in Characteristic.objects.filter(
        pupil_id__in=pupil_ids, kind=Characteristic.Kind.SEN
    ).values_list("pupil_id", "value", "start_date", "end_date"):
        sen[pupil_id].append((value, start, end))
    milestones = defaultdict(list)
    milestone_rows = list(
        Milestone.objects.filter(pupil_id__in=pupil_ids, subject_id__in=subject_ids).values_list(
            "pk", "pupil_id", "subject_id", "due_date", "achieved_at"
        )
    )
    linked = defaultdict(list)
    for milestone_id, objective_id in Milestone.objectives.through.objects.filter(
        milestone__pupil_id__in=pupil_ids, milestone__subject_id__in=subject_ids
    ).values_list("milestone_id", "objective_id"):
        linked[milestone_id].append(objective_id)
    for pk, pupil_id, subject_id, due, achieved in milestone_rows:
        milestones[(pupil_id, subject_id)].append((due, achieved, linked.get(pk, [])))

    # Who is judged against their own milestones, and which dates evidence is needed on.
    def as_of(point):
        return min(point.date, today)

    def year_group(pupil_id, point):
        rows = enrolments.get((pupil_id, point.academic_year_id))
        if not rows:
            return None
        started = [e for e in rows if e.start_date <= as_of(point)]
        return (started or rows)[-1].year_group

    def stage_of(pupil_id, subject, group, day):
        chosen = None
        for since, stage_id in working.get((pupil_id, subject.pk), ()):
            if since <= day:
                chosen = stages.get(stage_id)
        if chosen is None and group is not None:
            chosen = stage_for_year.get((subject.framework_id, group.stage))
        return chosen

    def has_sen(pupil_id, day):
        return any(
            value in ("K", "E") and start <= day and (end is None or end >= day)
            for value, start, end in sen.get(pupil_id, ())
        )

    plan = []
    own_pupils = set()
    for point in points:
        school = schools[years[point.academic_year_id].school_id]
        day = as_of(point)
        for pupil_id in pupil_ids:
            group = year_group(pupil_id, point)
            if group is None:
                continue
            for subject in subjects:
                if (school.pk, subject.framework_id) not in used:
                    continue
                stage = stage_of(pupil_id, subject, group, day)
                below = bool(
                    stage is not None
                    and stage.year_stage is not None
                    and stage.year_stage < group.stage
                )
                own = below or (
                    bool(milestones.get((pupil_id, subject.pk)))
                    and (school.kind == School.Kind.ALTERNATIVE_PROVISION or has_sen(pupil_id, day))
                )
                if own:
                    own_pupils.add(pupil_id)
                plan.append((point, school, pupil_id, subject, group, stage, below, own))
    if not plan:
        return {}
    past = [as_of(p) for p in points if p.date < today]
    current = None
    if any(p.date >= today for p in points):
        current = {
            (pupil_id, objective_id): grade_id
            for pupil_id, objective_id, grade_id in CurrentJudgement.objects.filter(
                pupil_id__in=pupil_ids, objective__subject_id__in=subject_ids
            ).values_list("pupil_id", "objective_id", "grade_id")
        }
    history_pupils = pupil_ids if past else sorted(own_pupils)
    history = {}
    if history_pupils:
        until = _end_of(today if own_pupils else max(past))
        for pupil_id, objective_id, grade_id, recorded_at in (
            Judgement.objects.filter(
                pupil_id__in=history_pupils,
                objective__subject_id__in=subject_ids,
                recorded_at__lt=until,
            )
            .order_by("recorded_at", "id")
            .values_list("pupil_id", "objective_id", "grade_id", "recorded_at")
        ):
            times, values = history.setdefault((pupil_id, objective_id), ([], []))
            times.append(recorded_at)
            values.append(grade_id)
    evidence = _Evidence(today, current, history)

    def secure(grade_id):
        return grade_id is not None and grades[grade_id].secure

    rules = {pk: on_track_rule(school) for pk, school in schools.items()}
    results = {}
    for point, school, pupil_id, subject, group, stage, below, own in plan:
        year = years[point.academic_year_id]
        rule = rules[school.pk]
        dates = year_points[year.pk]
        index = [pk for pk, _ in dates].index(point.pk)
        shares = [(when, rule.share_by(i, len(dates))) for i, (_, when) in enumerate(dates)]
        day = as_of(point)
        in_force = [
            t for t in targets.get((pupil_id, subject.pk, year.pk), ()) if t.set_at < _end_of(day)
        ]
        target = in_force[-1] if in_force else None
        summary_id = summaries.get((pupil_id, subject.pk, point.pk))
        summary = grades.get(summary_id)
        mine = ladder.get((subject.pk, stage.pk), []) if stage is not None else []
        objective_grades = [(key, evidence.grade(pupil_id, pk, day)) for pk, key in mine]
        deep_from = first_secure.get(objective_scale[subject.pk])
        scale_expected = first_secure.get(summary_scale[subject.pk])
        facts = Facts(
            point_name=point.name.lower(),
            final=index == len(dates) - 1,
            reached=point.date <= today,
            as_of=day,
            share_now=share_on(day, year.start_date, shares),
            share_at_point=shares[index][1],
            target=target.grade.order if target is not None and target.grade_id else None,
            target_label=target.grade.short_label if target is not None and target.grade_id else "",
            expected=scale_expected,
            summary=summary.order if summary is not None else None,
            summary_label=summary.short_label if summary is not None else "",
            stage_name=stage.name if stage is not None else None,
            key_total=sum(1 for key, _ in objective_grades if key),
            key_secure=sum(1 for key, g in objective_grades if key and secure(g)),
            key_judged=sum(1 for key, g in objective_grades if key and g is not None),
            all_total=len(objective_grades),
            deep=sum(
                1
                for _, g in objective_grades
                if g is not None and deep_from is not None and grades[g].order > deep_from
            ),
            below_stage=below,
            year_name=group.name,
            subject_name=subject.name,
            own_track=own,
        )
        if own:
            facts.since = year.start_date
            facts.secured_since = _secured_since(
                evidence, pupil_id, subject, ladder, year.start_date, day, secure
            )
            mine_milestones = milestones.get((pupil_id, subject.pk), [])
            due = [m for m in mine_milestones if m[0] <= day]
            facts.milestones = len(mine_milestones)
            facts.milestones_due = len(due)
            facts.milestones_achieved = sum(
                1
                for _, achieved, objectives in due
                if (achieved is not None and achieved <= day)
                or (
                    objectives and all(secure(evidence.grade(pupil_id, o, day)) for o in objectives)
                )
            )
        verdict = judge(facts, rule)
        reason = verdict.reason
        if target is None and targets.get((pupil_id, subject.pk, year.pk)):
            reason = f"No target had been set by {point.name.lower()}."
        results[(pupil_id, subject.pk, point.pk)] = OnTrack(
            pupil_id=pupil_id,
            subject_id=subject.pk,
            point_id=point.pk,
            status=verdict.status,
            reason=reason,
            own_track=verdict.own_track,
            target=target,
            summary=summary,
            stage=stage,
            below_stage=below,
            key_secure=facts.key_secure,
            key_total=facts.key_total,
            needed=verdict.needed,
        )
    return results


def _secured_since(evidence, pupil_id, subject, ladder, since, day, secure) -> int:
    """How many of the subject's objectives became secure from `since` to `day`: small steps."""
    start = _start_of(since)
    count = 0
    for (subject_id, _), objectives in ladder.items():
        if subject_id != subject.pk:
            continue
        for pk, _ in objectives:
            if secure(evidence.grade(pupil_id, pk, day)) and not secure(
                evidence.before(pupil_id, pk, start)
            ):
                count += 1
    return count


def counts(results) -> Counter:
    """How many results have each status."""
    return Counter(r.status for r in results)


def small_steps(pupil, subjects, since: date) -> dict[int, list]:
    """Per subject id: the objectives the pupil has secured since `since` (secure now, and not
    secure before that day), in ladder order. The small steps shown for pupils working below
    their year. One pupil; the caller has fetched them through visible_to."""
    secure_now = {
        (c.objective.subject_id, c.objective_id): c.objective
        for c in CurrentJudgement.objects.filter(
            pupil=pupil, objective__subject__in=subjects, grade__secure=True
        ).select_related("objective__stage")
    }
    before = {}
    for objective_id, grade_secure in (
        Judgement.objects.filter(
            pupil=pupil, objective__subject__in=subjects, recorded_at__lt=_start_of(since)
        )
        .order_by("recorded_at", "id")
        .values_list("objective_id", "grade__secure")
    ):
        before[objective_id] = bool(grade_secure)
    steps = defaultdict(list)
    for (subject_id, objective_id), objective in secure_now.items():
        if not before.get(objective_id):
            steps[subject_id].append(objective)
    for items in steps.values():
        items.sort(key=lambda o: (o.stage.order, o.order))
    return dict(steps)
