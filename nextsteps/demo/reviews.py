"""The demo's weekly RAG reviews, written after targets and tracking: at every alternative-
provision centre of the trust (Riverside Learning Hub), the usual five areas and the last
twelve term-time weeks of ratings for every student on roll, this week left empty to try the
weekly screen. Most students are steady with the odd blip; about one in six has been
deteriorating for the last four to six weeks (one more area a step lower each week), about one
in six recovering the same way, and the rest up and down. Red ratings always have a comment,
others now and then. Each past week's provider updates are made as the sending command makes
them, and recorded as sent at the due time (no mail leaves the demo).

Ratings are written in bulk (they are history, as an import would load them), the updates
through nextsteps.reviews.updates. Randomness comes from its own generator, seeded from the
demo seed and the school, so adding this leaves the rest of the demo unchanged."""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from nextsteps.reviews import services, updates
from nextsteps.reviews.models import UpdateDelivery, WeeklyRating
from nextsteps.reviews.weeks import WEEK, monday_of, week_end
from nextsteps.schools.models import ClassStaff, Enrolment, Role, School, Term

WEEKS = 12
LETTERS = ("R", "A", "G")
STEADY, FALLING, RECOVERING, UNSETTLED = "steady", "deteriorating", "recovering", "unsettled"
PATTERNS = ((STEADY, 8), (FALLING, 2), (RECOVERING, 2), (UNSETTLED, 1))

# A few words a member of staff might write, by area (in the usual five's order) and rating.
COMMENTS = {
    0: {
        "R": ("Refused written work most of the week", "Would not open the reading book"),
        "A": ("Read aloud in a small group twice", "Some written work with a scribe"),
        "G": ("Finished the week's reading log", "Wrote a full paragraph unaided"),
    },
    1: {
        "R": ("Did not attempt the numeracy sessions", "Walked out of maths twice"),
        "A": ("Managed half of each numeracy session", "Times tables practice with support"),
        "G": ("Completed the money unit", "Worked through fractions independently"),
    },
    2: {
        "R": ("Disengaged from most sessions", "Spent long periods in the calm room"),
        "A": ("Joined in when working one to one", "Good mornings, hard afternoons"),
        "G": ("Took part in every session", "Led the group discussion on Thursday"),
    },
    3: {
        "R": ("Two removals from lessons this week", "Verbal abuse towards staff on Tuesday"),
        "A": ("One incident, resolved with restorative conversation", "Used the calm card"),
        "G": ("No incidents this week", "Helped a new student settle in"),
    },
    4: {
        "R": ("Attended two days of five", "Absent from Monday; no contact from home"),
        "A": ("Late three mornings", "Attended four days of five"),
        "G": ("Full attendance", "On time every day"),
    },
}


@dataclass
class ReviewCounts:
    areas: int = 0
    ratings: int = 0
    weeks: int = 0
    patterns: dict = field(default_factory=dict)
    updates: int = 0
    emails: int = 0

    def line(self) -> str:
        if not self.ratings:
            return "Weekly reviews: none (no alternative-provision centre in the trust)"
        shape = ", ".join(f"{n} {name}" for name, n in sorted(self.patterns.items()))
        return (
            f"Weekly reviews: {self.areas} areas, {self.ratings:,} ratings over {self.weeks} "
            f"weeks ({shape}), {self.updates} provider updates recorded as sent "
            f"({self.emails} emails)"
        )


def build(trust, *, seed: int, today) -> ReviewCounts:
    """Areas, weekly ratings and past provider updates at each of the trust's centres."""
    counts = ReviewCounts()
    centres = School.objects.filter(trust=trust, kind=School.Kind.ALTERNATIVE_PROVISION)
    for school in centres.order_by("pk"):
        rng = random.Random(f"{seed}:reviews:{school.name}")
        _school(rng, school, today, counts)
    return counts


def _term_weeks(school, today) -> list:
    """The last WEEKS weeks before this one whose Monday falls in a term, looking no more than
    twenty weeks back (so a demo built in September has last summer's few weeks too)."""
    terms = list(
        Term.objects.filter(academic_year__school=school).values_list("start_date", "end_date")
    )
    weeks, week = [], monday_of(today) - WEEK
    while len(weeks) < WEEKS and week > monday_of(today) - WEEK * 20:
        if any(start <= week <= end for start, end in terms):
            weeks.append(week)
        week -= WEEK
    return sorted(weeks)


def _walk(rng, pattern: str, areas: int, weeks: int) -> list[list[int]]:
    """Ranks (0 Red, 1 Amber, 2 Green) for each week and area, oldest week first."""
    if pattern == RECOVERING:
        base = [rng.choice((0, 0, 1)) for _ in range(areas)]
    else:
        base = [rng.choice((1, 2, 2)) for _ in range(areas)]
    turn = weeks - rng.randint(4, 6)  # the week the fall or the recovery begins
    order = rng.sample(range(areas), areas)
    current = list(base)
    out = []
    for week in range(weeks):
        if pattern == FALLING and week >= turn:
            # one more area a step lower each week: the average falls every week
            for area in order[(week - turn) % areas :] + order[: (week - turn) % areas]:
                if current[area] > 0:
                    current[area] -= 1
                    break
            ranks = list(current)
        elif pattern == RECOVERING and week >= turn:
            for area in order[(week - turn) % areas :] + order[: (week - turn) % areas]:
                if current[area] < 2:
                    current[area] += 1
                    break
            ranks = list(current)
        elif pattern == UNSETTLED:
            ranks = [min(2, max(0, r + rng.choice((-1, 0, 0, 1)))) for r in base]
        elif pattern == STEADY:
            # with a one-week blip now and then
            ranks = [
                min(2, max(0, r + (rng.choice((-1, 1)) if rng.random() < 0.08 else 0)))
                for r in current
            ]
        else:
            ranks = list(current)  # settled until the fall or the recovery begins
        out.append(ranks)
    return out


def _recorders(school) -> dict:
    """Class id -> the staff who rate its students (teacher and teaching assistant)."""
    found: dict = {}
    for link in ClassStaff.objects.filter(school_class__school=school).order_by("kind", "id"):
        found.setdefault(link.school_class_id, []).append(link.user)
    return found


def _school(rng, school, today, counts):
    areas = services.active_areas(school)
    weeks = _term_weeks(school, today)
    if not areas or not weeks:
        return
    counts.areas += len(areas)
    counts.weeks = max(counts.weeks, len(weeks))
    head = Role.objects.filter(school=school, kind=Role.Kind.HEAD).order_by("id").first()
    fallback = [head.user] if head else [None]
    recorders = _recorders(school)
    enrolments = (
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=weeks[0]),
            school=school,
            start_date__lte=week_end(weeks[-1]),
        )
        .select_related("pupil")
        .order_by("pupil_id", "start_date")
    )
    spans: dict = {}
    for e in enrolments:
        spans.setdefault(e.pupil_id, []).append(e)
    names, weights = zip(*PATTERNS, strict=True)
    rows = []
    for pupil_id in sorted(spans):
        pattern = rng.choices(names, weights)[0]
        ranks = _walk(rng, pattern, len(areas), len(weeks))
        rated = False
        for i, week in enumerate(weeks):
            enrolment = next(
                (
                    e
                    for e in spans[pupil_id]
                    if e.start_date <= week_end(week) and (e.end_date is None or e.end_date >= week)
                ),
                None,
            )
            if enrolment is None:
                continue
            staff = recorders.get(enrolment.school_class_id) or fallback
            for index, area in enumerate(areas):
                letter = LETTERS[ranks[i][index]]
                pool = COMMENTS.get(index, {}).get(letter, ())
                wants_comment = letter == "R" or rng.random() < 0.25
                rows.append(
                    WeeklyRating(
                        pupil_id=pupil_id,
                        area=area,
                        week=week,
                        rating=letter,
                        comment=rng.choice(pool) if pool and wants_comment else "",
                        recorded_by=rng.choice(staff),
                    )
                )
                rated = True
        if rated:
            counts.patterns[pattern] = counts.patterns.get(pattern, 0) + 1
    WeeklyRating.objects.bulk_create(rows, batch_size=1000)
    counts.ratings += len(rows)
    for week in weeks:
        # recorded on the Friday afternoon of their week, as staff would
        moment = timezone.make_aware(datetime.combine(week + timedelta(days=4), time(14, 10)))
        WeeklyRating.objects.filter(area__school=school, week=week).update(
            recorded_at=moment, updated_at=moment
        )
    _past_updates(school, weeks, counts)


def _past_updates(school, weeks, counts):
    """Each week's updates, made at the due time and recorded as sent two minutes later."""
    for week in weeks:
        due = updates.due_moment(school, week)
        for provider in updates.providers_for(school, week):
            update, created = updates.make_update(school, provider, week, now=due)
            if update is None or not created:
                continue
            counts.updates += 1
            sent = due + timedelta(minutes=2)
            counts.emails += UpdateDelivery.objects.filter(update=update).update(
                status=UpdateDelivery.Status.SENT, attempts=1, claimed_at=sent, sent_at=sent
            )
