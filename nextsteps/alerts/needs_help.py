"""Two more reasons for the "who needs help now" list (nextsteps/analysis/help.py), added with
its `register` hook when the app is ready:

- weekly RAG deterioration: a run of deterioration still going on in a weekly review area
  (the alert rule's run, rules.ongoing_run) of at least HELP_WEEKS rated weeks, whether or not
  it is yet long enough for an alert;
- open alerts: each open alert about the pupil that the user may see.

Each reads the whole cohort in a fixed number of queries."""

from collections import defaultdict

from django.utils import timezone

from nextsteps.analysis.help import Reason

from . import access, detect, rules
from .services import settings_for

HELP_WEEKS = 2


def weekly_deterioration(ctx) -> dict:
    from nextsteps.reviews.models import ReviewArea

    areas = {a.pk: a for a in ReviewArea.objects.filter(school=ctx.school, active=True)}
    if not areas:
        return {}
    gap = settings_for(ctx.school)[rules.RAG]["max_gap_weeks"]
    pupil_ids = list(ctx.pupils.values_list("pk", flat=True))
    out = defaultdict(list)
    found = detect.ongoing_runs(
        list(areas), today=ctx.today, max_gap_weeks=gap, min_weeks=HELP_WEEKS, pupil_ids=pupil_ids
    )
    for item in sorted(found, key=lambda f: (f.pupil_id, areas[f.area_id].order, f.area_id)):
        run = item.run
        area = areas[item.area_id]
        out[item.pupil_id].append(
            Reason(
                "weekly_deterioration",
                f"Weekly review: {area.name} deteriorating for {run.length} weeks "
                f"({rules.path(run)}).",
                area.name,
            )
        )
    return out


def open_alerts(ctx) -> dict:
    alerts = (
        access.alerts_visible_to(ctx.user)
        .filter(closed_at__isnull=True, school=ctx.school, pupil__in=ctx.pupils)
        .order_by("opened_at", "pk")
    )
    out = defaultdict(list)
    for alert in alerts:
        out[alert.pupil_id].append(
            Reason(
                "open_alert",
                f"Open alert since {timezone.localtime(alert.opened_at):%-d %b %Y}: "
                f"{alert.get_rule_display()}, "
                f"{alert.summary}.",
            )
        )
    return out


def register() -> None:
    from nextsteps.analysis import help as needs_help

    for signal in (weekly_deterioration, open_alerts):
        if signal not in needs_help.SIGNALS:
            needs_help.register(signal)
