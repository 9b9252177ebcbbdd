"""Who sees what. Every rule about access to schools and pupils lives here.

- Head, deputy, assessment leader and inclusion manager: every pupil ever on roll at their school.
- Class teacher and teaching assistant: pupils currently in the classes they are linked to
  (with all those pupils' earlier records).
- Inclusion manager, head and deputy: SEN details too; so do the pupil's current class
  teachers and the provider who placed the pupil. Every such read is audit-logged.
- Parents and carers: only the children they are linked to as guardians.
- Pupils: only themselves.
- Provider staff: only the pupils their organisation placed, while the placement lasts.
- Diagnostic screening results: senior staff and the inclusion manager of a school the pupil
  is on roll at, and the placing provider (see nextsteps.results.access); reads are logged.
- Governors: no pupil records, only anonymised aggregates of their school.
- Trust staff: read access to every school in their trust.
"""

from django.db.models import Q
from django.utils import timezone

from .models import (
    ClassStaff,
    Enrolment,
    Guardian,
    Placement,
    Pupil,
    Role,
    School,
    SchoolClass,
)

K = Role.Kind
SENIOR = {K.HEAD, K.DEPUTY, K.ASSESSMENT_LEADER, K.INCLUSION_MANAGER}

# permission -> role kinds that hold it at a school
PERMISSIONS: dict[str, set[str]] = {
    "view_school": SENIOR | {K.CLASS_TEACHER, K.TEACHING_ASSISTANT, K.GOVERNOR, K.TRUST_STAFF},
    "view_all_pupils": SENIOR | {K.TRUST_STAFF},
    "view_aggregates": SENIOR | {K.GOVERNOR, K.TRUST_STAFF},
    "view_sen_details": {K.HEAD, K.DEPUTY, K.INCLUSION_MANAGER},
    "manage_school": {K.HEAD, K.DEPUTY, K.ASSESSMENT_LEADER},
    "manage_staff": {K.HEAD, K.DEPUTY},
    "manage_pupils": SENIOR,
    "manage_groups": SENIOR | {K.CLASS_TEACHER},
    "import": {K.HEAD, K.DEPUTY, K.ASSESSMENT_LEADER},
    "export": SENIOR,
    "rollover": {K.HEAD, K.DEPUTY, K.ASSESSMENT_LEADER},
    "view_audit": {K.HEAD},
    "manage_placements": {K.HEAD, K.DEPUTY, K.INCLUSION_MANAGER},
    "record_judgements": SENIOR | {K.CLASS_TEACHER, K.TEACHING_ASSISTANT},
    "manage_curriculum": {K.HEAD, K.DEPUTY, K.ASSESSMENT_LEADER},
    "lock_points": {K.HEAD, K.DEPUTY, K.ASSESSMENT_LEADER},
    "manage_assessments": {K.HEAD, K.DEPUTY, K.ASSESSMENT_LEADER},
    "record_results": SENIOR | {K.CLASS_TEACHER},
    "view_diagnostics": SENIOR,
    "set_targets": {K.HEAD, K.DEPUTY, K.ASSESSMENT_LEADER},
    "manage_goals": SENIOR | {K.CLASS_TEACHER, K.TEACHING_ASSISTANT},
    # Issue 6: weekly RAG reviews, SEN register and plans, alerts, interventions
    "record_reviews": SENIOR | {K.CLASS_TEACHER, K.TEACHING_ASSISTANT},
    "manage_reviews": SENIOR,
    "manage_sen": {K.HEAD, K.DEPUTY, K.INCLUSION_MANAGER},
    "manage_plans": SENIOR | {K.CLASS_TEACHER},
    "manage_alerts": SENIOR,
    "manage_interventions": SENIOR,
}

STAFF_KINDS = SENIOR | {K.CLASS_TEACHER, K.TEACHING_ASSISTANT}


def _roles(user) -> list[Role]:
    cached = getattr(user, "_ns_roles", None)
    if cached is None:
        cached = list(Role.objects.filter(user=user).select_related("school", "trust", "provider"))
        user._ns_roles = cached
    return cached


def _trust_school_ids(trust_ids) -> set[int]:
    if not trust_ids:
        return set()
    return set(School.objects.filter(trust_id__in=trust_ids).values_list("pk", flat=True))


def school_ids_with(user, permission: str) -> set[int]:
    """Ids of the schools where `user` holds `permission`."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(School.objects.values_list("pk", flat=True))
    kinds = PERMISSIONS[permission]
    ids = {r.school_id for r in _roles(user) if r.school_id and r.kind in kinds}
    if K.TRUST_STAFF in kinds:
        ids |= _trust_school_ids([r.trust_id for r in _roles(user) if r.kind == K.TRUST_STAFF])
    if permission == "view_school":
        # class staff see their school even if their only link is a class
        ids |= set(
            ClassStaff.objects.filter(user=user).values_list("school_class__school_id", flat=True)
        )
    return ids


def schools_where(user, permission: str):
    return School.objects.filter(pk__in=school_ids_with(user, permission))


def can(user, permission: str, school) -> bool:
    school_id = getattr(school, "pk", school)
    return school_id in school_ids_with(user, permission)


def provider_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return {r.provider_id for r in _roles(user) if r.kind == K.PROVIDER_STAFF}


def is_staff_member(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser
        or any(r.kind in STAFF_KINDS | {K.TRUST_STAFF} for r in _roles(user))
        or ClassStaff.objects.filter(user=user).exists()
    )


def _current_enrolments(on):
    return Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on
    )


def _active_placements(on):
    return Placement.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on
    )


def pupils_visible_to(user, queryset=None):
    """The pupils `user` may see, as a queryset (no duplicates)."""
    queryset = Pupil.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    today = timezone.localdate()
    parts = []
    school_ids = school_ids_with(user, "view_all_pupils")
    if school_ids:
        parts.append(Enrolment.objects.filter(school_id__in=school_ids).values("pupil_id"))
    class_ids = ClassStaff.objects.filter(user=user).values("school_class_id")
    parts.append(
        _current_enrolments(today).filter(school_class_id__in=class_ids).values("pupil_id")
    )
    providers = provider_ids(user)
    if providers:
        parts.append(_active_placements(today).filter(provider_id__in=providers).values("pupil_id"))
    parts.append(Guardian.objects.filter(user=user).values("pupil_id"))
    # Every source is a list of pupil ids worked out once per query (no join), so the
    # database hashes each and probes it per pupil, and the result has no duplicates.
    condition = Q(user=user)
    for part in parts:
        condition |= Q(pk__in=part)
    return queryset.filter(condition)


def classes_visible_to(user, queryset=None):
    queryset = SchoolClass.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    school_ids = school_ids_with(user, "view_all_pupils")
    return queryset.filter(Q(school_id__in=school_ids) | Q(staff_links__user=user)).distinct()


def can_see_sen_details(user, pupil) -> bool:
    """SEN details: the inclusion manager and senior leaders of a school the pupil is on roll
    at, the pupil's current class staff, and the provider who placed the pupil."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    today = timezone.localdate()
    sen_schools = school_ids_with(user, "view_sen_details")
    if sen_schools and pupil.enrolments.filter(school_id__in=sen_schools).exists():
        return True
    if (
        _current_enrolments(today)
        .filter(
            pupil=pupil,
            school_class__staff_links__user=user,
            school_class__staff_links__kind="teacher",
        )
        .exists()
    ):
        return True
    providers = provider_ids(user)
    return (
        bool(providers)
        and _active_placements(today).filter(pupil=pupil, provider_id__in=providers).exists()
    )


def get_pupil_for(user, pk):
    """A pupil this user may see, or Http404: the only way views fetch one pupil."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(pupils_visible_to(user), pk=pk)


def persona(user) -> str:
    """Which home page a user gets: staff, governor, trust, provider, parent or pupil."""
    if not user.is_authenticated:
        return "anonymous"
    if user.is_superuser:
        return "staff"
    kinds = {r.kind for r in _roles(user)}
    if kinds & STAFF_KINDS or ClassStaff.objects.filter(user=user).exists():
        return "staff"
    if K.TRUST_STAFF in kinds:
        return "trust"
    if K.GOVERNOR in kinds:
        return "governor"
    if K.PROVIDER_STAFF in kinds:
        return "provider"
    if hasattr(user, "pupil_record") and Pupil.objects.filter(user=user).exists():
        return "pupil"
    if user.guardianships.exists():
        return "parent"
    return "none"
