"""The interventions API routes for the API access matrix: one case per route in the shape of
tests/api/test_access.py's Case (who succeeds, who is refused and how), and the objects they
need. tests/interventions/test_api.py runs them; test_access.py can take them in too."""

from datetime import timedelta

from django.utils import timezone

from nextsteps.interventions import services
from nextsteps.results.models import AssessmentDefinition
from nextsteps.reviews.models import ReviewArea

CASES = [
    {"method": "GET", "path": "/interventions", "allowed": "teacher", "ok": 200},
    {
        "method": "POST",
        "path": "/schools/{school}/interventions",
        "allowed": "senco",
        "ok": 201,
        "refused": {
            "teacher": 403,
            "governor": 403,
            "trust_staff": 403,
            "parent": 403,
            "ap_head": 404,
            "provider": 404,
        },
        "body": lambda c: {
            "name": "Spelling group",
            "start_date": timezone.localdate().isoformat(),
            "sessions_per_week": 2,
            "minutes_per_session": 20,
            "measure_kind": "test",
            "definition_id": c.objects["intervention_ids"]["reading"],
        },
    },
    {
        "method": "GET",
        "path": "/interventions/{intervention}",
        "allowed": "teacher",
        "ok": 200,
        "refused": {
            "other_teacher": 404,
            "parent": 404,
            "pupil": 404,
            "governor": 404,
            "provider": 404,
            "ap_head": 404,
        },
    },
    {
        "method": "PATCH",
        "path": "/interventions/{intervention}",
        "allowed": "leader",
        "ok": 200,
        "refused": {
            "teacher": 403,
            "ta": 403,
            "trust_staff": 403,
            "other_teacher": 404,
            "parent": 404,
        },
        "body": {"version": 1, "name": "Reading fluency group"},
    },
    {
        "method": "POST",
        "path": "/interventions/{intervention}/members",
        "allowed": "head",
        "ok": 201,
        "refused": {"teacher": 403, "other_teacher": 404, "provider": 404, "governor": 404},
        "body": lambda c: {"pupil_ids": [c.zebedee.pk]},
    },
    {
        "method": "DELETE",
        "path": "/interventions/{intervention}/members/{amara}",
        "allowed": "senco",
        "ok": 200,
        "refused": {"teacher": 403, "other_teacher": 404, "parent": 404, "pupil": 404},
    },
    {
        "method": "GET",
        "path": "/interventions/{intervention}/impact",
        "allowed": "ta",
        "ok": 200,
        "refused": {"other_teacher": 404, "parent": 404, "governor": 404, "provider": 404},
    },
    {
        "method": "POST",
        "path": "/interventions/{finished}/evaluations",
        "allowed": "head",
        "ok": 201,
        "refused": {"teacher": 403, "trust_staff": 403, "other_teacher": 404, "parent": 404},
    },
    {
        "method": "GET",
        "path": "/schools/{school}/provision-map",
        "allowed": "teacher",
        "ok": 200,
        "refused": {
            "parent": 403,
            "pupil": 403,
            "governor": 403,
            "provider": 404,
            "ap_head": 404,
        },
    },
    {
        "method": "GET",
        "path": "/pupils/{amara}/interventions",
        "allowed": "parent",
        "ok": 200,
        "refused": {
            "other_parent": 404,
            "other_teacher": 404,
            "governor": 404,
            "provider": 404,
            "ap_head": 404,
        },
    },
]


def intervention_ids(cast) -> dict:
    """A running reading group with Amara and Bartholomew, and an engagement group of last
    year that has ended (made once per cast)."""
    if "intervention_ids" in cast.objects:
        return cast.objects["intervention_ids"]
    reading = AssessmentDefinition.objects.get(school=cast.school, code="standardised-reading")
    start = cast.year.start_date
    running = services.create_intervention(
        cast.school,
        by=cast.head,
        name="Reading group",
        start_date=start,
        sessions_per_week=3,
        minutes_per_session=30,
        cost=450,
        measure_kind="test",
        definition=reading,
    )
    services.add_members(running, [cast.amara, cast.bartholomew], joined=start, by=cast.head)
    last = cast.last_year.start_date
    finished = services.create_intervention(
        cast.school,
        by=cast.head,
        name="Engagement group",
        start_date=last + timedelta(days=30),
        end_date=last + timedelta(days=90),
        sessions_per_week=1,
        minutes_per_session=45,
        measure_kind="review",
        review_area=ReviewArea.objects.create(school=cast.school, name="Engagement"),
    )
    services.add_members(finished, [cast.amara], joined=finished.start_date, by=cast.head)
    cast.objects["intervention_ids"] = {
        "intervention": running.pk,
        "finished": finished.pk,
        "reading": reading.pk,
    }
    return cast.objects["intervention_ids"]
