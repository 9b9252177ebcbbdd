"""The fixed cast every test can use: one school with two classes, an AP centre with two
providers, and a user in every role. Pupils have distinctive names so tests can check that a
refused response leaks none of them."""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from nextsteps.accounts.models import User
from nextsteps.lib.dates import academic_year_start
from nextsteps.lib.upn import make_upn
from nextsteps.schools import services
from nextsteps.schools.models import Role, School

PASSWORD = "correct-horse-battery-staple"

ROLES = (
    "head",
    "leader",
    "senco",
    "teacher",
    "other_teacher",
    "ta",
    "governor",
    "parent",
    "other_parent",
    "pupil",
    "provider",
    "other_provider",
    "trust_staff",
    "ap_head",
)


@dataclass
class Cast:
    users: dict = field(default_factory=dict)
    pupils: dict = field(default_factory=dict)

    def __getattr__(self, name):
        for store in ("users", "pupils", "objects"):
            values = self.__dict__.get(store, {})
            if name in values:
                return values[name]
        raise AttributeError(name)


def make_user(username: str, email: str | None = None, **extra) -> User:
    user = User(
        username=username, email=email if email is not None else f"{username}@example.org", **extra
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def build_cast() -> Cast:
    cast = Cast()
    cast.objects = {}
    today = timezone.localdate()
    year_start = academic_year_start(today)
    trust = services.create_trust("Test Learning Trust")
    school = services.create_school(
        name="Oakfield Primary", kind=School.Kind.PRIMARY, trust=trust, stages=range(0, 7)
    )
    year = services.create_academic_year(school, year_start)
    last_year = services.create_academic_year(school, year_start - 1)
    y3 = school.year_groups.get(stage=3)
    y4 = school.year_groups.get(stage=4)
    y2 = school.year_groups.get(stage=2)

    u = cast.users
    for name in ROLES:
        u[name] = make_user(name)
    services.grant_role(u["head"], Role.Kind.HEAD, school=school)
    services.grant_role(u["leader"], Role.Kind.ASSESSMENT_LEADER, school=school)
    services.grant_role(u["senco"], Role.Kind.INCLUSION_MANAGER, school=school)
    services.grant_role(u["teacher"], Role.Kind.CLASS_TEACHER, school=school)
    services.grant_role(u["other_teacher"], Role.Kind.CLASS_TEACHER, school=school)
    services.grant_role(u["ta"], Role.Kind.TEACHING_ASSISTANT, school=school)
    services.grant_role(u["governor"], Role.Kind.GOVERNOR, school=school)
    services.grant_role(u["trust_staff"], Role.Kind.TRUST_STAFF, trust=trust)

    oak = services.create_class(
        school, year, "3 Oak", y3, teachers=[u["teacher"]], assistants=[u["ta"]]
    )
    ash = services.create_class(school, year, "4 Ash", y4, teachers=[u["other_teacher"]])
    old = services.create_class(school, last_year, "2 Elm", y2, teachers=[u["other_teacher"]])

    p = cast.pupils
    p["amara"] = services.create_pupil(
        upn=make_upn(201, 2001, 18, 1),
        legal_first_name="Amara",
        legal_last_name="Okonkwo-Test",
        date_of_birth=date(year_start - 8, 10, 3),
        sex="F",
    )
    p["bartholomew"] = services.create_pupil(
        upn=make_upn(201, 2001, 18, 2),
        legal_first_name="Bartholomew",
        legal_last_name="Quillfeather",
        date_of_birth=date(year_start - 8, 6, 14),
        sex="M",
    )
    p["zebedee"] = services.create_pupil(
        upn=make_upn(201, 2001, 17, 3),
        legal_first_name="Zebedee",
        legal_last_name="Marchbanks",
        date_of_birth=date(year_start - 9, 11, 20),
        sex="M",
    )
    p["priya"] = services.create_pupil(
        legal_first_name="Priya",
        legal_last_name="Hollowaygate",
        date_of_birth=date(year_start - 14, 2, 2),
        sex="F",
    )
    p["tomasz"] = services.create_pupil(
        legal_first_name="Tomasz",
        legal_last_name="Wrenfield",
        date_of_birth=date(year_start - 13, 5, 9),
        sex="M",
    )
    start = year.start_date
    # Amara and Bartholomew were in 2 Elm last year and are in 3 Oak now; Zebedee is in 4 Ash.
    for key in ("amara", "bartholomew"):
        services.enrol_pupil(
            p[key],
            school,
            y2,
            school_class=old,
            academic_year=last_year,
            start_date=last_year.start_date,
        )
        services.enrol_pupil(
            p[key], school, y3, school_class=oak, academic_year=year, start_date=start
        )
    services.enrol_pupil(
        p["zebedee"], school, y4, school_class=ash, academic_year=year, start_date=start
    )
    services.set_characteristic(
        p["bartholomew"],
        "sen",
        "K",
        start_date=start,
        details="Speech, language and communication needs",
    )
    services.set_characteristic(p["amara"], "disadvantaged", True, start_date=start)

    services.add_guardian(p["amara"], name="Ada Okonkwo", email=u["parent"].email, user=u["parent"])
    services.add_guardian(
        p["zebedee"], name="Zara Marchbanks", email=u["other_parent"].email, user=u["other_parent"]
    )
    services.link_pupil_user(p["amara"], u["pupil"])

    hub = services.create_school(
        name="Riverside Learning Hub",
        kind=School.Kind.ALTERNATIVE_PROVISION,
        trust=trust,
        stages=range(7, 12),
    )
    hub_year = services.create_academic_year(hub, year_start)
    services.grant_role(u["ap_head"], Role.Kind.HEAD, school=hub)
    north = services.create_provider("Northgate Academy")
    south = services.create_provider("Southmoor School")
    services.grant_role(u["provider"], Role.Kind.PROVIDER_STAFF, provider=north)
    services.grant_role(u["other_provider"], Role.Kind.PROVIDER_STAFF, provider=south)
    for key, provider, stage in (("priya", north, 9), ("tomasz", south, 8)):
        services.enrol_pupil(
            p[key],
            hub,
            hub.year_groups.get(stage=stage),
            academic_year=hub_year,
            start_date=hub_year.start_date,
        )
        services.place_pupil(
            p[key],
            provider,
            hub,
            start_date=hub_year.start_date,
            contact_name=f"{provider.name} SENCo",
            report_frequency="weekly",
        )

    cast.objects.update(
        trust=trust,
        school=school,
        year=year,
        last_year=last_year,
        oak=oak,
        ash=ash,
        elm=old,
        hub=hub,
        hub_year=hub_year,
        north=north,
        south=south,
        y3=y3,
        y4=y4,
    )
    return cast


def add_pupils_to_oak(cast, count: int, start: int = 0, **characteristics) -> list:
    """Extra Year 3 pupils in 3 Oak (for tests that need a bigger class), numbered from
    `start`; `characteristics` such as eal=True are set from the start of the year."""
    from nextsteps.schools.models import Pupil

    added: list[Pupil] = []
    for i in range(start, start + count):
        pupil = services.create_pupil(
            legal_first_name=f"Extra{i}",
            legal_last_name="Pupil",
            date_of_birth=date(2017, 1 + i // 28 % 12, 1 + i % 28),
            sex="F" if i % 2 else "M",
        )
        services.enrol_pupil(
            pupil,
            cast.school,
            cast.y3,
            school_class=cast.oak,
            academic_year=cast.year,
            start_date=cast.year.start_date,
        )
        for kind, value in characteristics.items():
            services.set_characteristic(pupil, kind, value, start_date=cast.year.start_date)
        added.append(pupil)
    return added
