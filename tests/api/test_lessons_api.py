"""Lessons, summaries and next steps through the API."""

import pytest
from django.utils import timezone

from nextsteps.assessment import services as judgements
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(cast):
    return build_maths(cast.school)


def test_feedback_is_appended_and_the_lesson_shows_only_visible_pupils(api, cast, maths):
    lesson = api.post(
        cast.teacher,
        f"/classes/{cast.oak.pk}/lessons",
        {
            "date": timezone.localdate().isoformat(),
            "learning_intention": "To add fractions",
            "objective_ids": [maths.objectives[0].pk],
            "success_criteria": None,
        },
    ).json()
    assert lesson["success_criteria"] == ["criterion 1a", "criterion 1b"]
    for light in ("red", "green"):
        response = api.post(
            cast.teacher,
            f"/lessons/{lesson['id']}/feedback",
            {"pupil_id": cast.amara.pk, "kind": "teacher", "light": light},
        )
        assert response.status_code == 201
    peer = api.post(
        cast.teacher,
        f"/lessons/{lesson['id']}/feedback",
        {"pupil_id": cast.amara.pk, "kind": "peer", "light": "amber"},
    )
    assert peer.status_code == 422 and peer.json()["errors"][0]["field"] == "partner"
    detail = api.get(cast.teacher, f"/lessons/{lesson['id']}").json()
    assert [f["light"] for f in detail["feedback"]] == ["red", "green"]


def test_summary_suggestion_recording_and_lock(api, cast, maths):
    point = cast.year.assessment_points.order_by("date").first()
    for objective in maths.objectives[:2]:  # the two key Year 3 objectives
        judgements.record_judgement(cast.amara, objective, maths.grades["S"], by=cast.teacher)
    rows = api.get(
        cast.teacher,
        f"/classes/{cast.oak.pk}/summaries?subject_id={maths.maths.pk}&point_id={point.pk}",
    ).json()
    amara = next(r for r in rows if r["pupil_id"] == cast.amara.pk)
    assert amara["suggested"] in {"EXS", "GDS"} and "key" in amara["reason"]
    assert api.post(cast.leader, f"/assessment-points/{point.pk}/lock").json()["locked"] is True
    refused = api.post(
        cast.teacher,
        "/summaries",
        {
            "pupil_id": cast.amara.pk,
            "subject_id": maths.maths.pk,
            "point_id": point.pk,
            "grade_id": amara["suggested_grade_id"],
        },
    )
    assert refused.status_code == 422 and "locked" in refused.json()["detail"] + str(
        refused.json()["errors"]
    )
    api.delete(cast.leader, f"/assessment-points/{point.pk}/lock")
    saved = api.post(
        cast.teacher,
        "/summaries",
        {
            "pupil_id": cast.amara.pk,
            "subject_id": maths.maths.pk,
            "point_id": point.pk,
            "grade_id": amara["suggested_grade_id"],
        },
    )
    assert saved.status_code == 201


def test_next_steps_are_the_next_unsecured_objectives_in_pupil_words(api, cast, maths):
    judgements.record_judgement(cast.amara, maths.objectives[0], maths.grades["S"], by=cast.teacher)
    steps = api.get(
        cast.parent, f"/pupils/{cast.amara.pk}/next-steps?subject_id={maths.maths.pk}"
    ).json()
    assert [s["code"] for s in steps[0]["steps"]] == ["MY3.2", "MY3.3", "MY4.1"]
    assert steps[0]["steps"][0]["pupil_statement"].startswith("I can")
