"""The demo's tests and checks: standardised reading and maths tests in the autumn and summer,
a Reception baseline, the phonics screening check (Year 1, and Year 2 retakes), the
multiplication tables check (Year 4), the early-years profile (Reception), CfE levels achieved
(P1, P4 and P7 in Scotland), a Year 2 reading test converted through a small norm table, and a
few dyslexia screenings of pupils with SEN.

Scores follow the teacher: a pupil's result starts from the summary judgement their teacher
made at the assessment point the sitting is linked to (or, before that point has come, the
latest one they made in the subject), moves by a lasting offset of the pupil's own (some
pupils test well, some do not) and by the luck of the day. So most pupils judged at the
expected standard score 85 to 114, most judged above it 115 or more and most judged below it
under 85, while about one in five lands in another band, which is what the comparison of tests
with teacher judgement is for. A pupil with no judgement yet (a child new to Reception) starts
from a prior leaning on their characteristics, as the assessment history does.

Every result is read by `SittingRules.derive`, exactly as the grid and imports read them, and
written with one bulk insert per sitting. Randomness comes from a generator of its own, seeded
from the demo seed and the school, so these results change nothing else the demo builds.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from nextsteps.assessment.models import SummaryJudgement
from nextsteps.curriculum.models import Grade, PupilStage
from nextsteps.lib.dates import age_in_months
from nextsteps.results import services
from nextsteps.results.comparison import grade_readings
from nextsteps.results.models import AssessmentDefinition, Result
from nextsteps.results.scoring import SittingRules
from nextsteps.schools.models import Characteristic, Enrolment, Placement, Role

# The subjects whose summary judgements a test in each area is read against, in order of
# preference (the early-years areas stand in for reading and maths before Year 1).
AREAS = {
    "reading": ("reading", "literacy"),
    "maths": ("maths", "mathematics", "numeracy"),
    "early": ("literacy", "mathematics", "communication"),
}
# Where a summary judgement puts a pupil, in standard deviations from the national average.
# "far below" is the lowest grade of a scale with more than one grade below the standard;
# "at or above" is the expected grade of a scale with nothing above it (early years, CfE).
TEACHER_Z = {"far below": -1.65, "below": -1.1, "at": 0.12, "at or above": 0.45, "above": 1.3}
PUPIL_SD = 0.35  # the lasting offset of a pupil's own in each area
DAY_SD = 0.55  # the luck of the day on one test

# Standardised scores as publishers report them.
LOWEST, HIGHEST = 55, 145

# The Reception baseline the demo schools use: their own check, marked out of 30.
BASELINE_MAX = 30
BASELINE_BANDS = [
    {"label": "Needs support", "upper": 12, "expectation": "below", "colour": "#ffbf47"},
    {"label": "Expected range", "lower": 12, "upper": 24, "expectation": "at", "colour": "#00703c"},
    {"label": "Strong start", "lower": 24, "expectation": "above", "colour": "#1d4f91"},
]

# The demo norm table (invented, not any publisher's): a reading test out of 40 for ages 6:00
# to 7:11, in three-month columns, stored month by month.
NORM_AGES = range(72, 96)
NORM_RAW = range(0, 41)
NORM_NAME = "Demo reading test, Year 2: age-standardised scores"
NORM_SOURCE = "NextSteps demo data: invented figures, not a publisher's table"

# CfE levels expected at the stages they are reported, and the level below each.
CFE_EXPECTED = {1: "EARLY", 4: "FIRST", 7: "SECOND"}
CFE_BELOW = {"EARLY": "PRE", "FIRST": "EARLY", "SECOND": "FIRST", "THIRD": "SECOND"}
# How likely a level is achieved, by the teacher's progress judgement within it.
CFE_ACHIEVED = {"SEC": 0.96, "CON": 0.8, "DEV": 0.3}
CFE_UNJUDGED = 0.72


@dataclass(frozen=True)
class Judged:
    """A teacher's summary grade: its short label and how it reads against the expected
    standard ("far below", "below", "at", "at or above" or "above"; None for a grade that
    cannot be read on its own, such as a CfE level)."""

    short_label: str
    reading: str | None


def _judged_grades(grade_ids) -> dict[int, Judged]:
    """grade id -> Judged, for the given grades, reading each against the rest of its scale:
    the lowest of several grades below the standard is "far below", and the expected grade
    of a scale with nothing above it (early years, CfE progress) is "at or above"."""
    scale_ids = set(Grade.objects.filter(pk__in=grade_ids).values_list("scale_id", flat=True))
    readings = grade_readings(scale_ids)
    scales: dict[int, list] = {}
    for grade in Grade.objects.filter(scale_id__in=scale_ids).order_by("order"):
        scales.setdefault(grade.scale_id, []).append(grade)
    out = {}
    for grades in scales.values():
        below = [g for g in grades if readings.get(g.pk) == "below"]
        above = any(readings.get(g.pk) == "above" for g in grades)
        for grade in grades:
            reading = readings.get(grade.pk)
            if reading == "below" and len(below) > 1 and grade is grades[0]:
                reading = "far below"
            elif reading == "at" and not above:
                reading = "at or above"
            out[grade.pk] = Judged(grade.short_label, reading)
    return out


@dataclass(frozen=True)
class Taker:
    """A pupil on roll on the day of a sitting."""

    pupil_id: int
    born: date
    stage: int


def _weekday(day: date) -> date:
    """The day, or the Friday before it when it falls at a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _moment(day: date, hour: int = 16) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _clip(value: float, low: int, high: int) -> int:
    return int(min(high, max(low, round(value))))


def norm_score(age_months: int, raw: int) -> int:
    """The demo norm table's standardised score for a raw mark at an age (by the three-month
    column the age falls in): the average mark rises from 14 at six to about 26 at nearly
    eight, with a spread of 7 marks."""
    column = age_months - (age_months - NORM_AGES.start) % 3
    average = 14 + 0.55 * (column - NORM_AGES.start)
    return _clip(100 + 15 * (raw - average) / 7, LOWEST, HIGHEST)


def norm_rows() -> list[dict]:
    return [
        {
            "age_years": age // 12,
            "age_months": age % 12,
            "raw": raw,
            "standardised": norm_score(age, raw),
        }
        for age in NORM_AGES
        for raw in NORM_RAW
    ]


class Results:
    """Writes the tests school by school and keeps the counts for the summary."""

    def __init__(self, seed: int, today: date):
        self.seed = seed
        self.today = today
        self.sittings = 0
        self.results = 0
        self.first_primary = True  # the first English primary also has the norm table

    def school(self, school, kind: str, roll, years: dict, current: int):
        """Tests for `school` ("england", "scotland" or "hub"), for the academic years the
        assessment history covers. `roll` is the generator's planned pupils. The first
        English primary (Oakfield) also gets the norm-table sitting and two screenings."""
        run = _SchoolRun(self, school, roll, years, current)
        if kind == "england":
            run.england(norms=self.first_primary, screen=self.first_primary)
            self.first_primary = False
        elif kind == "scotland":
            run.scotland()
        else:
            run.hub()


class _SchoolRun:
    def __init__(self, owner: Results, school, roll, years, current):
        self.owner = owner
        self.today = owner.today
        self.school = school
        self.rng = random.Random(f"{owner.seed}:results:{school.name}")
        self.years = [years[y] for y in (current - 1, current) if y in years]
        self.definitions = {
            d.code: d for d in AssessmentDefinition.objects.filter(school=school, active=True)
        }
        self.chars = {p.pupil.pk: p.chars for p in roll if p.pupil is not None}
        self.leader = self.staff(Role.Kind.ASSESSMENT_LEADER)
        self.senco = self.staff(Role.Kind.INCLUSION_MANAGER) or self.leader
        self.points = {
            year.pk: list(year.assessment_points.order_by("date")) for year in self.years
        }
        self.roll = self.enrolments()
        self.teacher: dict = {}
        self.history: dict = {}
        self.offsets: dict = {}
        self.priors: dict = {}

    # What is known about the school -------------------------------------------------------

    def staff(self, kind):
        role = (
            Role.objects.filter(school=self.school, kind=kind)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        return role.user if role else None

    def enrolments(self) -> dict:
        """academic year id -> [(pupil id, born, stage, start, end)], by pupil id."""
        out = {}
        for row in (
            Enrolment.objects.filter(school=self.school)
            .order_by("pupil_id", "start_date", "pk")
            .values_list(
                "academic_year_id",
                "pupil_id",
                "pupil__date_of_birth",
                "year_group__stage",
                "start_date",
                "end_date",
            )
        ):
            out.setdefault(row[0], []).append(row[1:])
        return out

    def on_roll(self, year, day: date, stages) -> list[Taker]:
        takers = {}
        for pupil_id, born, stage, start, end in self.roll.get(year.pk, []):
            if stage in stages and start <= day and (end is None or end >= day) and born:
                takers[pupil_id] = Taker(pupil_id, born, stage)
        return [takers[k] for k in sorted(takers)]

    def summaries(self) -> None:
        """Load each pupil's current summary judgements at the school's points:
        `teacher` maps (pupil id, subject code, point id) to a Judged, and `history` maps
        (pupil id, subject code) to [(point date, Judged)], oldest first."""
        points = [p.pk for year in self.years for p in self.points[year.pk]]
        latest = {}
        for pupil_id, code, point_id, when, grade_id in (
            SummaryJudgement.objects.filter(assessment_point_id__in=points)
            .order_by("recorded_at", "pk")
            .values_list(
                "pupil_id",
                "subject__code",
                "assessment_point_id",
                "assessment_point__date",
                "grade_id",
            )
        ):
            latest[(pupil_id, code, point_id)] = (when, grade_id)
        judged = _judged_grades({grade_id for _, grade_id in latest.values()})
        self.teacher = {key: judged[grade_id] for key, (_, grade_id) in latest.items()}
        self.history = {}
        for (pupil_id, code, _), (when, grade_id) in sorted(
            latest.items(), key=lambda item: (item[1][0], item[0])
        ):
            self.history.setdefault((pupil_id, code), []).append((when, judged[grade_id]))

    # A pupil's standing ---------------------------------------------------------------------

    def prior(self, pupil_id) -> float:
        """Where a pupil with no summary judgement yet stands, from what the school knows of
        them (lower on average with SEN, a little lower for disadvantage)."""
        if pupil_id not in self.priors:
            chars = self.chars.get(pupil_id, {})
            level = self.rng.gauss(0.3, 0.8) - (0.3 if chars.get("disadvantaged") else 0.0)
            level -= {"K": 0.8, "E": 1.5}.get(chars.get("sen", ""), 0.0)
            self.priors[pupil_id] = (level - 0.1) / 0.9
        return self.priors[pupil_id]

    def offset(self, pupil_id, area) -> float:
        key = (pupil_id, area)
        if key not in self.offsets:
            self.offsets[key] = self.rng.gauss(0, PUPIL_SD)
        return self.offsets[key]

    def judged(self, pupil_id, subject_code, point, day):
        """The grade the teacher gave in a subject at `point`, or failing that the latest they
        gave at a point on or before `day`; None when there is none."""
        found = self.teacher.get((pupil_id, subject_code, point.pk)) if point else None
        if found is not None:
            return found
        earlier = [g for when, g in self.history.get((pupil_id, subject_code), []) if when <= day]
        return earlier[-1] if earlier else None

    def standing(self, pupil_id, area, point, day) -> float:
        """Where a pupil stands in an area (standard deviations from the national average):
        what their teacher judged, or the prior, plus their own lasting offset. Reading and
        maths take the first subject judged (reading, else early-years literacy); the early
        years take the average of the areas judged."""
        base = None
        for code in AREAS[area]:
            grade = self.judged(pupil_id, code, point, day)
            if grade is None or not grade.reading:
                continue
            if area != "early":
                base = TEACHER_Z[grade.reading]
                break
            base = (base or []) + [TEACHER_Z[grade.reading]]
        if isinstance(base, list):
            base = sum(base) / len(base)
        if base is None:
            base = self.prior(pupil_id)
        return base + self.offset(pupil_id, area)

    # Writing ------------------------------------------------------------------------------

    def sitting(self, code, day, name, point=None, **extra):
        definition = self.definitions.get(code)
        if definition is None or day > self.today:
            return None
        sitting = services.create_sitting(
            definition,
            date=day,
            by=self.leader,
            name=name,
            assessment_point=point,
            **extra,
        )
        self.owner.sittings += 1
        return sitting

    def write(self, sitting, entries, by=None) -> list[Result]:
        """Read each entry (taker, values for derive) as the app reads it and insert them all
        at once."""
        rules = SittingRules.for_sitting(sitting)
        at = _moment(min(_weekday(sitting.date + timedelta(days=3)), self.today))
        rows = []
        for taker, values in entries:
            derived = rules.derive(date_of_birth=taker.born, **values)
            grade = rules.grade_for(values.get("grade"))
            rows.append(
                Result(
                    sitting=sitting,
                    pupil_id=taker.pupil_id,
                    component=values.get("component", ""),
                    raw_score=rules.number("raw_score", "raw score", values.get("raw_score")),
                    score=derived.score,
                    grade=grade,
                    age_months=derived.age_months,
                    percentile=derived.percentile,
                    band=derived.band,
                    met_threshold=derived.met_threshold,
                    source=Result.Source.DEMO,
                    recorded_by=by or self.leader,
                    recorded_at=at,
                )
            )
        Result.objects.bulk_create(rows, batch_size=500)
        self.owner.results += len(rows)
        return rows

    def standardised(self, z: float) -> int:
        return _clip(100 + 15 * (z + self.rng.gauss(0, DAY_SD)), LOWEST, HIGHEST)

    # England ------------------------------------------------------------------------------

    def england(self, *, norms: bool, screen: bool):
        self.summaries()
        phonics: dict[int, int] = {}  # pupil id -> their Year 1 mark, carried to Year 2
        for year in self.years:
            points = self.points[year.pk]
            if len(points) < 2:
                continue
            autumn, summer = points[0], points[-1]
            self.baseline(year, autumn)
            for point, season, before in ((autumn, "autumn", 21), (summer, "summer", 56)):
                day = _weekday(point.date - timedelta(days=before))
                for code, label, area in (
                    ("standardised-reading", "Reading", "reading"),
                    ("standardised-maths", "Maths", "maths"),
                ):
                    self.standardised_test(year, point, day, code, f"{label}, {season}", area)
            self.phonics_check(year, summer, phonics)
            self.tables_check(year, summer)
            self.early_years_profile(year, summer)
        if norms:
            self.norm_converted()
        if screen:
            self.screenings(stages=range(2, 7))

    def standardised_test(self, year, point, day, code, label, area):
        sitting = self.sitting(code, day, f"{label} {day.year}", point)
        if sitting is None:
            return
        entries = [
            (t, {"score": self.standardised(self.standing(t.pupil_id, area, point, day))})
            for t in self.on_roll(year, day, range(1, 7))
        ]
        self.write(sitting, entries)

    def baseline(self, year, autumn):
        definition = self.definitions.get("reception-baseline")
        day = _weekday(year.start_date + timedelta(days=20))
        if definition is None or day > self.today:
            return
        if definition.max_mark is None:
            # the school sets the baseline up for the check it uses, as the definition asks
            definition = services.update_definition(
                definition, by=self.leader, max_mark=BASELINE_MAX
            )
            services.tune_bands(definition, BASELINE_BANDS, by=self.leader)
            self.definitions[definition.code] = definition
        sitting = self.sitting(
            definition.code, day, f"Reception baseline, September {day.year}", autumn
        )
        entries = []
        for t in self.on_roll(year, day, (0,)):
            z = self.standing(t.pupil_id, "early", autumn, day) + self.rng.gauss(0, 0.3)
            entries.append((t, {"raw_score": _clip(17 + 8 * z, 0, BASELINE_MAX)}))
        self.write(sitting, entries)

    def phonics_check(self, year, summer, marks: dict):
        """Year 1 sits the check in June; Year 2 pupils who did not meet the standard in Year 1
        sit it again. A Year 1 mark from before the history is worked out the same way."""
        definition = self.definitions.get("phonics-screening-check")
        if definition is None:
            return
        day = _weekday(summer.date - timedelta(days=35))
        threshold = int(definition.threshold or 32)
        year_one = self.on_roll(year, day, (1,))
        year_two = self.on_roll(year, day, (2,))
        first = {}
        for t in year_one:
            z = self.standing(t.pupil_id, "reading", summer, day) + self.rng.gauss(0, 0.35)
            first[t.pupil_id] = _clip(36 + 6 * z, 0, 40)
        retakes = []
        for t in year_two:
            mark = marks.get(t.pupil_id)
            if mark is None:  # their Year 1 check was before the history began
                z = self.standing(t.pupil_id, "reading", summer, day) - 0.35
                mark = _clip(36 + 6 * (z + self.rng.gauss(0, 0.35)), 0, 40)
            if mark < threshold:
                retakes.append((t, _clip(mark + self.rng.gauss(7, 4), 0, 40)))
        name = f"Phonics screening check, June {day.year}"
        sitting = self.sitting(definition.code, day, name, summer)
        if sitting is None:
            return
        self.write(sitting, [(t, {"raw_score": first[t.pupil_id]}) for t in year_one])
        marks.update(first)
        if retakes:
            again = self.sitting(
                definition.code,
                day,
                f"Phonics screening check, Year 2 retakes, June {day.year}",
                summer,
            )
            self.write(again, [(t, {"raw_score": mark}) for t, mark in retakes])

    def tables_check(self, year, summer):
        day = _weekday(summer.date - timedelta(days=42))
        name = f"Multiplication tables check, June {day.year}"
        sitting = self.sitting("multiplication-tables-check", day, name, summer)
        if sitting is None:
            return
        entries = []
        for t in self.on_roll(year, day, (4,)):
            z = self.standing(t.pupil_id, "maths", summer, day) + self.rng.gauss(0, 0.35)
            entries.append((t, {"raw_score": _clip(21.5 + 5 * z, 0, 25)}))
        self.write(sitting, entries)

    def early_years_profile(self, year, summer):
        definition = self.definitions.get("eyfs-profile")
        day = _weekday(summer.date - timedelta(days=24))
        if definition is None:
            return
        sitting = self.sitting("eyfs-profile", day, f"Early years profile, June {day.year}", summer)
        if sitting is None:
            return
        grades = {g.short_label: g for g in definition.scale.grades.all()}
        entries = []
        for t in self.on_roll(year, day, (0,)):
            for component in definition.components:
                grade = self.judged(t.pupil_id, component.get("subject", ""), summer, day)
                if grade is not None:
                    share = 0.92 if grade.reading == "at or above" else 0.12
                else:
                    share = 0.85 if self.standing(t.pupil_id, "early", summer, day) > -0.6 else 0.2
                label = "EXP" if self.rng.random() < share else "EM"
                entries.append((t, {"grade": grades[label].pk, "component": component["code"]}))
        self.write(sitting, entries)

    def norm_converted(self):
        """A Year 2 reading test in the spring of the latest year that has had one, marked
        out of 40 and converted to standardised scores through the demo norm table."""
        definition = self.definitions.get("standardised-reading")
        for year in reversed(self.years):
            points = self.points[year.pk]
            if len(points) < 3:
                continue
            spring = points[1]
            day = _weekday(spring.date - timedelta(days=14))
            if definition is None or day > self.today:
                continue
            table = services.load_norm_table(
                definition, by=self.leader, rows=norm_rows(), name=NORM_NAME, source=NORM_SOURCE
            )
            sitting = self.sitting(
                definition.code,
                day,
                f"Year 2 reading (age-standardised), spring {day.year}",
                spring,
                norm_table=table,
            )
            entries = []
            for t in self.on_roll(year, day, (2,)):
                age = age_in_months(t.born, day)
                if age not in NORM_AGES:
                    continue
                wanted = self.standardised(self.standing(t.pupil_id, "reading", spring, day))
                raw = min(NORM_RAW, key=lambda r: (abs(norm_score(age, r) - wanted), r))
                entries.append((t, {"raw_score": raw}))
            self.write(sitting, entries)
            return

    def screenings(self, stages):
        """Dyslexia screening of two pupils with SEN (those with a dyslexic profile first), a
        few weeks before the latest assessment point that has passed."""
        passed = [p for year in self.years for p in self.points[year.pk] if p.date <= self.today]
        if not passed:
            return
        point = passed[-1]
        day = _weekday(point.date - timedelta(days=21))
        year = next(y for y in self.years if y.pk == point.academic_year_id)
        takers = self.with_sen(self.on_roll(year, day, stages), day)
        self.screen(takers[:2], day)

    def with_sen(self, takers, day) -> list[Taker]:
        """The takers with SEN support or a plan on `day`, a dyslexic profile or another
        learning need first."""
        need = {}
        for pupil_id, details in (
            Characteristic.objects.filter(
                pupil_id__in=[t.pupil_id for t in takers],
                kind=Characteristic.Kind.SEN,
                value__in=("K", "E"),
                start_date__lte=day,
            )
            .exclude(end_date__lt=day)
            .values_list("pupil_id", "details")
        ):
            text = details.lower()
            need[pupil_id] = 0 if "dyslexic" in text else 1 if "cognition" in text else 2
        chosen = [t for t in takers if t.pupil_id in need]
        chosen.sort(key=lambda t: (need[t.pupil_id], self.rng.random()))
        return chosen

    def screen(self, takers, day):
        if not takers:
            return
        sitting = self.sitting("dyslexia-screening", day, f"Dyslexia screening, {day:%B %Y}")
        if sitting is None:
            return
        entries = []
        for n, t in enumerate(takers):
            # the first screened shows an indication of difficulty; the others may not
            centre = 76 if n == 0 else 86
            entries.append((t, {"score": _clip(self.rng.gauss(centre, 5), LOWEST, HIGHEST)}))
        self.write(sitting, entries, by=self.senco)

    # Scotland -----------------------------------------------------------------------------

    def scotland(self):
        """CfE levels achieved in literacy (reading, writing, listening and talking) and
        numeracy, returned in June for P1, P4 and P7."""
        literacy = self.definitions.get("cfe-literacy")
        numeracy = self.definitions.get("cfe-numeracy")
        if literacy is None or numeracy is None:
            return
        self.summaries()
        grades = {g.short_label: g for g in literacy.scale.grades.all()}
        for year in self.years:
            points = self.points[year.pk]
            if not points:
                continue
            summer = points[-1]
            day = _weekday(summer.date - timedelta(days=10))
            takers = self.on_roll(year, day, tuple(CFE_EXPECTED))
            working = self.working_levels(takers, day)
            parts = [(literacy, c["code"], c.get("subject", "")) for c in literacy.components]
            parts.append((numeracy, "", "numeracy"))
            for definition in (literacy, numeracy):
                name = f"{definition.name}, June {day.year}"
                sitting = self.sitting(definition.code, day, name, summer)
                if sitting is None:
                    continue
                entries = []
                for t in takers:
                    for owner, component, subject in parts:
                        if owner is not definition:
                            continue
                        level = working.get((t.pupil_id, subject)) or CFE_EXPECTED[t.stage]
                        grade = self.judged(t.pupil_id, subject, summer, day)
                        chance = CFE_UNJUDGED
                        if grade is not None:
                            chance = CFE_ACHIEVED.get(grade.short_label, CFE_UNJUDGED)
                        if self.rng.random() >= chance:
                            level = CFE_BELOW.get(level, level)
                        entries.append((t, {"grade": grades[level].pk, "component": component}))
                self.write(sitting, entries)

    def working_levels(self, takers, day) -> dict:
        """(pupil id, subject code) -> the CfE level a pupil is tracked at, where it is not
        their stage's own."""
        out = {}
        for pupil_id, subject, level in (
            PupilStage.objects.filter(
                pupil_id__in=[t.pupil_id for t in takers],
                subject__framework__code="scotland-cfe",
                since__lte=day,
            )
            .order_by("since", "pk")
            .values_list("pupil_id", "subject__code", "stage__code")
        ):
            out[(pupil_id, subject)] = level
        return out

    # The hub ------------------------------------------------------------------------------

    def hub(self):
        """A dyslexia screening for students with SEN on placement now, those placed by the
        demo provider's organisation first, so its staff can see one."""
        if not self.years:
            return
        day = _weekday(self.today - timedelta(days=7))
        year = next((y for y in self.years if y.start_date <= day <= y.end_date), self.years[-1])
        placed = dict(
            Placement.objects.filter(
                school=self.school, start_date__lte=day, end_date__isnull=True
            ).values_list("pupil_id", "provider__name")
        )
        takers = [t for t in self.on_roll(year, day, range(0, 14)) if t.pupil_id in placed]
        takers = self.with_sen(takers, day)
        takers.sort(key=lambda t: placed[t.pupil_id] != "Northgate Academy")
        self.screen(takers[:2], day)
