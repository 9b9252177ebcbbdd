"""Objects the API access matrix (tests/api/test_access.py) needs for the tracking routes: a
goal and a milestone for Amara, and a staff target for her teacher."""

from datetime import timedelta

from django.utils import timezone

from nextsteps.tracking import services


def tracking_ids(cast) -> dict:
    if "tracking_ids" in cast.objects:
        return cast.objects["tracking_ids"]
    today = timezone.localdate()
    goal = services.add_goal(
        cast.amara, kind="numeracy", text="I can count in threes", by=cast.teacher
    )
    milestone = services.add_milestone(
        cast.amara,
        cast.maths.maths,
        description="Number facts to 20",
        start_date=today,
        due_date=today + timedelta(days=30),
        objectives=cast.maths.objectives[:1],
        by=cast.teacher,
    )
    staff_target = services.add_staff_target(
        cast.school, cast.teacher, text="Model fluent reading", pupils=[cast.amara], by=cast.head
    )
    cast.objects["tracking_ids"] = {
        "goal": goal.pk,
        "milestone": milestone.pk,
        "staff_target": staff_target.pk,
    }
    return cast.objects["tracking_ids"]
