"""Judgements through the API: first save wins, bulk writes report every item, history and
scope."""

import pytest

from nextsteps.curriculum import services as curriculum
from tests.curriculum_cast import build_maths

from .conftest import assert_no_pupil_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(cast):
    return build_maths(cast.school)


def cell(pupil, objective, grade, expected):
    return {
        "pupil_id": pupil.pk,
        "objective_id": objective.pk,
        "grade_id": grade.pk if grade else None,
        "expected_judgement_id": expected,
    }


def test_two_clients_on_one_empty_cell_the_second_gets_409(api, cast, maths):
    obj, g = maths.objectives[0], maths.grades
    first = api.post(cast.teacher, "/judgements", cell(cast.amara, obj, g["S"], None))
    assert first.status_code == 201
    second = api.post(cast.ta, "/judgements", cell(cast.amara, obj, g["D"], None))
    assert second.status_code == 409
    body = second.json()
    assert body["current"]["grade"] == "S" and body["current"]["id"] == first.json()["id"]
    history = api.get(cast.head, f"/pupils/{cast.amara.pk}/objectives/{obj.pk}/history")
    assert [j["grade"] for j in history.json()] == ["S"]
    fixed = api.post(cast.ta, "/judgements", cell(cast.amara, obj, g["D"], first.json()["id"]))
    assert fixed.status_code == 201 and fixed.json()["replaces_id"] == first.json()["id"]


def test_bulk_reports_every_item(api, cast, maths):
    o, g = maths.objectives, maths.grades
    items = [
        cell(cast.amara, o[0], g["S"], None),
        cell(cast.bartholomew, o[0], g["D"], None),
        cell(cast.zebedee, o[0], g["S"], None),  # not in the teacher's class
        cell(cast.amara, o[1], maths.summary.grades.first(), None),  # wrong scale
    ]
    response = api.post(cast.teacher, "/judgements/bulk", {"items": items})
    body = response.json()
    assert response.status_code == 200
    assert [i["status"] for i in body["items"]] == ["saved", "saved", "refused", "refused"]
    assert body["saved"] == 2 and body["refused"] == 2
    assert_no_pupil_names(response)
    again = api.post(cast.teacher, "/judgements/bulk", {"items": items[:1]})
    assert again.json()["items"][0]["status"] == "conflict"
    current = api.get(
        cast.teacher, f"/classes/{cast.oak.pk}/judgements?subject_id={maths.maths.pk}"
    )
    assert sorted(j["grade"] for j in current.json()) == ["D", "S"]


def test_parent_reads_their_childs_judgements_only(api, cast, maths):
    api.post(
        cast.teacher, "/judgements", cell(cast.amara, maths.objectives[0], maths.grades["M"], None)
    )
    mine = api.get(cast.parent, f"/pupils/{cast.amara.pk}/judgements")
    assert [j["grade"] for j in mine.json()] == ["M"]
    assert api.get(cast.other_parent, f"/pupils/{cast.amara.pk}/judgements").status_code == 404
    assert (
        api.post(
            cast.parent,
            "/judgements",
            cell(cast.amara, maths.objectives[1], maths.grades["M"], None),
        ).status_code
        == 403
    )


def test_a_schools_own_framework_is_hidden_from_other_schools(api, cast, maths):
    own = curriculum.create_framework(
        code="oakfield-own",
        name="Oakfield own",
        judgement_scale=maths.scale,
        summary_scale=maths.summary,
        school=cast.school,
    )
    assert api.get(cast.teacher, f"/frameworks/{own.pk}").status_code == 200
    assert api.get(cast.ap_head, f"/frameworks/{own.pk}").status_code == 404
    listed = {f["code"] for f in api.get(cast.ap_head, "/frameworks").json()}
    assert "oakfield-own" not in listed and "test-primary" in listed
