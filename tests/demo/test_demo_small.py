"""The small demo, built once for the module (tests/demo/conftest.py): valid UPNs and dates of
birth, classes and staff, providers and placements, and the printed sign-ins."""

from collections import Counter

import pytest
from django.contrib.auth import authenticate
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
from tests.demo.test_demo import _current, _everyone, _holding

pytestmark = pytest.mark.slow


@pytest.mark.django_db
def test_upns_are_valid_and_dates_of_birth_fit_the_year_groups(small_demo):
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
def test_classes_staff_roles_groups_and_last_year(small_demo):
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
def test_providers_place_pupils_with_their_reporting_preferences(small_demo):
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
def test_printed_sign_ins_work_and_see_the_right_pupils(small_demo):
    summary = small_demo
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
