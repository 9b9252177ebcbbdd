"""The support API routes' outsider cases, in the shape of tests/api/test_access.py's CASES:
each route called by a role allowed to use it, and refused (403 or 404, with no pupil's name)
to the cast's outsiders. Run by tests/support/test_api_access.py."""

from datetime import timedelta

from django.utils import timezone

from tests.api.test_access import Case

from .cast import add_support


def support_ids(cast) -> dict:
    found = add_support(cast)
    return {
        "school": cast.school.pk,
        "hub": cast.hub.pk,
        "amara": cast.amara.pk,
        "bartholomew": cast.bartholomew.pk,
        "priya": cast.priya.pk,
        **{name: obj.pk for name, obj in found.items()},
    }


def _day(days=0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _new_plan(cast) -> dict:
    return {
        "kind": "support_plan",
        "title": "Reading fluency",
        "review_date": _day(42),
        "targets": [
            {
                "specific": "Read a Year 3 passage aloud",
                "measure": "90 words a minute",
                "target_date": _day(42),
            }
        ],
        "provision": [{"what": "Paired reading", "who": "TA", "hours_per_week": "1.5"}],
    }


CASES = [
    Case(
        "GET",
        "/schools/{school}/sen-register",
        "senco",
        200,
        {
            "leader": 403,
            "teacher": 403,
            "ta": 403,
            "governor": 403,
            "trust_staff": 403,
            "parent": 403,
            "pupil": 403,
            "ap_head": 404,
            "other_provider": 404,
        },
    ),
    Case(
        "GET",
        "/pupils/{bartholomew}/sen",
        "teacher",
        200,
        {
            "leader": 403,
            "ta": 403,
            "trust_staff": 403,
            "other_teacher": 404,
            "parent": 404,
            "pupil": 404,
            "governor": 404,
            "provider": 404,
            "ap_head": 404,
        },
    ),
    Case(
        "POST",
        "/pupils/{bartholomew}/sen",
        "senco",
        200,
        {"teacher": 403, "leader": 403, "other_teacher": 404, "parent": 404, "ap_head": 404},
        {"value": "E"},
    ),
    Case(
        "POST",
        "/pupils/{bartholomew}/sen-needs",
        "senco",
        201,
        {"teacher": 403, "ta": 403, "other_teacher": 404, "provider": 404, "pupil": 404},
        {"area": "cognition", "description": "Working memory"},
    ),
    Case(
        "PATCH",
        "/sen-needs/{need}",
        "head",
        200,
        {"teacher": 403, "leader": 403, "other_teacher": 404, "parent": 404, "ap_head": 404},
        {"version": 1, "description": "Speech sound disorder (receptive)"},
    ),
    Case(
        "GET",
        "/schools/{school}/plans",
        "teacher",
        200,
        {
            "ta": 403,
            "governor": 403,
            "trust_staff": 403,
            "parent": 403,
            "pupil": 403,
            "ap_head": 404,
            "other_provider": 404,
        },
    ),
    Case(
        "GET",
        "/pupils/{amara}/plans",
        "parent",
        200,
        {
            "pupil": 403,
            "ta": 403,
            "trust_staff": 403,
            "other_parent": 404,
            "other_teacher": 404,
            "provider": 404,
            "governor": 404,
        },
    ),
    Case(
        "POST",
        "/pupils/{amara}/plans",
        "teacher",
        201,
        {
            "ta": 403,
            "parent": 403,
            "pupil": 403,
            "trust_staff": 403,
            "other_teacher": 404,
            "ap_head": 404,
            "provider": 404,
        },
        _new_plan,
    ),
    Case(
        "GET",
        "/plans/{amara_plan}",
        "parent",
        200,
        {"other_parent": 404, "pupil": 404, "ta": 404, "other_teacher": 404, "provider": 404},
    ),
    Case(
        "GET",
        "/plans/{bart_plan}",
        "teacher",
        200,
        {"parent": 404, "ta": 404, "trust_staff": 404, "governor": 404, "ap_head": 404},
    ),
    Case(
        "GET",
        "/plans/{priya_plan}",
        "provider",
        200,
        {"other_provider": 404, "head": 404, "teacher": 404, "parent": 404},
    ),
    Case(
        "PATCH",
        "/plans/{amara_plan}",
        "teacher",
        200,
        {"parent": 403, "ta": 404, "other_teacher": 404, "provider": 404, "pupil": 404},
        {"version": 1, "title": "Catching up in maths and reading"},
    ),
    Case(
        "PATCH",
        "/plans/{priya_plan}",
        "ap_head",
        200,
        {"provider": 403, "other_provider": 404, "head": 404},
        {"version": 1, "review_date": _day(21)},
    ),
    Case(
        "POST",
        "/plans/{amara_plan}/targets",
        "leader",
        201,
        {"parent": 403, "ta": 404, "other_teacher": 404, "governor": 404},
        {
            "specific": "Count in threes to 36",
            "measure": "Without errors twice",
            "target_date": _day(30),
        },
    ),
    Case(
        "PATCH",
        "/plan-targets/{amara_target}",
        "senco",
        200,
        {"parent": 403, "other_teacher": 404, "other_parent": 404},
        {"version": 1, "status": "working"},
    ),
    Case(
        "POST",
        "/plans/{amara_plan}/provision",
        "head",
        201,
        {"parent": 403, "other_parent": 404, "trust_staff": 404},
        {"what": "Maths games club", "who": "Mr Lee", "frequency": "weekly"},
    ),
    Case(
        "PATCH",
        "/provision/{amara_provision}",
        "teacher",
        200,
        {"parent": 403, "ta": 404, "pupil": 404},
        {"version": 1, "hours_per_week": "2.0"},
    ),
    Case(
        "POST",
        "/plans/{amara_plan}/reviews",
        "teacher",
        201,
        {"parent": 403, "other_teacher": 404, "pupil": 404, "ap_head": 404},
        lambda c: {
            "version": 1,
            "held_on": _day(),
            "outcome": "continue",
            "next_review_date": _day(30),
            "progress": [{"target_id": add_support(c)["amara_target"].pk, "status": "working"}],
        },
    ),
    Case(
        "GET",
        "/schools/{school}/inclusion-list",
        "senco",
        200,
        {
            "ta": 403,
            "trust_staff": 403,
            "governor": 403,
            "parent": 403,
            "pupil": 403,
            "ap_head": 404,
            "provider": 404,
        },
    ),
]
