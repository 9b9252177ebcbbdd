"""Who may see and change tracking, for the pages and the API alike. Built on
nextsteps.schools.policy; something outside the user's scope is "not found" (Http404), never
"forbidden", so a guessed address does not confirm that a child exists.

- Targets, on-track status, milestones and goals are read by staff of a school the pupil is on
  roll at who may see the pupil (senior staff, the pupil's class teacher and teaching
  assistant, trust staff). Parents, pupils and providers are refused for now (403); governors
  never see a pupil.
- Attainment targets are set by those with "set_targets" (head, deputy, assessment leader).
- Milestones and goals are added and changed by those with "manage_goals" (senior staff and
  class staff) for pupils they may see.
- Staff targets: every member of staff sees and updates their own; senior staff (head, deputy,
  assessment leader, inclusion manager: the "manage_pupils" holders) see and set everyone's at
  their school.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from nextsteps.schools import policy
from nextsteps.schools.models import Pupil, SchoolClass, YearGroup

from .models import Milestone, PupilGoal, StaffTarget

STAFF_TARGETS_FOR_ALL = "manage_pupils"


def pupil_schools(pupil) -> set[int]:
    return set(pupil.enrolments.values_list("school_id", flat=True))


def readable_pupil(user, pk) -> Pupil:
    """A pupil the user may see (else 404) and read tracking for as staff (else 403)."""
    pupil = policy.get_pupil_for(user, pk)
    if not can_read(user, pupil):
        raise PermissionDenied("Targets and tracking are shown to staff.")
    return pupil


def can_read(user, pupil) -> bool:
    # Staff of one of the pupil's schools. Who of them sees this pupil at all (their own class,
    # or every pupil for senior staff) was settled by visible_to before this is asked.
    return user.is_superuser or (
        bool(pupil_schools(pupil) & policy.school_ids_with(user, "view_school"))
        and policy.is_staff_member(user)
    )


def can(user, permission, pupil) -> bool:
    return user.is_superuser or bool(
        pupil_schools(pupil) & policy.school_ids_with(user, permission)
    )


def pupil_for(user, pk, permission) -> Pupil:
    """A pupil the user may see (else 404) with `permission` at one of their schools (else
    403)."""
    pupil = policy.get_pupil_for(user, pk)
    if not can(user, permission, pupil):
        what = "targets" if permission == "set_targets" else "goals and milestones"
        raise PermissionDenied(f"You cannot change this pupil's {what}.")
    return pupil


def year_group_for_targets(user, pk) -> YearGroup:
    """A year group at a school the user can see (else 404) where they set targets (else
    403)."""
    group = (
        YearGroup.objects.filter(school_id__in=policy.school_ids_with(user, "view_school"))
        .select_related("school")
        .filter(pk=pk)
        .first()
    )
    if group is None:
        raise Http404
    if not policy.can(user, "set_targets", group.school_id):
        raise PermissionDenied("Targets are set by the assessment leader, head or deputy.")
    return group


def class_for_tracking(user, pk) -> SchoolClass:
    """A class the user can see (else 404) as staff (else 403)."""
    school_class = (
        SchoolClass.objects.visible_to(user)
        .select_related("school", "academic_year", "year_group")
        .filter(pk=pk)
        .first()
    )
    if school_class is None:
        raise Http404
    if policy.persona(user) not in ("staff", "trust"):
        raise PermissionDenied("Tracking is shown to staff.")
    return school_class


def goal_for(user, pk, *, write=False) -> PupilGoal:
    goal = (
        PupilGoal.objects.filter(pk=pk, pupil__in=Pupil.objects.visible_to(user))
        .select_related("pupil", "objective__subject")
        .first()
    )
    if goal is None:
        raise Http404
    _check(user, goal.pupil, write)
    return goal


def milestone_for(user, pk, *, write=False) -> Milestone:
    milestone = (
        Milestone.objects.filter(pk=pk, pupil__in=Pupil.objects.visible_to(user))
        .select_related("pupil", "subject__framework")
        .first()
    )
    if milestone is None:
        raise Http404
    _check(user, milestone.pupil, write)
    return milestone


def _check(user, pupil, write):
    if write and not can(user, "manage_goals", pupil):
        raise PermissionDenied("You cannot change this pupil's goals and milestones.")
    if not write and not can_read(user, pupil):
        raise PermissionDenied("Targets and tracking are shown to staff.")


def staff_targets_visible_to(user, queryset=None):
    """Staff targets the user may see: their own, and everyone's at schools where they are
    senior staff."""
    queryset = StaffTarget.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    senior = policy.school_ids_with(user, STAFF_TARGETS_FOR_ALL)
    return queryset.filter(Q(user=user) | Q(school_id__in=senior))


def staff_target_for(user, pk) -> StaffTarget:
    target = staff_targets_visible_to(user).select_related("school", "user").filter(pk=pk).first()
    if target is None:
        raise Http404
    return target


def can_set_staff_targets_for_others(user, school) -> bool:
    return policy.can(user, STAFF_TARGETS_FOR_ALL, school)
