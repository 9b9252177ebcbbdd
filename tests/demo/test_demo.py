"""The demo generator and `nextsteps demo`: deterministic, realistic, consistent and usable."""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from nextsteps import demo
from nextsteps.accounts.models import User
from nextsteps.lib.dates import academic_year_start, national_curriculum_year, scottish_stage
from nextsteps.lib.upn import parse_upn
from nextsteps.schools.models import (
    ClassStaff,
    Group,
    Placement,
    Provider,
    Pupil,
    Role,
    School,
    SchoolClass,
)

# Each test builds a demo set: seconds apiece.
pytestmark = pytest.mark.slow

SMALL = {"pupils_per_school": 35, "years": 1}


class _Undo(Exception):
    pass


def _people(seed: int) -> list[tuple]:
    """Build a small set, note who is in it, and undo the build."""
    try:
        with transaction.atomic():
            demo.build(seed=seed, **SMALL)
            people = list(
                _everyone()
                .order_by("legal_last_name", "legal_first_name", "date_of_birth", "upn")
                .values_list("legal_first_name", "legal_last_name", "date_of_birth", "upn", "sex")
            )
            raise _Undo
    except _Undo:
        pass
    return people


def _everyone():
    """Tests read pupils through the scope too: as a superuser, who sees everything."""
    return Pupil.objects.visible_to(_admin())


def _admin():
    return User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "test-admin", "admin@test.example", "x"
    )


def _current(school):
    return _everyone().current_at(school)


def _holding(pupils, kind, value="Y"):
    today = timezone.localdate()
    return set(
        pupils.filter(
            characteristics__kind=kind,
            characteristics__value=value,
            characteristics__start_date__lte=today,
            characteristics__end_date__isnull=True,
        ).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_same_seed_gives_same_people_and_another_seed_different_ones():
    first = _people(11)
    assert first == _people(11)
    assert first != _people(12)
    assert len(first) > 70


@pytest.mark.django_db
def test_default_size_has_realistic_shares():
    summary = demo.build()
    assert summary.schools == [
        "Oakfield Primary School",
        "Glenburn Primary School",
        "Riverside Learning Hub",
    ]
    for name in ("Oakfield Primary School", "Glenburn Primary School"):
        school = School.objects.get(name=name)
        pupils = _current(school)
        n = pupils.count()
        assert 200 <= n <= 220

        def share(kind, value="Y", pupils=pupils, n=n):
            return len(_holding(pupils, kind, value)) / n

        assert share("disadvantaged") == pytest.approx(0.25, abs=0.03)
        assert share("sen", "K") == pytest.approx(0.15, abs=0.03)
        assert share("sen", "E") == pytest.approx(0.03, abs=0.015)
        assert share("eal") == pytest.approx(0.20, abs=0.03)
        assert 1 <= len(_holding(pupils, "looked_after")) <= 5
        assert 1 <= len(_holding(pupils, "service_child")) <= 4
        assert len(_holding(pupils, "child_in_need")) >= 2
        # free school meals and looked-after children sit inside the disadvantaged group
        assert _holding(pupils, "fsm") <= _holding(pupils, "disadvantaged")
        assert _holding(pupils, "looked_after") <= _holding(pupils, "disadvantaged")
        girls = pupils.filter(sex="F").count()
        assert 0.4 <= girls / n <= 0.6
        if school.country == School.Country.ENGLAND:
            assert _holding(pupils, "pupil_premium") == _holding(pupils, "disadvantaged")
    hub = School.objects.get(kind=School.Kind.ALTERNATIVE_PROVISION)
    assert _current(hub).count() == 30


@pytest.mark.django_db
def test_upns_are_valid_and_dates_of_birth_fit_the_year_groups():
    demo.build(**SMALL)
    pupils = _everyone()
    upns = [p for p in pupils.values_list("upn", flat=True) if p]
    assert len(upns) == len(set(upns)) > 0
    temporary = [u for u in upns if parse_upn(u).temporary]
    assert len(temporary) == 2
    assert set(pupils.filter(upn_temporary=True).values_list("upn", flat=True)) == set(temporary)
    scottish = School.objects.get(country=School.Country.SCOTLAND)
    assert not pupils.filter(enrolments__school=scottish, upn__isnull=False).exists()
    assert list(scottish.year_groups.values_list("name", flat=True)) == [
        f"P{n}" for n in range(1, 8)
    ]
    for pupil in pupils.prefetch_related("enrolments__year_group", "enrolments__school"):
        for enrolment in pupil.enrolments.all():
            start = enrolment.academic_year.start_date.year
            if enrolment.school.country == School.Country.SCOTLAND:
                assert scottish_stage(pupil.date_of_birth, start) == enrolment.year_group.stage
            else:
                expected = national_curriculum_year(pupil.date_of_birth, start)
                assert expected == enrolment.year_group.stage, pupil


@pytest.mark.django_db
def test_classes_staff_roles_groups_and_last_year():
    demo.build(**SMALL)
    today = timezone.localdate()
    for school_class in SchoolClass.objects.all():
        assert school_class.staff_links.filter(kind=ClassStaff.Kind.TEACHER).exists(), school_class
    oakfield = School.objects.get(name="Oakfield Primary School")
    names = set(
        oakfield.classes.filter(academic_year=oakfield.current_year()).values_list(
            "name", flat=True
        )
    )
    assert {"Reception Acorn", "Year 3 Oak", "Year 6 Cedar"} <= names
    assert oakfield.academic_years.count() == 2
    assert set(Role.objects.values_list("kind", flat=True)) == set(Role.Kind.values)
    for school in School.objects.all():
        kinds = set(school.groups.values_list("kind", flat=True))
        assert {Group.Kind.SEN_REGISTER, Group.Kind.FOCUS, Group.Kind.INTERVENTION} <= kinds
        register = school.groups.get(kind=Group.Kind.SEN_REGISTER)
        on_register = set(register.pupils.values_list("pk", flat=True))
        current = _current(school)
        assert on_register == _holding(current, "sen", "K") | _holding(current, "sen", "E")
    # the Year 3 teacher sees this year's class, and each of them has last year's record too
    teacher = User.objects.get(username="teacher@oakfield.example")
    visible = Pupil.objects.visible_to(teacher)
    oak = oakfield.classes.get(name="Year 3 Oak", academic_year=oakfield.current_year(today))
    assert set(visible.values_list("pk", flat=True)) == set(
        oak.enrolments.values_list("pupil_id", flat=True)
    )
    for pupil in visible:
        stages = sorted(pupil.enrolments.values_list("year_group__stage", flat=True))
        assert stages == [2, 3]
    # last year's Year 6 left in the summer: archived, not deleted
    assert oakfield.enrolments.exclude(leaving_reason="").count() == 5


@pytest.mark.django_db
def test_providers_place_pupils_with_their_reporting_preferences():
    demo.build(**SMALL)
    assert Provider.objects.count() == 5
    today = timezone.localdate()
    for provider in Provider.objects.all():
        placements = Placement.objects.filter(provider=provider)
        assert placements.exists()
        assert all(p.contact_name and p.contact_email for p in placements)
        staff = User.objects.get(roles__provider=provider, roles__kind=Role.Kind.PROVIDER_STAFF)
        active = {p.pupil_id for p in placements if p.active_on(today)}
        assert set(Pupil.objects.visible_to(staff).values_list("pk", flat=True)) == active
    assert len(set(Placement.objects.values_list("report_frequency", flat=True))) >= 3
    assert len(set(Placement.objects.values_list("report_format", flat=True))) >= 3
    ended = Placement.objects.filter(end_date__lt=today)
    assert ended.count() == 3


@pytest.mark.django_db
def test_printed_sign_ins_work_and_see_the_right_pupils():
    summary = demo.build(**SMALL)
    assert len(summary.logins) >= 10
    for login in summary.logins:
        assert login.password == demo.DEMO_PASSWORD
        user = authenticate(username=login.username, password=login.password)
        assert user is not None, login
        assert authenticate(username=login.username, password="wrong-password") is None
    parent = User.objects.get(username="parent@oakfield.example")
    children = Pupil.objects.visible_to(parent)
    assert children.count() >= 2
    pupil_user = User.objects.get(username="pupil@oakfield.example")
    own = Pupil.objects.visible_to(pupil_user)
    assert own.count() == 1
    assert own.get().pk in set(children.values_list("pk", flat=True))
    assert (
        Pupil.objects.visible_to(User.objects.get(username="governor@oakfield.example")).count()
        == 0
    )
    year = academic_year_start(timezone.localdate())
    older = Counter(
        p.enrolments.get(academic_year__start_date__year=year).year_group.stage
        for p in _everyone().filter(user__isnull=False, enrolments__school__name__startswith="Oak")
    )
    assert set(older) == {5, 6}


@pytest.mark.django_db
def test_demo_command_builds_once_and_if_empty_leaves_data_alone():
    out = StringIO()
    call_command("demo", "--pupils-per-school", "14", "--years", "0", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "head@oakfield.example" in text and demo.DEMO_PASSWORD in text
    counts = (_everyone().count(), School.objects.count())
    again = StringIO()
    call_command("demo", "--if-empty", stdout=again)
    assert "already has schools" in again.getvalue()
    assert "parent@oakfield.example" in again.getvalue()
    assert (_everyone().count(), School.objects.count()) == counts
    with pytest.raises(CommandError, match="already has schools"):
        call_command("demo", stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args", [["--pupils-per-school", "3"], ["--schools", "0"], ["--years", "9"]]
)
def test_demo_command_refuses_impossible_sizes(args):
    with pytest.raises(CommandError):
        call_command("demo", *args, stdout=StringIO(), stderr=StringIO())
    assert not School.objects.exists()
