"""A class teacher's class list through Pupil.objects.visible_to, against a direct enrolment filter.

value: median milliseconds to list the pupils a class teacher may see (the scope every page and
API route uses), with the class list's fields. baseline: the same list fetched straight from the
class's current enrolments, with no permission logic. The ratio is what the scope costs.
"""

from django.db.models import Q
from django.utils import timezone

from nextsteps.demo.benchmarks import compare_ms, figure
from nextsteps.schools.models import ClassStaff, Pupil

CLASS_LIST_FIELDS = (
    "id",
    "upn",
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "sex",
)
ORDER = ("legal_last_name", "legal_first_name", "id")


def _a_class_teacher(today):
    current = ClassStaff.objects.filter(
        kind=ClassStaff.Kind.TEACHER,
        school_class__academic_year__start_date__lte=today,
        school_class__academic_year__end_date__gte=today,
    ).select_related("user", "school_class")
    link = (
        current.filter(school_class__name="Year 3 Oak")
        .order_by("school_class__school__name")
        .first()
        or current.order_by("school_class__school__name", "school_class__name").first()
    )
    if link is None:
        raise RuntimeError("The benchmark data has no class teacher with a class this year.")
    return link.user, link.school_class


def run(repeat: int) -> dict:
    today = timezone.localdate()
    teacher, school_class = _a_class_teacher(today)

    def scoped():
        # forget the roles policy.py caches on the user, as a fresh request would
        teacher.__dict__.pop("_ns_roles", None)
        return list(Pupil.objects.visible_to(teacher).order_by(*ORDER).values(*CLASS_LIST_FIELDS))

    def direct():
        return list(
            Pupil.objects.filter(
                Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=today),
                enrolments__school_class=school_class,
                enrolments__start_date__lte=today,
            )
            .order_by(*ORDER)
            .values(*CLASS_LIST_FIELDS)
        )

    if scoped() != direct():
        raise RuntimeError("The scoped and direct lists differ, so timing them compares nothing.")
    value, baseline = compare_ms(scoped, direct, repeat)
    return {"scope": figure(value, baseline)}
