"""Page-matrix entries for tests beside teacher judgement (/results/compare/). The cast gets
test results and summary judgements at every point, a diagnostic screening among them, so
that a page shown to the wrong person would have names to leak."""

from datetime import timedelta

from django.utils import timezone

from nextsteps.assessment.summary import record_summary
from nextsteps.curriculum.models import Subject
from nextsteps.results.models import AssessmentDefinition, Result, Sitting
from nextsteps.schools.models import AssessmentPoint

SENIOR = {"head", "leader", "senco", "trust_staff"}
STAFF = SENIOR | {"teacher", "other_teacher", "ta", "ap_head"}

ROUTES = {
    "results:compare": (lambda c: [], "get", STAFF),
    "results:compare_school": (lambda c: [c.school.pk], "get", SENIOR),
    "results:compare_year_group": (lambda c: [c.y3.pk], "get", SENIOR),
    "results:compare_class": (lambda c: [c.oak.pk], "get", SENIOR | {"teacher", "ta"}),
    "results:compare_export": (lambda c: ["class", c.oak.pk], "get", {"head", "leader", "senco"}),
}


def extend_cast(cast) -> None:
    school = cast.school
    bands = []
    for code in ("standardised-reading", "standardised-maths", "dyslexia-screening"):
        definition = AssessmentDefinition.objects.get(school=school, code=code)
        bands.append((definition, {b.expectation: b for b in definition.bands.all()}))
    subjects = Subject.objects.filter(framework__school_links__school=school)
    pupils = (cast.amara, cast.bartholomew, cast.zebedee)
    readings = ("below", "at", "above")
    for point in AssessmentPoint.objects.filter(academic_year__school=school):
        on_roll = [
            p for p in pupils if p.enrolments.filter(academic_year=point.academic_year).exists()
        ]
        for definition, by_reading in bands:
            sitting = Sitting.objects.create(
                definition=definition,
                school=school,
                academic_year=point.academic_year,
                name=f"{definition.name} at {point}",
                date=point.date - timedelta(days=7),
                assessment_point=point,
            )
            for n, pupil in enumerate(on_roll):
                band = by_reading.get(readings[n % 3]) or next(iter(by_reading.values()))
                Result.objects.create(
                    sitting=sitting, pupil=pupil, score=100, band=band, recorded_at=timezone.now()
                )
        for subject in subjects.filter(code__in=["reading", "maths"]):
            grades = list(subject.point_scale().grades.order_by("order"))
            for n, pupil in enumerate(on_roll):
                record_summary(pupil, subject, point, grades[-1 - n % 2], by=cast.head)
