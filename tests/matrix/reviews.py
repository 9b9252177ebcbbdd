"""Page-matrix entries for weekly reviews and provider updates (/reviews/). The cast gets the
usual areas at the hub and one at Oakfield, a rating with a comment for Priya this week, and
Northgate's update for this week with one email whose outcome is uncertain, so that a page shown
to the wrong person would have a name to leak."""

from nextsteps.reviews import services, updates
from nextsteps.reviews.models import UpdateDelivery
from nextsteps.reviews.weeks import monday_of

SENIOR = {"head", "leader", "senco"}
OAK_STAFF = SENIOR | {"teacher", "ta", "trust_staff"}
OAKFIELD_STAFF = OAK_STAFF | {"other_teacher"}
RECORDERS = SENIOR | {"teacher", "other_teacher", "ta", "ap_head"}

ROUTES = {
    "reviews:index": (lambda c: [], "get", OAKFIELD_STAFF | {"ap_head"}),
    "reviews:class_week": (lambda c: [c.oak.pk], "get", OAK_STAFF),
    "reviews:group_week": (lambda c: [c.group.pk], "get", OAKFIELD_STAFF),
    "reviews:save": (lambda c: [], "post", RECORDERS),
    "reviews:areas": (lambda c: [], "get", OAKFIELD_STAFF | {"ap_head"}),
    "reviews:area_edit": (lambda c: [c.oak_area.pk], "get", SENIOR),
    "reviews:area_move": (lambda c: [c.oak_area.pk], "post", SENIOR),
    "reviews:pupil": (lambda c: [c.priya.pk], "get", {"ap_head", "provider", "trust_staff"}),
    "reviews:updates": (lambda c: [], "get", SENIOR | {"ap_head", "provider", "other_provider"}),
    "reviews:update": (lambda c: [c.north_update.pk], "get", {"ap_head", "provider"}),
    "reviews:preview": (lambda c: [c.hub.pk, c.north.pk], "get", {"ap_head"}),
    "reviews:send_now": (lambda c: [c.hub.pk], "post", {"ap_head"}),
    "reviews:send_again": (lambda c: [c.uncertain_delivery.pk], "post", {"ap_head"}),
}


def extend_cast(cast) -> None:
    from django.utils import timezone

    week = monday_of(timezone.localdate())
    areas = services.active_areas(cast.hub)
    cast.objects["oak_area"] = services.add_area(cast.school, name="Engagement")
    services.record_rating(
        cast.priya,
        areas[0],
        week,
        "A",
        expected_version=0,
        by=cast.ap_head,
        comment="Settling after a difficult Monday",
    )
    update, _ = updates.make_update(cast.hub, cast.north, week)
    cast.objects["north_update"] = update
    delivery = update.deliveries.get()
    UpdateDelivery.objects.filter(pk=delivery.pk).update(status=UpdateDelivery.Status.UNCERTAIN)
    cast.objects["uncertain_delivery"] = delivery
