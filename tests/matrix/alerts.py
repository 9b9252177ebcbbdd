"""Page-matrix entries for the alerts pages (/alerts/). The cast gets an open alert about Amara
(off track in mathematics, told to her class teacher and the inclusion manager) and one about
Priya at the hub (weekly progress deteriorating, told to her placing provider), so that a page
shown to the wrong person would have a name to leak."""

from django.utils import timezone

from nextsteps.alerts import rules, services
from nextsteps.alerts.detect import Finding

SENIOR = {"head", "leader", "senco"}
STAFF = SENIOR | {"teacher", "other_teacher", "ta", "trust_staff", "ap_head"}

ROUTES = {
    "alerts:index": (lambda c: [], "get", STAFF | {"provider", "other_provider"}),
    "alerts:detail": (
        lambda c: [c.amara_alert.pk],
        "get",
        SENIOR | {"teacher", "ta", "trust_staff"},
    ),
    # senior staff, and the owner of the action plan (the class teacher)
    "alerts:close": (lambda c: [c.amara_alert.pk], "post", SENIOR | {"teacher"}),
    "alerts:rules": (lambda c: [], "get", STAFF),
    "alerts:run": (lambda c: [c.school.pk], "post", SENIOR),
}


def example_alerts(cast) -> dict:
    """Amara's and Priya's alerts, raised through the service as the sweep raises them."""
    today = timezone.localdate()
    amara = Finding(
        school_id=cast.school.pk,
        pupil_id=cast.amara.pk,
        rule=rules.OFF_TRACK,
        condition=f"{rules.OFF_TRACK}:subject:1",
        episode="point:1",
        summary="Off track in Mathematics at autumn",
        lines=["Mathematics at autumn: 1 of 9 key Year 3 objectives secure; 3 expected."],
    )
    priya = Finding(
        school_id=cast.hub.pk,
        pupil_id=cast.priya.pk,
        rule=rules.RAG,
        condition=f"{rules.RAG}:area:1",
        episode="from:2026-01-05",
        summary="Engagement: deteriorating for 4 weeks (Green → Amber ×2 → Red ×2)",
        lines=["Red in the week of 26 Jan 2026."],
    )
    (first,) = services.raise_findings([amara], schools=[cast.school], today=today)
    (second,) = services.raise_findings([priya], schools=[cast.hub], today=today)
    return {"amara_alert": first, "priya_alert": second}


def extend_cast(cast) -> None:
    cast.objects.update(example_alerts(cast))
