"""Support objects for the test cast (tests/cast.py), made once per cast: Bartholomew's IEP
(he is at SEN support) with a target and provision and an area of need, a support plan for
Amara shared with her family, and a support plan for Priya at the hub. Used by the page
matrix, the API cases and the support tests."""

from datetime import timedelta

from django.utils import timezone

from nextsteps.support import services
from nextsteps.support.models import Area, Plan


def add_support(cast) -> dict:
    if "support" in cast.objects:
        return cast.objects["support"]
    today = timezone.localdate()
    start = cast.year.start_date
    need = services.add_need(
        cast.bartholomew,
        area=Area.COMMUNICATION,
        description="Speech sound disorder",
        primary=True,
        start_date=start,
        by=cast.senco,
    )
    bart_plan = services.open_plan(
        cast.bartholomew,
        school=cast.school,
        kind=Plan.Kind.IEP,
        title="Speech and language IEP",
        reason="Speech, language and communication needs",
        owner=cast.senco,
        start_date=start,
        review_date=today + timedelta(days=30),
        by=cast.senco,
    )
    bart_target = services.add_target(
        bart_plan,
        specific="Say the /s/ sound at the start of words",
        measure="8 of 10 words in a picture naming task",
        target_date=today + timedelta(days=30),
        by=cast.senco,
    )
    bart_provision = services.add_provision(
        bart_plan, what="Speech sound practice", who="TA", frequency="3 x 10 minutes"
    )
    amara_plan = services.open_plan(
        cast.amara,
        school=cast.school,
        kind=Plan.Kind.SUPPORT_PLAN,
        title="Catching up in maths",
        reason="Off track in maths at the autumn pupil progress meeting",
        strengths="Loves building models",
        owner=cast.teacher,
        start_date=start,
        review_date=today + timedelta(days=40),
        shared_with_family=True,
        by=cast.teacher,
    )
    amara_target = services.add_target(
        amara_plan,
        specific="Recall the 3 times table",
        measure="20 of 24 in a mixed-order check",
        target_date=today + timedelta(days=40),
        by=cast.teacher,
    )
    amara_provision = services.add_provision(
        amara_plan, what="Times tables practice", who="Class teacher", hours_per_week=1
    )
    priya_plan = services.open_plan(
        cast.priya,
        school=cast.hub,
        kind=Plan.Kind.SUPPORT_PLAN,
        title="Attendance and engagement",
        owner=cast.ap_head,
        start_date=cast.hub_year.start_date,
        review_date=today + timedelta(days=14),
        by=cast.ap_head,
    )
    cast.objects["support"] = found = {
        "need": need,
        "bart_plan": bart_plan,
        "bart_target": bart_target,
        "bart_provision": bart_provision,
        "amara_plan": amara_plan,
        "amara_target": amara_target,
        "amara_provision": amara_provision,
        "priya_plan": priya_plan,
    }
    return found
