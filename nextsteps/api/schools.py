"""Schools and their calendar, year groups, classes, and staff with their roles."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from nextsteps.accounts.models import User
from nextsteps.schools import policy, services
from nextsteps.schools.models import (
    AcademicYear,
    ClassStaff,
    Role,
    School,
    SchoolClass,
    YearGroup,
)

from .errors import responses
from .scope import acting, caller, get_school, require, visible_school_ids

router = Router(tags=["schools"])


class SchoolOut(Schema):
    id: int
    name: str
    kind: str
    country: str
    urn: str
    trust: str | None = Field(None, alias="trust.name")
    year_start_month: int


class TermOut(Schema):
    id: int
    name: str
    start_date: date
    end_date: date


class AssessmentPointOut(Schema):
    id: int
    name: str
    date: date


class AcademicYearOut(Schema):
    id: int
    school_id: int
    name: str
    start_date: date
    end_date: date


class AcademicYearIn(Schema):
    start_year: int = Field(..., ge=1990, le=2100, description="2025 for the year 2025/26")
    terms: list[str] | None = Field(None, description="Term names; default Autumn, Spring, Summer")
    assessment_points: list[str] | None = Field(
        None, description="Assessment point names; default Autumn, Spring, Summer"
    )


class YearGroupOut(Schema):
    id: int
    school_id: int
    name: str
    stage: int


class YearGroupPatch(Schema):
    name: str = Field(..., min_length=1, max_length=50)


class PersonOut(Schema):
    id: int
    name: str
    email: str

    @staticmethod
    def resolve_name(obj):
        return str(obj)


class ClassStaffOut(Schema):
    user: PersonOut
    kind: str


class ClassOut(Schema):
    id: int
    school_id: int
    academic_year_id: int
    name: str
    year_group_id: int | None


class ClassDetailOut(ClassOut):
    staff: list[ClassStaffOut]

    @staticmethod
    def resolve_staff(obj):
        return list(obj.staff_links.all())


class ClassIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    academic_year_id: int
    year_group_id: int | None = None
    teacher_ids: list[int] = []
    assistant_ids: list[int] = []


class ClassStaffIn(Schema):
    user_id: int
    kind: ClassStaff.Kind = ClassStaff.Kind.TEACHER


class RoleOut(Schema):
    id: int
    user: PersonOut
    kind: str
    school_id: int


class RoleIn(Schema):
    email: str = Field(..., description="The email address the person signs in with")
    kind: str = Field(..., description="head, deputy, assessment_leader, inclusion_manager, …")


SCHOOL_ROLE_KINDS = [k for k in Role.Kind.values if k not in {"trust_staff", "provider_staff"}]


# Schools ------------------------------------------------------------------------------------


@router.get("/schools", response={200: list[SchoolOut], **responses()})
def list_schools(request):
    """The schools you may see: where you hold a role or teach, your children's schools, and
    the centres where your organisation has placed pupils."""
    ids = visible_school_ids(caller(request))
    return School.objects.filter(pk__in=ids).select_related("trust")


@router.get("/schools/{school_id}", response={200: SchoolOut, **responses(404)})
def get_school_detail(request, school_id: int):
    return get_school(caller(request), school_id, permission=None)


# Academic years, terms, assessment points ---------------------------------------------------


@router.get(
    "/schools/{school_id}/years", response={200: list[AcademicYearOut], **responses(403, 404)}
)
def list_years(request, school_id: int):
    school = get_school(caller(request), school_id)
    return school.academic_years.order_by("start_date")


@router.post(
    "/schools/{school_id}/years",
    response={201: AcademicYearOut, **responses(403, 404, 422)},
)
def create_year(request, school_id: int, payload: AcademicYearIn):
    """Create an academic year with its terms and assessment points (permission manage_school).
    Creating a year that already exists returns it unchanged."""
    school = get_school(caller(request), school_id, "manage_school")
    terms, points = payload.terms, payload.assessment_points
    for field, names in (("terms", terms), ("assessment_points", points)):
        if names is not None and (not names or any(not n.strip() for n in names)):
            raise ValidationError({field: "Give at least one name, and no blank names."})
    with acting(request):
        year = services.create_academic_year(school, payload.start_year, terms=terms, points=points)
    return Status(201, year)


def _year_for(request, year_id: int) -> AcademicYear:
    year = get_object_or_404(AcademicYear, pk=year_id)
    get_school(caller(request), year.school_id)
    return year


@router.get("/years/{year_id}/terms", response={200: list[TermOut], **responses(403, 404)})
def list_terms(request, year_id: int):
    return _year_for(request, year_id).terms.all()


@router.get(
    "/years/{year_id}/assessment-points",
    response={200: list[AssessmentPointOut], **responses(403, 404)},
)
def list_assessment_points(request, year_id: int):
    return _year_for(request, year_id).assessment_points.all()


# Year groups --------------------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/year-groups", response={200: list[YearGroupOut], **responses(403, 404)}
)
def list_year_groups(request, school_id: int):
    return get_school(caller(request), school_id).year_groups.all()


@router.patch(
    "/year-groups/{year_group_id}", response={200: YearGroupOut, **responses(403, 404, 422)}
)
def rename_year_group(request, year_group_id: int, payload: YearGroupPatch):
    """Give a year group the school's own name for it (permission manage_school)."""
    year_group = get_object_or_404(YearGroup, pk=year_group_id)
    get_school(caller(request), year_group.school_id, "manage_school")
    name = payload.name.strip()
    taken = YearGroup.objects.filter(school_id=year_group.school_id, name__iexact=name)
    if taken.exclude(pk=year_group.pk).exists():
        raise ValidationError({"name": "Another year group at this school has that name."})
    with acting(request):
        return services.rename_year_group(year_group, name)


# Classes ------------------------------------------------------------------------------------


def _class_for(request, class_id: int) -> SchoolClass:
    school_class = (
        SchoolClass.objects.visible_to(caller(request))
        .filter(pk=class_id)
        .prefetch_related("staff_links__user")
        .first()
    )
    if school_class is None:
        raise Http404
    return school_class


def _school_user(school: School, user_id: int, field: str) -> User:
    """A person with a staff role (or a class) at this school; others cannot be assigned."""
    user = (
        User.objects.filter(pk=user_id)
        .filter(Q(roles__school=school) | Q(class_links__school_class__school=school))
        .first()
    )
    if user is None:
        raise ValidationError({field: f"No member of staff at {school} has the id {user_id}."})
    return user


@router.get("/schools/{school_id}/classes", response={200: list[ClassOut], **responses(403, 404)})
def list_classes(request, school_id: int, academic_year_id: int | None = None):
    """The school's classes you may see: all of them for senior staff, your own for class
    staff. Filter by `academic_year_id`."""
    school = get_school(caller(request), school_id)
    classes = SchoolClass.objects.visible_to(caller(request)).filter(school=school)
    if academic_year_id is not None:
        classes = classes.filter(academic_year_id=academic_year_id)
    return classes


@router.get("/classes/{class_id}", response={200: ClassDetailOut, **responses(404)})
def get_class(request, class_id: int):
    return _class_for(request, class_id)


@router.post(
    "/schools/{school_id}/classes", response={201: ClassDetailOut, **responses(403, 404, 422)}
)
def create_class(request, school_id: int, payload: ClassIn):
    """Create a class with its teachers and assistants (permission manage_school)."""
    school = get_school(caller(request), school_id, "manage_school")
    year = school.academic_years.filter(pk=payload.academic_year_id).first()
    if year is None:
        raise ValidationError({"academic_year_id": "That academic year is not this school's."})
    year_group = None
    if payload.year_group_id is not None:
        year_group = school.year_groups.filter(pk=payload.year_group_id).first()
        if year_group is None:
            raise ValidationError({"year_group_id": "That year group is not this school's."})
    name = payload.name.strip()
    if school.classes.filter(academic_year=year, name__iexact=name).exists():
        raise ValidationError({"name": "There is already a class with that name this year."})
    teachers = [_school_user(school, pk, "teacher_ids") for pk in payload.teacher_ids]
    assistants = [_school_user(school, pk, "assistant_ids") for pk in payload.assistant_ids]
    with acting(request):
        school_class = services.create_class(school, year, name, year_group, teachers, assistants)
    return Status(201, _class_for(request, school_class.pk))


@router.post(
    "/classes/{class_id}/staff", response={200: ClassDetailOut, **responses(403, 404, 422)}
)
def assign_class_staff(request, class_id: int, payload: ClassStaffIn):
    """Link a teacher or teaching assistant to the class (permission manage_school)."""
    school_class = _class_for(request, class_id)
    require(caller(request), "manage_school", school_class.school_id)
    user = _school_user(school_class.school, payload.user_id, "user_id")
    with acting(request):
        services.assign_class_staff(school_class, user, payload.kind)
    return _class_for(request, class_id)


@router.delete("/classes/{class_id}/staff/{user_id}", response={204: None, **responses(403, 404)})
def remove_class_staff(request, class_id: int, user_id: int):
    school_class = _class_for(request, class_id)
    require(caller(request), "manage_school", school_class.school_id)
    if not school_class.staff_links.filter(user_id=user_id).exists():
        raise Http404
    with acting(request):
        services.remove_class_staff(school_class, User.objects.get(pk=user_id))
    return Status(204, None)


# Staff and roles ----------------------------------------------------------------------------


@router.get("/schools/{school_id}/roles", response={200: list[RoleOut], **responses(403, 404)})
def list_roles(request, school_id: int):
    """Everyone with a role at the school (permission manage_staff)."""
    school = get_school(caller(request), school_id, "manage_staff")
    return Role.objects.filter(school=school).select_related("user").order_by("kind", "user_id")


@router.post("/schools/{school_id}/roles", response={201: RoleOut, **responses(403, 404, 422)})
def grant_role(request, school_id: int, payload: RoleIn):
    """Give someone who already has a sign-in a role at the school (permission manage_staff)."""
    school = get_school(caller(request), school_id, "manage_staff")
    if payload.kind not in SCHOOL_ROLE_KINDS:
        raise ValidationError({"kind": f"Choose one of: {', '.join(SCHOOL_ROLE_KINDS)}."})
    users = list(User.objects.filter(email__iexact=payload.email.strip(), is_active=True)[:2])
    if len(users) != 1:
        raise ValidationError(
            {"email": "No one (or more than one person) signs in with that email address."}
        )
    with acting(request):
        role = services.grant_role(users[0], payload.kind, school=school)
    return Status(201, role)


@router.delete("/roles/{role_id}", response={204: None, **responses(403, 404, 422)})
def revoke_role(request, role_id: int):
    """Take a role away (permission manage_staff at the role's school)."""
    user = caller(request)
    role = Role.objects.filter(pk=role_id, school__isnull=False).first()
    if role is None or role.school_id not in visible_school_ids(user):
        raise Http404
    require(user, "manage_staff", role.school_id)
    if role.user_id == user.pk and role.kind in policy.PERMISSIONS["manage_staff"]:
        raise ValidationError(
            {"role_id": "You cannot take away your own staff-management role; ask a colleague."}
        )
    with acting(request):
        services.revoke_role(role)
    return Status(204, None)
