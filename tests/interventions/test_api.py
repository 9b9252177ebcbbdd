"""The interventions API: every route allows its roles and refuses outsiders without a pupil's
name (the cases in api_cases.py, run here against the OpenAPI schema as the API matrix runs
its own); a stale version is 409; members, impact, the provision map and a pupil's
interventions answer what the pages show, costs only to staff."""

import pytest
from django.utils import timezone

from nextsteps.api.routes import ROUTES
from nextsteps.interventions.models import Intervention
from tests.api.conftest import api, assert_no_pupil_names, openapi_schema  # noqa: F401
from tests.api.test_access import check_case

from .api_cases import CASES, intervention_ids
from .conftest import judge

pytestmark = pytest.mark.django_db


def _ids(cast) -> dict:
    return {
        "school": cast.school.pk,
        "amara": cast.amara.pk,
        **intervention_ids(cast),
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['method']} {c['path']}")
def test_route_allows_its_roles_and_refuses_outsiders(api, cast, case):  # noqa: F811
    check_case(api, cast, case, _ids(cast))


def test_every_interventions_route_has_a_case_and_an_access_entry():
    mine = {
        key for key in ROUTES if "/interventions" in key[1] or key[1].endswith("/provision-map")
    }
    covered = set()
    for case in CASES:
        parts = ["{}" if p.startswith("{") else p for p in case["path"].split("/")]
        covered.add((case["method"], "/".join(parts)))
    for method, path in mine:
        parts = ["{}" if p.startswith("{") else p for p in path.removeprefix("/api/v1").split("/")]
        assert (method, "/".join(parts)) in covered, (method, path)
    assert len(mine) == len(CASES) == 10


def test_create_patch_conflict_and_members(api, cast):  # noqa: F811
    ids = intervention_ids(cast)
    made = api.post(
        cast.head,
        f"/schools/{cast.school.pk}/interventions",
        {
            "name": "Phonics",
            "kind": "focus",
            "start_date": timezone.localdate().isoformat(),
            "sessions_per_week": 4,
            "minutes_per_session": 15,
            "cost": "12.50",
            "cost_basis": "per_pupil",
            "measure_kind": "test",
            "definition_id": ids["reading"],
            "staff_ids": [cast.ta.pk],
        },
    )
    assert made.status_code == 201, made.content
    item = made.json()
    assert (item["cost"], item["cost_basis"], item["staff_ids"]) == (
        12.5,
        "per_pupil",
        [cast.ta.pk],
    )
    path = f"/interventions/{item['id']}"
    first = api.patch(cast.leader, path, {"version": 1, "sessions_per_week": 5})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = api.patch(cast.senco, path, {"version": 1, "name": "Mine"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert Intervention.objects.get(pk=item["id"]).name == "Phonics"
    # a pupil the caller may not see is not found, and nobody is added
    hub_pupil = api.post(
        cast.head, f"{path}/members", {"pupil_ids": [cast.amara.pk, cast.priya.pk]}
    )
    assert hub_pupil.status_code == 404 and hub_pupil.json()["errors"][0]["field"] == "pupil_ids"
    added = api.post(cast.head, f"{path}/members", {"pupil_ids": [cast.amara.pk]})
    assert [m["pupil_id"] for m in added.json()] == [cast.amara.pk]
    assert api.get(cast.head, path).json()["cost_total"] == 12.5
    # taken off on the day they joined is still a day in it: left is recorded
    gone = api.delete(cast.head, f"{path}/members/{cast.amara.pk}")
    assert gone.json() == {"pupil_id": cast.amara.pk, "left": item["start_date"], "removed": False}
    bad = api.post(
        cast.head,
        f"/schools/{cast.school.pk}/interventions",
        {
            "name": "Odd",
            "start_date": "2030-01-10",
            "end_date": "2030-01-01",
            "sessions_per_week": 1,
            "minutes_per_session": 30,
            "measure_kind": "review",
        },
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"end_date"}


def test_costs_are_hidden_from_providers_and_families(api, cast):  # noqa: F811
    ids = intervention_ids(cast)
    staff = api.get(cast.teacher, f"/interventions/{ids['intervention']}").json()
    assert staff["cost"] == 450 and staff["cost_per_pupil"] == 225
    assert {m["pupil_id"] for m in staff["members"]} == {cast.amara.pk, cast.bartholomew.pk}
    mine = api.get(cast.parent, f"/pupils/{cast.amara.pk}/interventions").json()
    assert {row["name"] for row in mine} == {"Reading group", "Engagement group"}
    assert all(row["cost_per_pupil"] is None and row["impact"] is None for row in mine)
    seen_by_head = api.get(cast.head, f"/pupils/{cast.amara.pk}/interventions").json()
    assert {row["cost_per_pupil"] for row in seen_by_head} == {225, None}
    assert api.get(cast.parent, "/interventions").json() == []


def test_impact_and_the_provision_map(api, cast):  # noqa: F811
    ids = intervention_ids(cast)
    impact = api.get(cast.head, f"/interventions/{ids['intervention']}/impact").json()
    assert impact["so_far"] and impact["verdict"] == "not_measured"
    assert {row["pupil_id"] for row in impact["rows"]} == {cast.amara.pk, cast.bartholomew.pk}
    finished = api.get(cast.head, f"/interventions/{ids['finished']}/impact").json()
    assert finished["measured_at"] is not None and not finished["so_far"]
    again = api.post(cast.head, f"/interventions/{ids['intervention']}/evaluations")
    assert again.status_code == 422 and "still running" in again.json()["errors"][0]["message"]
    pmap = api.get(cast.teacher, f"/schools/{cast.school.pk}/provision-map?group_by=class")
    data = pmap.json()
    assert data["group_by"] == "class"
    assert {r["pupil_id"] for r in data["rows"]} == {cast.amara.pk, cast.bartholomew.pk}
    assert {r["group"] for r in data["rows"]} == {"3 Oak"}
    assert [s["name"] for s in data["interventions"]] == ["Reading group"]
    last_year = api.get(
        cast.head,
        f"/schools/{cast.school.pk}/provision-map?academic_year_id={cast.last_year.pk}",
    ).json()
    assert [s["name"] for s in last_year["interventions"]] == ["Engagement group"]
    assert last_year["rows"][0]["year_group"] == "Year 2"


def test_objectives_impact_through_the_api(api, cast, setting, monkeypatch):  # noqa: F811
    s = setting
    g, o = s.maths.grades, s.y3
    members = [cast.amara, cast.bartholomew, *s.extras[:2]]
    for pupil in members:
        judge(pupil, o[:2], g["S"], s.day(1))
    for pupil in s.extras[2:]:
        judge(pupil, o[:1], g["S"], s.day(1))
    item = s.intervention(members)
    # measured as on a day three weeks in, whatever today's date
    monkeypatch.setattr("nextsteps.interventions.evaluation._today", lambda: s.day(3))
    impact = api.get(cast.head, f"/interventions/{item.pk}/impact").json()
    assert impact["verdict"] == "more" and (impact["pupils"], impact["similar"]) == (4, 6)
    assert impact["pupils_mean"] == 2 and impact["similar_mean"] == 1
    assert impact["unit"] == "objectives secured" and impact["margin"] == 0.5
    assert impact["period_end"] == s.day(3).isoformat()
    assert impact["text"].startswith("So far, made more progress than similar pupils: +2.0")
