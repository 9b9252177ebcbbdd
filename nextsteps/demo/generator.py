"""The demo data set: a trust with English primaries, a Scottish primary and an
alternative-provision hub, with staff in every role, pupils with realistic characteristics,
parents and carers, providers and their placements, and last year's records.

Everything is written through the service functions in nextsteps.schools.services, so the demo
exercises the same rules (and the same audit log) as real use. The same seed and options always
give the same people, names and UPNs.
"""

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from nextsteps.accounts.models import User
from nextsteps.audit.context import acting_as
from nextsteps.lib.dates import academic_year_start
from nextsteps.lib.upn import make_upn
from nextsteps.schools import services
from nextsteps.schools.models import Group, Placement, Provider, Role, School, Trust

from . import alerts, interventions, names, reviews, support
from .assessment import History
from .results import Results
from .tracking import build as build_tracking

DEFAULT_SEED = 2718
DEMO_PASSWORD = "nextsteps-demo"
TRUST_NAME = "Brightpath Learning Trust"
TRUST_DOMAIN = "brightpath.example"

# The well-known sign-ins, printed by `nextsteps demo`. All share DEMO_PASSWORD.
WELL_KNOWN = (
    ("Headteacher (Oakfield)", "head@oakfield.example"),
    ("Assessment leader (Oakfield)", "leader@oakfield.example"),
    ("Inclusion manager / SENCo (Oakfield)", "senco@oakfield.example"),
    ("Class teacher, Year 3 Oak", "teacher@oakfield.example"),
    ("Teaching assistant, Year 3 Oak", "ta@oakfield.example"),
    ("Governor (Oakfield)", "governor@oakfield.example"),
    ("Parent (children in Years 5 and 6, Oakfield)", "parent@oakfield.example"),
    ("Pupil (Year 6, Oakfield)", "pupil@oakfield.example"),
    ("Provider staff (Northgate Academy)", "provider@northgate.example"),
    ("Trust officer (Brightpath)", "trust@brightpath.example"),
    ("Headteacher (Glenburn, Scotland)", "head@glenburn.example"),
    ("Headteacher (Riverside Learning Hub)", "head@riverside.example"),
)

PRIMARIES = (
    ("Oakfield Primary School", "oakfield"),
    ("Brookside Primary School", "brookside"),
    ("St Aidan's CE Primary School", "staidans"),
    ("Hollybank Primary School", "hollybank"),
    ("Kingsmead Primary Academy", "kingsmead"),
    ("Millbrook Primary School", "millbrook"),
    ("Ashgrove Primary School", "ashgrove"),
    ("Fernhill Primary School", "fernhill"),
)
ENGLISH_CLASSES = {
    0: "Reception Acorn",
    1: "Year 1 Ash",
    2: "Year 2 Birch",
    3: "Year 3 Oak",
    4: "Year 4 Willow",
    5: "Year 5 Maple",
    6: "Year 6 Cedar",
}
SCOTTISH_CLASSES = {
    1: "P1 Heather",
    2: "P2 Thistle",
    3: "P3 Rowan",
    4: "P4 Bracken",
    5: "P5 Hazel",
    6: "P6 Juniper",
    7: "P7 Pine",
}

# Shares of pupils with each characteristic. Primary figures are close to England's national
# ones; an alternative-provision centre serves far more pupils with SEN and in care.
PRIMARY_RATES = {
    "disadvantaged": 0.25,
    "fsm_of_disadvantaged": 0.85,
    "sen_k": 0.15,
    "sen_e": 0.03,
    "eal": 0.20,
    "looked_after": 0.01,
    "child_in_need": 0.03,
    "service_child": 0.01,
}
AP_RATES = {
    "disadvantaged": 0.60,
    "fsm_of_disadvantaged": 0.80,
    "sen_k": 0.40,
    "sen_e": 0.20,
    "eal": 0.07,
    "looked_after": 0.10,
    "child_in_need": 0.15,
    "service_child": 0.0,
}

# (name, kind, domain, report frequency, report format, share of the hub's students)
PROVIDERS = (
    ("Northgate Academy", Provider.Kind.SCHOOL, "northgate.example", "weekly", "pdf", 8),
    (
        "Eastmoor Council Inclusion Service",
        Provider.Kind.LOCAL_AUTHORITY,
        "eastmoor.example",
        "fortnightly",
        "email",
        7,
    ),
    (
        "Eastmoor Virtual School",
        Provider.Kind.VIRTUAL_SCHOOL,
        "virtualschool.example",
        "half_termly",
        "docx",
        5,
    ),
    (
        "Pathways Education Partnership",
        Provider.Kind.AGENCY,
        "pathways.example",
        "weekly",
        "html",
        5,
    ),
    ("St Mary's Catholic High School", Provider.Kind.SCHOOL, "stmarys.example", "termly", "pdf", 5),
)
PLACEMENT_REASONS = (
    "At risk of permanent exclusion; a fresh start in a smaller setting.",
    "Anxiety-related school avoidance; part-time timetable building to full time.",
    "Awaiting a specialist place named in the EHC plan.",
    "Medical needs: unable to attend mainstream school full time.",
    "Managed move agreed at the fair access panel.",
    "Reintegration programme after a period out of education.",
)


@dataclass(frozen=True)
class Login:
    role: str
    username: str
    password: str = DEMO_PASSWORD


# Built after targets, in this order: weekly RAG history, the SEN register and plans,
# interventions, then the alert sweep over all of it.
LATER_STAGES = (reviews, support, interventions, alerts)


@dataclass
class DemoSummary:
    seed: int
    schools: list[str] = field(default_factory=list)
    pupils: int = 0
    staff: int = 0
    parents: int = 0
    pupil_sign_ins: int = 0
    providers: int = 0
    placements: int = 0
    academic_years: list[str] = field(default_factory=list)
    logins: list[Login] = field(default_factory=list)
    judgements: int = 0
    summary_judgements: int = 0
    lessons: int = 0
    feedback: int = 0
    conversations: int = 0
    sittings: int = 0
    results: int = 0
    tracking: object = None  # demo.tracking.TrackingCounts
    later: list = field(default_factory=list)  # counts from LATER_STAGES, each with line()

    def assessment_line(self) -> str:
        return (
            f"{self.judgements:,} judgements, {self.summary_judgements:,} summary judgements, "
            f"{self.lessons:,} lessons with {self.feedback:,} pieces of feedback, "
            f"{self.conversations:,} learner conversations, "
            f"{self.results:,} test results in {self.sittings:,} sittings"
        )


@dataclass
class PlannedPupil:
    """A pupil before it is written: the generator plans a whole school first so that families,
    characteristics and the well-known sign-ins can be chosen with the whole roll in view."""

    sex: str
    first: str
    middle: str
    preferred: str
    born: date
    stages: dict  # academic year start -> stage
    leaves: date | None = None
    chars: dict = field(default_factory=dict)
    family: "Family | None" = None
    upn: str | None = None
    sign_in: str = ""
    pupil: object = None


@dataclass
class Family:
    surname: str
    guardians: list = field(default_factory=list)  # dicts for services.add_guardian
    children: list = field(default_factory=list)
    login: str = ""  # the first guardian's sign-in, if any


def logins() -> list[Login]:
    """The well-known demo sign-ins that exist in this database."""
    present = set(
        User.objects.filter(username__in=[u for _, u in WELL_KNOWN]).values_list(
            "username", flat=True
        )
    )
    return [Login(role, username) for role, username in WELL_KNOWN if username in present]


def build(
    *,
    seed: int = DEFAULT_SEED,
    schools: int = 1,
    pupils_per_school: int = 210,
    years: int = 1,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Build the demo set in one transaction: `schools` English primaries (the first is
    Oakfield, home of the well-known sign-ins), one Scottish primary and one alternative-provision
    hub, each primary with about `pupils_per_school` pupils in the current academic year and
    `years` earlier years of records. All or nothing; refuses if the trust already exists."""
    if schools < 1:
        raise ValueError("Build at least one English primary (--schools 1 or more).")
    if pupils_per_school < 7:
        raise ValueError("A primary needs at least 7 pupils, one for each year group.")
    if not 0 <= years <= 6:
        raise ValueError("--years is between 0 and 6.")
    if Trust.objects.filter(name=TRUST_NAME).exists():
        raise ValueError("The demo trust is already in this database.")
    builder = _Builder(seed, today or timezone.localdate(), progress or (lambda _msg: None))
    with transaction.atomic(), acting_as(None, "demo"):
        return builder.run(schools=schools, pupils_per_school=pupils_per_school, years=years)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _pick_weighted(rng: random.Random, items: list, count: int, weight) -> list:
    """`count` distinct items, each drawn with probability leaning on weight(item)
    (weighted sampling without replacement, Efraimidis and Spirakis)."""
    if count <= 0:
        return []
    keyed = sorted(items, key=lambda item: rng.random() ** (1.0 / weight(item)), reverse=True)
    return keyed[:count]


class _Builder:
    def __init__(self, seed: int, today: date, progress):
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today
        self.progress = progress
        # One slow hash for everyone: real sign-ins, a fraction of the cost.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.usernames: set[str] = set()
        self.upn_serials: dict[tuple, int] = {}
        self.summary = DemoSummary(seed=seed)

    # People -------------------------------------------------------------------------------

    def user(self, first: str, last: str, domain: str = "", username: str = "") -> User:
        """A sign-in with the demo password. Without `username`, one is made from the name
        (at `domain` if given); a name already taken gets a number."""
        if not username:
            username = f"{_slug(first)}.{_slug(last)}" + (f"@{domain}" if domain else "")
        local, at, host = username.partition("@")
        n = 2
        while username in self.usernames:
            username = f"{local}{n}{at}{host}"
            n += 1
        self.usernames.add(username)
        user = User(
            username=username,
            email=username if "@" in username else "",
            first_name=first,
            last_name=last,
            password=self.password_hash,
        )
        user.save()
        return user

    def adult_name(self, women: bool | None = None) -> tuple[str, str]:
        if women is None:
            women = self.rng.random() < 0.6
        first = self.rng.choice(names.ADULT_WOMEN if women else names.ADULT_MEN)
        return first, self.rng.choice(names.SURNAMES)

    def staff(self, school, kind: str, domain: str, username: str = "") -> User:
        first, last = self.adult_name()
        user = self.user(first, last, domain, username)
        services.grant_role(user, kind, school=school)
        self.summary.staff += 1
        return user

    def phone(self) -> str:
        # Ofcom keeps 07700 900000-900999 for drama: numbers that reach nobody.
        return f"07700 900{self.rng.randrange(1000):03d}"

    def upn(self, la: int, establishment: int, year: int, temporary_letter: str = "") -> str:
        key = (la, establishment, year % 100, bool(temporary_letter))
        serial = self.upn_serials.get(key, 0) + 1
        self.upn_serials[key] = serial
        if temporary_letter:
            # the letter replaces the last digit, so space temporary serials ten apart
            return make_upn(la, establishment, year, 500 + serial * 10, temporary_letter)
        return make_upn(la, establishment, year, serial)

    # Planning ---------------------------------------------------------------------------------

    def plan_pupil(self, born_from: date, born_to: date, stages: dict) -> PlannedPupil:
        rng = self.rng
        sex = "F" if rng.random() < 0.5 else "M"
        pool = names.GIRLS if sex == "F" else names.BOYS
        first = rng.choice(pool)
        middle = rng.choice(pool) if rng.random() < 0.4 else ""
        if middle == first:
            middle = ""
        preferred = names.SHORT_FORMS.get(first, "") if rng.random() < 0.5 else ""
        born = born_from + timedelta(days=rng.randrange((born_to - born_from).days + 1))
        return PlannedPupil(sex, first, middle, preferred, born, stages)

    def assign_characteristics(self, roll: list[PlannedPupil], rates: dict, england: bool):
        """Exact shares of the roll (rounded), with need leaning towards disadvantage as it
        does in national figures."""
        rng = self.rng
        n = len(roll)
        ordered = list(roll)
        rng.shuffle(ordered)
        disadvantaged = ordered[: round(n * rates["disadvantaged"])]
        for p in disadvantaged:
            p.chars["disadvantaged"] = True
            if england:
                p.chars["pupil_premium"] = True
        for p in disadvantaged[: round(len(disadvantaged) * rates["fsm_of_disadvantaged"])]:
            p.chars["fsm"] = True

        def lean(p):
            return 1.8 if p.chars.get("disadvantaged") else 1.0

        few = max(1, round(n * rates["looked_after"])) if n >= 20 and rates["looked_after"] else 0
        for p in _pick_weighted(rng, disadvantaged, few, lambda _p: 1.0):
            p.chars["looked_after"] = True
        sen_e = max(1, round(n * rates["sen_e"])) if n >= 20 else 0
        for p in _pick_weighted(rng, roll, sen_e, lean):
            p.chars["sen"] = "E"
        others = [p for p in roll if "sen" not in p.chars]
        for p in _pick_weighted(rng, others, round(n * rates["sen_k"]), lean):
            p.chars["sen"] = "K"
        for p in _pick_weighted(rng, roll, round(n * rates["eal"]), lambda _p: 1.0):
            p.chars["eal"] = True
        not_in_care = [p for p in roll if not p.chars.get("looked_after")]
        for p in _pick_weighted(rng, not_in_care, round(n * rates["child_in_need"]), lean):
            p.chars["child_in_need"] = True
        service = min(2, round(n * rates["service_child"])) if n >= 20 else 0
        if rates["service_child"] and n >= 50:
            service = max(service, 2)
        for p in _pick_weighted(rng, not_in_care, service, lambda _p: 1.0):
            p.chars["service_child"] = True

    def plan_families(self, roll: list[PlannedPupil], sibling_share: float = 0.15):
        """Give every pupil a family; some join an older pupil's family as a younger sibling.
        Children in care live with a foster carer and are nobody's sibling here."""
        rng = self.rng
        families: list[Family] = []
        for p in sorted(roll, key=lambda p: p.born):
            open_families = [
                f
                for f in families
                if len(f.children) < 3 and not f.children[0].chars.get("looked_after")
            ]
            if open_families and not p.chars.get("looked_after") and rng.random() < sibling_share:
                family = rng.choice(open_families)
            else:
                family = Family(surname=rng.choice(names.SURNAMES))
                family.guardians = self.plan_guardians(family.surname, p)
                families.append(family)
            family.children.append(p)
            p.family = family
        return families

    def plan_guardians(self, surname: str, child: PlannedPupil) -> list[dict]:
        rng = self.rng
        if child.chars.get("looked_after"):
            first, last = self.adult_name()
            return [
                dict(
                    name=f"{first} {last}",
                    relationship="Foster carer",
                    parental_responsibility=False,
                    **self.contact(first, last),
                )
            ]
        mother = (rng.choice(names.ADULT_WOMEN), rng.choice(names.RELATIONSHIPS_MOTHER))
        father = (rng.choice(names.ADULT_MEN), rng.choice(names.RELATIONSHIPS_FATHER))
        adults = [mother, father] if rng.random() < 0.65 else [mother, father][:1]
        if rng.random() < 0.2:
            adults = [father, mother][: len(adults)]
        out = []
        for first, relationship in adults:
            last = surname if rng.random() < 0.85 else rng.choice(names.SURNAMES)
            out.append(
                dict(
                    name=f"{first} {last}",
                    relationship=relationship,
                    parental_responsibility=relationship in ("Mother", "Father"),
                    **self.contact(first, last),
                )
            )
        return out

    def contact(self, first: str, last: str) -> dict:
        host = self.rng.choice(("mail.example", "post.example", "inbox.example"))
        return {
            "email": f"{_slug(first)}.{_slug(last)}{self.rng.randrange(10, 99)}@{host}",
            "phone": self.phone(),
        }

    # Writing ------------------------------------------------------------------------------------

    def write_pupil(self, p: PlannedPupil, school, years: dict, year_groups: dict, classes: dict):
        p.pupil = services.create_pupil(
            upn=p.upn,
            legal_first_name=p.first,
            legal_middle_names=p.middle,
            legal_last_name=p.family.surname,
            preferred_first_name=p.preferred,
            date_of_birth=p.born,
            sex=p.sex,
        )
        for start_year in sorted(p.stages):
            stage = p.stages[start_year]
            year = years[start_year]
            services.enrol_pupil(
                p.pupil,
                school,
                year_groups[stage],
                school_class=classes.get((start_year, stage)),
                academic_year=year,
                start_date=year.start_date,
            )
        first_start = years[min(p.stages)].start_date
        self.write_characteristics(p, first_start, [years[y].start_date for y in sorted(p.stages)])
        if p.leaves:
            services.mark_left(p.pupil, school, on=p.leaves, reason="Moved on to secondary school")
        self.summary.pupils += 1

    def write_characteristics(self, p: PlannedPupil, first_start: date, year_starts: list[date]):
        rng = self.rng
        for kind in (
            "disadvantaged",
            "pupil_premium",
            "fsm",
            "eal",
            "looked_after",
            "child_in_need",
            "service_child",
        ):
            if p.chars.get(kind):
                services.set_characteristic(p.pupil, kind, True, start_date=first_start)
        code = p.chars.get("sen")
        if code:
            area, notes = rng.choice(names.SEN_NEEDS)
            details = f"Primary area of need: {area}. {rng.choice(notes)}"
            if code == "E":
                details += " EHC plan in place; annual review with the local authority."
            else:
                details += " " + rng.choice(names.SEN_SUPPORT_EXTRA)
            start = rng.choice(year_starts)
            if start != first_start:
                # identified later: the record shows no need before then
                services.set_characteristic(p.pupil, "sen", "N", start_date=first_start)
            services.set_characteristic(p.pupil, "sen", code, start_date=start, details=details)

    def write_family(self, family: Family, sign_in_share: float):
        users = []
        for i, guardian in enumerate(family.guardians):
            user = None
            if i == 0 and (family.login or self.rng.random() < sign_in_share):
                first, last = guardian["name"].split(" ", 1)
                user = self.user(first, last, username=family.login or guardian["email"])
                self.summary.parents += 1
            users.append(user)
        for child in family.children:
            for priority, (guardian, user) in enumerate(
                zip(family.guardians, users, strict=True), start=1
            ):
                services.add_guardian(child.pupil, priority=priority, user=user, **guardian)

    def give_sign_in(self, p: PlannedPupil):
        user = self.user(p.preferred or p.first, p.family.surname, username=p.sign_in)
        services.link_pupil_user(p.pupil, user)
        self.summary.pupil_sign_ins += 1

    # Schools ------------------------------------------------------------------------------------

    def run(self, *, schools: int, pupils_per_school: int, years: int) -> DemoSummary:
        self.trust = services.create_trust(TRUST_NAME)
        self.history = History(self.seed, self.today)
        self.results = Results(self.seed, self.today)
        for first, username in (("Morgan", "trust@brightpath.example"), ("Helen", "")):
            _, last = self.adult_name()
            user = self.user(first, last, TRUST_DOMAIN, username)
            services.grant_role(user, Role.Kind.TRUST_STAFF, trust=self.trust)
            self.summary.staff += 1
        for index in range(schools):
            if index < len(PRIMARIES):
                name, slug = PRIMARIES[index]
            else:
                name, slug = f"Primary School {index + 1}", f"primary{index + 1}"
            self.progress(f"Building {name}")
            self.primary(name, slug, "england", pupils_per_school, years, index)
        self.progress("Building Glenburn Primary School")
        self.primary("Glenburn Primary School", "glenburn", "scotland", pupils_per_school, years, 0)
        self.progress("Building Riverside Learning Hub")
        self.hub(years)
        history = self.history
        self.summary.judgements = history.judgements
        self.summary.summary_judgements = history.summaries
        self.summary.lessons = history.lessons
        self.summary.feedback = history.feedback
        self.summary.conversations = history.conversations
        self.summary.sittings = self.results.sittings
        self.summary.results = self.results.results
        self.progress(f"Assessment history: {self.summary.assessment_line()}")
        self.summary.tracking = build_tracking(self.trust, seed=self.seed, today=self.today)
        self.progress(self.summary.tracking.line())
        for stage in LATER_STAGES:
            counts = stage.build(self.trust, seed=self.seed, today=self.today)
            self.summary.later.append(counts)
            self.progress(counts.line())
        self.summary.logins = [Login(role, username) for role, username in WELL_KNOWN]
        return self.summary

    def primary(self, name, slug, country, size, years_back, index):
        england = country == School.Country.ENGLAND
        domain = f"{slug}.example"
        stage_names = ENGLISH_CLASSES if england else SCOTTISH_CLASSES
        first_stage, last_stage = min(stage_names), max(stage_names)
        school = services.create_school(
            name=name,
            kind=School.Kind.PRIMARY,
            country=country,
            trust=self.trust,
            urn=str(140000 + index * 37) if england else f"52{index:05d}",
            stages=range(first_stage, last_stage + 1),
        )
        self.summary.schools.append(name)
        current = academic_year_start(self.today, school.year_start_month)
        years = {
            y: services.create_academic_year(school, y)
            for y in range(current - years_back, current + 1)
        }
        self.summary.academic_years = sorted({*self.summary.academic_years, years[current].name})
        year_groups = {yg.stage: yg for yg in school.year_groups.all()}

        well_known = slug in ("oakfield", "glenburn")
        head = "head@" + domain if well_known else ""
        self.staff(school, Role.Kind.HEAD, domain, head)
        self.staff(school, Role.Kind.DEPUTY, domain)
        leader = "leader@oakfield.example" if slug == "oakfield" else ""
        senco = "senco@oakfield.example" if slug == "oakfield" else ""
        self.staff(school, Role.Kind.ASSESSMENT_LEADER, domain, leader)
        self.staff(school, Role.Kind.INCLUSION_MANAGER, domain, senco)
        governor = "governor@oakfield.example" if slug == "oakfield" else ""
        self.staff(school, Role.Kind.GOVERNOR, domain, governor)
        self.staff(school, Role.Kind.GOVERNOR, domain)
        teachers, assistants = {}, {}
        for stage in stage_names:
            known = slug == "oakfield" and stage == 3
            teachers[stage] = self.staff(
                school, Role.Kind.CLASS_TEACHER, domain, "teacher@oakfield.example" if known else ""
            )
            # one assistant for each pair of year groups, the youngest pair first
            pair = (stage - first_stage) // 2
            if pair not in assistants:
                known_ta = slug == "oakfield" and stage in (2, 3)
                assistants[pair] = self.staff(
                    school,
                    Role.Kind.TEACHING_ASSISTANT,
                    domain,
                    "ta@oakfield.example" if known_ta else "",
                )
        classes = {}
        for start_year, year in years.items():
            for stage, class_name in stage_names.items():
                classes[(start_year, stage)] = services.create_class(
                    school,
                    year,
                    class_name,
                    year_groups[stage],
                    teachers=[teachers[stage]],
                    assistants=[assistants[(stage - first_stage) // 2]],
                )

        # Plan every cohort that was on roll in any of the years built.
        span = last_stage - first_stage
        per_stage = [
            size // (span + 1) + (1 if i < size % (span + 1) else 0) for i in range(span + 1)
        ]
        roll: list[PlannedPupil] = []
        for entry in range(current - years_back - span, current + 1):
            stages = {
                y: first_stage + (y - entry)
                for y in range(max(entry, current - years_back), min(entry + span, current) + 1)
            }
            if not stages:
                continue
            count = per_stage[(current - entry) % (span + 1)]
            # the cohort's birth year: English years run September-August, Scottish March-February
            cohort = entry - first_stage - (5 if england else 4)
            if england:
                born_from, born_to = date(cohort, 9, 1), date(cohort + 1, 8, 31)
            else:
                born_from, born_to = date(cohort, 3, 1), date(cohort + 1, 3, 1) - timedelta(days=1)
            last_year = max(stages)
            leaves = None
            if last_year < current:
                leaves = years[last_year].end_date - timedelta(days=40)
            for _ in range(count):
                p = self.plan_pupil(born_from, born_to, stages)
                p.leaves = leaves
                if england:
                    p.upn = self.upn(886, 2100 + index, entry)
                roll.append(p)
        if england:
            # a couple of new starters still on temporary UPNs from the admissions team
            starters = [p for p in roll if min(p.stages) == current and p.stages[current] == 0]
            for letter, p in zip("AB", starters[-2:], strict=False):
                p.upn = self.upn(886, 2100 + index, current, temporary_letter=letter)

        on_roll = [p for p in roll if p.leaves is None]
        rates = PRIMARY_RATES
        self.assign_characteristics(on_roll, rates, england)
        self.assign_characteristics([p for p in roll if p.leaves], rates, england)
        families = self.plan_families(roll)
        older = (5, 6) if england else (6, 7)
        signing_in = [p for p in on_roll if p.stages[current] in older]
        if slug == "oakfield":
            self.choose_well_known_family(families, current, older)

        for p in roll:
            self.write_pupil(p, school, years, year_groups, classes)
        for family in families:
            self.write_family(family, sign_in_share=0.3)
        for p in signing_in:
            self.give_sign_in(p)
        self.groups(school, on_roll, current, england)
        self.progress(f"Writing the assessment history of {name}")
        self.history.school(school, "england" if england else "scotland", roll, years, current)
        self.results.school(school, "england" if england else "scotland", roll, years, current)
        return school

    def choose_well_known_family(self, families, current, older):
        """The demo parent has two children at the school, one of them the demo pupil."""

        def fits(family, need_two):
            kids = [c for c in family.children if c.leaves is None]
            return (not need_two or len(kids) >= 2) and any(
                c.stages[current] == older[-1] for c in kids
            )

        chosen = next((f for f in families if fits(f, True)), None) or next(
            f for f in families if fits(f, False)
        )
        chosen.login = chosen.guardians[0]["email"] = "parent@oakfield.example"
        pupil = next(c for c in chosen.children if c.leaves is None and c.stages[current] == 6)
        pupil.sign_in = "pupil@oakfield.example"

    def groups(self, school, on_roll, current, england):
        rng = self.rng
        register = services.create_group(
            school,
            "SEN register",
            Group.Kind.SEN_REGISTER,
            "Pupils at SEN support (K) or with an EHC plan (E).",
        )
        for p in on_roll:
            if p.chars.get("sen") in ("K", "E"):
                services.add_to_group(register, p.pupil)
        top = 6 if england else 7
        focus = services.create_group(
            school,
            f"{'Year 6' if england else 'P7'} maths focus",
            Group.Kind.FOCUS,
            "Pupils just below the expected standard in maths, for extra attention this term.",
        )
        candidates = [p for p in on_roll if p.stages[current] == top]
        for p in _pick_weighted(
            rng, candidates, min(8, len(candidates)), lambda p: 2.0 if p.chars else 1.0
        ):
            services.add_to_group(focus, p.pupil)
        early = (1, 2) if england else (2, 3)
        intervention = services.create_group(
            school,
            "Phonics catch-up" if england else "Reading recovery",
            Group.Kind.INTERVENTION,
            "Small-group reading sessions three times a week, with entry and exit checks.",
        )
        candidates = [p for p in on_roll if p.stages[current] in early]
        for p in rng.sample(candidates, min(6, len(candidates))):
            services.add_to_group(intervention, p.pupil)

    def hub(self, years_back):
        rng = self.rng
        domain = "riverside.example"
        hub = services.create_school(
            name="Riverside Learning Hub",
            kind=School.Kind.ALTERNATIVE_PROVISION,
            trust=self.trust,
            urn="150207",
            stages=range(7, 12),
        )
        self.summary.schools.append(hub.name)
        current = academic_year_start(self.today, hub.year_start_month)
        # the hub always keeps last year: some placements began, or ended, then
        years = {
            y: services.create_academic_year(hub, y)
            for y in range(current - max(years_back, 1), current + 1)
        }
        year_groups = {yg.stage: yg for yg in hub.year_groups.all()}
        self.staff(hub, Role.Kind.HEAD, domain, "head@riverside.example")
        self.staff(hub, Role.Kind.DEPUTY, domain)
        self.staff(hub, Role.Kind.ASSESSMENT_LEADER, domain)
        self.staff(hub, Role.Kind.INCLUSION_MANAGER, domain)
        self.staff(hub, Role.Kind.GOVERNOR, domain)
        groups = (("Key Stage 3 Nurture", None), ("Year 10 Pathways", 10), ("Year 11 Pathways", 11))
        classes = {}
        for class_name, stage in groups:
            teacher = self.staff(hub, Role.Kind.CLASS_TEACHER, domain)
            assistant = self.staff(hub, Role.Kind.TEACHING_ASSISTANT, domain)
            for start_year, year in years.items():
                classes[(start_year, class_name)] = services.create_class(
                    hub,
                    year,
                    class_name,
                    year_groups.get(stage),
                    teachers=[teacher],
                    assistants=[assistant],
                )

        providers = []
        for name, kind, pdomain, frequency, fmt, share in PROVIDERS:
            provider = services.create_provider(
                name, kind, email=f"office@{pdomain}", phone=f"0161 496 0{rng.randrange(1000):03d}"
            )
            self.summary.providers += 1
            username = "provider@northgate.example" if pdomain == "northgate.example" else ""
            first, last = self.adult_name()
            user = self.user(first, last, pdomain, username)
            services.grant_role(user, Role.Kind.PROVIDER_STAFF, provider=provider)
            self.summary.staff += 1
            providers.extend([(provider, pdomain, frequency, fmt)] * share)
        rng.shuffle(providers)

        # Thirty students on placement now, and three whose placement ended last year.
        stages = [7] * 3 + [8] * 5 + [9] * 6 + [10] * 8 + [11] * 8
        roll = []
        for stage in stages + [9, 10, 11]:
            cohort = current - stage - 5
            p = self.plan_pupil(date(cohort, 9, 1), date(cohort + 1, 8, 31), {current: stage})
            p.upn = self.upn(
                rng.choice((330, 886, 937)), rng.randrange(2000, 2999), current - stage
            )
            roll.append(p)
        ended = roll[len(stages) :]
        ended_ids = {id(p) for p in ended}
        previous = years[current - 1]
        for p in ended:
            p.stages = {current - 1: p.stages[current] - 1}
        self.assign_characteristics(roll, AP_RATES, True)
        families = self.plan_families(roll, sibling_share=0.0)
        for i, p in enumerate(roll):
            provider, pdomain, frequency, fmt = providers[i % len(providers)]
            stage = next(iter(p.stages.values()))
            class_name = "Key Stage 3 Nurture" if stage <= 9 else f"Year {stage} Pathways"
            start_year = next(iter(p.stages))
            year = years[start_year]
            window = (min(self.today, year.end_date) - year.start_date).days
            start = year.start_date + timedelta(days=rng.randrange(max(1, min(window, 120))))
            end = None
            if id(p) in ended_ids:
                end = start + timedelta(weeks=rng.randrange(8, 17))
                end = min(end, previous.end_date - timedelta(days=40))
            p.pupil = services.create_pupil(
                upn=p.upn,
                legal_first_name=p.first,
                legal_middle_names=p.middle,
                legal_last_name=p.family.surname,
                preferred_first_name=p.preferred,
                date_of_birth=p.born,
                sex=p.sex,
            )
            services.enrol_pupil(
                p.pupil,
                hub,
                year_groups[stage],
                school_class=classes[(start_year, class_name)],
                academic_year=year,
                start_date=start,
            )
            self.write_characteristics(p, start, [start])
            cfirst, clast = self.adult_name()
            # now and then a placement asks for something other than the provider's usual
            if rng.random() < 0.2:
                frequency = rng.choice(Placement.Frequency.values)
            services.place_pupil(
                p.pupil,
                provider,
                hub,
                start_date=start,
                end_date=end,
                reason=rng.choice(PLACEMENT_REASONS),
                contact_name=f"{cfirst} {clast}",
                contact_email=f"{_slug(cfirst)}.{_slug(clast)}@{pdomain}",
                contact_phone=self.phone(),
                report_frequency=frequency,
                report_format=fmt,
            )
            if end:
                services.mark_left(p.pupil, hub, on=end, reason="Returned to their school")
            self.summary.placements += 1
            self.summary.pupils += 1
        for family in families:
            self.write_family(family, sign_in_share=0.2)
        register = services.create_group(
            hub, "SEN register", Group.Kind.SEN_REGISTER, "Students with SEN support or a plan."
        )
        focus = services.create_group(
            hub, "Attendance focus", Group.Kind.FOCUS, "Attendance below 80% last half-term."
        )
        intervention = services.create_group(
            hub,
            "Literacy booster",
            Group.Kind.INTERVENTION,
            "Daily reading programme with a standardised test on entry and exit.",
        )
        current_roll = [p for p in roll if id(p) not in ended_ids]
        for p in current_roll:
            if p.chars.get("sen") in ("K", "E"):
                services.add_to_group(register, p.pupil)
        for p in rng.sample(current_roll, 6):
            services.add_to_group(focus, p.pupil)
        for p in rng.sample(current_roll, 5):
            services.add_to_group(intervention, p.pupil)
        self.history.school(hub, "hub", roll, years, current)
        self.results.school(hub, "hub", roll, years, current)
        return hub
