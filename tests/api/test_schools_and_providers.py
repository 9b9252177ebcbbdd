"""Schools, calendar, classes, staff, groups, guardians, providers and placements: what each
role sees in the lists and the field errors on writes."""

import pytest
from django.utils import timezone

from nextsteps.api.routes import EVERYONE, PUBLIC, ROUTES
from nextsteps.schools import services
from nextsteps.schools.models import Role

pytestmark = pytest.mark.django_db


def names(response, key="name"):
    assert response.status_code == 200, response.content
    return {item[key] for item in response.json()}


@pytest.mark.parametrize(
    "user, expected",
    [
        ("head", {"Oakfield Primary"}),
        ("governor", {"Oakfield Primary"}),
        ("parent", {"Oakfield Primary"}),
        ("pupil", {"Oakfield Primary"}),
        ("provider", {"Riverside Learning Hub"}),
        ("ap_head", {"Riverside Learning Hub"}),
        ("trust_staff", {"Oakfield Primary", "Riverside Learning Hub"}),
    ],
)
def test_schools_each_role_sees(api, cast, user, expected):
    assert names(api.get(getattr(cast, user), "/schools")) == expected


def test_calendar_and_year_groups(api, cast):
    years = api.get(cast.teacher, f"/schools/{cast.school.pk}/years").json()
    assert [y["id"] for y in years] == [cast.last_year.pk, cast.year.pk]
    terms = names(api.get(cast.teacher, f"/years/{cast.year.pk}/terms"))
    assert terms == {"Autumn", "Spring", "Summer"}
    points = names(api.get(cast.governor, f"/years/{cast.year.pk}/assessment-points"))
    assert points == {"Autumn", "Spring", "Summer"}
    stages = [g["stage"] for g in api.get(cast.ta, f"/schools/{cast.school.pk}/year-groups").json()]
    assert stages == sorted(stages) and 0 in stages


def test_create_year_with_own_points_and_field_errors(api, cast):
    path = f"/schools/{cast.school.pk}/years"
    start = cast.year.start_date.year + 1
    body = {"start_year": start, "assessment_points": ["Baseline", "Mid-year", "End"]}
    created = api.post(cast.leader, path, body)
    assert created.status_code == 201
    points = api.get(cast.leader, f"/years/{created.json()['id']}/assessment-points")
    assert [p["name"] for p in points.json()] == ["Baseline", "Mid-year", "End"]
    bad = api.post(cast.leader, path, {"start_year": start + 1, "terms": [" "]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "terms"
    assert api.post(cast.leader, path, {"start_year": 12}).json()["errors"][0]["field"] == (
        "start_year"
    )


def test_rename_year_group_to_a_name_in_use_is_a_field_error(api, cast):
    response = api.patch(cast.leader, f"/year-groups/{cast.y3.pk}", {"name": "Year 4"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize(
    "user, expected",
    [
        ("head", {"3 Oak", "4 Ash", "2 Elm"}),
        ("teacher", {"3 Oak"}),
        ("other_teacher", {"4 Ash", "2 Elm"}),
        ("governor", set()),
    ],
)
def test_classes_each_role_sees(api, cast, user, expected):
    assert names(api.get(getattr(cast, user), f"/schools/{cast.school.pk}/classes")) == expected


def test_class_filter_by_year_and_create_with_staff(api, cast):
    path = f"/schools/{cast.school.pk}/classes"
    assert names(api.get(cast.head, f"{path}?academic_year_id={cast.last_year.pk}")) == {"2 Elm"}
    created = api.post(
        cast.leader,
        path,
        {
            "name": "5 Birch",
            "academic_year_id": cast.year.pk,
            "teacher_ids": [cast.other_teacher.pk],
        },
    )
    assert created.status_code == 201
    assert [s["user"]["id"] for s in created.json()["staff"]] == [cast.other_teacher.pk]
    duplicate = api.post(cast.leader, path, {"name": "3 Oak", "academic_year_id": cast.year.pk})
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["field"] == "name"
    outsider = api.post(
        cast.leader,
        path,
        {"name": "5 Rowan", "academic_year_id": cast.year.pk, "teacher_ids": [cast.parent.pk]},
    )
    assert outsider.json()["errors"][0]["field"] == "teacher_ids"
    other_year = api.post(
        cast.leader, path, {"name": "5 Rowan", "academic_year_id": cast.hub_year.pk}
    )
    assert other_year.json()["errors"][0]["field"] == "academic_year_id"


def test_class_staff_assignment(api, cast):
    path = f"/classes/{cast.oak.pk}/staff"
    response = api.post(cast.head, path, {"user_id": cast.other_teacher.pk, "kind": "ta"})
    kinds = {s["user"]["id"]: s["kind"] for s in response.json()["staff"]}
    assert kinds[cast.other_teacher.pk] == "ta"
    # the new assistant now sees the class's pupils
    pupils = api.get(cast.other_teacher, f"/pupils?class_id={cast.oak.pk}").json()["items"]
    assert {p["legal_first_name"] for p in pupils} == {"Amara", "Bartholomew"}
    assert api.delete(cast.head, f"{path}/{cast.other_teacher.pk}").status_code == 204
    assert api.delete(cast.head, f"{path}/{cast.other_teacher.pk}").status_code == 404
    bad = api.post(cast.head, path, {"user_id": cast.parent.pk, "kind": "ta"})
    assert bad.json()["errors"][0]["field"] == "user_id"


def test_roles_grant_revoke_and_field_errors(api, cast):
    path = f"/schools/{cast.school.pk}/roles"
    listed = api.get(cast.head, path).json()
    assert {r["user"]["id"] for r in listed} >= {cast.head.pk, cast.governor.pk}
    granted = api.post(cast.head, path, {"email": cast.ap_head.email, "kind": "deputy"})
    assert granted.status_code == 201
    assert api.get(cast.ap_head, f"/schools/{cast.school.pk}/roles").status_code == 200
    assert api.delete(cast.head, f"/roles/{granted.json()['id']}").status_code == 204
    assert api.get(cast.ap_head, f"/schools/{cast.school.pk}/roles").status_code == 404
    unknown = api.post(cast.head, path, {"email": "nobody@example.org", "kind": "deputy"})
    assert unknown.json()["errors"][0]["field"] == "email"
    wrong_kind = api.post(cast.head, path, {"email": cast.ap_head.email, "kind": "provider_staff"})
    assert wrong_kind.json()["errors"][0]["field"] == "kind"
    own = Role.objects.get(user=cast.head, school=cast.school)
    refused = api.delete(cast.head, f"/roles/{own.pk}")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "role_id"


def test_group_members_are_filtered_to_what_the_caller_may_see(api, cast):
    created = api.post(
        cast.teacher, f"/schools/{cast.school.pk}/groups", {"name": "Maths boost"}
    ).json()
    path = f"/groups/{created['id']}"
    added = api.post(cast.teacher, f"{path}/members", {"pupil_id": cast.amara.pk})
    assert [m["name"] for m in added.json()["members"]] == ["Amara Okonkwo-Test"]
    api.post(cast.head, f"{path}/members", {"pupil_id": cast.zebedee.pk})
    assert names(api.get(cast.head, f"/schools/{cast.school.pk}/groups")) == {"Maths boost"}
    seen = {m["name"] for m in api.get(cast.other_teacher, path).json()["members"]}
    assert seen == {"Zebedee Marchbanks"}
    assert api.get(cast.governor, path).json()["members"] == []
    hub_pupil = api.post(cast.head, f"{path}/members", {"pupil_id": cast.priya.pk})
    assert hub_pupil.status_code == 404
    assert hub_pupil.json()["errors"][0]["field"] == "pupil_id"
    assert "Priya" not in hub_pupil.content.decode()
    duplicate = api.post(cast.teacher, f"/schools/{cast.school.pk}/groups", {"name": "maths boost"})
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["field"] == "name"


def test_guardians_list_add_and_update(api, cast):
    path = f"/pupils/{cast.amara.pk}/guardians"
    assert names(api.get(cast.teacher, path)) == {"Ada Okonkwo"}
    added = api.post(cast.senco, path, {"name": "Obi Okonkwo", "email": "not-an-email"})
    assert added.json()["errors"][0]["field"] == "email"
    added = api.post(cast.senco, path, {"name": "Obi Okonkwo", "priority": 2})
    assert added.status_code == 201 and added.json()["has_sign_in"] is False
    updated = api.patch(cast.head, f"/guardians/{added.json()['id']}", {"phone": "01632 960002"})
    assert updated.json()["phone"] == "01632 960002"
    blank = api.patch(cast.head, f"/guardians/{added.json()['id']}", {"name": None})
    assert blank.json()["errors"][0]["field"] == "name"


def test_providers_see_only_their_own_organisation_and_placements(api, cast):
    assert names(api.get(cast.provider, "/providers")) == {"Northgate Academy"}
    assert names(api.get(cast.head, "/providers")) == {"Northgate Academy", "Southmoor School"}
    assert names(api.get(cast.parent, "/providers")) == set()
    assert names(api.get(cast.provider, "/placements"), "pupil_name") == {"Priya Hollowaygate"}
    assert names(api.get(cast.other_provider, "/placements"), "pupil_name") == {"Tomasz Wrenfield"}
    assert names(api.get(cast.ap_head, "/placements?active=true"), "pupil_name") == {
        "Priya Hollowaygate",
        "Tomasz Wrenfield",
    }
    only_south = api.get(cast.ap_head, f"/placements?provider_id={cast.south.pk}")
    assert names(only_south, "pupil_name") == {"Tomasz Wrenfield"}
    assert names(api.get(cast.head, "/placements"), "pupil_name") == set()


def test_placement_writes(api, cast):
    today = timezone.localdate()
    body = {
        "pupil_id": cast.priya.pk,
        "provider_id": cast.south.pk,
        "school_id": cast.hub.pk,
        "start_date": today.isoformat(),
        "report_format": "docx",
    }
    created = api.post(cast.ap_head, "/placements", body)
    assert created.status_code == 201 and created.json()["report_format"] == "docx"
    backwards = api.patch(
        cast.ap_head,
        f"/placements/{created.json()['id']}",
        {"end_date": today.replace(year=today.year - 1).isoformat()},
    )
    assert backwards.status_code == 422
    bad_format = api.post(cast.ap_head, "/placements", {**body, "report_format": "fax"})
    assert bad_format.json()["errors"][0]["field"] == "report_format"
    # Oakfield is not an alternative-provision centre
    services.grant_role(cast.ap_head, Role.Kind.INCLUSION_MANAGER, school=cast.school)
    services.enrol_pupil(cast.priya, cast.school, cast.y4, start_date=today)
    not_a_centre = api.post(cast.ap_head, "/placements", {**body, "school_id": cast.school.pk})
    assert not_a_centre.json()["errors"][0]["field"] == "school"


def test_create_provider_field_errors(api, cast):
    created = api.post(cast.ap_head, "/providers", {"name": "Eastfield", "kind": "la"})
    assert created.status_code == 201
    again = api.post(cast.ap_head, "/providers", {"name": "Eastfield"})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "name"


def test_routes_table_matches_the_schema(openapi_schema):
    operations = {
        (method.upper(), path)
        for path, methods in openapi_schema["paths"].items()
        for method in methods
    }
    assert set(ROUTES) == operations
    assert not PUBLIC & operations
    for access in ROUTES.values():
        assert access.roles <= EVERYONE
