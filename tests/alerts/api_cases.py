"""The alerts API routes' outsider cases, in the shape of tests/api/test_access.py's CASES:
each route called by a role allowed to use it, and refused (403 or 404, with no pupil's name)
to the cast's outsiders. Run by tests/alerts/test_api.py."""

from tests.api.test_access import Case
from tests.matrix.alerts import example_alerts

CASES = [
    Case(
        "GET",
        "/schools/{school}/alert-rules",
        "teacher",
        200,
        {"parent": 403, "governor": 403, "pupil": 403, "provider": 404, "ap_head": 404},
    ),
    Case(
        "PUT",
        "/schools/{school}/alert-rules",
        "head",
        200,
        {"teacher": 403, "ta": 403, "governor": 403, "parent": 403, "ap_head": 404},
        {"version": 0, "rules": {"quiet": {"weeks": 8}}},
    ),
    Case("GET", "/alerts", "teacher", 200),
    Case(
        "GET",
        "/alerts/{amara_alert}",
        "teacher",
        200,
        {
            "other_teacher": 404,
            "parent": 404,
            "other_parent": 404,
            "pupil": 404,
            "governor": 404,
            "provider": 404,
            "ap_head": 404,
        },
    ),
    Case(
        "GET",
        "/alerts/{priya_alert}",
        "provider",
        200,
        {"other_provider": 404, "head": 404, "teacher": 404},
    ),
    Case(
        "POST",
        "/alerts/{amara_alert}/close",
        "senco",
        200,
        {"ta": 403, "trust_staff": 403, "other_teacher": 404, "parent": 404, "provider": 404},
        {"version": 1, "outcome": "Extra maths sessions; back on track by spring"},
    ),
    Case(
        "GET",
        "/schools/{school}/alert-runs",
        "head",
        200,
        {"teacher": 403, "governor": 403, "parent": 403, "ap_head": 404},
    ),
    Case(
        "POST",
        "/schools/{school}/alert-runs",
        "leader",
        202,
        {"teacher": 403, "ta": 403, "ap_head": 404, "provider": 404},
    ),
]


def alerts_ids(cast) -> dict:
    if "amara_alert" not in cast.objects:
        cast.objects.update(example_alerts(cast))
    return {
        "school": cast.school.pk,
        "amara_alert": cast.amara_alert.pk,
        "priya_alert": cast.priya_alert.pk,
    }
