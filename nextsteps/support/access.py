"""Who may see and change the SEN register and support plans: the one place for these rules,
used by the pages, the API, the inclusion list and the who-needs-help signal alike. Built on
nextsteps.schools.policy. Something outside the user's scope is "not found" (Http404), never
"forbidden", so a guessed address does not confirm that a child or a plan exists.

Support plans say what a child finds hard and what is done about it: they are SEN details, so
they follow policy.py's SEN-details rule.

- Plans are read by the head, deputy and inclusion manager of a school the pupil is (or was)
  on roll at ("view_sen_details"); by the pupil's current class teachers (not teaching
  assistants); and by the provider who placed the pupil, while the placement lasts. Whoever
  may write a pupil's plans (below) may read them too: that adds the assessment leader, who
  holds "manage_plans" and sees every pupil of the school.
- Plans are written (opened, changed, targets, provision, reviews) by holders of
  "manage_plans" (senior staff and class teachers) at the plan's school, for pupils they may
  see (Pupil.objects.visible_to): so a class teacher writes plans for the pupils of their own
  class only. Providers read; they do not write a centre's plans.
- Parents and carers see a plan read-only once it is marked "shared with the family", and
  then only what a family needs: its kind, title, the pupil's strengths, owner, dates, the
  targets with their status, the provision, and each review's date, outcome, progress per
  target and the family's and pupil's views. Never the reason it was opened (staff's account
  of the concern, or an alert's evidence), nor the staff's review notes. Unshared plans do not
  exist for them.
- Pupils do not see plans here; trust staff, teaching assistants and governors do not either.
- The SEN register of a school (every pupil's status and areas of need) is read by
  "view_sen_details" holders there; one pupil's SEN history and needs by whoever may see that
  pupil's SEN details (policy.can_see_sen_details). Status and needs are changed by holders of
  "manage_sen" (head, deputy, inclusion manager) at a school the pupil is on roll at.
- The inclusion manager's list: the pupils of a school whose plans the user may read, so the
  inclusion manager, head and deputy see the whole school, the assessment leader too, and a
  class teacher the pupils of their own class.

Every read of a plan, a pupil's SEN history or the register is audit-logged by the caller with
`log_read` (one row per pupil shown)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from nextsteps.audit.services import record_read
from nextsteps.schools import policy
from nextsteps.schools.models import Enrolment, Guardian, Placement, Pupil, School

from .models import Plan, PlanTarget, Provision, SenNeed

READ_SEN = "view_sen_details"
MANAGE_SEN = "manage_sen"
MANAGE_PLANS = "manage_plans"
PLANS_STAFF_ONLY = "Support plans are for the inclusion manager, senior staff and class teachers."
NOT_WRITER = "Support plans are written by senior staff and the pupil's class teacher."
NOT_SEN_MANAGER = "The SEN register is kept by the inclusion manager, head and deputy."


def _current(queryset, today):
    return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)


def staff_plan_pupils(user, today=None):
    """A subquery of the pupils whose plans `user` reads as staff or as the placing provider
    (not as a parent)."""
    if not user.is_authenticated:
        return Pupil.objects.none().values("pk")
    if user.is_superuser:
        return Pupil.objects.values("pk")
    today = today or timezone.localdate()
    condition = Q(pk__in=[])
    sen_schools = policy.school_ids_with(user, READ_SEN)
    if sen_schools:
        condition |= Q(
            pk__in=Enrolment.objects.filter(school_id__in=sen_schools).values("pupil_id")
        )
    condition |= Q(
        pk__in=_current(Enrolment.objects, today)
        .filter(school_class__staff_links__user=user, school_class__staff_links__kind="teacher")
        .values("pupil_id")
    )
    writers = policy.school_ids_with(user, MANAGE_PLANS)
    if writers:
        condition |= Q(
            pk__in=Pupil.objects.visible_to(user)
            .filter(enrolments__school_id__in=writers)
            .values("pk")
        )
    providers = policy.provider_ids(user)
    if providers:
        condition |= Q(
            pk__in=_current(Placement.objects, today)
            .filter(provider_id__in=providers)
            .values("pupil_id")
        )
    return Pupil.objects.filter(condition).values("pk")


def plans_visible_to(user, queryset=None):
    """Plans the user may open: every plan of the pupils whose plans they read as staff or
    provider, and the shared plans of their own children."""
    queryset = Plan.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    children = Guardian.objects.filter(user=user).values("pupil_id")
    return queryset.filter(
        Q(pupil_id__in=staff_plan_pupils(user)) | Q(pupil_id__in=children, shared_with_family=True)
    )


def reads_as_staff(user, pupil) -> bool:
    """Whether the user reads this pupil's plans as staff or provider (all of them, in full)."""
    return Pupil.objects.filter(pk=pupil.pk, pk__in=staff_plan_pupils(user)).exists()


def is_family_of(user, pupil) -> bool:
    return user.is_authenticated and Guardian.objects.filter(user=user, pupil=pupil).exists()


def pupil_for_plans(user, pk) -> tuple[Pupil, bool]:
    """A pupil the user may see (else 404) whose plans they may read (else 403), and whether
    they read as staff (True: every plan in full) or as family (False: shared plans only)."""
    pupil = policy.get_pupil_for(user, pk)
    if reads_as_staff(user, pupil):
        return pupil, True
    if is_family_of(user, pupil):
        return pupil, False
    raise PermissionDenied(PLANS_STAFF_ONLY)


def can_write_for(user, pupil, school) -> bool:
    """manage_plans at `school` (the plan's), for a pupil the user may see."""
    school_id = getattr(school, "pk", school)
    return policy.can(user, MANAGE_PLANS, school_id) and (
        user.is_superuser or Pupil.objects.visible_to(user).filter(pk=pupil.pk).exists()
    )


def plan_schools_for(user, pupil):
    """The schools the pupil is on roll at today where the user may open a plan for them."""
    today = timezone.localdate()
    ids = set(
        _current(Enrolment.objects, today).filter(pupil=pupil).values_list("school_id", flat=True)
    )
    allowed = ids & policy.school_ids_with(user, MANAGE_PLANS)
    return School.objects.filter(pk__in=allowed).order_by("name")


def pupil_to_plan_for(user, pk) -> tuple[Pupil, list]:
    """A pupil the user may see (else 404), with the schools where they may open a plan for
    them (none: 403)."""
    pupil = policy.get_pupil_for(user, pk)
    schools = list(plan_schools_for(user, pupil))
    if not schools:
        raise PermissionDenied(NOT_WRITER)
    return pupil, schools


def plan_for(user, pk, *, write=False) -> Plan:
    """The plan for this user (404 outside their scope; an unshared plan for a parent is
    outside it), writable by them when `write` (else 403)."""
    plan = (
        plans_visible_to(user)
        .select_related("pupil", "school", "owner", "opened_by")
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise Http404
    if write and not can_write_for(user, plan.pupil, plan.school_id):
        raise PermissionDenied(NOT_WRITER)
    plan.family_view = not reads_as_staff(user, plan.pupil)
    if plan.family_view and write:
        raise PermissionDenied(NOT_WRITER)
    return plan


def target_for(user, pk) -> PlanTarget:
    """A plan target the user may change (404 outside their scope, 403 read-only)."""
    target = PlanTarget.objects.filter(pk=pk).select_related("plan").first()
    if target is None:
        raise Http404
    target.plan = plan_for(user, target.plan_id, write=True)
    return target


def provision_for(user, pk) -> Provision:
    item = Provision.objects.filter(pk=pk).select_related("plan").first()
    if item is None:
        raise Http404
    item.plan = plan_for(user, item.plan_id, write=True)
    return item


# The SEN register -------------------------------------------------------------------------------


def register_schools(user):
    """Schools whose SEN register the user may read."""
    return School.objects.filter(pk__in=policy.school_ids_with(user, READ_SEN)).order_by("name")


def register_school_for(user, pk) -> School:
    """A school the user may see (else 404) whose register they may read (else 403)."""
    school = School.objects.filter(
        pk=pk, pk__in=policy.school_ids_with(user, "view_school")
    ).first()
    if school is None:
        raise Http404
    if not policy.can(user, READ_SEN, school):
        raise PermissionDenied(NOT_SEN_MANAGER)
    return school


def pupil_for_sen(user, pk) -> Pupil:
    """A pupil the user may see (else 404) whose SEN details they may see (else 403)."""
    pupil = policy.get_pupil_for(user, pk)
    if not policy.can_see_sen_details(user, pupil):
        raise PermissionDenied(
            "SEN details are shown to the inclusion manager, senior staff, "
            "the pupil's class teacher and the placing provider."
        )
    return pupil


def can_manage_sen(user, pupil) -> bool:
    schools = set(pupil.enrolments.values_list("school_id", flat=True))
    return user.is_superuser or bool(schools & policy.school_ids_with(user, MANAGE_SEN))


def pupil_for_sen_change(user, pk) -> Pupil:
    """A pupil the user may see (else 404) whose SEN status they may change (else 403)."""
    pupil = policy.get_pupil_for(user, pk)
    if not can_manage_sen(user, pupil):
        raise PermissionDenied(NOT_SEN_MANAGER)
    return pupil


def need_for(user, pk) -> SenNeed:
    need = SenNeed.objects.filter(pk=pk).select_related("pupil").first()
    if need is None:
        raise Http404
    need.pupil = pupil_for_sen_change(user, need.pupil_id)
    return need


# The inclusion manager's list -------------------------------------------------------------------


def list_schools(user):
    """Schools where the user may use the inclusion manager's list: where they hold
    view_sen_details or manage_plans."""
    ids = policy.school_ids_with(user, READ_SEN) | policy.school_ids_with(user, MANAGE_PLANS)
    return School.objects.filter(pk__in=ids).order_by("name")


def list_pupils(user, school, today=None, *, school_class=None, year_group=None):
    """The pupils on roll at `school` today (in `school_class` or `year_group`, if given)
    whose plans the user may read as staff."""
    today = today or timezone.localdate()
    on_roll = _current(Enrolment.objects, today).filter(school=school)
    if school_class is not None:
        on_roll = on_roll.filter(school_class=school_class)
    if year_group is not None:
        on_roll = on_roll.filter(year_group=year_group)
    on_roll = on_roll.values("pupil_id")
    return (
        Pupil.objects.visible_to(user)
        .filter(pk__in=on_roll)
        .filter(pk__in=staff_plan_pupils(user, today))
    )


def require_list_school(user, schools) -> None:
    if not schools:
        raise PermissionDenied(PLANS_STAFF_ONLY)


# Audit ------------------------------------------------------------------------------------------


def log_read(user, pupils, what: str, school=None) -> None:
    """Record that `user` read `what` about each pupil (one audit row per pupil)."""
    for pupil in pupils:
        record_read(user, pupil, what, school=school)
