"""Read paths for support plans and the SEN register. Functions here do not check access:
their callers pass pupils already scoped (support/access.py and Pupil.objects.visible_to)."""

from collections import defaultdict

from .models import Plan


def open_plans_for(pupil_ids, *, kinds=None) -> dict[int, list[Plan]]:
    """Open plans per pupil id (only pupils with one appear), newest first, in one query;
    `kinds` narrows them to those plan kinds."""
    plans = Plan.objects.filter(pupil_id__in=list(pupil_ids), status=Plan.Status.OPEN)
    if kinds is not None:
        plans = plans.filter(kind__in=list(kinds))
    found: dict[int, list[Plan]] = defaultdict(list)
    for plan in plans.select_related("owner").order_by("pupil_id", "-start_date", "-id"):
        found[plan.pupil_id].append(plan)
    return dict(found)
