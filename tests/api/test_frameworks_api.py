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
