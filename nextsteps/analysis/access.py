"""Who sees the analysis, for the pages and the API alike (built on nextsteps.schools.policy).
Something outside the user's scope is "not found" (Http404); something they can see but not
use this way is "forbidden" (PermissionDenied).

- A class: its own staff (teacher, teaching assistant), senior staff and trust staff.
- A year group or the school: those who see every pupil there (senior staff, trust staff).
- Governors see the school's and its year groups' figures anonymised: no names, no list of
  pupils behind a figure, and no figures for groups of fewer than SMALL_GROUP pupils. Their
  cohort is read without visible_to (which gives them no pupils), as the governors' summary
  does, because only counts leave this module for them.
- The trust: trust staff of that trust.
- Who needs help (names by definition) is for staff only, never governors."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404

from nextsteps.results import comparison
from nextsteps.schools import policy
from nextsteps.schools.models import Pupil, Role, School, SchoolClass, Trust, YearGroup

from .figures import on_roll


@dataclass
class Scope:
    kind: str  # class, year_group, school or trust
    target: object
    school: School | None
    user: object
    anonymised: bool = False
    schools: list = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.kind == "year_group":
            return f"{self.target.name}, {self.school.name}"
        return str(self.target)

    def cohort(self, point):
        """The pupils the figures at `point` are about, on roll on its date."""
        if self.anonymised:
            where = {"school_id": self.school.pk}
            if self.kind == "year_group":
                where["year_group"] = self.target
            return Pupil.objects.filter(
                pk__in=on_roll(point).filter(**where).values("pupil_id")
            ).order_by()
        if self.kind == "class":
            return comparison.class_cohort(self.user, self.target, point)
        if self.kind == "year_group":
            return comparison.year_group_cohort(self.user, self.target, point)
        return comparison.school_cohort(self.user, self.school, point)

    def pupils_now(self):
        """The pupils in scope today (for who needs help): staff only, always visible_to."""
        from django.db.models import Q
        from django.utils import timezone

        from nextsteps.schools.models import Enrolment

        today = timezone.localdate()
        rows = Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
        )
        if self.kind == "class":
            rows = rows.filter(school_class=self.target)
        elif self.kind == "year_group":
            rows = rows.filter(year_group=self.target)
        else:
            rows = rows.filter(school=self.school)
        return Pupil.objects.visible_to(self.user).filter(pk__in=rows.values("pupil_id"))


def _staff(user):
    return policy.is_staff_member(user)


def class_scope(user, pk) -> Scope:
    school_class = (
        SchoolClass.objects.visible_to(user)
        .select_related("school", "year_group", "academic_year")
        .filter(pk=pk)
        .first()
    )
    if school_class is None:
        raise Http404
    if not _staff(user):
        raise PermissionDenied("Class analysis is for staff.")
    return Scope("class", school_class, school_class.school, user, schools=[school_class.school])


def _school_level(user, school, governors: bool) -> bool:
    """Whether the user sees the school's figures anonymised; refuses those who may not see
    them at all."""
    if _staff(user) and policy.can(user, "view_all_pupils", school):
        return False
    if governors and policy.can(user, "view_aggregates", school):
        return True
    raise PermissionDenied(
        "Year group and whole-school analysis is for senior staff, trust staff and governors; "
        "ask for your class's instead."
    )


def school_scope(user, pk, *, governors=True) -> Scope:
    school = School.objects.filter(
        pk=pk, pk__in=policy.school_ids_with(user, "view_school")
    ).first()
    if school is None:
        raise Http404
    anonymised = _school_level(user, school, governors)
    return Scope("school", school, school, user, anonymised, [school])


def year_group_scope(user, pk, *, governors=True) -> Scope:
    group = (
        YearGroup.objects.select_related("school")
        .filter(pk=pk, school_id__in=policy.school_ids_with(user, "view_school"))
        .first()
    )
    if group is None:
        raise Http404
    anonymised = _school_level(user, group.school, governors)
    return Scope("year_group", group, group.school, user, anonymised, [group.school])


def trust_scope(user, pk) -> Scope:
    trust = Trust.objects.filter(pk=pk).first()
    if trust is None:
        raise Http404
    if not user.is_superuser:
        trust_ids = {
            r.trust_id
            for r in Role.objects.filter(user=user, kind=Role.Kind.TRUST_STAFF)
            if r.trust_id
        }
        if trust.pk not in trust_ids:
            schools = set(trust.schools.values_list("pk", flat=True))
            if schools & policy.school_ids_with(user, "view_school"):
                raise PermissionDenied("The trust view is for trust staff.")
            raise Http404
    schools = list(trust.schools.order_by("name"))
    return Scope("trust", trust, None, user, schools=schools)


def staff_scope(scope: Scope) -> Scope:
    """Refuse names (who needs help, the pupils behind a figure) to anonymised viewers."""
    if scope.anonymised:
        raise PermissionDenied("Governors see figures without names.")
    return scope
