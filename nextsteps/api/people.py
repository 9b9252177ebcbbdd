"""Pupils with their characteristics and enrolments, groups, and guardians."""

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from nextsteps.audit.services import record_read
from nextsteps.schools import policy, services
from nextsteps.schools.models import (
    Characteristic,
    Enrolment,
    Group,
    GroupMembership,
    Guardian,
    Pupil,
    School,
    SchoolClass,
)

from .errors import OutOfScope, Refused, responses
from .scope import (
    acting,
    caller,
    get_pupil,
    get_school,
    is_staff_for,
    require,
    require_for_pupil,
    visible_school_ids,
)

router = Router(tags=["pupils"])

Sex = Literal["F", "M", "U"]
SenStatus = Literal["N", "K", "E"]
YES_NO_KINDS = [k for k in Characteristic.Kind.values if k != Characteristic.Kind.SEN]


class CharacteristicOut(Schema):
    kind: str
    value: str
    label: str
    start_date: date
    end_date: date | None


class CharacteristicDetailOut(CharacteristicOut):
    details: str | None = Field(
        None, description="SEN details; only for those allowed to read them (the read is logged)"
    )


class CharacteristicIn(Schema):
    kind: Characteristic.Kind
    value: str = Field(..., description="N, K or E for SEN; Y or N for the others")
    start_date: date | None = Field(None, description="Default today")
    details: str = ""


class EnrolmentOut(Schema):
    id: int
    school_id: int
    school: str = Field(..., alias="school.name")
    academic_year_id: int
    year_group_id: int
    year_group: str = Field(..., alias="year_group.name")
    class_id: int | None = Field(None, alias="school_class_id")
    class_name: str | None = None
    start_date: date
    end_date: date | None
    leaving_reason: str

    @staticmethod
    def resolve_class_name(obj):
        return obj.school_class.name if obj.school_class_id else None


class GroupRefOut(Schema):
    id: int
    name: str
    kind: str
    school_id: int


class PupilOut(Schema):
    id: int
    upn: str | None
    upn_temporary: bool
    legal_first_name: str
    legal_middle_names: str
    legal_last_name: str
    preferred_first_name: str
    preferred_last_name: str
    name: str
    date_of_birth: date
    sex: str
    summer_born: bool
    version: int
    characteristics: list[CharacteristicOut]

    @staticmethod
    def resolve_characteristics(obj):
        today = timezone.localdate()
        return [c for c in obj.characteristics.all() if c.current_on(today)]


class PupilDetailOut(PupilOut):
    characteristics: list[CharacteristicDetailOut]
    enrolments: list[EnrolmentOut]
    groups: list[GroupRefOut]

    # _pupil_detail decides, per caller, what goes in these
    @staticmethod
    def resolve_characteristics(obj):
        return obj.api_characteristics

    @staticmethod
    def resolve_enrolments(obj):
        return list(obj.enrolments.all())

    @staticmethod
    def resolve_groups(obj):
        return list(obj.pupil_groups.all())


class PupilFields(Schema):
    upn: str | None = Field(None, description="13 characters; a temporary UPN ends in a letter")
    legal_first_name: str = Field(..., max_length=100)
    legal_middle_names: str = Field("", max_length=200)
    legal_last_name: str = Field(..., max_length=100)
    preferred_first_name: str = Field("", max_length=100)
    preferred_last_name: str = Field("", max_length=100)
    date_of_birth: date
    sex: Sex


class PupilIn(PupilFields):
    school_id: int = Field(..., description="The school the pupil is enrolled at")
    year_group_id: int
    class_id: int | None = None
    start_date: date | None = Field(None, description="First day on roll; default today")
    characteristics: list[CharacteristicIn] = []


class PupilPatch(Schema):
    version: int = Field(..., description="The version you read; a newer one on file gives 409")
    upn: str | None = None
    legal_first_name: str | None = Field(None, max_length=100)
    legal_middle_names: str | None = Field(None, max_length=200)
    legal_last_name: str | None = Field(None, max_length=100)
    preferred_first_name: str | None = Field(None, max_length=100)
    preferred_last_name: str | None = Field(None, max_length=100)
    date_of_birth: date | None = None
    sex: Sex | None = None


class PupilFilters(Schema):
    school_id: int | None = Field(None, description="On roll at this school today")
    class_id: int | None = Field(None, description="In this class")
    year_group_id: int | None = Field(None, description="In this year group today")
    group_id: int | None = Field(None, description="A member of this group")
    search: str | None = Field(None, description="Words found in the legal or preferred names")
    sen: SenStatus | None = Field(None, description="Current SEN status")
    disadvantaged: bool | None = None
    fsm: bool | None = None
    pupil_premium: bool | None = None
    eal: bool | None = None
    looked_after: bool | None = None
    child_in_need: bool | None = None
    service_child: bool | None = None


class EnrolmentIn(Schema):
    school_id: int
    year_group_id: int
    class_id: int | None = None
    start_date: date | None = Field(None, description="Default today")


class LeaveIn(Schema):
    school_id: int
    on: date | None = Field(None, description="Last day on roll; default today")
    reason: str = Field("", max_length=200)


class GroupOut(Schema):
    id: int
    school_id: int
    name: str
    kind: str
    description: str


class MemberOut(Schema):
    id: int
    name: str


class GroupDetailOut(GroupOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj):
        return obj.api_members


class GroupIn(Schema):
    name: str = Field(..., max_length=100)
    kind: Group.Kind = Group.Kind.CUSTOM
    description: str = ""


class MemberIn(Schema):
    pupil_id: int


class GuardianOut(Schema):
    id: int
    pupil_id: int
    name: str
    relationship: str
    email: str
    phone: str
    parental_responsibility: bool
    priority: int
    has_sign_in: bool

    @staticmethod
    def resolve_has_sign_in(obj):
        return obj.user_id is not None


class GuardianIn(Schema):
    name: str = Field(..., max_length=200)
    relationship: str = Field("Parent", max_length=50)
    email: str = ""
    phone: str = Field("", max_length=40)
    parental_responsibility: bool = True
    priority: int = Field(1, ge=0)


class GuardianPatch(Schema):
    name: str | None = Field(None, max_length=200)
    relationship: str | None = Field(None, max_length=50)
    email: str | None = None
    phone: str | None = Field(None, max_length=40)
    parental_responsibility: bool | None = None
    priority: int | None = Field(None, ge=0)


# Helpers ------------------------------------------------------------------------------------


def _current(on: date) -> Q:
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def _pupils_for(user):
    enrolments = Enrolment.objects.select_related("school", "year_group", "school_class")
    return (
        Pupil.objects.visible_to(user)
        .prefetch_related(
            "characteristics",
            Prefetch("enrolments", queryset=enrolments),
        )
        .order_by("legal_last_name", "legal_first_name", "id")
    )


def _filter(queryset, f: PupilFilters):
    today = timezone.localdate()
    current = Enrolment.objects.filter(_current(today))
    if f.school_id is not None:
        queryset = queryset.filter(pk__in=current.filter(school_id=f.school_id).values("pupil_id"))
    if f.year_group_id is not None:
        queryset = queryset.filter(
            pk__in=current.filter(year_group_id=f.year_group_id).values("pupil_id")
        )
    if f.class_id is not None:
        school_class = SchoolClass.objects.filter(pk=f.class_id).select_related("academic_year")
        school_class = school_class.first()
        # A past class lists those in it at the end of its year; a current one, those in it now.
        on = min(today, school_class.academic_year.end_date) if school_class else today
        queryset = queryset.filter(
            pk__in=Enrolment.objects.filter(school_class_id=f.class_id)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
            .values("pupil_id")
        )
    if f.group_id is not None:
        queryset = queryset.filter(
            pk__in=GroupMembership.objects.filter(group_id=f.group_id).values("pupil_id")
        )
    if f.search:
        for word in f.search.split():
            queryset = queryset.filter(
                Q(legal_first_name__icontains=word)
                | Q(legal_last_name__icontains=word)
                | Q(preferred_first_name__icontains=word)
                | Q(preferred_last_name__icontains=word)
            )
    in_force = Characteristic.objects.filter(_current(today))
    if f.sen is not None:
        with_sen = in_force.filter(kind="sen").exclude(value="N").values("pupil_id")
        if f.sen == "N":
            queryset = queryset.exclude(pk__in=with_sen)
        else:
            queryset = queryset.filter(
                pk__in=in_force.filter(kind="sen", value=f.sen).values("pupil_id")
            )
    for kind in YES_NO_KINDS:
        wanted = getattr(f, kind)
        if wanted is None:
            continue
        having = in_force.filter(kind=kind, value="Y").values("pupil_id")
        queryset = queryset.filter(pk__in=having) if wanted else queryset.exclude(pk__in=having)
    return queryset


def _school_in_body(user, school_id: int, permission: str, field: str = "school_id") -> School:
    """A school named in the request body: outside the caller's scope is 404 (naming the
    field), seen but without the permission is 403."""
    if school_id not in visible_school_ids(user):
        raise OutOfScope(field, "There is no school with that id that you can see.")
    require(user, permission, school_id)
    return School.objects.get(pk=school_id)


def _placement_parts(school: School, year_group_id: int, class_id: int | None):
    year_group = school.year_groups.filter(pk=year_group_id).first()
    if year_group is None:
        raise ValidationError({"year_group_id": f"That year group is not one of {school}'s."})
    school_class = None
    if class_id is not None:
        school_class = school.classes.filter(pk=class_id).first()
        if school_class is None:
            raise ValidationError({"class_id": f"That class is not one of {school}'s."})
    return year_group, school_class


def _pupil_detail(request, pupil_id: int):
    user = caller(request)
    pupil = _pupils_for(user).prefetch_related("pupil_groups").filter(pk=pupil_id).first()
    if pupil is None:
        raise Http404
    today = timezone.localdate()
    current = [c for c in pupil.characteristics.all() if c.current_on(today)]
    show_sen = policy.can_see_sen_details(user, pupil)
    pupil.api_characteristics = [
        {
            **CharacteristicOut.model_validate(record).model_dump(),
            "details": record.details if record.kind == "sen" and show_sen else None,
        }
        for record in current
    ]
    if show_sen and any(c.kind == "sen" for c in current):
        record_read(user, pupil, "SEN details (API)")
    return pupil


def _set_characteristics(pupil, items: list[CharacteristicIn], user):
    for item in items:
        value = item.value.strip().upper()
        if item.kind != "sen" and value not in {"Y", "N"}:
            raise ValidationError({"characteristics": f"{item.kind} is Y or N."})
        services.set_characteristic(
            pupil,
            item.kind,
            value if item.kind == "sen" else value == "Y",
            start_date=item.start_date,
            details=item.details,
            by=user,
        )


# Pupils -------------------------------------------------------------------------------------


@router.get("/pupils", response={200: list[PupilOut], **responses(422)})
@paginate(LimitOffsetPagination)
def list_pupils(request, filters: Query[PupilFilters]):
    """The pupils you may see, filtered. Governors see none: they get anonymised aggregates."""
    return _filter(_pupils_for(caller(request)), filters)


@router.get("/pupils/{pupil_id}", response={200: PupilDetailOut, **responses(404)})
def get_pupil_detail(request, pupil_id: int):
    """One pupil with current characteristics, enrolments and groups. SEN details are included
    only for those allowed to read them, and each such read is logged."""
    return _pupil_detail(request, pupil_id)


@router.post("/pupils", response={201: PupilDetailOut, **responses(403, 404, 422)})
def create_pupil(request, payload: PupilIn):
    """Add a pupil and put them on roll (permission manage_pupils at the school), with any
    characteristics given; all of it or none of it is saved."""
    user = caller(request)
    school = _school_in_body(user, payload.school_id, "manage_pupils")
    year_group, school_class = _placement_parts(school, payload.year_group_id, payload.class_id)
    fields = payload.model_dump(include=set(PupilFields.model_fields))
    with acting(request), transaction.atomic():
        pupil = services.create_pupil(**fields)
        services.enrol_pupil(
            pupil, school, year_group, school_class=school_class, start_date=payload.start_date
        )
        _set_characteristics(pupil, payload.characteristics, user)
    return Status(201, _pupil_detail(request, pupil.pk))


@router.patch("/pupils/{pupil_id}", response={200: PupilDetailOut, **responses(403, 404, 409, 422)})
def update_pupil(request, pupil_id: int, payload: PupilPatch):
    """Change a pupil's details (permission manage_pupils). Send the `version` you read: if
    someone changed the pupil since, nothing is saved and the answer is 409."""
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    require_for_pupil(user, "manage_pupils", pupil)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    for key in ("legal_first_name", "legal_last_name", "date_of_birth", "sex"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    for key in ("legal_middle_names", "preferred_first_name", "preferred_last_name"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    with acting(request):
        services.update_pupil(pupil, changes, version)
    return _pupil_detail(request, pupil_id)


@router.post(
    "/pupils/{pupil_id}/characteristics",
    response={200: PupilDetailOut, **responses(403, 404, 422)},
)
def set_characteristic(request, pupil_id: int, payload: CharacteristicIn):
    """Record a characteristic from a date (permission manage_pupils); the record in force
    before it is ended, not overwritten."""
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    require_for_pupil(user, "manage_pupils", pupil)
    with acting(request):
        _set_characteristics(pupil, [payload], user)
    return _pupil_detail(request, pupil_id)


# Enrolments ---------------------------------------------------------------------------------


@router.get("/pupils/{pupil_id}/enrolments", response={200: list[EnrolmentOut], **responses(404)})
def list_enrolments(request, pupil_id: int):
    pupil = get_pupil(caller(request), pupil_id)
    return pupil.enrolments.select_related("school", "year_group", "school_class")


@router.post(
    "/pupils/{pupil_id}/enrolments",
    response={201: EnrolmentOut, **responses(403, 404, 422)},
)
def enrol(request, pupil_id: int, payload: EnrolmentIn):
    """Put the pupil on roll, or move them to another class or year group, from a date
    (permission manage_pupils at the school). A current enrolment there ends the day before."""
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    school = _school_in_body(user, payload.school_id, "manage_pupils")
    year_group, school_class = _placement_parts(school, payload.year_group_id, payload.class_id)
    with acting(request):
        enrolment = services.enrol_pupil(
            pupil, school, year_group, school_class=school_class, start_date=payload.start_date
        )
    return Status(201, enrolment)


@router.post(
    "/pupils/{pupil_id}/leave",
    response={200: list[EnrolmentOut], **responses(403, 404, 422)},
)
def leave(request, pupil_id: int, payload: LeaveIn):
    """The pupil leaves the school (permission manage_pupils): their enrolments end; the
    record and its history are kept."""
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    school = _school_in_body(user, payload.school_id, "manage_pupils")
    with acting(request):
        ended = services.mark_left(pupil, school, on=payload.on, reason=payload.reason.strip())
    if not ended:
        raise ValidationError({"school_id": "The pupil is not on roll at that school."})
    return pupil.enrolments.select_related("school", "year_group", "school_class")


# Groups -------------------------------------------------------------------------------------


def _group_for(request, group_id: int, permission: str = "view_school") -> Group:
    group = Group.objects.filter(pk=group_id).first()
    if group is None:
        raise Http404
    get_school(caller(request), group.school_id, permission)
    return group


def _group_detail(request, group: Group) -> Group:
    """The group with only the members the caller may see."""
    group.api_members = list(Pupil.objects.visible_to(caller(request)).filter(pupil_groups=group))
    return group


@router.get("/schools/{school_id}/groups", response={200: list[GroupOut], **responses(403, 404)})
def list_groups(request, school_id: int):
    return get_school(caller(request), school_id).groups.all()


@router.get("/groups/{group_id}", response={200: GroupDetailOut, **responses(403, 404)})
def get_group(request, group_id: int):
    """A group with those of its members you may see."""
    return _group_detail(request, _group_for(request, group_id))


@router.post("/schools/{school_id}/groups", response={201: GroupOut, **responses(403, 404, 422)})
def create_group(request, school_id: int, payload: GroupIn):
    """Create a group (permission manage_groups)."""
    school = get_school(caller(request), school_id, "manage_groups")
    name = payload.name.strip()
    if school.groups.filter(name__iexact=name).exists():
        raise ValidationError({"name": "There is already a group with that name."})
    with acting(request):
        group = services.create_group(school, name, payload.kind, payload.description)
    return Status(201, group)


@router.post(
    "/groups/{group_id}/members", response={200: GroupDetailOut, **responses(403, 404, 422)}
)
def add_member(request, group_id: int, payload: MemberIn):
    """Add a pupil you can see who is on roll at the group's school (permission
    manage_groups)."""
    group = _group_for(request, group_id, "manage_groups")
    pupil = Pupil.objects.visible_to(caller(request)).filter(pk=payload.pupil_id).first()
    if pupil is None:
        raise OutOfScope("pupil_id", "There is no pupil with that id that you can see.")
    if not pupil.enrolments.filter(school_id=group.school_id).exists():
        raise ValidationError({"pupil_id": "That pupil has never been on roll at this school."})
    with acting(request):
        services.add_to_group(group, pupil)
    return _group_detail(request, group)


@router.delete("/groups/{group_id}/members/{pupil_id}", response={204: None, **responses(403, 404)})
def remove_member(request, group_id: int, pupil_id: int):
    group = _group_for(request, group_id, "manage_groups")
    pupil = get_pupil(caller(request), pupil_id)
    if not group.memberships.filter(pupil=pupil).exists():
        raise Http404
    with acting(request):
        services.remove_from_group(group, pupil)
    return Status(204, None)


# Guardians ----------------------------------------------------------------------------------


def _staff_pupil(request, pupil_id: int):
    """Contact details are for staff of the pupil's schools and the placing provider; a parent
    or pupil who can see the record is refused."""
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    if not is_staff_for(user, pupil):
        raise Refused("Contact details are for the pupil's school staff.")
    return pupil


@router.get(
    "/pupils/{pupil_id}/guardians", response={200: list[GuardianOut], **responses(403, 404)}
)
def list_guardians(request, pupil_id: int):
    return _staff_pupil(request, pupil_id).guardians.all()


@router.post(
    "/pupils/{pupil_id}/guardians", response={201: GuardianOut, **responses(403, 404, 422)}
)
def add_guardian(request, pupil_id: int, payload: GuardianIn):
    """Add a parent, carer or other contact (permission manage_pupils)."""
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    require_for_pupil(user, "manage_pupils", pupil)
    with acting(request):
        guardian = services.add_guardian(pupil, **payload.model_dump())
    return Status(201, guardian)


@router.patch("/guardians/{guardian_id}", response={200: GuardianOut, **responses(403, 404, 422)})
def update_guardian(request, guardian_id: int, payload: GuardianPatch):
    """Change a contact's details (permission manage_pupils)."""
    user = caller(request)
    guardian = (
        Guardian.objects.filter(pupil__in=Pupil.objects.visible_to(user), pk=guardian_id)
        .select_related("pupil")
        .first()
    )
    if guardian is None:
        raise Http404
    require_for_pupil(user, "manage_pupils", guardian.pupil)
    changes = payload.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None:
            raise ValidationError({key: "This field cannot be empty."})
    with acting(request):
        return services.update_guardian(guardian, **changes)
