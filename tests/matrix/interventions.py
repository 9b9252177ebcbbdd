"""Page-matrix entries for interventions (/interventions/). The cast gets an intervention at
Oakfield with Amara and Bartholomew (3 Oak) in it, so that a page shown to the wrong person
would have names to leak."""

from datetime import timedelta

from nextsteps.interventions import services

SENIOR = {"head", "leader", "senco"}
READERS = SENIOR | {"teacher", "ta", "trust_staff"}
SCHOOL_STAFF = SENIOR | {"teacher", "other_teacher", "ta", "ap_head"}
OAK_STAFF = READERS
FAMILY = {"parent", "pupil"}

ROUTES = {
    "interventions:index": (
        lambda c: [],
        "get",
        SCHOOL_STAFF | {"trust_staff", "provider", "other_provider"},
    ),
    "interventions:create": (lambda c: [], "get", SENIOR | {"ap_head"}),
    "interventions:detail": (lambda c: [c.intervention.pk], "get", READERS),
    "interventions:edit": (lambda c: [c.intervention.pk], "get", SENIOR),
    "interventions:members": (lambda c: [c.intervention.pk], "get", SENIOR),
    "interventions:member_leave": (
        lambda c: [c.intervention.pk, c.amara.pk],
        "post",
        SENIOR,
    ),
    "interventions:remeasure": (lambda c: [c.intervention.pk], "post", SENIOR),
    "interventions:map": (lambda c: [], "get", SCHOOL_STAFF | {"trust_staff"}),
    "interventions:map_export": (lambda c: ["csv"], "get", SCHOOL_STAFF | {"trust_staff"}),
    "interventions:pupil": (lambda c: [c.amara.pk], "get", OAK_STAFF | FAMILY),
    "interventions:pupil_summary": (lambda c: [c.amara.pk], "get", OAK_STAFF | FAMILY),
}


def extend_cast(cast) -> None:
    start = cast.year.start_date + timedelta(days=14)
    item = services.create_intervention(
        cast.school,
        by=cast.head,
        name="Number facts group",
        kind="intervention",
        start_date=start,
        end_date=start + timedelta(weeks=10),
        sessions_per_week=3,
        minutes_per_session=30,
        cost=300,
        measure_kind="objectives",
        subject=cast.maths.maths,
        stage=cast.maths.y3,
        staff=[cast.ta],
    )
    services.add_members(item, [cast.amara, cast.bartholomew], joined=start, by=cast.head)
    cast.objects["intervention"] = item
