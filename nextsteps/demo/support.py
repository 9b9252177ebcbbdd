"""The demo's SEN register and support plans, written after targets and the weekly RAG reviews
(and before interventions and the alert sweep):

- Areas of need for every pupil on the SEN register (K or E) today: the primary area named in
  their SEN notes, from the day their SEN status began, and a second area for about one in
  four.
- A plan for most of them, of the kind each school uses: an IEP in the English primaries
  (an EHC plan for E), a child's plan in the Scottish primary, a support plan at the hub (an
  EHC plan for E); and a personal education plan for every looked-after pupil. Each has two or
  three SMART targets from its area of need (a cognition-and-learning target linked to a
  maths objective of the pupil's year where the school has one), one or two lines of
  provision, and about two in three are shared with the family.
- Plans that started eight weeks ago or more had a review six weeks in (continue, or amend);
  one or two plans a school are overdue for review.
- A support plan for some pupils who are not on track at the current assessment point and
  have no plan, owned by their class teacher, and a few left without one so the inclusion
  manager's list has something to show (as do one or two SEN pupils without a plan).

Everything is written through nextsteps.support.services. Randomness comes from its own
generator, seeded from the demo seed and the school, so adding this leaves the rest of the
demo unchanged."""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q

from nextsteps.curriculum.models import Objective
from nextsteps.schools.models import Characteristic, ClassStaff, Enrolment, Role, School
from nextsteps.support import queries, services
from nextsteps.support.models import Area, Plan, PlanReview, TargetStatus

AREA_BY_LABEL = {label: value for value, label in Area.choices}
SECOND_NEED = {
    Area.COMMUNICATION: Area.SEMH,
    Area.COGNITION: Area.COMMUNICATION,
    Area.SEMH: Area.COGNITION,
    Area.SENSORY_PHYSICAL: Area.COGNITION,
}
NEED_WORDS = {
    Area.COMMUNICATION: ("Speech, language and communication needs", "Autistic spectrum"),
    Area.COGNITION: ("Specific learning difficulty (dyslexic profile)", "Working memory"),
    Area.SEMH: ("Anxiety", "Attention difficulties"),
    Area.SENSORY_PHYSICAL: ("Hearing impairment", "Fine motor difficulties"),
}
TARGETS = {
    Area.COMMUNICATION: (
        ("Ask for help using a sentence starter", "Does so unprompted 4 times in a week"),
        ("Follow a two-part instruction in class", "8 of 10 instructions in observations"),
        ("Take turns in a small-group game", "3 turns without adult prompting in 3 sessions"),
    ),
    Area.COGNITION: (
        ("Read the first 100 high-frequency words", "95 of 100 read correctly on two checks"),
        ("Recall number bonds to 10", "10 of 10 in under a minute, twice"),
        ("Write a sentence with a capital letter and full stop", "4 of 5 sentences in books"),
    ),
    Area.SEMH: (
        ("Use the calm card when feeling upset", "Uses it on 4 of 5 occasions logged"),
        ("Settle to work within five minutes of the lesson start", "4 days of 5 for 3 weeks"),
        ("Name the feeling using the zones chart", "At every morning check-in for 2 weeks"),
    ),
    Area.SENSORY_PHYSICAL: (
        ("Form letters correctly using the writing slope", "A full line of correct letters"),
        ("Tell an adult when the radio aid is not working", "Every time, as logged by the TA"),
        ("Dress independently after PE", "Within 10 minutes on 3 consecutive weeks"),
    ),
}
PROVISION = {
    Area.COMMUNICATION: (
        ("Speech and language programme", "TA trained by the SALT", "3 × 15 minutes", "0.8"),
        ("Social communication group", "Inclusion manager", "Weekly, 30 minutes", "0.5"),
    ),
    Area.COGNITION: (
        ("Precision teaching: reading", "TA", "Daily, 10 minutes", "0.8"),
        ("Small-group maths pre-teaching", "Class teacher", "2 × 20 minutes", "0.7"),
    ),
    Area.SEMH: (
        ("Morning check-in with the learning mentor", "Learning mentor", "Daily", "1.0"),
        ("Nurture group", "Nurture lead", "2 afternoons", "4.0"),
    ),
    Area.SENSORY_PHYSICAL: (
        ("Fine motor programme", "TA", "3 × 10 minutes", "0.5"),
        ("Specialist teacher visit (sensory service)", "Local authority", "Each half term", ""),
    ),
}
STRENGTHS = (
    "Kind to others and loves helping in the classroom.",
    "Enjoys building and making; brilliant at practical tasks.",
    "Loves stories and listening to audiobooks.",
    "Very good at art; proud of their drawings.",
    "Keen footballer; responds well to praise.",
)
SUPPORT_TARGETS = (
    ("Secure the key objectives missed this term", "Each judged secure in class by the point"),
    ("Complete independent work in maths lessons", "4 of 5 lessons with work finished"),
    ("Read at home at least four times a week", "Reading record signed 4 times a week"),
)


@dataclass
class Counts:
    needs: int = 0
    plans: dict = field(default_factory=dict)  # kind label -> count
    reviews: int = 0
    overdue: int = 0
    not_on_track_left: int = 0
    sen_without_plan: int = 0

    def line(self) -> str:
        if not self.plans:
            return "Support: no plans (nobody on the SEN register)"
        kinds = ", ".join(f"{n} {label}" for label, n in sorted(self.plans.items()))
        return (
            f"Support: {self.needs} areas of need; plans: {kinds}; {self.reviews} reviews, "
            f"{self.overdue} overdue; on the inclusion list: {self.not_on_track_left} not on "
            f"track without a plan, {self.sen_without_plan} on the SEN register without one"
        )


def build(trust, *, seed: int, today) -> Counts:
    counts = Counts()
    for school in School.objects.filter(trust=trust).order_by("pk"):
        rng = random.Random(f"{seed}:support:{school.name}")
        _school(rng, school, today, counts)
    return counts


def _current(queryset, today):
    return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)


def _role_user(school, *kinds):
    for kind in kinds:
        role = Role.objects.filter(school=school, kind=kind).select_related("user").first()
        if role is not None:
            return role.user
    return None


def _plan_kind(school, code, looked_after) -> str:
    if looked_after:
        return Plan.Kind.PEP
    if code == "E":
        return Plan.Kind.EHC_PLAN
    if school.country == School.Country.SCOTLAND:
        return Plan.Kind.CHILDS_PLAN
    if school.kind == School.Kind.ALTERNATIVE_PROVISION:
        return Plan.Kind.SUPPORT_PLAN
    return Plan.Kind.IEP


def _school(rng, school, today, counts):
    enrolments = {
        e.pupil_id: e
        for e in _current(Enrolment.objects.filter(school=school), today)
        .select_related("pupil", "year_group", "school_class")
        .order_by("pupil_id")
    }
    if not enrolments:
        return
    senco = _role_user(school, Role.Kind.INCLUSION_MANAGER, Role.Kind.HEAD)
    teachers = {
        link.school_class_id: link.user
        for link in ClassStaff.objects.filter(
            school_class__school=school, kind="teacher"
        ).select_related("user")
    }
    sen = queries.sen_status_on(enrolments, today)
    looked_after = set(
        _current(
            Characteristic.objects.filter(
                pupil_id__in=list(enrolments), kind=Characteristic.Kind.LOOKED_AFTER, value="Y"
            ),
            today,
        ).values_list("pupil_id", flat=True)
    )
    on_register = [pk for pk in sorted(enrolments) if pk in sen and sen[pk].value in ("K", "E")]
    maths = list(
        Objective.objects.active()
        .filter(subject__framework__school_links__school=school, subject__code="maths", key=True)
        .select_related("stage")
        .order_by("stage__order", "order")
    )
    # One or two SEN pupils are left without a plan for the inclusion list to find.
    unplanned = set(rng.sample(on_register, min(len(on_register) // 8 + 1, len(on_register))))
    planned = []
    for pk in on_register:
        record = sen[pk]
        enrolment = enrolments[pk]
        pupil = enrolment.pupil
        area = next(
            (v for label, v in AREA_BY_LABEL.items() if label in (record.details or "")),
            rng.choice(Area.values),
        )
        start = max(record.start_date, today - timedelta(days=720))
        services.add_need(
            pupil,
            area=area,
            description=rng.choice(NEED_WORDS[area]),
            primary=True,
            start_date=start,
            by=senco,
        )
        counts.needs += 1
        if rng.random() < 0.25:
            second = SECOND_NEED[area]
            services.add_need(
                pupil,
                area=second,
                description=rng.choice(NEED_WORDS[second]),
                start_date=start,
                by=senco,
            )
            counts.needs += 1
        if pk in unplanned and pk not in looked_after:
            counts.sen_without_plan += 1
            continue
        kind = _plan_kind(school, record.value, pk in looked_after)
        plan = _open(rng, school, enrolment, kind, area, senco, today, maths)
        planned.append(plan)
        _tally(counts, plan)
    for pk in sorted(looked_after - set(on_register)):
        plan = _open(rng, school, enrolments[pk], Plan.Kind.PEP, Area.SEMH, senco, today, maths)
        planned.append(plan)
        _tally(counts, plan)
    # Not on track at the current point, no plan: support plans for most, owned by the class
    # teacher; the rest are left for the inclusion list.
    found = queries.inclusion_list(school, [e.pupil for e in enrolments.values()], today=today)
    behind = [e for e in found.entries if queries.NO_PLAN in e.kinds]
    leave = max(2, len(behind) // 3)
    for entry in behind[leave:]:
        enrolment = enrolments[entry.pupil.pk]
        owner = teachers.get(enrolment.school_class_id) or senco
        plan = _open(rng, school, enrolment, Plan.Kind.SUPPORT_PLAN, None, owner, today, maths)
        planned.append(plan)
        _tally(counts, plan)
    counts.not_on_track_left += min(leave, len(behind))
    _reviews(rng, planned, today, counts)


def _tally(counts, plan):
    label = plan.get_kind_display()
    counts.plans[label] = counts.plans.get(label, 0) + 1


def _open(rng, school, enrolment, kind, area, owner, today, maths):
    pupil = enrolment.pupil
    year = enrolment.academic_year
    start = max(year.start_date + timedelta(days=rng.randint(7, 35)), today - timedelta(days=120))
    start = min(start, today)
    weeks = 6 if area is None else 12
    title = {
        Plan.Kind.PEP: "Personal education plan",
        Plan.Kind.EHC_PLAN: "EHC plan: outcomes for this year",
        Plan.Kind.SUPPORT_PLAN: "Support plan",
        Plan.Kind.CHILDS_PLAN: "Child's plan",
        Plan.Kind.IEP: "Individual education plan",
    }[kind]
    focus = Area(area).label.lower() if area is not None else "catching up"
    title = f"{title}: {focus}"
    plan = services.open_plan(
        pupil,
        school=school,
        kind=kind,
        title=title,
        reason="Not on track at the current assessment point."
        if area is None
        else f"On the SEN register; primary need {Area(area).label.lower()}.",
        strengths=rng.choice(STRENGTHS),
        owner=owner,
        start_date=start,
        review_date=start + timedelta(weeks=weeks),
        shared_with_family=rng.random() < 0.66,
        by=owner,
    )
    pool = SUPPORT_TARGETS if area is None else TARGETS[area]
    stage = enrolment.year_group.stage
    for specific, measure in rng.sample(pool, rng.choice((2, 3))):
        objectives = []
        if area == Area.COGNITION and "number" in specific:
            linked = [o for o in maths if o.stage.year_stage in (stage - 1, stage)]
            objectives = linked[:1]
        services.add_target(
            plan,
            specific=specific,
            measure=measure,
            target_date=start + timedelta(weeks=weeks),
            objectives=objectives,
            by=owner,
        )
    lines = PROVISION[area] if area is not None else PROVISION[Area.COGNITION][1:]
    for what, who, often, hours in rng.sample(lines, rng.choice((1, len(lines)))):
        services.add_provision(
            plan,
            what=what,
            who=who,
            frequency=often,
            hours_per_week=hours or None,
            start_date=start,
        )
    return plan


def _reviews(rng, plans, today, counts):
    """Plans whose review date has passed were reviewed on the day, with the next review to
    come; one or two a school are left overdue (their review date passed with no review)."""
    due = [p for p in plans if p.review_date < today]
    overdue = {p.pk for p in rng.sample(due, min(len(due), rng.choice((1, 2))))}
    counts.overdue += len(overdue)
    for plan in due:
        if plan.pk in overdue:
            continue
        held_on = plan.review_date
        targets = list(plan.targets.order_by("position"))
        progress = {
            t.pk: (
                rng.choice((TargetStatus.ACHIEVED, TargetStatus.WORKING, TargetStatus.WORKING)),
                "",
            )
            for t in targets
        }
        outcome = PlanReview.Outcome.AMEND if rng.random() < 0.3 else PlanReview.Outcome.CONTINUE
        services.record_review(
            plan,
            held_on=held_on,
            outcome=outcome,
            expected_version=plan.version,
            next_review_date=today + timedelta(days=rng.randint(7, 60)),
            summary="Progress discussed with the family and the class teacher.",
            pupil_views="Likes the sessions with the TA.",
            family_views="Pleased with the progress at home.",
            progress=progress,
            by=plan.owner,
            today=today,
        )
        counts.reviews += 1
