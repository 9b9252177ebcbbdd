"""Who may see and change weekly reviews and provider updates, for the pages and the API alike.
Built on nextsteps.schools.policy; something outside the user's scope is "not found"
(Http404), never "forbidden", so a guessed address does not confirm that a child exists.

- The weekly screen: staff of the school (a class they may see, or a group at a school where
  they work). Rows are only the students they may see (Pupil.objects.visible_to). Ratings are
  recorded by holders of "record_reviews" at the school (senior staff, class teachers and
  teaching assistants); trust staff read.
- Areas are added, renamed, reordered, retired and restored by holders of "manage_reviews"
  (senior staff); every member of staff may read them.
- A student's history: staff of a school the student is or was on roll at who may see the
  student (their ratings at those schools), and staff of the provider that placed the student
  while the placement lasts (ratings at the placement's centre from the week it began).
  Parents and pupils are refused (403) for now; governors never see a student (404).
- Provider updates: staff of the provider see their own organisation's; an update only shows
  the students they may still see (placements that have ended drop out). Holders of
  "manage_reviews" at the school preview, read and send its updates and see who each went to.
  Updates carry students' open action plans: a page or the API shows them only to those who
  read the student's plans under support's rule (nextsteps.support.access), and logs each read.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from nextsteps.schools import policy
from nextsteps.schools.models import Group, Placement, Provider, Pupil, School, SchoolClass

from .models import ProviderUpdate, ReviewArea, UpdateDelivery
from .weeks import monday_of

RECORD = "record_reviews"
MANAGE = "manage_reviews"


def staff_only(user) -> None:
    if not policy.is_staff_member(user):
        raise PermissionDenied("Weekly reviews are recorded by the school's staff.")


def class_for(user, pk) -> SchoolClass:
    """A class the user may see (else 404), as staff (else 403)."""
    school_class = (
        SchoolClass.objects.visible_to(user)
        .select_related("school", "year_group", "academic_year")
        .filter(pk=pk)
        .first()
    )
    if school_class is None:
        raise Http404
    staff_only(user)
    return school_class


def group_for(user, pk) -> Group:
    """A group at a school where the user works (else 404); its rows still only show the
    members the user may see."""
    group = Group.objects.select_related("school").filter(pk=pk).first()
    if group is None or not policy.can(user, "view_school", group.school):
        raise Http404
    staff_only(user)
    return group


def can_record(user, school) -> bool:
    return policy.can(user, RECORD, school)


def schools_recording(user) -> set[int]:
    return policy.school_ids_with(user, RECORD)


# Areas ----------------------------------------------------------------------------------------


def school_for_areas(user, pk, *, write: bool) -> School:
    """A school where the user works (else 404) and, to change its areas, holds manage_reviews
    (else 403)."""
    school = School.objects.filter(pk=pk, pk__in=policy.school_ids_with(user, "view_school"))
    school = school.first()
    if school is None:
        raise Http404
    if write and not policy.can(user, MANAGE, school):
        raise PermissionDenied("Review areas are set by the school's senior leaders.")
    if not write:
        staff_only(user)
    return school


def area_for(user, pk, *, write: bool) -> ReviewArea:
    area = ReviewArea.objects.select_related("school").filter(pk=pk).first()
    if area is None:
        raise Http404
    school_for_areas(user, area.school_id, write=write)
    return area


# A student's history --------------------------------------------------------------------------


@dataclass
class HistoryScope:
    """Which ratings of one student the user may read: areas at `school_ids`, and for each
    school in `since` only weeks from that Monday (a provider's placement start)."""

    pupil: Pupil
    school_ids: set[int]
    since: dict[int, date] = field(default_factory=dict)
    as_provider: bool = False

    def allows(self, school_id: int, week: date) -> bool:
        if school_id not in self.school_ids:
            return False
        start = self.since.get(school_id)
        return start is None or week >= start


def history_scope(user, pk) -> HistoryScope:
    """The student (404 when out of scope) and which of their ratings the user may read (403
    for those who may see the student but not these: parents and the student)."""
    scope = _scope(user, policy.get_pupil_for(user, pk))
    if scope is None:
        raise PermissionDenied("Weekly reviews are shown to staff and to the placing provider.")
    return scope


def can_read_history(user, pupil) -> bool:
    """Whether the user may open the student's weekly review history (for a link to it); the
    caller has already fetched `pupil` through the user's scope."""
    return _scope(user, pupil) is not None


def _scope(user, pupil) -> HistoryScope | None:
    if user.is_superuser:
        return HistoryScope(pupil, set(pupil.enrolments.values_list("school_id", flat=True)))
    schools = set(pupil.enrolments.values_list("school_id", flat=True))
    staff_schools = schools & policy.school_ids_with(user, "view_school")
    if staff_schools and policy.is_staff_member(user):
        return HistoryScope(pupil, staff_schools)
    providers = policy.provider_ids(user)
    if providers:
        today = timezone.localdate()
        placements = Placement.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            pupil=pupil,
            provider_id__in=providers,
            start_date__lte=today,
        )
        since: dict[int, date] = {}
        for school_id, start in placements.values_list("school_id", "start_date"):
            monday = monday_of(start)
            since[school_id] = min(since.get(school_id, monday), monday)
        if since:
            return HistoryScope(pupil, set(since), since, as_provider=True)
    return None


# Provider updates -----------------------------------------------------------------------------


def updates_visible_to(user, queryset=None):
    """Updates the user may open: their provider's, and every update of schools where they
    hold manage_reviews."""
    queryset = ProviderUpdate.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(
        Q(provider_id__in=policy.provider_ids(user))
        | Q(school_id__in=policy.school_ids_with(user, MANAGE))
    )


def update_for(user, pk) -> ProviderUpdate:
    update = (
        updates_visible_to(user).select_related("school", "provider", "made_by").filter(pk=pk)
    ).first()
    if update is None:
        raise Http404
    return update


def manages(user, school) -> bool:
    return policy.can(user, MANAGE, school)


def shown_pupil_ids(user, update: ProviderUpdate) -> set[int]:
    """The students of `update` the user may see in it: all of them for the school's
    managers; for the provider's staff, those whose placement has not ended."""
    ids = set(update.pupil_ids)
    if manages(user, update.school_id):
        return ids
    return set(Pupil.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def school_for_updates(user, pk) -> School:
    """A school where the user works (else 404) and manages reviews (else 403)."""
    school = School.objects.filter(pk=pk, pk__in=policy.school_ids_with(user, "view_school"))
    school = school.first()
    if school is None:
        raise Http404
    if not manages(user, school):
        raise PermissionDenied("Provider updates are previewed and sent by senior leaders.")
    return school


def provider_at(school, pk) -> Provider:
    """A provider that has placed students at `school` (else 404)."""
    provider = Provider.objects.filter(pk=pk, placements__school=school).distinct().first()
    if provider is None:
        raise Http404
    return provider


def delivery_for(user, pk) -> UpdateDelivery:
    """A delivery of an update at a school the user manages reviews at (else 404)."""
    delivery = (
        UpdateDelivery.objects.select_related("update__school", "update__provider")
        .filter(pk=pk, update__school_id__in=policy.school_ids_with(user, MANAGE))
        .first()
    )
    if delivery is None:
        raise Http404
    return delivery


def with_action_plans_for(user, students, school) -> list[dict]:
    """An update's students (summary dicts) as `user` may see them: open action plans kept
    only for students whose plans the user reads under support's rule (support.access), and
    each of those reads audit-logged."""
    from nextsteps.audit.services import record_read
    from nextsteps.support.access import staff_plan_pupils

    with_actions = [s["pupil_id"] for s in students if s.get("actions")]
    readable = {
        p.pk: p
        for p in Pupil.objects.filter(pk__in=with_actions).filter(pk__in=staff_plan_pupils(user))
    }
    for pupil in readable.values():
        record_read(user, pupil, "Action plans in a weekly provider update", school=school)
    return [s if s["pupil_id"] in readable else {**s, "actions": []} for s in students]
