"""Who sees which results, definitions, sittings and comparisons: the one place for these
rules, used by the pages, the API and the import alike.

Ordinary results follow the pupil (`Pupil.objects.visible_to`); diagnostic results
(definitions marked sensitive) are seen only by senior staff and the inclusion manager of a
school the pupil is on roll at, and by the provider who placed the pupil while the placement
lasts. Class teachers, teaching assistants, parents and pupils do
not see them. Reads of sensitive results are logged by the callers with
`nextsteps.audit.services.record_read`."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from nextsteps.schools import policy
from nextsteps.schools.models import (
    AssessmentPoint,
    Enrolment,
    Placement,
    Pupil,
    School,
    SchoolClass,
    YearGroup,
)

from .models import AssessmentDefinition, Sitting


def diagnostic_pupil_ids(user):
    """A subquery of the pupils whose diagnostic results `user` may see."""
    if not user.is_authenticated:
        return Pupil.objects.none().values("pk")
    if user.is_superuser:
        return Pupil.objects.values("pk")
    today = timezone.localdate()
    condition = Q(pk__in=[])
    schools = policy.school_ids_with(user, "view_diagnostics")
    if schools:
        condition |= Q(pk__in=Enrolment.objects.filter(school_id__in=schools).values("pupil_id"))
    providers = policy.provider_ids(user)
    if providers:
        condition |= Q(
            pk__in=Placement.objects.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=today),
                start_date__lte=today,
                provider_id__in=providers,
            ).values("pupil_id")
        )
    return Pupil.objects.filter(condition).values("pk")


def results_visible_to(user, queryset):
    visible = Pupil.objects.visible_to(user).values("pk")
    return queryset.filter(pupil_id__in=visible).filter(
        Q(sitting__definition__sensitive=False) | Q(pupil_id__in=diagnostic_pupil_ids(user))
    )


def can_see_diagnostics(user, pupil) -> bool:
    return Pupil.objects.filter(pk=pupil.pk).filter(pk__in=diagnostic_pupil_ids(user)).exists()


# Definitions and sittings ---------------------------------------------------------------------
#
# The one rule for pages, API and import alike. Definitions and sittings are for the staff of
# their school; a diagnostic (sensitive) definition and its sittings exist only for holders of
# view_diagnostics there. Looking one up by id answers 404 when it is not there for the user
# (no such thing, a school they cannot see, or a diagnostic they may not see) and 403 when they
# can see the school but are not on its staff, or lack the permission the action needs. Pages
# see only the staff's own schools, so for them everything outside is 404; the API passes the
# wider set of schools a caller may know of (a parent's child's school, a placing provider's).

STAFF_ONLY = "Tests and results are for the school's staff."
COMPARISON_STAFF_ONLY = "Comparisons of tests and teacher judgement are for staff."
COMPARISON_SENIOR_ONLY = (
    "Year group and whole-school comparisons are for senior staff; compare your own class instead."
)
REFUSALS = {
    "manage_assessments": "Only the assessment leader, head or deputy can change tests.",
    "record_results": "You cannot record results at this school.",
}


def staff_school_ids(user) -> set[int]:
    """Schools whose tests and sittings the user may look at: staff roles only. Governors see
    anonymised figures elsewhere; parents, pupils and providers see results through a pupil,
    never a whole sitting."""
    if not policy.is_staff_member(user):
        return set()
    return policy.school_ids_with(user, "view_school")


def sees_diagnostics(user, school) -> bool:
    return policy.can(user, "view_diagnostics", school)


def _visible(user, queryset, sensitive_field):
    schools = staff_school_ids(user)
    hidden = schools - policy.school_ids_with(user, "view_diagnostics")
    return queryset.filter(school_id__in=schools).exclude(
        school_id__in=hidden, **{sensitive_field: True}
    )


def definitions_for(user):
    """Definitions of the user's schools, without diagnostic ones where they may not see
    diagnostics."""
    return _visible(user, AssessmentDefinition.objects.all(), "sensitive")


def sittings_for(user):
    """Sittings of the user's schools, without diagnostic ones where they may not see
    diagnostics."""
    return _visible(user, Sitting.objects.all(), "definition__sensitive")


def require(user, permission: str, school) -> None:
    """PermissionDenied, with the reason, unless `user` holds `permission` at `school`."""
    if not policy.can(user, permission, school):
        raise PermissionDenied(REFUSALS[permission])


def require_staff_of(user, school) -> None:
    if getattr(school, "pk", school) not in staff_school_ids(user):
        raise PermissionDenied(STAFF_ONLY)


def _check(user, school_id, sensitive, *, permission, known_schools) -> None:
    if known_schools is None:
        known_schools = staff_school_ids(user)
    if school_id not in known_schools:
        raise Http404
    if sensitive and not sees_diagnostics(user, school_id):
        raise Http404
    require_staff_of(user, school_id)
    if permission:
        require(user, permission, school_id)


def definition_for(user, pk, *, permission=None, known_schools=None, queryset=None):
    """The definition `pk` for `user` (404 or 403 as above), with `permission` at its school
    when given. `known_schools`: schools whose things the user may be told exist (default
    their staff schools); `queryset` to fetch it with related rows."""
    if queryset is None:
        queryset = AssessmentDefinition.objects.select_related("school", "scale")
    definition = queryset.filter(pk=pk).first()
    if definition is None:
        raise Http404
    _check(
        user,
        definition.school_id,
        definition.sensitive,
        permission=permission,
        known_schools=known_schools,
    )
    return definition


def sitting_for(user, pk, *, permission=None, known_schools=None):
    """The sitting `pk` for `user`, as definition_for."""
    sitting = (
        Sitting.objects.select_related(
            "definition__scale", "school", "academic_year", "assessment_point", "norm_table"
        )
        .filter(pk=pk)
        .first()
    )
    if sitting is None:
        raise Http404
    _check(
        user,
        sitting.school_id,
        sitting.definition.sensitive,
        permission=permission,
        known_schools=known_schools,
    )
    return sitting


# Importing ------------------------------------------------------------------------------------


def may_import(user, sitting) -> bool:
    """Whoever records results at the sitting's school; for a diagnostic (sensitive) test,
    only those who may also see diagnostic results there."""
    if not policy.can(user, "record_results", sitting.school_id):
        return False
    return not sitting.definition.sensitive or sees_diagnostics(user, sitting.school_id)


def import_sittings_for(user):
    """Sittings the user may import results into (as may_import, for many)."""
    schools = policy.school_ids_with(user, "record_results")
    diagnostic = policy.school_ids_with(user, "view_diagnostics")
    return Sitting.objects.filter(school_id__in=schools).filter(
        Q(definition__sensitive=False) | Q(school_id__in=diagnostic)
    )


# Comparisons of tests with teacher judgement ---------------------------------------------------

SCHOOL, YEAR_GROUP, CLASS = "school", "year-group", "class"


@dataclass
class ComparisonScope:
    """What a comparison covers: the whole school, a year group or a class."""

    kind: str
    target: object  # School, YearGroup or SchoolClass
    school: School

    @property
    def title(self) -> str:
        if self.kind == SCHOOL:
            return str(self.school)
        if self.kind == YEAR_GROUP:
            return f"{self.target} at {self.school}"
        return f"{self.target} ({self.target.academic_year})"

    def points(self):
        """The assessment points it may be compared at: a class's year's, or the school's."""
        if self.kind == CLASS:
            points = AssessmentPoint.objects.filter(academic_year=self.target.academic_year)
        else:
            points = AssessmentPoint.objects.filter(academic_year__school=self.school)
        return points.select_related("academic_year")

    def cohort(self, user, point):
        from . import comparison

        if self.kind == CLASS:
            return comparison.class_cohort(user, self.target, point)
        if self.kind == YEAR_GROUP:
            return comparison.year_group_cohort(user, self.target, point)
        return comparison.school_cohort(user, self.school, point)


def require_comparing_staff(user) -> None:
    if not policy.is_staff_member(user):
        raise PermissionDenied(COMPARISON_STAFF_ONLY)


def comparison_scope(user, kind: str, pk, *, known_schools=None) -> ComparisonScope:
    """The school, year group or class `pk` to compare across. 404 when the user cannot see
    it (a class: SchoolClass.visible_to; a school or year group: among `known_schools`,
    default the schools they see as staff); 403 for anyone not on staff, and for a year group
    or the whole school without sight of every pupil there."""
    if kind == CLASS:
        school_class = (
            SchoolClass.objects.visible_to(user)
            .select_related("school", "academic_year", "year_group")
            .filter(pk=pk)
            .first()
        )
        if school_class is None:
            raise Http404
        require_comparing_staff(user)
        return ComparisonScope(CLASS, school_class, school_class.school)
    if known_schools is None:
        known_schools = policy.school_ids_with(user, "view_school")
    if kind == SCHOOL:
        target = school = School.objects.filter(pk=pk, pk__in=known_schools).first()
    elif kind == YEAR_GROUP:
        target = (
            YearGroup.objects.select_related("school")
            .filter(pk=pk, school_id__in=known_schools)
            .first()
        )
        school = target.school if target else None
    else:
        raise Http404("No such comparison")
    if target is None:
        raise Http404
    require_comparing_staff(user)
    if not policy.can(user, "view_all_pupils", school):
        raise PermissionDenied(COMPARISON_SENIOR_ONLY)
    return ComparisonScope(kind, target, school)
