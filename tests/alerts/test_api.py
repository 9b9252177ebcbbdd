"""The alerts API: every route allowed to its roles and refused to outsiders (teacher of
another class, another parent, another provider, the pupil, a governor, the head of another
school) with no pupil's name in the refusal; and what the routes do: filtered lists, one alert
with its evidence (audit-logged), closing with an outcome (409 when stale), the rules replaced
with validation (409 when stale), and the runs."""

import pytest

from nextsteps.alerts.models import Alert
from nextsteps.audit.models import AuditEvent
from tests.api.conftest import api, assert_no_pupil_names, openapi_schema  # noqa: F401
from tests.api.test_access import check_case, covered_routes, table_routes

from .api_cases import CASES, alerts_ids

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_route_allows_its_roles_and_refuses_outsiders(api, cast, case):  # noqa: F811
    check_case(api, cast, case, alerts_ids(cast))


def test_every_alerts_route_has_a_case():
    import nextsteps.api.routes  # noqa: F401 (it merges the tables: import it first)
    from nextsteps.api.tables.alerts import ROUTES

    assert table_routes(ROUTES) == covered_routes(CASES)


def items(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_each_sees_the_alerts_of_their_own_scope(api, cast):  # noqa: F811
    alerts_ids(cast)
    seen = {
        who: {a["first_name"] for a in items(api.get(getattr(cast, who), "/alerts"))}
        for who in (
            "head",
            "teacher",
            "other_teacher",
            "provider",
            "other_provider",
            "ap_head",
            "parent",
            "pupil",
            "governor",
            "trust_staff",
        )
    }
    assert seen == {
        "head": {"Amara"},
        "teacher": {"Amara"},
        "other_teacher": set(),
        "provider": {"Priya"},
        "other_provider": set(),
        "ap_head": {"Priya"},
        "parent": set(),
        "pupil": set(),
        "governor": set(),
        "trust_staff": {"Amara", "Priya"},
    }
    mine = items(api.get(cast.teacher, "/alerts?mine=true"))
    assert [a["id"] for a in mine] == [cast.amara_alert.pk]  # told as the class teacher
    assert items(api.get(cast.head, "/alerts?mine=true")) == []
    assert items(api.get(cast.trust_staff, "/alerts?rule=rag_deteriorating"))[0]["first_name"] == (
        "Priya"
    )
    assert items(api.get(cast.head, "/alerts?status=closed")) == []


def test_one_alert_shows_its_evidence_and_who_was_told_and_the_read_is_logged(api, cast):  # noqa: F811
    alerts_ids(cast)
    response = api.get(cast.teacher, f"/alerts/{cast.amara_alert.pk}")
    data = response.json()
    assert data["summary"] == "Off track in Mathematics at autumn"
    assert data["evidence"] == [
        "Mathematics at autumn: 1 of 9 key Year 3 objectives secure; 3 expected."
    ]
    told = {(n["channel"], n["why"]) for n in data["notices"]}
    assert ("in_app", "Class teacher") in told and ("in_app", "Inclusion manager") in told
    assert AuditEvent.objects.filter(
        action="read", pupil=cast.amara, actor=cast.teacher, what="Alert and its action plan"
    ).exists()
    # opening it marked the teacher's own notice as read, and nobody else's
    read = {n["user_id"]: n["read_at"] for n in data["notices"] if n["channel"] == "in_app"}
    assert read[cast.teacher.pk] and not read[cast.senco.pk]
    assert data["plan"]["owner_id"] == cast.teacher.pk and data["plan"]["status"] == "open"
    assert data["can_close"] is True  # the plan's owner closes the alert


def test_the_plan_is_shown_only_to_those_who_read_the_pupils_plans(api, cast):  # noqa: F811
    alerts_ids(cast)
    path = f"/alerts/{cast.amara_alert.pk}"
    for who, shown in (("ta", False), ("trust_staff", False), ("senco", True), ("head", True)):
        data = api.get(getattr(cast, who), path).json()
        assert data["plan_opened"] is True
        assert (data["plan"] is not None) == shown, who
        what = "Alert and its action plan" if shown else "Alert"
        assert AuditEvent.objects.filter(
            action="read", pupil=cast.amara, actor=getattr(cast, who), what=what
        ).exists()


def test_closing_needs_an_outcome_and_the_version_read(api, cast):  # noqa: F811
    alerts_ids(cast)
    path = f"/alerts/{cast.amara_alert.pk}/close"
    empty = api.post(cast.head, path, {"version": 1, "outcome": "   "})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "outcome"
    stale = api.post(cast.head, path, {"version": 7, "outcome": "Done"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    closed = api.post(cast.head, path, {"version": 1, "outcome": "Sessions with the TA"})
    assert closed.status_code == 200
    assert closed.json()["outcome"] == "Sessions with the TA" and closed.json()["closed_at"]
    again = api.post(cast.senco, path, {"version": 1, "outcome": "Me too"})
    assert again.status_code == 409 and again.json()["current_version"] == 2
    assert Alert.objects.get(pk=cast.amara_alert.pk).outcome == "Sessions with the TA"


def test_rules_are_replaced_whole_with_validation_and_versions(api, cast):  # noqa: F811
    path = f"/schools/{cast.school.pk}/alert-rules"
    got = api.get(cast.leader, path).json()
    assert got["version"] == 0 and got["rules"]["rag_deteriorating"]["weeks"] == 3
    bad = api.call(
        "PUT",
        cast.head,
        path,
        {"version": 0, "rules": {"quiet": {"weeks": 0}, "rag_deteriorating": {"colour": 1}}},
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields == {"quiet.weeks", "rag_deteriorating.colour"}
    assert api.get(cast.leader, path).json()["version"] == 0  # nothing saved
    saved = api.call("PUT", cast.head, path, {"version": 0, "rules": {"quiet": {"weeks": 8}}})
    assert saved.status_code == 200 and saved.json()["version"] == 1
    assert saved.json()["rules"]["quiet"]["weeks"] == 8
    stale = api.call("PUT", cast.leader, path, {"version": 0, "rules": {}})
    assert stale.status_code == 409 and stale.json()["current_version"] == 1


def test_runs_are_listed_and_queued(api, cast, settings):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    path = f"/schools/{cast.school.pk}/alert-runs"
    queued = api.post(cast.head, path)
    assert queued.status_code == 202 and queued.json()["queued"]
    runs = api.get(cast.head, path).json()["runs"]
    assert runs[0]["trigger"] == "api" and runs[0]["status"] == "done"
    assert runs[0]["school_id"] == cast.school.pk
