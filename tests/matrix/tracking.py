"""Page-matrix entries for targets and tracking (/tracking/). The cast gets a target, a goal and
a milestone for Amara and a staff target for her teacher about her, so that a page shown to
the wrong person would have a name to leak."""

from datetime import timedelta

from django.utils import timezone

from nextsteps.tracking import services, targets

SENIOR = {"head", "leader", "senco"}
CLASS_STAFF = SENIOR | {"teacher", "ta"}
READERS = CLASS_STAFF | {"trust_staff"}
SET_TARGETS = {"head", "leader"}
SCHOOL_STAFF = CLASS_STAFF | {"other_teacher", "ap_head"}

ROUTES = {
    "tracking:index": (lambda c: [], "get", SCHOOL_STAFF | {"trust_staff"}),
    "tracking:rule": (lambda c: [], "get", SCHOOL_STAFF | {"trust_staff", "governor"}),
    "tracking:class": (lambda c: [c.oak.pk], "get", READERS),
    "tracking:targets_bulk": (lambda c: [c.y3.pk], "get", SET_TARGETS),
    "tracking:pupil": (lambda c: [c.amara.pk], "get", READERS),
    "tracking:pupil_summary": (lambda c: [c.amara.pk], "get", READERS),
    "tracking:target_set": (lambda c: [c.amara.pk], "get", SET_TARGETS),
    "tracking:goal_add": (lambda c: [c.amara.pk], "get", CLASS_STAFF),
    "tracking:goal_edit": (lambda c: [c.goal.pk], "get", CLASS_STAFF),
    "tracking:milestone_add": (lambda c: [c.amara.pk], "get", CLASS_STAFF),
    "tracking:milestone_edit": (lambda c: [c.milestone.pk], "get", CLASS_STAFF),
    "tracking:staff_targets": (lambda c: [], "get", SCHOOL_STAFF),
    "tracking:staff_target_edit": (lambda c: [c.staff_target.pk], "get", SENIOR | {"teacher"}),
}


def extend_cast(cast) -> None:
    maths = cast.maths.maths
    today = timezone.localdate()
    targets.set_target(
        cast.amara,
        maths,
        cast.year,
        cast.maths.summary.grades.get(short_label="EXS"),
        by=cast.leader,
        reason="Agreed at the autumn pupil progress meeting",
    )
    cast.objects["goal"] = services.add_goal(
        cast.amara,
        kind="numeracy",
        text="I can count in threes",
        objective=cast.maths.objectives[0],
        review_date=today + timedelta(days=30),
        by=cast.teacher,
    )
    cast.objects["milestone"] = services.add_milestone(
        cast.amara,
        maths,
        description="Number facts to 20",
        start_date=today,
        due_date=today + timedelta(days=60),
        objectives=cast.maths.objectives[:2],
        by=cast.teacher,
    )
    cast.objects["staff_target"] = services.add_staff_target(
        cast.school,
        cast.teacher,
        text="Raise reading fluency in the lower group",
        context="Autumn pupil progress meeting",
        pupils=[cast.amara],
        by=cast.head,
    )
