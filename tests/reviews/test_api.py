"""The reviews API: areas with versions, a class's week, one rating at a time with 409 on a
stale version, a student's history for staff and provider, and provider updates (list, detail,
preview, send, send again). Every answer is checked against the published OpenAPI schema."""

from datetime import timedelta

import pytest

from nextsteps.reviews.models import ProviderUpdate, UpdateDelivery, WeeklyRating
from nextsteps.schools import services as schools

from .conftest import rate

pytestmark = pytest.mark.django_db


def test_areas_listed_added_and_changed_with_a_version(api, cast, hub):
    listed = api.get(hub.teacher, f"/schools/{cast.hub.pk}/review-areas")
    assert [a["name"] for a in listed.json()][:2] == [
        "Progress in literacy",
        "Progress in numeracy",
    ]
    added = api.post(cast.ap_head, f"/schools/{cast.hub.pk}/review-areas", {"name": "Independence"})
    assert added.status_code == 201 and added.json()["order"] == 5
    again = api.post(cast.ap_head, f"/schools/{cast.hub.pk}/review-areas", {"name": "independence"})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "name"
    area = added.json()
    moved = api.patch(cast.ap_head, f"/review-areas/{area['id']}", {"version": 1, "move": "up"})
    assert moved.status_code == 200 and moved.json()["order"] == 4
    version = moved.json()["version"]
    stale = api.patch(cast.ap_head, f"/review-areas/{area['id']}", {"version": 1, "active": False})
    assert stale.status_code == 409 and stale.json()["current_version"] == version
    retired = api.patch(
        cast.ap_head, f"/review-areas/{area['id']}", {"version": version, "active": False}
    )
    assert retired.json()["active"] is False
    in_use = api.get(hub.teacher, f"/schools/{cast.hub.pk}/review-areas?include_retired=false")
    assert "Independence" not in [a["name"] for a in in_use.json()]


def test_a_class_week_and_one_rating_at_a_time(api, cast, hub):
    literacy = hub.areas[0]
    rate(cast.priya, literacy, hub.last_week, "R", by=hub.ta, comment="Hard week")
    sheet = api.get(hub.ta, f"/classes/{hub.nurture.pk}/weekly-ratings")
    data = sheet.json()
    assert data["week"] == hub.week.isoformat() and data["can_record"] is True
    priya = data["rows"][0]
    assert priya["last_name"] == "Hollowaygate"
    assert priya["cells"][0] == {
        "area_id": literacy.pk,
        "rating": None,
        "comment": "",
        "version": 0,
        "last_week": "R",
        "last_week_comment": "Hard week",
    }
    url = f"/pupils/{cast.priya.pk}/weekly-ratings"
    body = {
        "area_id": literacy.pk,
        "week": hub.week.isoformat(),
        "rating": "A",
        "version": 0,
        "comment": "Better",
    }
    saved = api.call("PUT", hub.ta, url, body)
    assert saved.status_code == 200 and saved.json()["version"] == 1
    stale = api.call("PUT", hub.teacher, url, {**body, "rating": "G"})
    assert stale.status_code == 409
    assert stale.json()["current"]["rating"] == "A" and stale.json()["current_version"] == 1
    cleared = api.call(
        "PUT", hub.teacher, url, {**body, "rating": None, "comment": None, "version": 1}
    )
    assert cleared.json()["rating"] is None and cleared.json()["version"] == 0
    assert not WeeklyRating.objects.filter(week=hub.week).exists()
    not_monday = api.call("PUT", hub.ta, url, {**body, "week": "2026-11-18"})
    assert not_monday.status_code == 422 and not_monday.json()["errors"][0]["field"] == "week"
    bad = api.call("PUT", hub.ta, url, {**body, "rating": "B"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rating"
    oak_area = api.post(cast.head, f"/schools/{cast.school.pk}/review-areas", {"name": "Focus"})
    elsewhere = api.call("PUT", hub.ta, url, {**body, "area_id": oak_area.json()["id"]})
    assert elsewhere.status_code == 404 and elsewhere.json()["errors"][0]["field"] == "area_id"


def test_history_for_staff_and_the_placing_provider(api, cast, hub):
    engagement = hub.areas[2]
    for n, rating in enumerate("GAR"):
        rate(cast.priya, engagement, hub.week - timedelta(days=7 * (2 - n)), rating, by=hub.ta)
    staff = api.get(hub.teacher, f"/pupils/{cast.priya.pk}/weekly-ratings")
    assert [r["rating"] for r in staff.json()] == ["G", "A", "R"]
    assert staff.json()[0]["recorded_by"] == str(hub.ta)
    provider = api.get(cast.provider, f"/pupils/{cast.priya.pk}/weekly-ratings")
    assert [r["rating"] for r in provider.json()] == ["G", "A", "R"]
    assert {r["recorded_by"] for r in provider.json()} == {None}
    since = api.get(
        hub.teacher, f"/pupils/{cast.priya.pk}/weekly-ratings?since={hub.last_week.isoformat()}"
    )
    assert [r["rating"] for r in since.json()] == ["A", "R"]


def test_provider_updates_list_detail_preview_send_and_send_again(api, cast, hub, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rate(cast.priya, hub.areas[0], hub.week, "A", by=hub.ta, comment="Good effort")
    rate(cast.tomasz, hub.areas[0], hub.week, "G", by=hub.ta)
    preview = api.get(
        cast.ap_head,
        f"/schools/{cast.hub.pk}/provider-updates/preview?provider_id={cast.north.pk}"
        f"&week={hub.week.isoformat()}",
    )
    data = preview.json()
    assert data["made_update_id"] is None and data["emailed"] is True
    assert [s["name"] for s in data["students"]] == ["Priya Hollowaygate"]
    assert data["recipients"] == [
        {"name": "provider (Northgate Academy)", "address": "provider@example.org"}
    ]

    sent = api.post(
        cast.ap_head,
        f"/schools/{cast.hub.pk}/provider-updates/send",
        {"week": hub.week.isoformat()},
    )
    assert sent.status_code == 202 and len(sent.json()["made"]) == 2
    again = api.post(
        cast.ap_head,
        f"/schools/{cast.hub.pk}/provider-updates/send",
        {"week": hub.week.isoformat()},
    )
    assert again.json()["made"] == [] and len(again.json()["already_made"]) == 2
    future = api.post(
        cast.ap_head,
        f"/schools/{cast.hub.pk}/provider-updates/send",
        {"week": (hub.week + timedelta(days=7)).isoformat()},
    )
    assert future.status_code == 422

    mine = api.get(cast.provider, "/provider-updates")
    assert [(u["provider"], u["students"]) for u in mine.json()] == [("Northgate Academy", 1)]
    assert api.get(cast.parent, "/provider-updates").json() == []
    north = ProviderUpdate.objects.get(provider=cast.north)
    detail = api.get(cast.provider, f"/provider-updates/{north.pk}").json()
    assert detail["students_shown"][0]["ratings"][0]["comment"] == "Good effort"
    assert detail["deliveries"] == []  # who it went to is for the centre's leaders
    leader = api.get(cast.ap_head, f"/provider-updates/{north.pk}").json()
    assert [(d["address"], d["status"]) for d in leader["deliveries"]] == [
        ("provider@example.org", "sent")
    ]
    delivery = UpdateDelivery.objects.get(update=north)
    refused = api.post(cast.ap_head, f"/update-deliveries/{delivery.pk}/send-again")
    assert refused.status_code == 422
    UpdateDelivery.objects.filter(pk=delivery.pk).update(status="uncertain")
    resent = api.post(cast.ap_head, f"/update-deliveries/{delivery.pk}/send-again")
    assert resent.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2

    # the placement ends: Northgate's staff no longer see Priya in the update
    schools.update_placement(cast.priya.placements.get(), end_date=hub.last_week)
    later = api.get(cast.provider, f"/provider-updates/{north.pk}")
    assert later.status_code == 200
    assert later.json()["students_shown"] == [] and later.json()["hidden"] == 1
    assert "Hollowaygate" not in later.content.decode()
