"""One more reason for the "who needs help now" list (nextsteps/analysis/help.py), added with
its `register` hook when the app is ready: an open support plan whose review date has passed.
Only plans the user may read (support/access.py) are counted, so the list never tells a
teaching assistant or a governor that a plan exists. One query for the whole cohort."""

from collections import defaultdict

from nextsteps.analysis.help import Reason

from . import access
from .models import Plan


def plan_review_overdue(ctx) -> dict:
    plans = (
        access.plans_visible_to(ctx.user)
        .filter(
            status=Plan.Status.OPEN,
            review_date__lt=ctx.today,
            school=ctx.school,
            pupil__in=ctx.pupils.values("pk"),
        )
        .order_by("pupil_id", "review_date", "pk")
    )
    out = defaultdict(list)
    for plan in plans:
        out[plan.pupil_id].append(
            Reason(
                "plan_review_overdue",
                f"{plan.get_kind_display()} review overdue since {plan.review_date:%-d %b %Y}: "
                f"{plan.title}.",
            )
        )
    return out


def register() -> None:
    from nextsteps.analysis import help as needs_help

    if plan_review_overdue not in needs_help.SIGNALS:
        needs_help.register(plan_review_overdue)
