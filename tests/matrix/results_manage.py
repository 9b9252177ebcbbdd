"""Page-matrix entries for tests and results (/results/): definitions, sittings and the grid.
The cast gets a reading sitting and a dyslexia screening (diagnostic, sensitive) with results,
so a page shown to the wrong person has names to leak; the screening's pages are the check
that diagnostics reach only senior staff."""

from django.utils import timezone

from nextsteps.results import services
from nextsteps.results.models import AssessmentDefinition

OAKFIELD_STAFF = {"head", "leader", "senco", "teacher", "other_teacher", "ta", "trust_staff"}
MANAGERS = {"head", "leader"}
DIAGNOSTICS = {"head", "leader", "senco"}

ROUTES = {
    "results:index": (lambda c: [], "get", OAKFIELD_STAFF | {"ap_head"}),
    "results:definition": (lambda c: [c.dyslexia.definition_id], "get", DIAGNOSTICS),
    "results:definition_edit": (lambda c: [c.reading.definition_id], "get", MANAGERS),
    "results:norm_upload": (lambda c: [c.reading.definition_id], "get", MANAGERS),
    "results:sitting_create": (lambda c: [c.reading.definition_id], "get", MANAGERS),
    "results:sitting": (lambda c: [c.reading.pk], "get", OAKFIELD_STAFF),
    "results:sitting_edit": (lambda c: [c.dyslexia.pk], "get", MANAGERS),
    "results:grid_class": (lambda c: [c.dyslexia.pk, c.oak.pk], "get", DIAGNOSTICS),
    "results:grid_group": (lambda c: [c.reading.pk, c.group.pk], "get", OAKFIELD_STAFF),
    "results:save": (
        lambda c: [c.reading.pk],
        "post",
        {"head", "leader", "senco", "teacher", "other_teacher"},
    ),
}


def extend_cast(cast) -> None:
    on = timezone.localdate()
    for key, code, score in (
        ("reading", "standardised-reading", 104),
        ("dyslexia", "dyslexia-screening", 81),
    ):
        definition = AssessmentDefinition.objects.get(school=cast.school, code=code)
        sitting = services.create_sitting(definition, date=on, by=cast.leader)
        for pupil in (cast.amara, cast.bartholomew, cast.zebedee):
            services.record_result(sitting, pupil, by=cast.leader, score=score)
        cast.objects[key] = sitting
