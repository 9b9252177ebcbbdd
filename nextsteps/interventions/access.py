"""Who may see and change interventions, for the pages and the API alike. Built on
nextsteps.schools.policy; something outside the user's scope is "not found" (Http404), never
"forbidden", so a guessed address does not confirm that an intervention or a child exists.

- Senior staff (head, deputy, assessment leader, inclusion manager) and trust staff see every
  intervention at their schools ("view_all_pupils"); those with "manage_interventions" (senior
  staff) create and change them, add and remove members and measure them again.
- Class teachers and teaching assistants see the interventions that pupils they may see take
  part in, and those they run themselves. Providers see those of the students they placed.
  Every member list shows only the pupils the user may see, with the others counted.
- Costs are shown to the school's staff (and trust staff), never to providers, parents or
  pupils.
- Parents and pupils see a child's interventions on the child's page: what it is, when, how
  often and how the child is getting on, without costs or anyone else's name. Governors see
  none (pupil records are not theirs to see).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from nextsteps.schools import policy
from nextsteps.schools.models import Pupil, School

from .models import Intervention, Participation

MANAGE = "manage_interventions"
STAFF_ONLY = "Interventions are for the staff of the school."
MANAGERS_ONLY = "Interventions are set up and changed by senior staff."


def _reader(user) -> bool:
    return policy.persona(user) in ("staff", "trust", "provider")


def interventions_visible_to(user, queryset=None):
    """Interventions the user may open: every one at schools where they see every pupil, the
    ones with a member they may see, and the ones they run."""
    queryset = Intervention.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not _reader(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    members = Participation.objects.filter(
        pupil__in=Pupil.objects.visible_to(user).values("pk")
    ).values("intervention_id")
    condition = (
        Q(school_id__in=policy.school_ids_with(user, "view_all_pupils"))
        | Q(pk__in=members)
        | Q(staff=user)
    )
    return queryset.filter(pk__in=Intervention.objects.filter(condition).values("pk"))


def intervention_for(user, pk, *, manage=False) -> Intervention:
    """The intervention for this user (404 outside their scope), with "manage_interventions" at
    its school when `manage` (else 403)."""
    intervention = (
        interventions_visible_to(user)
        .select_related(
            "school", "subject", "stage", "strand", "definition", "review_area", "created_by"
        )
        .filter(pk=pk)
        .first()
    )
    if intervention is None:
        raise Http404
    if manage and not can_manage(user, intervention.school_id):
        raise PermissionDenied(MANAGERS_ONLY)
    return intervention


def can_manage(user, school) -> bool:
    return policy.can(user, MANAGE, school)


def managed_schools(user):
    return School.objects.filter(pk__in=policy.school_ids_with(user, MANAGE)).order_by("name")


def sees_costs(user, school) -> bool:
    """The school's own staff and trust staff; not providers, parents or pupils."""
    return user.is_superuser or (
        getattr(school, "pk", school) in policy.school_ids_with(user, "view_school")
        and policy.persona(user) in ("staff", "trust")
    )


def require_reader(user) -> None:
    if not _reader(user):
        raise PermissionDenied(STAFF_ONLY)


def map_schools(user):
    """Schools whose provision map the user may open: where they are staff or trust staff."""
    if policy.persona(user) not in ("staff", "trust"):
        return School.objects.none()
    return School.objects.filter(pk__in=policy.school_ids_with(user, "view_school")).order_by(
        "name"
    )


def visible_member_ids(user, intervention) -> set[int]:
    return set(
        Pupil.objects.visible_to(user)
        .filter(intervention_places__intervention=intervention)
        .values_list("pk", flat=True)
    )
