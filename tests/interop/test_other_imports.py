"""Importing staff, classes, parents and carers, and group memberships."""

import pytest

from nextsteps.accounts.models import User
from nextsteps.interop.models import ImportJob
from nextsteps.schools.models import ClassStaff, Group, Guardian, Role, SchoolClass

from .conftest import checked, imported, snapshot

pytestmark = pytest.mark.django_db


def test_staff_import_creates_accounts_roles_and_class_links(cast, immediate_tasks):
    text = (
        "Email,Forename,Surname,Role,Classes\n"
        "new.teacher@example.org,Nia,Teach,Class teacher,3 Oak\n"
        "teacher@example.org,Tea,Cher,Class teacher; Assessment leader,\n"
        "helper@example.org,Hal,Per,TA,4 Ash\n"
    )
    job = checked(cast.head, cast.school, "staff", text)
    assert [e["action"] for e in job.report] == ["create", "update", "create"]
    imported(job)
    nia = User.objects.get(email="new.teacher@example.org")
    assert not nia.has_usable_password()  # chooses one through "forgotten password"
    assert Role.objects.filter(user=nia, school=cast.school, kind="class_teacher").exists()
    assert ClassStaff.objects.get(user=nia).school_class == cast.oak
    assert Role.objects.filter(user=cast.teacher, kind="assessment_leader").exists()
    assert ClassStaff.objects.get(user__email="helper@example.org").kind == ClassStaff.Kind.TA


def test_staff_import_needs_the_right_to_manage_staff(cast):
    from django.core.exceptions import PermissionDenied

    from nextsteps.interop import services

    from .conftest import upload

    with pytest.raises(PermissionDenied):
        services.start_import(cast.leader, cast.school, "staff", upload("Email\na@b.c\n"))


def test_staff_import_errors(cast, immediate_tasks):
    before = snapshot()
    text = (
        "Email,First name,Last name,Roles,Classes\n"
        "not-an-email,A,B,Class teacher,\n"
        "x@example.org,X,Y,Wizard,9 Nowhere\n"
        "y@example.org,Y,Z,,\n"
        "z@example.org,Z,Z,Provider staff,\n"
    )
    job = checked(cast.head, cast.school, "staff", text)
    assert [e["action"] for e in job.report] == ["error"] * 4
    assert "not an email address" in str(job.report[0])
    assert "'Wizard' is not a role" in str(job.report[1]) and "9 Nowhere" in str(job.report[1])
    assert "at least one role" in str(job.report[2])
    assert snapshot() == before


def test_class_import_creates_next_years_classes_with_teachers(cast, immediate_tasks):
    nxt = f"{cast.year.start_date.year + 1}/{(cast.year.start_date.year + 2) % 100:02d}"
    text = (
        "Class name,Year group,Academic year,Teacher\n"
        f"4 Oak,Year 4,{nxt},teacher@example.org\n"
        "3 Oak,Year 3,,teacher@example.org\n"
        f"5 Ash,5,{nxt},stranger@example.org\n"
    )
    job = checked(cast.head, cast.school, "classes", text)
    assert [e["action"] for e in job.report] == ["create", "unchanged", "error"]
    assert "Import the staff first" in str(job.report[2])
    job = checked(cast.head, cast.school, "classes", "\n".join(text.splitlines()[:3]))
    imported(job)
    new = SchoolClass.objects.get(name="4 Oak")
    assert new.academic_year.name == nxt and new.year_group == cast.y4
    assert list(new.staff.all()) == [cast.teacher]


def test_guardian_import_adds_and_updates_contacts(cast, immediate_tasks):
    a, z = cast.amara, cast.zebedee
    text = (
        "Pupil UPN,Pupil first name,Pupil last name,Pupil DOB,Contact name,Relationship,Email,"
        "Phone,PR,Priority\n"
        f"{a.upn},,,,Ada Okonkwo,Mother,,01234 567890,Y,1\n"
        f",Zebedee,Marchbanks,{z.date_of_birth:%d/%m/%Y},Zak Marchbanks,Father,"
        "zak@example.org,,Y,2\n"
        f",Nobody,Known,01/01/2015,Nora,Aunt,,,,\n"
    )
    job = checked(cast.head, cast.school, "guardians", text)
    assert [e["action"] for e in job.report] == ["update", "create", "error"]
    assert "No pupil at this school is called Nobody Known" in str(job.report[2])
    job = checked(cast.head, cast.school, "guardians", "\n".join(text.splitlines()[:3]))
    imported(job)
    ada = Guardian.objects.get(name="Ada Okonkwo")
    assert (ada.relationship, ada.phone) == ("Mother", "01234 567890")
    assert Guardian.objects.get(name="Zak Marchbanks").pupil == z


def test_guardian_import_cannot_reach_pupils_of_another_school(cast, immediate_tasks):
    p = cast.priya
    text = (
        "Pupil first name,Pupil last name,Pupil DOB,Contact name\n"
        f"Priya,Hollowaygate,{p.date_of_birth:%d/%m/%Y},Evil Twin\n"
    )
    job = checked(cast.head, cast.school, "guardians", text)
    assert job.report[0]["action"] == "error"
    assert not Guardian.objects.filter(name="Evil Twin").exists()


def test_group_import_creates_groups_and_memberships(cast, immediate_tasks):
    a, b = cast.amara, cast.bartholomew
    text = (
        "Group,Kind,UPN\n"
        f"Phonics catch-up,Intervention group,{a.upn}\n"
        f"Phonics catch-up,Intervention group,{b.upn}\n"
        f"Phonics catch-up,Intervention group,{b.upn}\n"
    )
    job = checked(cast.head, cast.school, "groups", text)
    assert [e["action"] for e in job.report] == ["create", "create", "error"]
    assert "repeats this membership on line 3" in str(job.report[2])
    job = checked(cast.head, cast.school, "groups", "\n".join(text.splitlines()[:3]))
    assert job.status == ImportJob.Status.CHECKED
    imported(job)
    group = Group.objects.get(name="Phonics catch-up")
    assert group.kind == Group.Kind.INTERVENTION
    assert set(group.pupils.all()) == {a, b}


def test_group_import_needs_a_way_to_identify_pupils(cast):
    from nextsteps.interop import services

    from .conftest import upload

    job = services.start_import(cast.head, cast.school, "groups", upload("Group,Forename\nA,B\n"))
    assert "pupil_upn" in services.mapping_errors(job, job.mapping)
