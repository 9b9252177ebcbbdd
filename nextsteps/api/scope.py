"""Fetching things for the caller, the API's counterpart of the pages' access helpers.

The rules: something outside the caller's scope is 404 (a 403 would confirm that a pupil
exists); something the caller may see but not change is 403."""

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from nextsteps.audit.context import acting_as
from nextsteps.schools import policy
from nextsteps.schools.models import Enrolment, Placement, Pupil, School

from .errors import Refused


def caller(request):
    return request.auth


def acting(request):
    """Attribute changes to the caller. The audit middleware ran before ninja authenticated a
    bearer token, so without this a token's changes would be logged as the system's."""
    return acting_as(caller(request), source=f"API {request.method} {request.path}"[:200])


def visible_school_ids(user) -> set[int]:
    """Schools the caller may see the name and calendar of: where they hold a role (or teach),
    plus the schools their own children or they themselves attend, plus the centres where
    their organisation has placed pupils."""
    ids = policy.school_ids_with(user, "view_school")
    today = timezone.localdate()
    current = Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
    )
    ids |= set(
        current.filter(Q(pupil__guardians__user=user) | Q(pupil__user=user)).values_list(
            "school_id", flat=True
        )
    )
    providers = policy.provider_ids(user)
    if providers:
        ids |= set(
            Placement.objects.filter(provider_id__in=providers)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
            .values_list("school_id", flat=True)
        )
    return ids


def get_school(user, school_id: int, permission: str | None = "view_school") -> School:
    """The school if the caller may see it (else 404) and holds `permission` there (else 403)."""
    school = School.objects.filter(pk=school_id, pk__in=visible_school_ids(user)).first()
    if school is None:
        raise Http404
    if permission and not policy.can(user, permission, school):
        raise Refused()
    return school


def require(user, permission: str, school) -> None:
    if not policy.can(user, permission, school):
        raise Refused()


def get_pupil(user, pupil_id: int) -> Pupil:
    return policy.get_pupil_for(user, pupil_id)


def pupil_school_ids(pupil: Pupil) -> set[int]:
    return set(pupil.enrolments.values_list("school_id", flat=True))


def require_for_pupil(user, permission: str, pupil: Pupil) -> None:
    """The caller holds `permission` at a school the pupil is or was on roll at."""
    if not pupil_school_ids(pupil) & policy.school_ids_with(user, permission):
        raise Refused()


def is_staff_for(user, pupil: Pupil) -> bool:
    """Staff of one of the pupil's schools, or the provider who placed the pupil (and not only
    a parent or the pupil): those who may see contact details."""
    if user.is_superuser or pupil_school_ids(pupil) & policy.school_ids_with(user, "view_school"):
        return True
    providers = policy.provider_ids(user)
    return bool(providers) and pupil.placements.filter(provider_id__in=providers).exists()
