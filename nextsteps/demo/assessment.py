"""The demo's assessment history: frameworks adopted, two academic years of objective
judgements, summary judgements at every assessment point already passed, recent lessons with
traffic-light feedback and learner conversations.

Each pupil gets a latent attainment (lower on average for SEN, a little lower for
disadvantage) and a yearly progress rate: most improve, about one in ten stall and a few fall
back. Teachers work up each stage's ladder through the year, judge an objective when they teach
it and often revisit it weeks later, so cells move from Not yet / Developing towards Secure /
Mastery as the year goes on. Summary judgements are made at each point from the evidence at
that date (summary.suggest_summary), mostly accepted and now and then moved one grade.

Randomness comes from its own generator, seeded from the demo seed and the school, so adding
this history leaves the people the rest of the demo builds unchanged.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from nextsteps.assessment import lessons, summary
from nextsteps.assessment.bulk import HistoryEvent, SummaryRow, import_history, import_summaries
from nextsteps.assessment.models import Feedback, Judgement
from nextsteps.curriculum import services as curriculum
from nextsteps.curriculum.models import Framework, Objective
from nextsteps.schools.models import ClassStaff, Enrolment

# Which shipped frameworks each kind of school uses.
ENGLAND = ("england-primary", "early-years")
SCOTLAND = ("scotland-cfe",)
HUB = ("alternative-provision",)
# The subjects lessons are taught in, by framework.
LESSON_SUBJECTS = {
    "england-primary": ("maths", "reading"),
    "early-years": ("mathematics", "literacy"),
    "scotland-cfe": ("numeracy", "reading"),
    "alternative-provision": ("functional-numeracy", "functional-literacy"),
}
# Curriculum for Excellence levels span several years: (level, first P stage, last P stage).
CFE_LEVELS = (("EARLY", 1, 1), ("FIRST", 2, 4), ("SECOND", 5, 7))
# Where a pupil's working level falls between grades, by the size of the scale (lowest first).
CUTS = {2: (-0.2,), 3: (-0.9, -0.1), 4: (-1.3, -0.5, 1.7)}
WENT_WELL = (
    "You explained your thinking clearly and checked your answer.",
    "You kept going when it got tricky and asked a good question.",
    "You used the success criteria to improve your work.",
    "You worked well with your partner and shared your ideas.",
)
NEXT_STEPS = (
    "Next: {statement}",
    "Practise this at home: {statement}",
    "Let's work on this together next week: {statement}",
)


@dataclass
class Learner:
    """A pupil's hidden profile: where they start and how fast they move (per year)."""

    pupil: object
    stages: dict  # academic year start -> year-group stage
    level: float
    rate: float
    sen: str = ""
    below: int = 0  # stages below their year they are tracked at (SEN)
    working: dict = field(default_factory=dict)  # (year start, framework code) -> Stage

    def at(self, when: date, origin: date) -> float:
        return self.level + self.rate * (when - origin).days / 365


class History:
    """Writes the assessment history school by school and keeps the counts for the summary."""

    def __init__(self, seed: int, today: date):
        self.seed = seed
        self.today = today
        self.judgements = 0
        self.summaries = 0
        self.lessons = 0
        self.feedback = 0
        self.conversations = 0
        self.frameworks = {
            code: Framework.objects.filter(code=code, school__isnull=True, trust__isnull=True)
            .order_by("-version")
            .first()
            for code in (*ENGLAND, *SCOTLAND, *HUB)
        }

    # Entry points ---------------------------------------------------------------------------

    def school(self, school, kind: str, roll, years: dict, current: int):
        """History for `school` ("england", "scotland" or "hub"). `roll` is the generator's
        planned pupils (with .pupil, .stages and .chars); `years` maps start year to
        AcademicYear."""
        rng = random.Random(f"{self.seed}:{school.name}")
        codes = {"england": ENGLAND, "scotland": SCOTLAND, "hub": HUB}[kind]
        frameworks = [self.frameworks[c] for c in codes if self.frameworks.get(c)]
        for framework in frameworks:
            curriculum.adopt_framework(school, framework)
        plans = {f.code: _Plan(f) for f in frameworks}
        history_years = [y for y in (current - 1, current) if y in years]
        origin = years[history_years[0]].start_date
        learners = [self.learner(rng, p, kind) for p in roll]
        learners = [
            x for x in learners if any(y in x.stages for y in history_years) and x.pupil is not None
        ]
        spans = self.spans(learners, history_years)
        teachers = self.teachers(school, years)
        for year_start in history_years:
            year = years[year_start]
            in_year = [x for x in learners if year_start in x.stages]
            events = []
            for x in in_year:
                start, end = spans[(x.pupil.pk, year_start)]
                self.place(rng, x, year_start, year, plans, kind, start)
                teacher = teachers.get((year_start, x.pupil.pk))
                for code, stage in x.working.items():
                    if code[0] != year_start:
                        continue
                    plan = plans[code[1]]
                    events.extend(
                        self.events(rng, x, plan, stage, year, start, end, origin, teacher)
                    )
            self.write_year(rng, year, in_year, events, plans, current, teachers)
        self.recent_lessons(rng, school, years.get(current), learners, plans, origin, kind)

    # Pupils ---------------------------------------------------------------------------------

    def learner(self, rng, p, kind) -> Learner:
        sen = p.chars.get("sen", "")
        level = rng.gauss(0.3, 0.8)
        if p.chars.get("disadvantaged"):
            level -= 0.3
        level -= {"K": 0.8, "E": 1.5}.get(sen, 0.0)
        roll = rng.random()
        if roll < 0.10:
            rate = rng.gauss(0.0, 0.05)  # stalling
        elif roll < 0.14:
            rate = rng.gauss(-0.3, 0.1)  # falling back
        else:
            rate = max(0.05, rng.gauss(0.45, 0.2))
        below = 0
        if kind != "hub" and (
            (sen == "E" and rng.random() < 0.8) or (sen == "K" and rng.random() < 0.3)
        ):
            below = 2 if sen == "E" and rng.random() < 0.4 else 1
        return Learner(p.pupil, dict(p.stages), level, rate, sen, below)

    def spans(self, learners, history_years) -> dict:
        """(pupil id, year start) -> the dates the pupil was on roll that year, to today."""
        spans = {}
        for e in Enrolment.objects.filter(pupil_id__in=[x.pupil.pk for x in learners]).values(
            "pupil_id", "academic_year__start_date", "start_date", "end_date"
        ):
            key = (e["pupil_id"], e["academic_year__start_date"].year)
            end = min(e["end_date"] or self.today, self.today)
            spans[key] = (e["start_date"], end)
        return spans

    def teachers(self, school, years) -> dict:
        """(year start, pupil id) -> the pupil's class teacher that year, and (year start,
        class id) -> teacher."""
        by_class = {
            link.school_class_id: link.user
            for link in ClassStaff.objects.filter(
                school_class__school=school, kind=ClassStaff.Kind.TEACHER
            ).select_related("user")
        }
        out = {}
        for e in Enrolment.objects.filter(school=school, school_class__isnull=False).values(
            "pupil_id", "school_class_id", "academic_year__start_date"
        ):
            out[(e["academic_year__start_date"].year, e["pupil_id"])] = by_class.get(
                e["school_class_id"]
            )
        return out

    def place(self, rng, x: Learner, year_start, year, plans, kind, start):
        """Decide the stage the pupil is tracked at in each framework this year, and record a
        working stage where it is not simply their year's."""
        stage_no = x.stages[year_start]
        for code, plan in plans.items():
            if code == "early-years":
                if stage_no == 0:
                    x.working[(year_start, code)] = plan.by_year.get(0)
                continue
            if code == "england-primary":
                if stage_no < 1:
                    continue
                target = max(1, stage_no - x.below)
                stage = plan.by_year.get(target)
                x.working[(year_start, code)] = stage
                if target != stage_no:
                    self.set_stage(x, plan, stage, year, "Working at an earlier stage (SEN)")
            elif code == "scotland-cfe":
                index = next(i for i, (_, lo, hi) in enumerate(CFE_LEVELS) if lo <= stage_no <= hi)
                index = max(0, index - (1 if x.below and stage_no > 2 else 0))
                stage = plan.by_code[CFE_LEVELS[index][0]]
                x.working[(year_start, code)] = stage
                if stage.year_stage != stage_no:  # P1, P4 and P7 are at their level already
                    self.set_stage(x, plan, stage, year, "Working within this level")
            else:  # the hub: placed on the ladder by where the student is
                cuts = (-1.0, -0.3, 0.5)
                index = sum(x.level > c for c in cuts)
                stage = plan.stages[min(index, len(plan.stages) - 1)]
                x.working[(year_start, code)] = stage
                self.set_stage(
                    x, plan, stage, year, "Placed after the baseline assessment", since=start
                )

    def set_stage(self, x, plan, stage, year, reason, since=None):
        for subject in plan.subjects:
            curriculum.set_working_stage(
                x.pupil, subject, stage, since=since or year.start_date, reason=reason
            )

    # Judgements -----------------------------------------------------------------------------

    def events(self, rng, x, plan, stage, year, start, end, origin, teacher):
        """Judgements for one pupil, one framework and one year, dated as they were made."""
        out = []
        first_day = year.start_date + timedelta(days=10)
        last_day = year.end_date - timedelta(days=40)
        baseline = plan.framework.code == "alternative-provision"
        if baseline:
            # a placement works through its stage in about four months from the start
            first_day = start + timedelta(days=7)
            last_day = min(last_day, first_day + timedelta(days=120))
        window = (last_day - first_day).days
        by = teacher.pk if teacher else None
        for subject in plan.subjects:
            ladder = plan.ladder(subject, stage, x.stages[year.start_date.year])
            grades = plan.grades[subject.pk]
            for i, objective in enumerate(ladder):
                taught = first_day + timedelta(
                    days=int(window * (i + 0.5) / len(ladder)) + rng.randint(-6, 6)
                )
                if baseline and objective.key:
                    # the hub's baseline assessment judges the key objectives in the first week
                    taught = start + timedelta(days=rng.randint(1, 6))
                if taught < start or taught > end:
                    continue
                working = x.at(taught, origin) + 0.9 * (x.below or 0) + rng.gauss(0, 0.55)
                index = _grade_index(working, len(grades))
                out.append(_event(x, objective, grades[index], taught, by, rng))
                if rng.random() < 0.04 and index + 1 < len(grades):
                    # a slip corrected the same afternoon
                    out.append(_event(x, objective, grades[index + 1], taught, by, rng, 1))
                    index += 1
                # revisited in a later lesson: consolidation moves many cells up a grade
                revisit = taught + timedelta(days=rng.randint(20, 90))
                if revisit <= min(end, last_day) and rng.random() < 0.7:
                    again = x.at(revisit, origin) + 0.9 * (x.below or 0) + rng.gauss(0.45, 0.5)
                    better = _grade_index(again, len(grades))
                    if better > index:
                        out.append(_event(x, objective, grades[better], revisit, by, rng))
                    elif x.rate < -0.1 and index > 0 and rng.random() < 0.3:
                        out.append(_event(x, objective, grades[index - 1], revisit, by, rng))
        return out

    def write_year(self, rng, year, in_year, events, plans, current, teachers):
        """Write the year's judgements in date order, stopping at each assessment point that
        has passed to make the summary judgements from the evidence as it stood then."""
        events.sort(key=lambda e: e.recorded_at)
        points = [p for p in year.assessment_points.order_by("date") if p.date <= self.today]
        year_start = year.start_date.year
        pupils = {
            code: [x.pupil for x in in_year if x.working.get((year_start, code))] for code in plans
        }
        done = 0
        for point in points:
            cutoff = _moment(point.date, 23, 59)
            upto = done
            while upto < len(events) and events[upto].recorded_at <= cutoff:
                upto += 1
            self.judgements += import_history(events[done:upto], source=Judgement.Source.DEMO)
            done = upto
            for code, plan in plans.items():
                for subject in plan.subjects:
                    if pupils[code]:
                        self.summarise(rng, pupils[code], subject, point, teachers)
        self.judgements += import_history(events[done:], source=Judgement.Source.DEMO)
        if year.start_date.year < current:
            for point in points:
                summary.lock_point(point, by=None)

    def summarise(self, rng, pupils, subject, point, teachers):
        grades = list(subject.point_scale().grades.order_by("order"))
        at = _moment(point.date, 16, 30)
        rows = []
        for pupil_id, row in summary.suggest_summary(pupils, subject, point).items():
            if row.suggested_grade is None:
                continue
            index = grades.index(row.suggested_grade)
            note = ""
            if rng.random() < 0.12:
                moved = min(max(index + rng.choice((-1, 1)), 0), len(grades) - 1)
                if moved != index:
                    index = moved
                    note = "Adjusted by the class teacher after moderation."
            rows.append(
                SummaryRow(
                    pupil_id=pupil_id,
                    grade_id=grades[index].pk,
                    suggested_id=row.suggested_grade.pk,
                    recorded_by_id=getattr(
                        teachers.get((point.academic_year.start_date.year, pupil_id)), "pk", None
                    ),
                    recorded_at=at,
                    note=note,
                )
            )
        self.summaries += import_summaries(subject, point, rows)

    # Lessons --------------------------------------------------------------------------------

    def recent_lessons(self, rng, school, year, learners, plans, origin, kind):
        """Five recent lessons per class with a teacher light for every pupil (and the pupil's
        own for older pupils), and a few learner conversations with next steps."""
        if year is None or self.today < year.start_date + timedelta(days=14):
            return
        days = []
        day = min(self.today, year.end_date) - timedelta(days=1)
        while len(days) < 5:
            if day.weekday() < 5:
                days.append(day)
            day -= timedelta(days=1)
        days.reverse()
        by_pupil = {x.pupil.pk: x for x in learners if year.start_date.year in x.stages}
        classes = {}
        for e in Enrolment.objects.filter(
            academic_year=year, school_class__isnull=False, end_date__isnull=True
        ).select_related("school_class"):
            if e.pupil_id in by_pupil:
                classes.setdefault(e.school_class, []).append(by_pupil[e.pupil_id])
        teachers = {
            link.school_class_id: link.user
            for link in ClassStaff.objects.filter(
                school_class__in=list(classes), kind=ClassStaff.Kind.TEACHER
            ).select_related("user")
        }
        for school_class, members in sorted(classes.items(), key=lambda item: item[0].name):
            teacher = teachers.get(school_class.pk)
            sample = members[0]
            key = next(
                (k for k in sample.working if k[0] == year.start_date.year and sample.working[k]),
                None,
            )
            if key is None:
                continue
            plan = plans[key[1]]
            stage_no = sample.stages[year.start_date.year]
            stage = plan.expected_stage(stage_no) or sample.working[key]
            subjects = [plan.subject(code) for code in LESSON_SUBJECTS[plan.framework.code]]
            subjects = [s for s in subjects if s is not None]
            older = kind == "hub" or stage_no >= (4 if kind == "scotland" else 3)
            for n, day in enumerate(days):
                subject = subjects[n % len(subjects)]
                ladder = plan.ladder(subject, stage, stage_no)
                if not ladder:
                    continue
                length = max(1, (year.end_date - year.start_date).days)
                share = (day - year.start_date).days / length
                objective = ladder[min(int(share * len(ladder)), len(ladder) - 1)]
                lesson = lessons.create_lesson(
                    school_class,
                    date=day,
                    title=f"{subject.name}: {objective.code}",
                    learning_intention=objective.pupil_statement or objective.statement,
                    objectives=[objective],
                    by=teacher,
                )
                self.lessons += 1
                at = _moment(day, 15, 20)
                for x in members:
                    level = x.at(day, origin) + 0.9 * x.below + rng.gauss(0, 0.7)
                    light = _light(level)
                    lessons.record_feedback(
                        lesson, x.pupil, kind=Feedback.Kind.TEACHER, light=light, by=teacher, at=at
                    )
                    self.feedback += 1
                    if older and rng.random() < 0.9:
                        mine = _light(level + rng.gauss(0.3, 0.5))
                        lessons.record_feedback(
                            lesson, x.pupil, kind=Feedback.Kind.SELF, light=mine, by=None, at=at
                        )
                        self.feedback += 1
            for x in rng.sample(members, min(3, len(members))):
                subject = rng.choice(subjects)
                ladder = plan.ladder(subject, x.working.get(key) or stage, stage_no)
                if not ladder:
                    continue
                target = ladder[rng.randrange(len(ladder))]
                lessons.record_conversation(
                    x.pupil,
                    date=rng.choice(days),
                    by=teacher,
                    subject=subject,
                    went_well=rng.choice(WENT_WELL),
                    next_steps=rng.choice(NEXT_STEPS).format(
                        statement=target.pupil_statement or target.statement
                    ),
                )
                self.conversations += 1


class _Plan:
    """A framework's stages, subjects, ladders and grades, read once."""

    def __init__(self, framework):
        self.framework = framework
        self.stages = list(framework.stages.order_by("order"))
        self.by_year = {s.year_stage: s for s in self.stages if s.year_stage is not None}
        self.by_code = {s.code: s for s in self.stages}
        self.subjects = list(
            framework.subjects.select_related("judgement_scale", "summary_scale").order_by(
                "order", "name"
            )
        )
        self.objectives = {}
        for o in (
            Objective.objects.active()
            .filter(subject__framework=framework)
            .order_by("stage__order", "order", "pk")
        ):
            self.objectives.setdefault((o.subject_id, o.stage_id), []).append(o)
        self.grades = {
            s.pk: list(s.objective_scale().grades.order_by("order")) for s in self.subjects
        }

    def subject(self, code):
        return next((s for s in self.subjects if s.code == code), None)

    def expected_stage(self, stage_no):
        if self.framework.code == "scotland-cfe":
            for code, lo, hi in CFE_LEVELS:
                if lo <= stage_no <= hi:
                    return self.by_code.get(code)
        return self.by_year.get(stage_no)

    def ladder(self, subject, stage, stage_no) -> list:
        """The objectives taught this year: the stage's ladder, or for a CfE level spread over
        several years, this year's share of it."""
        ladder = self.objectives.get((subject.pk, stage.pk), [])
        if self.framework.code != "scotland-cfe":
            return ladder
        for code, lo, hi in CFE_LEVELS:
            if code == stage.code and lo <= stage_no <= hi and hi > lo:
                span = hi - lo + 1
                part = stage_no - lo
                return ladder[len(ladder) * part // span : len(ladder) * (part + 1) // span]
        return ladder


def _grade_index(level: float, size: int) -> int:
    cuts = CUTS.get(size) or tuple(-1.2 + 2.6 * (i + 1) / size for i in range(size - 1))
    return sum(level > c for c in cuts)


def _light(level: float) -> str:
    if level < -0.8:
        return Feedback.Light.RED
    if level < 0.2:
        return Feedback.Light.AMBER
    return Feedback.Light.GREEN


def _moment(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _event(x, objective, grade, day, by, rng, later: int = 0) -> HistoryEvent:
    # weekends are for rest: a judgement dated on one moves to the Friday before
    day = day - timedelta(days=max(0, day.weekday() - 4))
    # a correction comes later the same afternoon than the slip it corrects
    minute = (17 * 60 + rng.randrange(0, 30)) if later else (15 * 60 + rng.randrange(0, 90))
    return HistoryEvent(
        pupil_id=x.pupil.pk,
        objective_id=objective.pk,
        grade_id=grade.pk,
        recorded_at=_moment(day, minute // 60, minute % 60),
        recorded_by_id=by,
    )
