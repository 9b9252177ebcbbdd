"""Who sees which alerts and who may do what with them: the one place for these rules, used by
the pages and the API alike. Built on nextsteps.schools.policy; an alert outside the user's
scope is "not found" (Http404), never "forbidden", so a guessed address confirms nothing.

- Staff see the alerts of the pupils they see as staff, at the schools where they work: senior
  staff and trust staff every pupil of the school, class teachers and teaching assistants the
  pupils of their current classes. A member of staff told about an alert in NextSteps keeps
  seeing it after the pupil leaves their class.
- Provider staff see the alerts of the students their organisation placed, at the centre where
  they are placed, while the placement lasts.
- Parents, pupils and governors never see alerts (a parent who also teaches sees alerts as a
  member of staff only).
- An alert is closed by those with "manage_alerts" at its school (senior staff), or by the
  owner of its action plan.
- The rules are read by the school's staff and trust staff and changed, and run by hand, by
  those with "manage_alerts".

An alert's action plan is support information (SEN details): it is shown with the alert only
to those who may read the pupil's plans (nextsteps/support/access.py: not teaching assistants,
trust staff or governors); others see that a plan was opened. Each read of an alert's page (or
its API record) is audit-logged, saying whether the plan was shown."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from nextsteps.schools import policy
from nextsteps.schools.models import ClassStaff, Enrolment, Placement, School

from .models import Alert, Notice

MANAGE = "manage_alerts"
# Role holders that are staff of a school (class teachers and assistants hold record_judgements;
# senior and trust staff view_all_pupils); governors hold neither.
_STAFF_PERMISSIONS = ("view_all_pupils", "record_judgements")


def staff_school_ids(user) -> set[int]:
    """Schools where the user works as staff (or reads as trust staff)."""
    if not user.is_authenticated:
        return set()
    ids = set()
    for permission in _STAFF_PERMISSIONS:
        ids |= policy.school_ids_with(user, permission)
    ids |= set(
        ClassStaff.objects.filter(user=user).values_list("school_class__school_id", flat=True)
    )
    return ids


def _staff_pupils(user, today):
    """A subquery of the pupils the user sees as staff (never as a parent or as themselves)."""
    condition = Q(
        school_class__staff_links__user=user,
        start_date__lte=today,
    ) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    senior = policy.school_ids_with(user, "view_all_pupils")
    if senior:
        condition |= Q(school_id__in=senior)
    return Enrolment.objects.filter(condition).values("pupil_id")


def alerts_visible_to(user, queryset=None):
    queryset = Alert.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    today = timezone.localdate()
    staff = staff_school_ids(user)
    condition = Q(pk__in=[])
    if staff:
        told = Notice.objects.filter(alert=OuterRef("pk"), user=user, channel=Notice.Channel.IN_APP)
        condition |= Q(school_id__in=staff) & (
            Q(pupil_id__in=_staff_pupils(user, today)) | Exists(told)
        )
    providers = policy.provider_ids(user)
    if providers:
        placed = Placement.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            start_date__lte=today,
            provider_id__in=providers,
            pupil_id=OuterRef("pupil_id"),
            school_id=OuterRef("school_id"),
        )
        condition |= Exists(placed)
    return queryset.filter(condition)


def may_see_alerts(user) -> bool:
    """Whether the alerts pages are for this user at all (staff and provider staff)."""
    return user.is_authenticated and (
        user.is_superuser or bool(staff_school_ids(user)) or bool(policy.provider_ids(user))
    )


def require_alerts_user(user) -> None:
    if not may_see_alerts(user):
        raise PermissionDenied("Alerts are shown to school staff and placing providers.")


def alert_for(user, pk) -> Alert:
    """An alert the user may see, else Http404."""
    alert = (
        alerts_visible_to(user)
        .select_related("school", "pupil", "opened_by", "closed_by", "run", "plan__owner")
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise Http404
    return alert


def can_close(user, alert) -> bool:
    return user.is_superuser or (
        policy.can(user, MANAGE, alert.school_id)
        or (alert.plan is not None and alert.plan.owner_id == user.pk)
    )


def alert_to_close(user, pk) -> Alert:
    """An alert the user may see (else 404) and close (else 403)."""
    alert = alert_for(user, pk)
    if not can_close(user, alert):
        raise PermissionDenied(
            "An alert is closed by senior staff or by the owner of its action plan."
        )
    return alert


def rule_schools(user):
    """Schools whose alert rules the user may read: where they are staff, or trust staff."""
    return School.objects.filter(pk__in=staff_school_ids(user)).order_by("name")


def can_manage(user, school) -> bool:
    return policy.can(user, MANAGE, school)


def school_to_manage(user, pk) -> School:
    """A school whose rules the user may read (else 404) and manage (else 403)."""
    school = rule_schools(user).filter(pk=pk).first()
    if school is None:
        raise Http404
    if not can_manage(user, school):
        raise PermissionDenied("Alert rules are set by senior staff.")
    return school


def plan_shown(user, alert) -> bool:
    """Whether the user may read the alert's action plan (support's rule)."""
    from nextsteps.support.access import plans_visible_to

    return alert.plan_id is not None and plans_visible_to(user).filter(pk=alert.plan_id).exists()


def record_read(user, alert, *, with_plan: bool) -> None:
    from nextsteps.audit.services import record_read as log_read

    what = "Alert and its action plan" if with_plan else "Alert"
    log_read(user, alert.pupil, what, school=alert.school)
