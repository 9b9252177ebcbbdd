"""The demo's interventions, written after targets, the weekly reviews and support plans:

- Oakfield, "Year 3 reading catch-up": last school year's spring-term group of Year 3 readers
  who were below average on the autumn reading test, measured on the standardised reading test
  (autumn test before, summer test after). It has ended, so its evaluation is stored.
- Oakfield, "Year 5 maths: fractions and calculation": Year 5 pupils who had secured the fewest
  Year 5 maths objectives, measured on objectives secured, over the last twelve weeks (running;
  early in the school year, last year's final twelve weeks instead).
- Riverside Learning Hub, "Engagement mentoring": students mentored weekly, measured on the
  Engagement area of the weekly Red/Amber/Green reviews; it is running.

Members are picked from pupils with the same starting points as pupils who are not in them
(every other one in order of starting point), so each has similar pupils to be compared with.
What the members earned while in them is written through the normal services, dated inside
the intervention: better summer reading scores, a couple more maths objectives secured, better
weekly engagement ratings. So each shows a measurable positive impact in the default demo (the
small demo has too few pupils in a year group to say).

Randomness comes from its own generator, seeded from the demo seed and the school."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from nextsteps.assessment.models import CurrentJudgement, Judgement
from nextsteps.assessment.services import record_judgement
from nextsteps.curriculum.models import Grade, Stage, Subject
from nextsteps.interventions import evaluation, services
from nextsteps.interventions.measures import (
    ObjectivesMeasure,
    Period,
    ReviewMeasure,
    ScoreMeasure,
    monday,
)
from nextsteps.results import services as results
from nextsteps.results.models import AssessmentDefinition, Result, Sitting
from nextsteps.reviews import services as reviews
from nextsteps.reviews.models import RANK, Rating, WeeklyRating
from nextsteps.schools.models import ClassStaff, Enrolment, Role, School

GROUP_SIZE = 6
READING_BOOST = 8  # standardised points the catch-up readers gained on the summer test
MATHS_GAIN = 2  # extra Year 5 objectives each maths pupil secured


@dataclass
class Counts:
    interventions: list = field(default_factory=list)  # (school, name, pupils, verdict)

    def line(self) -> str:
        if not self.interventions:
            return "Interventions: none (no school had the history to measure one)"
        pupils = sum(n for _, _, n, _ in self.interventions)
        parts = "; ".join(
            f"{name} ({n} pupils): {verdict.rstrip('.')}"
            for _, name, n, verdict in self.interventions
        )
        return f"Interventions: {len(self.interventions)} with {pupils} pupils. {parts}."


def _moment(day: date, at=time(15, 30)) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _staff(school, kind, stage=None, year=None):
    """A member of staff of the school's classes (of a year group and year, if given), else the
    head."""
    links = ClassStaff.objects.filter(school_class__school=school, kind=kind)
    if year is not None:
        links = links.filter(school_class__academic_year=year)
    if stage is not None:
        links = links.filter(school_class__year_group__stage=stage)
    link = links.select_related("user").order_by("id").first()
    if link is not None:
        return link.user
    role = Role.objects.filter(school=school, kind=Role.Kind.HEAD).select_related("user").first()
    return role.user if role else None


def _pick(cells: dict, fits) -> list:
    """Members from `cells` of pupils who share a year group and starting band (key: (year
    group, band); each cell in order of starting point): from each cell at most half of it,
    every other pupil who `fits`, lowest band first and bigger cells first, up to GROUP_SIZE.
    So every member has pupils like them left out to be compared with."""
    chosen = []
    for key in sorted(cells, key=lambda k: (k[1], -len(cells[k]), k[0])):
        pupils = cells[key]
        quota = min(len(pupils) // 2, GROUP_SIZE - len(chosen))
        picks = [pk for pk in pupils[::2] if fits(pk)]
        picks += [pk for pk in pupils[1::2] if fits(pk)]
        chosen.extend(picks[:quota])
    return chosen


def _cells(pupils, year_group, band) -> dict:
    cells = {}
    for pk in pupils:
        if band(pk) is not None:
            cells.setdefault((year_group(pk), band(pk)), []).append(pk)
    return cells


def _on_roll(school, day, stage=None):
    rows = Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day), school=school, start_date__lte=day
    )
    if stage is not None:
        rows = rows.filter(year_group__stage=stage)
    return {e.pupil_id: e for e in rows.select_related("pupil", "year_group")}


def _record(counts, school, item, today):
    done = evaluation.evaluate(item, today=today)
    counts.interventions.append((school.name, item.name, item.members.count(), done.impact.text))


def build(trust, *, seed: int, today: date) -> Counts:
    counts = Counts()
    for school in School.objects.filter(trust=trust).order_by("pk"):
        rng = random.Random(f"{seed}:interventions:{school.name}")
        if school.name == "Oakfield Primary School":
            _reading(rng, school, today, counts)
            _maths(rng, school, today, counts)
        elif school.kind == School.Kind.ALTERNATIVE_PROVISION:
            _engagement(rng, school, today, counts)
    return counts


# Oakfield: Year 3 reading catch-up, measured on the reading test --------------------------------


def _reading_sittings(school, today):
    """The latest autumn and summer reading sittings of one school year with Year 3 results."""
    definition = AssessmentDefinition.objects.filter(
        school=school, code="standardised-reading"
    ).first()
    if definition is None:
        return None, None, None
    sittings = list(
        Sitting.objects.filter(definition=definition, date__lte=today)
        .annotate(n=Count("results"))
        .filter(n__gt=0)
        .order_by("-date", "-pk")
    )
    for exit_sitting in sittings:
        earlier = [
            s
            for s in sittings
            if s.academic_year_id == exit_sitting.academic_year_id
            and (exit_sitting.date - s.date).days >= 90
        ]
        if earlier:
            return definition, earlier[0], exit_sitting
    return definition, None, None


def _reading(rng, school, today, counts):
    definition, entry_sitting, exit_sitting = _reading_sittings(school, today)
    if entry_sitting is None:
        return
    start = monday(entry_sitting.date + timedelta(days=45))
    end = monday(exit_sitting.date - timedelta(days=50)) + timedelta(days=4)
    if end < start + timedelta(weeks=4):
        start = entry_sitting.date + timedelta(days=1)
        end = exit_sitting.date - timedelta(days=1)
    at_start, at_end = _on_roll(school, start, 3), _on_roll(school, end, 3)
    scores, exits = (
        {
            r.pupil_id: r
            for r in Result.objects.filter(sitting=sitting, component="", score__isnull=False)
        }
        for sitting in (entry_sitting, exit_sitting)
    )
    ready = sorted(
        (pk for pk in scores if pk in at_start and pk in at_end and pk in exits),
        key=lambda pk: (scores[pk].score, pk),
    )
    measure = ScoreMeasure(definition)
    cells = _cells(
        ready, lambda pk: at_start[pk].year_group_id, lambda pk: measure.band(scores[pk].score)
    )
    # at or a little below the expected standard in the autumn: the group a catch-up is for
    chosen = _pick(cells, lambda pk: 80 <= scores[pk].score < 105)
    if len(chosen) < 3:
        return
    year = entry_sitting.academic_year
    ta = _staff(school, ClassStaff.Kind.TA, 3, year)
    teacher = _staff(school, ClassStaff.Kind.TEACHER, 3, year)
    item = services.create_intervention(
        school,
        by=teacher,
        staff=[u for u in (ta, teacher) if u is not None],
        name="Year 3 reading catch-up",
        kind="intervention",
        description="Small-group guided reading and fluency practice with the teaching "
        "assistant, for Year 3 readers at or just below the expected standard in the autumn.",
        start_date=start,
        end_date=end,
        sessions_per_week=3,
        minutes_per_session=30,
        cost=1200,
        cost_basis="total",
        measure_kind="test",
        definition=definition,
    )
    services.add_members(item, [at_start[pk].pupil for pk in chosen], joined=start, by=teacher)
    # What the readers earned: the summer score they would have had, moved on by the reading
    # the group did (READING_BOOST points beyond pupils who started in the same band).
    left_out = [
        pk
        for pk in scores
        if pk in at_start and pk in at_end and pk in exits and pk not in set(chosen)
    ]
    moved = {}
    for pk in left_out:
        moved.setdefault(measure.band(scores[pk].score), []).append(
            exits[pk].score - scores[pk].score
        )
    usual = sum((sum(v) for v in moved.values()), 0) / max(1, len(left_out))
    cap = definition.max_score or 145
    for pk in chosen:
        band = moved.get(measure.band(scores[pk].score)) or [usual]
        expected = sum(band) / len(band)
        target = scores[pk].score + round(expected) + READING_BOOST + rng.randint(-2, 2)
        results.record_result(
            exit_sitting,
            at_start[pk].pupil,
            by=teacher,
            score=min(cap, target),
            expected_version=exits[pk].version,
            source=Result.Source.DEMO,
        )
    _record(counts, school, item, today)


# Oakfield: Year 5 maths group, measured on objectives secured ----------------------------------


def _maths(rng, school, today, counts):
    year = school.current_year(today)
    if year is None:
        return
    if (today - year.start_date).days < 42:  # too early in the year: last year's, finished
        year = school.academic_years.filter(end_date__lt=year.start_date).order_by("-end_date")
        year = year.first()
        if year is None:
            return
    # the twelve weeks up to today (or to the end of last year): what it earned is the latest
    # news in the markbook, so nothing recorded later is overtaken by it
    until = min(today, year.end_date)
    start = monday(max(year.start_date + timedelta(days=17), until - timedelta(weeks=12)))
    end = min(year.end_date, start + timedelta(weeks=12, days=4))
    until = min(until, end)
    subject = Subject.objects.filter(
        framework__school_links__school=school, framework__code="england-primary", code="maths"
    ).first()
    if subject is None or until <= start:
        return
    stage = Stage.objects.filter(framework=subject.framework, year_stage=5).first()
    at_start, at_until = _on_roll(school, start, 5), _on_roll(school, until, 5)
    ready = [pk for pk in at_start if pk in at_until]
    measure = ObjectivesMeasure(subject, stage)
    before = measure.values({pk: Period(start, start, False) for pk in ready})
    ordered = sorted(ready, key=lambda pk: (before[pk].entry, pk))
    cells = _cells(
        ordered, lambda pk: at_start[pk].year_group_id, lambda pk: measure.band(before[pk].entry)
    )
    chosen = _pick(cells, lambda pk: True)
    if len(chosen) < 3:
        return
    teacher = _staff(school, ClassStaff.Kind.TEACHER, 5, year)
    ta = _staff(school, ClassStaff.Kind.TA, 5, year)
    item = services.create_intervention(
        school,
        by=teacher,
        staff=[u for u in (teacher, ta) if u is not None],
        name="Year 5 maths: fractions and calculation",
        kind="focus",
        description="Same-day catch-up after the maths lesson, and pre-teaching the week's "
        "fractions work, for the Year 5 pupils furthest from the year's objectives.",
        start_date=start,
        end_date=end,
        sessions_per_week=4,
        minutes_per_session=20,
        cost=45,
        cost_basis="per_pupil",
        measure_kind="objectives",
        subject=subject,
        stage=stage,
    )
    services.add_members(item, [at_start[pk].pupil for pk in chosen], joined=start, by=teacher)
    secure = (
        Grade.objects.filter(scale=subject.objective_scale(), secure=True).order_by("order").first()
    )
    ids = measure.objective_ids()
    latest = {
        (p, o): when
        for p, o, when in Judgement.objects.filter(pupil_id__in=chosen, objective_id__in=ids)
        .values("pupil_id", "objective_id")
        .annotate(when=Max("recorded_at"))
        .values_list("pupil_id", "objective_id", "when")
    }
    already = set(
        CurrentJudgement.objects.filter(
            pupil_id__in=chosen, objective_id__in=ids, grade__secure=True
        ).values_list("pupil_id", "objective_id")
    )
    objectives = {o.pk: o for o in subject.objectives.filter(pk__in=ids)}
    first = start + timedelta(days=14)
    for pk in chosen:
        gained = 0
        for objective_id in ids:
            if gained == MATHS_GAIN or (pk, objective_id) in already:
                continue
            day = first + timedelta(days=rng.randrange(max(1, (until - first).days + 1)))
            when = _moment(min(day, until))
            previous = latest.get((pk, objective_id))
            if previous is not None and previous >= when:
                when = previous + timedelta(minutes=5)
            if not start <= timezone.localtime(when).date() <= until:
                continue
            record_judgement(
                at_start[pk].pupil,
                objectives[objective_id],
                secure,
                by=teacher,
                at=when,
                source=Judgement.Source.DEMO,
                note="Secured in the Year 5 maths group",
            )
            gained += 1
    _record(counts, school, item, today)


# Riverside: engagement mentoring, measured on the weekly reviews -------------------------------

BASELINE = (Rating.RED, Rating.AMBER, Rating.AMBER, Rating.AMBER, Rating.GREEN)
IMPROVED = (Rating.AMBER, Rating.GREEN, Rating.GREEN)


def _engagement(rng, school, today, counts):
    areas = reviews.active_areas(school)
    area = next((a for a in areas if a.name == "Engagement"), areas[0] if areas else None)
    if area is None:
        return
    this_week = monday(today)
    starts = [this_week - timedelta(weeks=n) for n in (3, 4, 5, 6)]
    first_week = starts[-1] - timedelta(weeks=4)
    weeks = [first_week + timedelta(weeks=n) for n in range((this_week - first_week).days // 7)]
    rolls = {week: _on_roll(school, week) for week in weeks}
    everyone = {pk: e for roll in rolls.values() for pk, e in roll.items()}
    rater = _staff(school, ClassStaff.Kind.TEACHER, year=school.current_year(today))
    existing = {
        (r.pupil_id, r.week): r
        for r in WeeklyRating.objects.filter(area=area, pupil_id__in=list(everyone), week__in=weeks)
    }
    # weeks nobody rated yet (the weekly reviews' own demo rates a term): a usual rating each
    usual = {pk: rng.choice(BASELINE) for pk in sorted(everyone)}
    for pk in sorted(everyone):
        for week in weeks:
            if (pk, week) in existing or pk not in rolls[week]:
                continue
            rating = usual[pk] if rng.random() < 0.75 else rng.choice(BASELINE)
            saved = reviews.record_rating(
                everyone[pk].pupil, area, week, rating, expected_version=0, by=rater
            )
            existing[(pk, week)] = saved.rating
    measure = ReviewMeasure(area)

    def plan(start):
        # students on roll the week before it starts and last week: an entry and a latest value
        eligible = {
            pk: e for pk, e in rolls[start - timedelta(weeks=1)].items() if pk in rolls[weeks[-1]]
        }
        before = measure.values({pk: Period(start, start, False) for pk in eligible})
        ordered = sorted(eligible, key=lambda pk: (before[pk].entry or 0, pk))
        cohort = evaluation.cohorts(school, [e.year_group_id for e in eligible.values()])
        cells = _cells(
            ordered,
            lambda pk: cohort[eligible[pk].year_group_id],
            lambda pk: measure.band(before[pk].entry),
        )
        # students whose engagement has been mostly red or amber
        chosen = _pick(cells, lambda pk: measure.band(before[pk].entry) < 2)
        used = {key for key, pupils in cells.items() if set(pupils) & set(chosen)}
        similar = sum(len(cells[key]) for key in used) - len(chosen)
        fits = len(chosen) >= 3 and similar >= 5
        return (fits, min(len(chosen), similar), start), eligible, chosen

    # the start, of the last few weeks, that leaves most students like the members to compare
    (_, _, start), eligible, chosen = max((plan(s) for s in starts), key=lambda p: p[0])
    if len(chosen) < 3:
        return
    end = this_week + timedelta(weeks=8, days=4)
    item = services.create_intervention(
        school,
        by=rater,
        staff=[rater] if rater else [],
        name="Engagement mentoring",
        kind="intervention",
        description="A weekly mentoring session and a daily check-in, for students whose "
        "engagement has been mostly amber or red.",
        start_date=start,
        end_date=end,
        sessions_per_week=2,
        minutes_per_session=45,
        cost=900,
        cost_basis="total",
        measure_kind="review",
        review_area=area,
    )
    services.add_members(item, [eligible[pk].pupil for pk in chosen], joined=start, by=rater)
    for pk in chosen:
        for week in weeks:
            current = existing.get((pk, week))
            better = rng.choice(IMPROVED)
            if week >= start and current is not None and RANK[better] > RANK[current.rating]:
                reviews.record_rating(
                    eligible[pk].pupil,
                    area,
                    week,
                    better,
                    expected_version=current.version,
                    by=rater,
                    comment="Mentoring is helping: on task in most sessions.",
                )
    _record(counts, school, item, today)
