"""Named actions on schools and pupils. Pages, the API, imports, the demo and tests all use
these; none of them writes these models directly. Each runs in one transaction."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nextsteps.lib.upn import UPNError, parse_upn

from .models import (
    AcademicYear,
    AssessmentPoint,
    Characteristic,
    ClassStaff,
    Enrolment,
    Group,
    GroupMembership,
    Guardian,
    Placement,
    Provider,
    Pupil,
    Role,
    School,
    SchoolClass,
    Term,
    Trust,
    YearGroup,
)


class ConflictError(Exception):
    """Someone else changed the record since it was read. Carries what is there now."""

    def __init__(self, current):
        self.current = current
        super().__init__(
            "Someone else changed this record while you were editing it. "
            "Their change has been kept; look at it and make yours again."
        )


def _save_changes(instance, changes: dict, allowed: set[str]):
    """Apply `changes` to the named fields only, validate the whole record, save it."""
    for key in changes:
        if key not in allowed:
            raise ValidationError({key: "This field cannot be changed here."})
    for key, value in changes.items():
        setattr(instance, key, value)
    instance.full_clean()
    instance.save()
    return instance


ENGLISH_YEAR_GROUPS = [(-1, "Nursery"), (0, "Reception")] + [(n, f"Year {n}") for n in range(1, 14)]
SCOTTISH_YEAR_GROUPS = (
    [(-1, "Nursery")]
    + [(n, f"P{n}") for n in range(1, 8)]
    + [(7 + n, f"S{n}") for n in range(1, 7)]
)
DEFAULT_POINTS = ["Autumn", "Spring", "Summer"]


def default_year_groups(school: School, stages: range | list[int] | None = None):
    names = (
        SCOTTISH_YEAR_GROUPS if school.country == School.Country.SCOTLAND else ENGLISH_YEAR_GROUPS
    )
    return [(s, n) for s, n in names if stages is None or s in stages]


@transaction.atomic
def create_school(
    *, name: str, kind: str, country: str = "england", trust=None, urn: str = "", stages=None
) -> School:
    """Create a school with its year groups (local names; `stages` picks which)."""
    school = School(
        name=name,
        kind=kind,
        country=country,
        trust=trust,
        urn=urn,
        year_start_month=8 if country == School.Country.SCOTLAND else 9,
    )
    school.full_clean()
    school.save()
    for stage, label in default_year_groups(school, stages):
        YearGroup.objects.create(school=school, name=label, stage=stage)
    return school


def _term_dates(start: date, end: date, count: int) -> list[tuple[date, date]]:
    span = (end - start).days + 1
    out = []
    for i in range(count):
        s = start + timedelta(days=span * i // count)
        e = start + timedelta(days=span * (i + 1) // count - 1)
        out.append((s, e))
    return out


@transaction.atomic
def create_academic_year(
    school: School,
    start_year: int,
    *,
    points: list[str] | None = None,
    terms: list[str] | None = None,
) -> AcademicYear:
    """An academic year with terms and assessment points (default autumn, spring and summer,
    each due near the end of its term). Returns the existing year if it is already there."""
    start = date(start_year, school.year_start_month, 1)
    end = date(start_year + 1, school.year_start_month, 1) - timedelta(days=1)
    year, created = AcademicYear.objects.get_or_create(
        school=school,
        start_date=start,
        defaults={"end_date": end, "name": f"{start_year}/{(start_year + 1) % 100:02d}"},
    )
    if not created:
        return year
    term_names = terms or DEFAULT_POINTS
    for name, (s, e) in zip(
        term_names, _term_dates(start, end - timedelta(days=35), len(term_names)), strict=True
    ):
        Term.objects.create(academic_year=year, name=name, start_date=s, end_date=e)
    point_names = points or DEFAULT_POINTS
    for name, (_, e) in zip(
        point_names, _term_dates(start, end - timedelta(days=35), len(point_names)), strict=True
    ):
        AssessmentPoint.objects.create(academic_year=year, name=name, date=e - timedelta(days=7))
    return year


def rename_year_group(year_group: YearGroup, name: str) -> YearGroup:
    return _save_changes(year_group, {"name": name}, {"name"})


@transaction.atomic
def create_class(
    school: School,
    academic_year: AcademicYear,
    name: str,
    year_group=None,
    teachers=(),
    assistants=(),
) -> SchoolClass:
    school_class = SchoolClass(
        school=school, academic_year=academic_year, name=name, year_group=year_group
    )
    school_class.full_clean()
    school_class.save()
    for user in teachers:
        assign_class_staff(school_class, user, ClassStaff.Kind.TEACHER)
    for user in assistants:
        assign_class_staff(school_class, user, ClassStaff.Kind.TA)
    return school_class


def assign_class_staff(
    school_class: SchoolClass, user, kind: str = ClassStaff.Kind.TEACHER
) -> ClassStaff:
    link, _ = ClassStaff.objects.update_or_create(
        school_class=school_class, user=user, defaults={"kind": kind}
    )
    return link


def remove_class_staff(school_class: SchoolClass, user) -> None:
    for link in ClassStaff.objects.filter(school_class=school_class, user=user):
        link.delete()


def grant_role(user, kind: str, *, school=None, trust=None, provider=None) -> Role:
    role, _ = Role.objects.get_or_create(
        user=user, kind=kind, school=school, trust=trust, provider=provider
    )
    if hasattr(user, "_ns_roles"):
        del user._ns_roles
    return role


def revoke_role(role: Role) -> None:
    role.delete()


def normalise_upn(raw) -> tuple[str | None, bool]:
    """(UPN, is temporary) from raw input; (None, False) for blank. Raises ValidationError."""
    if raw is None or str(raw).strip() == "":
        return None, False
    try:
        parsed = parse_upn(str(raw))
    except UPNError as exc:
        raise ValidationError({"upn": f"Bad UPN: {exc}."}) from exc
    return parsed.value, parsed.temporary


PUPIL_FIELDS = [
    "upn",
    "legal_first_name",
    "legal_middle_names",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "sex",
]


@transaction.atomic
def create_pupil(**fields) -> Pupil:
    """Create a pupil after validating every field (UPN check letter included)."""
    pupil = Pupil(**{k: v for k, v in fields.items() if k in PUPIL_FIELDS})
    pupil.upn, pupil.upn_temporary = normalise_upn(pupil.upn)
    pupil.full_clean()
    pupil.save()
    return pupil


@transaction.atomic
def update_pupil(pupil: Pupil, changes: dict, expected_version: int | None) -> Pupil:
    """Apply `changes` if nobody else has changed the pupil since `expected_version` was read;
    otherwise raise ConflictError and change nothing. None skips the check (imports)."""
    current = Pupil.objects.select_for_update().get(pk=pupil.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current)
    for key, value in changes.items():
        if key not in PUPIL_FIELDS:
            raise ValidationError({key: "This field cannot be changed here."})
        setattr(current, key, value)
    current.upn, current.upn_temporary = normalise_upn(current.upn)
    current.full_clean()
    current.version += 1
    current.save()
    return current


def current_characteristic(pupil: Pupil, kind: str, on: date | None = None):
    on = on or timezone.localdate()
    for record in pupil.characteristics.all():
        if record.kind == kind and record.current_on(on):
            return record
    return None


@transaction.atomic
def set_characteristic(
    pupil: Pupil,
    kind: str,
    value: str | bool,
    *,
    start_date: date | None = None,
    details: str = "",
    by=None,
) -> Characteristic | None:
    """Record that from `start_date` the pupil has `value` for `kind` (SEN: N, K or E; others:
    True or False). The record in force is ended the day before; history is never lost.
    Returns the new record, or None when nothing changed."""
    start_date = start_date or timezone.localdate()
    if kind == Characteristic.Kind.SEN:
        code = str(value).upper()
        if code not in Characteristic.SEN_VALUES:
            raise ValidationError(
                {"value": "SEN status is N (none), K (SEN support) or E (EHC plan)."}
            )
    elif kind in Characteristic.Kind.values:
        code = "Y" if value in (True, "Y", "y", "1", 1, "yes", "true", "True") else "N"
    else:
        raise ValidationError({"kind": f"Unknown characteristic '{kind}'."})
    current = (
        Characteristic.objects.select_for_update()
        .filter(pupil=pupil, kind=kind, start_date__lte=start_date)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
        .first()
    )
    if current and current.value == code and current.details == details:
        return None
    if current:
        if current.start_date == start_date:
            current.delete()
        else:
            current.end_date = start_date - timedelta(days=1)
            current.save()
    if code == "N" and kind != Characteristic.Kind.SEN:
        return None
    return Characteristic.objects.create(
        pupil=pupil, kind=kind, value=code, start_date=start_date, details=details, recorded_by=by
    )


@transaction.atomic
def enrol_pupil(
    pupil: Pupil,
    school: School,
    year_group: YearGroup,
    *,
    school_class=None,
    academic_year=None,
    start_date: date | None = None,
) -> Enrolment:
    """Put a pupil on roll (or move class): any current enrolment at the school ends the day
    before the new one starts."""
    start_date = start_date or timezone.localdate()
    academic_year = academic_year or school.current_year(start_date)
    if academic_year is None:
        raise ValidationError({"academic_year": "The school has no academic year for that date."})
    if year_group.school_id != school.pk:
        raise ValidationError({"year_group": "That year group belongs to another school."})
    if school_class is not None and school_class.school_id != school.pk:
        raise ValidationError({"school_class": "That class belongs to another school."})
    for current in Enrolment.objects.select_for_update().filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date), pupil=pupil, school=school
    ):
        if current.start_date >= start_date:
            current.delete()
        else:
            current.end_date = start_date - timedelta(days=1)
            current.save()
    return Enrolment.objects.create(
        pupil=pupil,
        school=school,
        academic_year=academic_year,
        year_group=year_group,
        school_class=school_class,
        start_date=start_date,
    )


@transaction.atomic
def mark_left(pupil: Pupil, school: School, *, on: date | None = None, reason: str = "") -> int:
    """The pupil leaves the school: enrolments end, the record is archived, nothing deleted."""
    on = on or timezone.localdate()
    count = 0
    for enrolment in Enrolment.objects.select_for_update().filter(
        Q(end_date__isnull=True) | Q(end_date__gt=on), pupil=pupil, school=school
    ):
        enrolment.end_date = max(on, enrolment.start_date)
        enrolment.leaving_reason = reason or "Left"
        enrolment.save()
        count += 1
    return count


def create_group(
    school: School, name: str, kind: str = Group.Kind.CUSTOM, description: str = ""
) -> Group:
    group = Group(school=school, name=name, kind=kind, description=description)
    group.full_clean()
    group.save()
    return group


def add_to_group(group: Group, pupil: Pupil) -> GroupMembership:
    membership, _ = GroupMembership.objects.get_or_create(group=group, pupil=pupil)
    return membership


def remove_from_group(group: Group, pupil: Pupil) -> None:
    for membership in GroupMembership.objects.filter(group=group, pupil=pupil):
        membership.delete()


def add_guardian(
    pupil: Pupil,
    *,
    name: str,
    relationship: str = "Parent",
    email: str = "",
    phone: str = "",
    parental_responsibility: bool = True,
    priority: int = 1,
    user=None,
) -> Guardian:
    guardian = Guardian(
        pupil=pupil,
        name=name,
        relationship=relationship,
        email=email,
        phone=phone,
        parental_responsibility=parental_responsibility,
        priority=priority,
        user=user,
    )
    guardian.full_clean()
    guardian.save()
    return guardian


GUARDIAN_FIELDS = {
    "name",
    "relationship",
    "email",
    "phone",
    "parental_responsibility",
    "priority",
    "user",
}


def update_guardian(guardian: Guardian, **changes) -> Guardian:
    return _save_changes(guardian, changes, GUARDIAN_FIELDS)


def create_provider(
    name: str, kind: str = Provider.Kind.SCHOOL, email: str = "", phone: str = "", address: str = ""
) -> Provider:
    provider = Provider(name=name, kind=kind, email=email, phone=phone, address=address)
    provider.full_clean()
    provider.save()
    return provider


def place_pupil(
    pupil: Pupil,
    provider: Provider,
    school: School,
    *,
    start_date: date,
    end_date: date | None = None,
    **details,
) -> Placement:
    """Record that `provider` placed `pupil` at the centre `school` for the dates given."""
    if school.kind != School.Kind.ALTERNATIVE_PROVISION:
        raise ValidationError({"school": "Pupils are placed at an alternative-provision centre."})
    placement = Placement(
        pupil=pupil,
        provider=provider,
        school=school,
        start_date=start_date,
        end_date=end_date,
        **details,
    )
    placement.full_clean()
    placement.save()
    return placement


PLACEMENT_FIELDS = (
    "provider",
    "start_date",
    "end_date",
    "reason",
    "contact_name",
    "contact_email",
    "contact_phone",
    "report_frequency",
    "report_format",
)


def update_placement(placement: Placement, **changes) -> Placement:
    return _save_changes(placement, changes, PLACEMENT_FIELDS)


@dataclass
class PupilMatch:
    pupil: Pupil | None
    how: str  # "upn", "name and date of birth", "" (no match) or "ambiguous"
    candidates: list[Pupil]


def match_pupil(
    *, upn: str | None, first_name: str, last_name: str, date_of_birth: date, queryset=None
) -> PupilMatch:
    """Find an existing pupil: by UPN, else by legal or preferred names plus date of birth."""
    queryset = Pupil.objects.all() if queryset is None else queryset
    if upn:
        found = queryset.filter(upn=upn).first()
        if found:
            return PupilMatch(found, "upn", [found])
    by_name = list(
        queryset.filter(
            Q(legal_first_name__iexact=first_name) | Q(preferred_first_name__iexact=first_name),
            Q(legal_last_name__iexact=last_name) | Q(preferred_last_name__iexact=last_name),
            date_of_birth=date_of_birth,
        )[:3]
    )
    if len(by_name) == 1:
        return PupilMatch(by_name[0], "name and date of birth", by_name)
    return PupilMatch(None, "ambiguous" if by_name else "", by_name)


def update_dated_item(item, **changes):
    """Rename or re-date a term (start/end) or an assessment point (date)."""
    allowed = (
        {"name", "date"}
        if isinstance(item, AssessmentPoint)
        else {"name", "start_date", "end_date"}
    )
    return _save_changes(item, {k: v for k, v in changes.items() if k in allowed}, allowed)


@transaction.atomic
def invite_staff(school: School, *, email: str, first_name: str, last_name: str, role: str):
    """Give a person a role at the school, creating their account if they have none. A new
    account has no usable password (see send_set_password_email). Returns (user, created)."""
    from nextsteps.accounts.models import User

    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        base = email.split("@")[0][:140] or "staff"
        username, n = base, 1
        while User.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base}{n}"
        user = User(
            username=username, email=email.lower(), first_name=first_name, last_name=last_name
        )
        user.set_unusable_password()
        user.save()
    grant_role(user, role, school=school)
    return user, created


def send_set_password_email(request, user) -> bool:
    """Email the user a link to set their password (allauth's reset flow). Call it after the
    account is committed: a failed send leaves the account in place, to be re-sent."""
    from allauth.account.forms import ResetPasswordForm

    form = ResetPasswordForm(data={"email": user.email})
    if not form.is_valid():
        return False
    form.save(request)
    return True


def create_trust(name: str) -> Trust:
    trust = Trust(name=name)
    trust.full_clean()
    trust.save()
    return trust


@transaction.atomic
def link_pupil_user(pupil: Pupil, user) -> Pupil:
    """Give the pupil their own sign-in (or take it away with None)."""
    current = Pupil.objects.select_for_update().get(pk=pupil.pk)
    current.user = user
    current.version += 1
    current.save()
    pupil.user, pupil.version = current.user, current.version
    return current


def update_class(school_class: SchoolClass, **changes) -> SchoolClass:
    """Rename a class or change its main year group."""
    return _save_changes(school_class, changes, {"name", "year_group"})


def update_provider(provider: Provider, **changes) -> Provider:
    """Change a provider's name or contact details."""
    return _save_changes(provider, changes, {"name", "kind", "email", "phone", "address"})
