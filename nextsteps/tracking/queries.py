"""Read paths for the tracking pages. The caller passes pupils already scoped to the user."""

from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from nextsteps.curriculum.models import Objective, Stage, Subject
from nextsteps.schools.models import Enrolment, Pupil


def subjects_for_stage(school, stage: int | None) -> list:
    """The subjects of the school's frameworks that are taught in year group `stage`: the
    framework has stages for years on both sides of it (or that year itself), or its stages
    are not tied to years at all (alternative provision). None: every subject."""
    subjects = list(
        Subject.objects.filter(framework__school_links__school=school)
        .select_related("framework__summary_scale", "summary_scale")
        .order_by("framework__name", "order", "name")
    )
    if stage is None:
        return subjects
    spans = defaultdict(list)
    for framework_id, year_stage in Stage.objects.filter(
        framework_id__in={s.framework_id for s in subjects}
    ).values_list("framework_id", "year_stage"):
        if year_stage is not None:
            spans[framework_id].append(year_stage)
    return [
        s
        for s in subjects
        if not spans[s.framework_id]
        or min(spans[s.framework_id]) <= stage <= max(spans[s.framework_id])
    ]


def pupils_in_year_group(user, year_group, academic_year, on=None):
    """The pupils the user may see who are in `year_group` in `academic_year`: on roll on `on`
    (default today, or the year's first day before it starts, its last after it ends)."""
    on = on or timezone.localdate()
    on = min(max(on, academic_year.start_date), academic_year.end_date)
    enrolled = Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        academic_year=academic_year,
        year_group=year_group,
        start_date__lte=on,
    )
    return Pupil.objects.visible_to(user).filter(pk__in=enrolled.values("pupil_id"))


def current_year_group(pupil, school=None, on=None):
    """The pupil's enrolment today (at `school` if given), with year group and year loaded."""
    on = on or timezone.localdate()
    rows = Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on), pupil=pupil, start_date__lte=on
    )
    if school is not None:
        rows = rows.filter(school=school)
    return (
        rows.select_related("year_group", "academic_year", "school", "school_class")
        .order_by("-start_date", "-id")
        .first()
    )


def objectives_by_subject(subjects, stages=None):
    """Active objectives of `subjects` (optionally only `stages`), grouped by subject in ladder
    order, for choosing in a form."""
    rows = (
        Objective.objects.active().filter(subject__in=subjects).select_related("stage", "subject")
    )
    if stages is not None:
        rows = rows.filter(stage__in=stages)
    grouped = defaultdict(list)
    for objective in rows.order_by("subject__order", "subject__name", "stage__order", "order"):
        grouped[objective.subject].append(objective)
    return grouped
