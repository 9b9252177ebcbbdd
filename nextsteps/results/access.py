"""Who sees which results. Ordinary results follow the pupil (`Pupil.objects.visible_to`);
diagnostic results (definitions marked sensitive) are seen only by senior staff and the
inclusion manager of a school the pupil is on roll at, and by the provider who placed the
pupil while the placement lasts. Class teachers, teaching assistants, parents and pupils do
not see them. Reads of sensitive results are logged by the callers with
`nextsteps.audit.services.record_read`."""

from django.db.models import Q
from django.utils import timezone

from nextsteps.schools import policy
from nextsteps.schools.models import Enrolment, Placement, Pupil


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
