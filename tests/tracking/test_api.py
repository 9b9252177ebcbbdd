"""What the tracking API routes do (who may call them at all is in tests/api/test_access.py):
suggestions with their basis, the year group's targets all or nothing, stale targets, on track
for a class, goals and staff targets with versions, and the rule."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nextsteps.schools.services import enrol_pupil
from nextsteps.tracking import services
from nextsteps.tracking.models import Target

from .conftest import pupil_with_years

pytestmark = pytest.mark.django_db


def sheet_path(cast, ladder):
    return f"/year-groups/{cast.y3.pk}/targets?subject_id={ladder.maths.pk}"


def test_year_group_sheet_gives_suggestions_with_their_basis(api, cast, ladder, history):
    response = api.get(cast.leader, sheet_path(cast, ladder))
    assert response.status_code == 200
    rows = {row["pupil_id"]: row for row in response.json()["rows"]}
    assert set(rows) == {cast.amara.pk, cast.bartholomew.pk}
    amara = rows[cast.amara.pk]["suggestion"]
    assert (amara["grade"], amara["method"]) == ("EXS", "cohort")
    assert amara["basis"].startswith("Of 5 pupils at this school who were EXS")
    assert rows[cast.bartholomew.pk]["suggestion"]["grade"] is None
    assert rows[cast.amara.pk]["current"] is None


def test_bulk_targets_are_all_or_nothing_with_an_error_per_item(api, cast, ladder, history):
    s = ladder.summary
    path = f"/year-groups/{cast.y3.pk}/targets"
    items = [
        {"pupil_id": cast.amara.pk, "grade_id": s["GDS"].pk, "expected_target_id": None},
        {"pupil_id": cast.bartholomew.pk, "grade_id": s["WTS"].pk, "expected_target_id": None},
        {"pupil_id": cast.zebedee.pk, "grade_id": s["EXS"].pk, "expected_target_id": None},
    ]
    refused = api.post(cast.leader, path, {"subject_id": ladder.maths.pk, "items": items})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "Nothing was saved: 2 rows need attention."
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert fields["items.2.pupil_id"] == "Not a pupil of yours in this year group."  # Year 4
    assert "differs from the suggestion (EXS)" in fields["items.0"]
    assert not Target.objects.exists()

    items[0]["reason"] = "Known capacity for improvement"
    del items[2]
    saved = api.post(cast.leader, path, {"subject_id": ladder.maths.pk, "items": items})
    assert saved.status_code == 200 and saved.json()["saved"] == 2
    assert {t["grade"] for t in saved.json()["targets"]} == {"GDS", "WTS"}
    stale = api.post(cast.leader, path, {"subject_id": ladder.maths.pk, "items": items})
    assert stale.status_code == 422  # sent as if there were no targets yet
    assert "changed this target while you were editing" in stale.json()["errors"][0]["message"]
    by_pupil = {t["pupil_id"]: t["id"] for t in saved.json()["targets"]}
    for item in items:
        item["expected_target_id"] = by_pupil[item["pupil_id"]]
    again = api.post(cast.leader, path, {"subject_id": ladder.maths.pk, "items": items})
    assert again.json()["saved"] == 0  # nothing new to write


def test_a_stale_target_is_refused_with_what_is_there_now(api, cast, ladder):
    path = f"/pupils/{cast.amara.pk}/targets"
    body = {
        "subject_id": ladder.maths.pk,
        "grade_id": ladder.summary["EXS"].pk,
        "expected_target_id": None,
    }
    first = api.post(cast.leader, path, body)
    assert first.status_code == 201 and first.json()["current"] is True
    assert api.post(cast.leader, path, body).status_code == 409
    same = api.post(cast.leader, path, {**body, "expected_target_id": first.json()["id"]})
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    raised = api.post(
        cast.head,
        path,
        {**body, "grade_id": ladder.summary["GDS"].pk, "expected_target_id": first.json()["id"]},
    )
    assert raised.status_code == 201
    stale = api.post(cast.leader, path, {**body, "expected_target_id": first.json()["id"]})
    assert stale.status_code == 409
    assert stale.json()["current"]["grade"] == "GDS"
    withdrawn = api.post(
        cast.leader,
        path,
        {
            "subject_id": ladder.maths.pk,
            "withdraw": True,
            "reason": "Moved to a new set",
            "expected_target_id": raised.json()["id"],
        },
    )
    assert withdrawn.status_code == 201 and withdrawn.json()["grade"] is None
    history = api.get(cast.teacher, path).json()
    assert [t["grade"] for t in history] == ["EXS", "GDS", None]
    assert [t["current"] for t in history] == [False, False, True]


def test_class_on_track_answers_in_a_fixed_number_of_queries(api, cast, ladder):
    point = cast.year.assessment_points.order_by("date").first()
    path = f"/classes/{cast.oak.pk}/on-track?subject_id={ladder.maths.pk}&point_id={point.pk}"
    services_target = ladder.summary["EXS"]
    from nextsteps.tracking.targets import set_target

    set_target(cast.amara, ladder.maths, cast.year, services_target, by=cast.leader)
    response = api.get(cast.teacher, path)
    rows = {r["pupil_id"]: r for r in response.json()}
    assert set(rows) == {cast.amara.pk, cast.bartholomew.pk}
    assert rows[cast.amara.pk]["status"] == "not_judged"
    assert rows[cast.amara.pk]["target_grade"] == "EXS"
    assert rows[cast.bartholomew.pk]["status"] == "no_target"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(cast.teacher, path).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for _ in range(8):
        pupil = pupil_with_years(cast, {cast.year: 3})
        enrol_pupil(
            pupil,
            cast.school,
            cast.y3,
            school_class=cast.oak,
            academic_year=cast.year,
            start_date=cast.year.start_date,
        )
        set_target(pupil, ladder.maths, cast.year, services_target, by=cast.leader)
    assert count() == small


def test_goals_carry_a_version_and_objectives_from_the_pupils_frameworks(api, cast, ladder):
    from tests.curriculum_cast import build_maths

    elsewhere = build_maths()  # not used at the school
    path = f"/pupils/{cast.amara.pk}/goals"
    outside = api.post(
        cast.teacher,
        path,
        {"kind": "numeracy", "text": "Count in 3s", "objective_id": elsewhere.objectives[0].pk},
    )
    assert outside.status_code == 404 and outside.json()["errors"][0]["field"] == "objective_id"
    goal = api.post(
        cast.teacher,
        path,
        {
            "kind": "numeracy",
            "text": "Count in 3s",
            "objective_id": ladder.key[3][0].pk,
            "review_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
        },
    ).json()
    assert goal["version"] == 1 and goal["status"] == "not_started"
    first = api.patch(cast.ta, f"/goals/{goal['id']}", {"version": 1, "status": "working"})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = api.patch(cast.teacher, f"/goals/{goal['id']}", {"version": 1, "status": "achieved"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert api.get(cast.teacher, path).json()[0]["status"] == "working"


def test_staff_targets_show_only_the_pupils_you_may_see(api, cast, ladder):
    school = f"/schools/{cast.school.pk}/staff-targets"
    for_teacher = api.post(
        cast.head,
        school,
        {
            "user_id": cast.teacher.pk,
            "text": "Reading fluency",
            "pupil_ids": [cast.amara.pk, cast.zebedee.pk],
        },
    )
    assert for_teacher.status_code == 201
    assert set(for_teacher.json()["pupil_ids"]) == {cast.amara.pk, cast.zebedee.pk}
    refused = api.post(cast.teacher, school, {"user_id": cast.other_teacher.pk, "text": "x"})
    assert refused.status_code == 403
    out_of_sight = api.post(cast.teacher, school, {"text": "x", "pupil_ids": [cast.zebedee.pk]})
    assert out_of_sight.status_code == 404
    services.add_staff_target(cast.school, cast.other_teacher, text="Maths talk", by=cast.head)
    mine = api.get(cast.teacher, school).json()
    assert [t["text"] for t in mine] == ["Reading fluency"]
    assert mine[0]["pupil_ids"] == [cast.amara.pk]  # Zebedee is not in the teacher's class
    assert len(api.get(cast.head, school).json()) == 2
    patched = api.patch(
        cast.teacher, f"/staff-targets/{mine[0]['id']}", {"version": 1, "pupil_ids": []}
    )
    assert patched.status_code == 200 and patched.json()["pupil_ids"] == []
    head_view = api.get(cast.head, school).json()
    kept = next(t for t in head_view if t["text"] == "Reading fluency")
    assert kept["pupil_ids"] == [cast.zebedee.pk]  # the teacher could not remove Zebedee


def test_milestones_by_api(api, cast, ladder):
    path = f"/pupils/{cast.bartholomew.pk}/milestones"
    today = timezone.localdate()
    body = {
        "subject_id": ladder.maths.pk,
        "description": "Bonds to 10",
        "objective_ids": [ladder.key[2][0].pk],
        "start_date": today.isoformat(),
        "due_date": (today - timedelta(days=2)).isoformat(),
    }
    bad = api.post(cast.senco, path, body)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "due_date"
    body["due_date"] = (today + timedelta(days=20)).isoformat()
    made = api.post(cast.senco, path, body)
    assert made.status_code == 201 and made.json()["objective_ids"] == [ladder.key[2][0].pk]
    done = api.patch(
        cast.teacher,
        f"/milestones/{made.json()['id']}",
        {"version": 1, "achieved_at": today.isoformat()},
    )
    assert done.status_code == 200 and done.json()["achieved_at"] == today.isoformat()


def test_the_rule_in_words_with_the_schools_values(api, cast):
    cast.school.settings = {"on_track": {"at_risk_share": "1/3"}, "targets": {"cohort_ties": 4}}
    cast.school.save()
    rule = api.get(cast.governor, f"/schools/{cast.school.pk}/tracking-rule").json()
    assert rule["on_track"]["at_risk_share"] == "1/3"
    assert rule["targets"]["cohort_ties"] == "higher"  # the bad setting is not used...
    assert any("cohort_ties" in p for p in rule["problems"])  # ...and it says so
    assert "On track (OnTrackRule)" in rule["text"]
