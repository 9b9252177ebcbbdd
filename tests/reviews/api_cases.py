"""The reviews API routes' outsider cases, in the shape of tests/api/test_access.py's CASES:
each route called by a role allowed to use it, and refused (403 or 404, with no pupil's name)
to the cast's outsiders. Run by tests/reviews/test_api_access.py."""

from django.utils import timezone

from nextsteps.reviews import services, updates
from nextsteps.reviews.models import UpdateDelivery
from nextsteps.reviews.weeks import monday_of
from nextsteps.schools import services as schools
from tests.api.test_access import Case


def this_week() -> str:
    return monday_of(timezone.localdate()).isoformat()


def reviews_ids(cast) -> dict:
    """An area at Oakfield, a group with Amara, a rating for Priya at the hub, Northgate's
    update for this week and an email of it whose outcome is uncertain (made once per cast)."""
    if "reviews_ids" in cast.objects:
        return cast.objects["reviews_ids"]
    week = monday_of(timezone.localdate())
    oak_area = services.add_area(cast.school, name="Engagement")
    group = schools.create_group(cast.school, "Nurture group", "focus")
    schools.add_to_group(group, cast.amara)
    hub_area = services.active_areas(cast.hub)[0]
    services.record_rating(cast.priya, hub_area, week, "G", expected_version=0, by=cast.ap_head)
    update, _ = updates.make_update(cast.hub, cast.north, week)
    delivery = update.deliveries.get()
    UpdateDelivery.objects.filter(pk=delivery.pk).update(status=UpdateDelivery.Status.UNCERTAIN)
    cast.objects["reviews_ids"] = {
        "school": cast.school.pk,
        "hub": cast.hub.pk,
        "oak": cast.oak.pk,
        "group": group.pk,
        "oak_area": oak_area.pk,
        "amara": cast.amara.pk,
        "priya": cast.priya.pk,
        "north": cast.north.pk,
        "north_update": update.pk,
        "delivery": delivery.pk,
    }
    return cast.objects["reviews_ids"]


def _rating(cast) -> dict:
    area = reviews_ids(cast)["oak_area"]
    return {"area_id": area, "week": this_week(), "rating": "G", "version": 0}


CASES = [
    Case(
        "GET",
        "/schools/{school}/review-areas",
        "teacher",
        200,
        {"governor": 403, "parent": 404, "provider": 404, "ap_head": 404},
    ),
    Case(
        "POST",
        "/schools/{school}/review-areas",
        "leader",
        201,
        {"teacher": 403, "ta": 403, "governor": 403, "ap_head": 404, "parent": 404},
        {"name": "Homework"},
    ),
    Case(
        "PATCH",
        "/review-areas/{oak_area}",
        "senco",
        200,
        {"teacher": 403, "ap_head": 404, "provider": 404, "parent": 404},
        {"version": 1, "name": "Focus"},
    ),
    Case(
        "GET",
        "/classes/{oak}/weekly-ratings",
        "ta",
        200,
        {"other_teacher": 404, "parent": 404, "governor": 404, "ap_head": 404, "provider": 404},
    ),
    Case(
        "GET",
        "/groups/{group}/weekly-ratings",
        "teacher",
        200,
        {"governor": 403, "parent": 404, "pupil": 404, "ap_head": 404},
    ),
    Case(
        "PUT",
        "/pupils/{amara}/weekly-ratings",
        "ta",
        200,
        {
            "other_teacher": 404,
            "parent": 404,
            "pupil": 404,
            "governor": 404,
            "provider": 404,
            "ap_head": 404,
            "trust_staff": 403,
        },
        _rating,
    ),
    Case(
        "GET",
        "/pupils/{priya}/weekly-ratings",
        "provider",
        200,
        {"other_provider": 404, "head": 404, "teacher": 404, "parent": 404},
    ),
    Case(
        "GET",
        "/pupils/{amara}/weekly-ratings",
        "teacher",
        200,
        {"parent": 403, "pupil": 403, "other_teacher": 404, "governor": 404, "provider": 404},
    ),
    Case("GET", "/provider-updates", "provider", 200),
    Case(
        "GET",
        "/provider-updates/{north_update}",
        "provider",
        200,
        {"other_provider": 404, "head": 404, "teacher": 404, "parent": 404, "trust_staff": 404},
    ),
    Case(
        "GET",
        "/schools/{hub}/provider-updates/preview?provider_id={north}",
        "ap_head",
        200,
        {"provider": 404, "head": 404, "parent": 404, "trust_staff": 403},
    ),
    Case(
        "POST",
        "/schools/{hub}/provider-updates/send",
        "ap_head",
        202,
        {"provider": 404, "head": 404, "trust_staff": 403, "pupil": 404},
        lambda c: {"week": this_week()},
    ),
    Case(
        "POST",
        "/update-deliveries/{delivery}/send-again",
        "ap_head",
        200,
        {"provider": 404, "head": 404, "trust_staff": 404, "other_provider": 404},
    ),
]
