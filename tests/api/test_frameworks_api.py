"""Framework files and working stages through the API."""

import pytest

from nextsteps.curriculum.models import Framework, PupilStage
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db


def test_export_then_import_as_a_school_framework(api, cast):
    maths = build_maths(cast.school)
    exported = api.get(cast.leader, f"/frameworks/{maths.framework.pk}/export?format=yaml").json()
    assert exported["filename"] == "test-primary-v1.yaml"
    content = exported["content"].replace("code: test-primary", "code: oakfield-maths", 1)
    path = f"/schools/{cast.school.pk}/frameworks/import"
    before = Framework.objects.count()
    checked = api.post(cast.leader, path, {"filename": "m.yaml", "content": content})
    assert checked.json() == {"ok": True, "action": "new", "problems": [], "framework": None}
    assert Framework.objects.count() == before
    done = api.post(cast.leader, path, {"filename": "m.yaml", "content": content, "dry_run": False})
    assert done.json()["framework"]["code"] == "oakfield-maths"
    assert Framework.objects.get(code="oakfield-maths").school == cast.school


def test_a_bad_file_is_reported_line_by_line_and_writes_nothing(api, cast):
    build_maths(cast.school)
    before = Framework.objects.count()
    body = {"filename": "bad.yaml", "content": "code: broken\nname: [unclosed\n", "dry_run": False}
    answer = api.post(cast.leader, f"/schools/{cast.school.pk}/frameworks/import", body).json()
    assert answer["ok"] is False and answer["problems"] and answer["problems"][0]["message"]
    assert Framework.objects.count() == before


def test_working_stage_is_recorded_and_read(api, cast):
    maths = build_maths(cast.school)
    response = api.post(
        cast.teacher,
        f"/pupils/{cast.bartholomew.pk}/working-stages",
        {"subject_id": maths.maths.pk, "stage_id": maths.y3.pk, "since": "2026-09-01"},
    )
    assert response.status_code == 201 and response.json()["stage"] == "Year 3"
    assert PupilStage.objects.get(pupil=cast.bartholomew).stage == maths.y3
    listed = api.get(cast.teacher, f"/pupils/{cast.bartholomew.pk}/working-stages").json()
    assert [w["stage"] for w in listed] == ["Year 3"]


def test_shipped_frameworks_are_read_only_and_school_copies_editable(api, cast):
    from nextsteps.curriculum.services import copy_for_school

    maths = build_maths(cast.school)
    shipped_objective = maths.objectives[0]
    refused = api.patch(cast.leader, f"/objectives/{shipped_objective.pk}", {"statement": "x"})
    assert refused.status_code == 403 and "school copy" in refused.json()["detail"]
    own = copy_for_school(maths.framework, cast.school, by=cast.head)
    objective = own.subjects.get().objectives.order_by("order").first()
    edited = api.patch(
        cast.leader,
        f"/objectives/{objective.pk}",
        {"key": False, "success_criteria": ["Uses a number line"]},
    )
    assert edited.json()["key"] is False and edited.json()["success_criteria"] == [
        "Uses a number line"
    ]
    retired = api.post(cast.leader, f"/objectives/{objective.pk}/retire")
    assert retired.json()["retired"] is True
    duplicate = api.post(
        cast.leader,
        f"/frameworks/{own.pk}/objectives",
        {
            "strand_id": objective.strand_id,
            "stage_id": objective.stage_id,
            "code": objective.code,
            "statement": "Again",
        },
    )
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["field"] == "code"
