"""Read paths for the school pages. Every function takes the user and scopes by policy."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from . import policy
from .models import Characteristic, ClassStaff, Enrolment, Pupil, School, SchoolClass

CHARACTERISTIC_FILTERS = {
    "sen_k": ("sen", "K", "SEN support"),
    "sen_e": ("sen", "E", "EHC plan"),
    "disadvantaged": ("disadvantaged", "Y", "Disadvantaged"),
    "pupil_premium": ("pupil_premium", "Y", "Pupil premium"),
    "fsm": ("fsm", "Y", "Free school meals"),
    "eal": ("eal", "Y", "EAL"),
    "looked_after": ("looked_after", "Y", "Looked after"),
    "child_in_need": ("child_in_need", "Y", "Child in need"),
    "service_child": ("service_child", "Y", "Service child"),
}


def current_characteristics_q(on):
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


def with_current_facts(pupils, on=None):
    """Prefetch what a pupil row shows: current characteristics and current enrolment."""
    on = on or timezone.localdate()
    return pupils.prefetch_related(
        Prefetch(
            "characteristics",
            queryset=Characteristic.objects.filter(current_characteristics_q(on)),
            to_attr="current_characteristics",
        ),
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on
            ).select_related("school", "year_group", "school_class"),
            to_attr="current_enrolments",
        ),
    )


def filter_by_characteristic(pupils, key, on=None):
    on = on or timezone.localdate()
    kind, value, _ = CHARACTERISTIC_FILTERS[key]
    ids = Characteristic.objects.filter(current_characteristics_q(on), kind=kind, value=value)
    return pupils.filter(pk__in=ids.values("pupil_id"))


def pupils_in_class(user, school_class, on=None):
    """The class's pupils this user may see: current members, or for a past year everyone
    enrolled in it that year."""
    on = on or timezone.localdate()
    enrolments = Enrolment.objects.filter(school_class=school_class)
    if school_class.academic_year.start_date <= on <= school_class.academic_year.end_date:
        enrolments = enrolments.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on
        )
    return Pupil.objects.visible_to(user).filter(pk__in=enrolments.values("pupil_id"))


def classes_for(user, academic_year=None):
    classes = SchoolClass.objects.visible_to(user).select_related(
        "school", "academic_year", "year_group"
    )
    if academic_year is not None:
        classes = classes.filter(academic_year=academic_year)
    today = timezone.localdate()
    return classes.prefetch_related(
        Prefetch("staff_links", queryset=ClassStaff.objects.select_related("user"))
    ).annotate(
        pupil_count=Count(
            "enrolments",
            filter=Q(enrolments__start_date__lte=today)
            & (Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=today)),
            distinct=True,
        )
    )


SMALL_GROUP = 5


def school_aggregates(school: School, on=None) -> dict:
    """Anonymised counts for governors: pupils on roll by year group and the share with each
    characteristic. Counts below SMALL_GROUP are suppressed so no child can be picked out."""
    on = on or timezone.localdate()
    on_roll = Pupil.objects.current_at(school, on)
    total = on_roll.count()
    by_year = (
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on), school=school, start_date__lte=on
        )
        .values("year_group__name", "year_group__stage")
        .annotate(n=Count("pupil", distinct=True))
        .order_by("year_group__stage")
    )
    rows = []
    for key, (_kind, _value, label) in CHARACTERISTIC_FILTERS.items():
        n = filter_by_characteristic(on_roll, key, on).count()
        rows.append(_share(label, n, total))
    return {
        "total": total,
        "by_year": [_share(r["year_group__name"], r["n"], total) for r in by_year],
        "characteristics": rows,
        "small": SMALL_GROUP,
    }


def _share(label, n, total):
    suppressed = 0 < n < SMALL_GROUP
    return {
        "label": label,
        "count": None if suppressed else n,
        "percent": None if suppressed or not total else round(100 * n / total),
        "suppressed": suppressed,
    }


def visible_schools(user, permission="view_school"):
    return School.objects.filter(pk__in=policy.school_ids_with(user, permission)).order_by("name")
