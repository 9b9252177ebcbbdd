"""The demo's targets and tracking, written after the assessment history: end-of-year targets for
every pupil on roll this year in every subject taught in their year, set by the assessment
leader early in the autumn term from the suggestion (now and then raised, rarely lowered, with
a reason); milestones for pupils working below their year and for the hub's students; some
next-step targets and pupil-owned learning goals; and a staff target for each class teacher
about pupils who are not on track.

Everything goes through the tracking services, as a school's own staff would set it.
Randomness comes from its own generator, seeded from the demo seed and the school, so adding
this leaves the rest of the demo unchanged."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from nextsteps.assessment.models import Judgement
from nextsteps.assessment.rules import standings
from nextsteps.schools.models import ClassStaff, Enrolment, Role, School
from nextsteps.tracking import on_track, services, targets
from nextsteps.tracking.models import PupilGoal, Status
from nextsteps.tracking.queries import subjects_for_stage

RAISED = (
    "Known capacity for improvement: strong reasoning in class",
    "Accelerating since the spring; agreed at the transition meeting",
    "Stretch target agreed with the family",
)
LOWERED = ("Long absence in the summer term; to be reviewed at the autumn meeting",)
LEARNING_GOALS = (
    "I will read for twenty minutes every evening",
    "I will check my work against the success criteria before I hand it in",
    "I will learn my times tables up to 12 x 12",
    "I will ask a question when I am stuck instead of waiting",
    "I will use paragraphs to organise my writing",
)
HUB_GOALS = (
    "Arrive on time for every morning session this half term",
    "Finish one task a day without leaving the room",
    "Use my calm-down plan when I feel frustrated",
)
STAFF_TARGETS = (
    "Daily same-day intervention in maths for {names}",
    "Guided reading three times a week for {names}",
    "Pre-teach the week's vocabulary to {names}",
)


@dataclass
class TrackingCounts:
    targets: int = 0
    adjusted: int = 0
    milestones: int = 0
    goals: int = 0
    staff_targets: int = 0

    def line(self) -> str:
        return (
            f"Tracking: {self.targets:,} targets ({self.adjusted} changed from the suggestion), "
            f"{self.milestones} milestones, {self.goals} goals, "
            f"{self.staff_targets} staff targets"
        )


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(16, 30)))


def _first_user(school, *kinds):
    for kind in kinds:
        role = (
            Role.objects.filter(school=school, kind=kind).select_related("user").order_by("id")
        ).first()
        if role is not None:
            return role.user
    return None


def build(trust, *, seed: int, today: date) -> TrackingCounts:
    """Targets, milestones, goals and staff targets for every school of the demo trust."""
    counts = TrackingCounts()
    for school in School.objects.filter(trust=trust).order_by("pk"):
        year = school.current_year(today)
        if year is None:
            continue
        rng = random.Random(f"{seed}:tracking:{school.name}")
        _school(rng, school, year, today, counts)
    return counts


def _school(rng, school, year, today, counts):
    leader = _first_user(school, Role.Kind.ASSESSMENT_LEADER, Role.Kind.HEAD)
    senco = _first_user(school, Role.Kind.INCLUSION_MANAGER, Role.Kind.HEAD)
    head = _first_user(school, Role.Kind.HEAD)
    on = min(today, year.end_date)
    enrolments = {
        e.pupil_id: e
        for e in Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            school=school,
            academic_year=year,
            start_date__lte=on,
        )
        .select_related("year_group", "pupil")
        .order_by("start_date", "id")
    }
    if not enrolments:
        return
    by_subject = defaultdict(list)
    stages = {e.year_group.stage for e in enrolments.values()}
    subjects = {}
    for stage in sorted(stages):
        for subject in subjects_for_stage(school, stage):
            subjects[subject.pk] = subject
            by_subject[subject.pk].extend(
                e.pupil for e in enrolments.values() if e.year_group.stage == stage
            )
    set_on = min(year.start_date + timedelta(days=10), today)
    own_track = defaultdict(set)  # subject id -> pupils set against their own performance
    for subject_id, pupils in by_subject.items():
        subject = subjects[subject_id]
        suggestions = targets.suggest_targets(pupils, subject, year, today=set_on)
        grades = list(subject.point_scale().grades.order_by("order"))
        expected = next((g for g in grades if g.secure), grades[-1])
        rows = []
        for pupil in pupils:
            s = suggestions.get(pupil.pk)
            if s is None:
                continue
            if s.method == targets.M.MILESTONES:
                own_track[subject_id].add(pupil.pk)
            grade, reason = s.grade, ""
            if grade is None:
                grade = grades[0] if s.method == targets.M.MILESTONES else expected
                reason = "No earlier summary judgement: set for now, to review in the autumn"
            else:
                roll = rng.random()
                index = grades.index(grade)
                if roll < 0.10 and index + 1 < len(grades):
                    grade, reason = grades[index + 1], rng.choice(RAISED)
                elif roll < 0.12 and index > 0:
                    grade, reason = grades[index - 1], rng.choice(LOWERED)
                if reason:
                    counts.adjusted += 1
            rows.append(targets.TargetRow(pupil, grade, reason))
        saved = targets.set_targets(
            rows, subject, year, by=leader, suggestions=suggestions, at=_moment(set_on)
        )
        counts.targets += len(saved)
    _milestones(rng, school, year, today, subjects, by_subject, own_track, senco, counts)
    _goals(rng, school, year, today, subjects, enrolments, counts)
    _staff_targets(rng, school, year, today, subjects, head, counts)


def _secure_before(pupil_ids, subject_ids, day) -> set[tuple[int, int]]:
    """(pupil id, objective id) pairs whose latest judgement before `day` was secure."""
    latest = {}
    for pupil_id, objective_id, secure in (
        Judgement.objects.filter(
            pupil_id__in=pupil_ids,
            objective__subject_id__in=subject_ids,
            recorded_at__lt=_moment(day),
        )
        .order_by("recorded_at", "id")
        .values_list("pupil_id", "objective_id", "grade__secure")
    ):
        latest[(pupil_id, objective_id)] = bool(secure)
    return {key for key, secure in latest.items() if secure}


def _milestones(rng, school, year, today, subjects, by_subject, own_track, senco, counts):
    """Three small steps over the year for each pupil working below their year (and each of
    the hub's students), from the objectives of their working stage not secure in September."""
    hub = school.kind == School.Kind.ALTERNATIVE_PROVISION
    points = list(year.assessment_points.order_by("date", "id"))
    if not points:
        return
    wanted = []
    for subject_id, pupils in by_subject.items():
        subject = subjects[subject_id]
        if hub and subject.code not in ("functional-literacy", "functional-numeracy"):
            continue
        chosen = [p for p in pupils if p.pk in own_track[subject_id]]
        if not chosen:
            continue
        found = standings(chosen, subject, on=year.start_date)
        wanted.extend(
            (subject, pupil, found[pupil.pk])
            for pupil in chosen
            if hub or found[pupil.pk].below_stage
        )
    secure = _secure_before(
        {p.pk for _, p, _ in wanted}, {s.pk for s, _, _ in wanted}, year.start_date
    )
    for subject, pupil, standing in wanted:
        if standing.stage is None:
            continue
        ladder = [
            o
            for o in sorted(standing.objectives, key=lambda o: o.order)
            if (pupil.pk, o.pk) not in secure
        ]
        steps = [ladder[i : i + 2] for i in range(0, min(len(ladder), 2 * len(points)), 2)]
        for step, point in zip(steps, points, strict=False):
            first = step[0]
            words = (first.pupil_statement or first.statement).rstrip(".")
            more = f" and {len(step) - 1} more" if len(step) > 1 else ""
            services.add_milestone(
                pupil,
                subject,
                description=f"By {point.name.lower()}: {words}{more}"[:300],
                start_date=year.start_date,
                due_date=point.date,
                objectives=step,
                by=senco,
            )
            counts.milestones += 1


def _goals(rng, school, year, today, subjects, enrolments, counts):
    """A numeracy or literacy next-step target for some pupils, linked to the next objective
    on their ladder, and learning goals the oldest pupils (and the hub's students) set."""
    hub = school.kind == School.Kind.ALTERNATIVE_PROVISION
    points = [p for p in year.assessment_points.order_by("date", "id") if p.date >= today]
    review = points[0].date if points else year.end_date
    teachers = {
        link.school_class_id: link.user
        for link in ClassStaff.objects.filter(
            school_class__academic_year=year, kind=ClassStaff.Kind.TEACHER
        ).select_related("user")
    }
    oldest = max((e.year_group.stage for e in enrolments.values()), default=0)
    numeric = {"maths", "numeracy", "functional-numeracy"}
    literate = {"writing", "reading", "functional-literacy"}
    taught = {}  # year stage -> subjects
    planned = []  # (enrolment, kind, subject) for the next-step targets
    for enrolment in sorted(enrolments.values(), key=lambda e: e.pupil_id):
        pupil, stage = enrolment.pupil, enrolment.year_group.stage
        by = teachers.get(enrolment.school_class_id)
        if hub:
            services.add_goal(
                pupil,
                kind=PupilGoal.Kind.OTHER,
                text=rng.choice(HUB_GOALS),
                status=rng.choice((Status.WORKING, Status.WORKING, Status.NOT_STARTED)),
                review_date=review,
                owned_by_pupil=rng.random() < 0.5,
                by=by,
            )
            counts.goals += 1
            continue
        if stage >= 2 and rng.random() < 0.4:
            kind = rng.choice((PupilGoal.Kind.NUMERACY, PupilGoal.Kind.LITERACY))
            codes = numeric if kind == PupilGoal.Kind.NUMERACY else literate
            if stage not in taught:
                taught[stage] = subjects_for_stage(school, stage)
            subject = next((s for s in taught[stage] if s.code in codes), None)
            if subject is not None:
                planned.append((enrolment, kind, subject, rng.random()))
        if stage >= oldest - 1 and stage >= 5 and rng.random() < 0.5:
            services.add_goal(
                pupil,
                kind=PupilGoal.Kind.LEARNING,
                text=rng.choice(LEARNING_GOALS),
                status=Status.WORKING,
                review_date=review,
                owned_by_pupil=True,
                by=by,
            )
            counts.goals += 1
    by_subject = defaultdict(list)
    for item in planned:
        by_subject[item[2]].append(item[0].pupil)
    found = {subject: standings(pupils, subject) for subject, pupils in by_subject.items()}
    for enrolment, kind, subject, roll in planned:
        standing = found[subject][enrolment.pupil_id]
        objective = next((o for o in standing.objectives if not standing.secure(o)), None)
        if objective is None:
            continue
        status = (
            Status.ACHIEVED if roll < 0.15 else Status.NOT_STARTED if roll < 0.4 else Status.WORKING
        )
        services.add_goal(
            enrolment.pupil,
            kind=kind,
            text=(objective.pupil_statement or objective.statement)[:300],
            objective=objective,
            status=status,
            review_date=review,
            by=teachers.get(enrolment.school_class_id),
        )
        counts.goals += 1


def _staff_targets(rng, school, year, today, subjects, head, counts):
    """For each class teacher, a target from the pupil progress meeting about the pupils of
    their class who are furthest from their targets now."""
    points = list(year.assessment_points.order_by("date", "id"))
    point = next((p for p in points if p.date >= today), points[-1] if points else None)
    if point is None or head is None:
        return
    past = [p for p in points if p.date < today]
    context = f"{past[-1].name} pupil progress meeting" if past else "September class review"
    links = (
        ClassStaff.objects.filter(
            school_class__school=school,
            school_class__academic_year=year,
            kind=ClassStaff.Kind.TEACHER,
        )
        .select_related("school_class__year_group", "user")
        .order_by("school_class__name")
    )
    links = list(links)
    members = defaultdict(list)
    for enrolment in Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        school_class__in=[link.school_class_id for link in links],
        start_date__lte=today,
    ).select_related("pupil"):
        members[enrolment.school_class_id].append(enrolment.pupil)
    everyone = [p for pupils in members.values() for p in pupils]
    results = on_track.statuses(everyone, list(subjects.values()), [point], today=today)
    order = {"off_track": 0, "at_risk": 1}
    worst = sorted(
        (r for r in results.values() if r.status in order),
        key=lambda r: (order[r.status], r.pupil_id),
    )
    for link in links:
        pupils = {p.pk: p for p in members.get(link.school_class_id, [])}
        if not pupils:
            continue
        chosen = []
        for result in worst:
            if result.pupil_id in pupils and result.pupil_id not in chosen:
                chosen.append(result.pupil_id)
            if len(chosen) == 3:
                break
        named = [pupils[pk] for pk in chosen]
        names = ", ".join(p.first_name for p in named) or "the pupils not yet on track"
        services.add_staff_target(
            school,
            link.user,
            text=rng.choice(STAFF_TARGETS).format(names=names)[:300],
            context=context,
            pupils=named,
            status=Status.WORKING,
            review_date=point.date,
            by=head,
        )
        counts.staff_targets += 1
