"""The support API beyond who may call it: a plan opened with its targets and provision in one
go (all or nothing), the family's view of a shared plan, the SEN record and the register, and
errors named by field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from nextsteps.support.models import Plan, PlanTarget, Provision

pytestmark = pytest.mark.django_db


def day(n=0) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def test_a_plan_opens_with_its_targets_and_provision(support, api):
    c = support
    response = api.post(
        c.senco,
        f"/pupils/{c.bartholomew.pk}/plans",
        {
            "kind": "ehc_plan",
            "title": "EHC plan outcomes",
            "owner_id": c.teacher.pk,
            "review_date": day(90),
            "shared_with_family": True,
            "targets": [
                {"specific": "Read 100 words", "measure": "95 of 100", "target_date": day(90)},
                {"specific": "Write a sentence", "measure": "4 of 5", "target_date": day(60)},
            ],
            "provision": [{"what": "Precision teaching", "who": "TA", "hours_per_week": 1.5}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["owner_id"], body["status"]) == ("ehc_plan", c.teacher.pk, "open")
    assert [t["specific"] for t in body["targets"]] == ["Read 100 words", "Write a sentence"]
    assert body["provision"][0]["hours_per_week"] == 1.5
    assert body["family_view"] is False


def test_a_bad_target_writes_no_plan_at_all(support, api):
    c = support
    before = (Plan.objects.count(), PlanTarget.objects.count(), Provision.objects.count())
    response = api.post(
        c.senco,
        f"/pupils/{c.bartholomew.pk}/plans",
        {
            "kind": "iep",
            "title": "IEP",
            "review_date": day(30),
            "provision": [{"what": "Reading", "who": "TA"}],
            "targets": [
                {"specific": "Read", "measure": "20 words", "target_date": day(30)},
                {"specific": "Write", "measure": "", "target_date": day(30)},
            ],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "targets.1.measure"
    assert (Plan.objects.count(), PlanTarget.objects.count(), Provision.objects.count()) == before


def test_the_owner_must_work_at_the_plans_school(support, api):
    c = support
    response = api.post(
        c.senco,
        f"/pupils/{c.bartholomew.pk}/plans",
        {"kind": "iep", "title": "IEP", "review_date": day(30), "owner_id": c.ap_head.pk},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "owner_id"


def test_the_family_gets_the_familys_view(support, api):
    c = support
    [plan] = api.get(c.parent, f"/pupils/{c.amara.pk}/plans").json()
    assert plan["family_view"] is True
    assert plan["reason"] is None and plan["closed_reason"] is None and plan["opened_by"] is None
    assert plan["strengths"] == "Loves building models"
    assert plan["targets"][0]["objective_ids"] is None
    staff = api.get(c.teacher, f"/plans/{plan['id']}").json()
    assert staff["reason"] == "Off track in maths at the autumn pupil progress meeting"
    assert staff["family_view"] is False


def test_the_sen_record_and_the_register(support, api):
    c = support
    record = api.get(c.senco, f"/pupils/{c.bartholomew.pk}/sen").json()
    assert record["current"]["value"] == "K"
    assert record["needs"][0]["area"] == "communication" and record["needs"][0]["primary"]
    changed = api.post(
        c.senco, f"/pupils/{c.bartholomew.pk}/sen", {"value": "E", "details": "EHCP issued"}
    ).json()
    assert changed["current"]["value"] == "E"
    assert [(h["value"], h["end_date"]) for h in changed["history"]] == [
        ("E", None),
        ("K", day(-1)),
    ]
    rows = api.get(c.head, f"/schools/{c.school.pk}/sen-register").json()
    assert [(r["pupil_id"], r["status"]) for r in rows] == [(c.bartholomew.pk, "E")]
    assert rows[0]["open_plan_ids"] == [c.support["bart_plan"].pk]


def test_a_review_through_the_api_closes_the_plan(support, api):
    c = support
    plan = c.support["bart_plan"]
    target = c.support["bart_target"]
    response = api.post(
        c.senco,
        f"/plans/{plan.pk}/reviews",
        {
            "version": plan.version,
            "held_on": day(),
            "outcome": "close",
            "progress": [{"target_id": target.pk, "status": "achieved", "note": "Secure"}],
        },
    )
    assert response.status_code == 201
    assert response.json()["progress"] == [
        {"target_id": target.pk, "status": "achieved", "note": "Secure"}
    ]
    closed = api.get(c.senco, f"/plans/{plan.pk}").json()
    assert (closed["status"], closed["closed_on"]) == ("closed", day())
    listed = api.get(c.senco, f"/schools/{c.school.pk}/plans?state=closed").json()
    assert [p["id"] for p in listed] == [plan.pk]
