"""Read paths for the alerts pages and API, always scoped through access.py."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch

from . import access, rules
from .models import Notice, SweepRun

STATUSES = {"open": "Open", "closed": "Closed", "all": "All"}


@dataclass
class Filters:
    status: str = "open"
    rule: str = ""
    school_id: int | None = None
    pupil_id: int | None = None
    mine: bool = False


def alerts_for(user, filters: Filters):
    """The alerts the user may see, filtered, newest first, with what a list shows."""
    alerts = access.alerts_visible_to(user)
    if filters.status == "open":
        alerts = alerts.filter(closed_at__isnull=True)
    elif filters.status == "closed":
        alerts = alerts.filter(closed_at__isnull=False)
    if filters.rule in rules.RULES:
        alerts = alerts.filter(rule=filters.rule)
    if filters.school_id is not None:
        alerts = alerts.filter(school_id=filters.school_id)
    if filters.pupil_id is not None:
        alerts = alerts.filter(pupil_id=filters.pupil_id)
    mine = Notice.objects.filter(alert=OuterRef("pk"), user=user, channel=Notice.Channel.IN_APP)
    unread = mine.filter(read_at__isnull=True)
    if filters.mine:
        alerts = alerts.filter(Exists(mine))
    return (
        alerts.select_related("school", "pupil", "plan__owner")
        .annotate(
            told_me=Exists(mine),
            unread=Exists(unread),
            told_count=Count("notices__recipient", distinct=True),
        )
        .order_by("-opened_at", "-id")
    )


def notices_of(alert):
    return list(alert.notices.select_related("user").order_by("channel", "why", "id"))


@dataclass
class RunStatus:
    runs: list
    outbox: dict  # status -> count

    def outbox_lines(self):
        labels = dict(Notice.Status.choices)
        return [(labels[s], n) for s, n in sorted(self.outbox.items())]

    @property
    def last(self):
        return self.runs[0] if self.runs else None

    @property
    def unknown(self) -> int:
        return self.outbox.get(Notice.Status.UNKNOWN, 0)


def run_status(school, limit: int = 10) -> RunStatus:
    """The latest runs that covered `school` (its own, and those of every school) and its
    e-mail outbox by status; with school None, every run and the whole outbox."""
    runs = SweepRun.objects.all()
    notices = Notice.objects.filter(channel=Notice.Channel.EMAIL)
    if school is not None:
        runs = runs.filter(school__isnull=True) | runs.filter(school=school)
        notices = notices.filter(alert__school=school)
    counts = dict(notices.values_list("status").annotate(n=Count("pk")).order_by())
    return RunStatus(list(runs.order_by("-started_at", "-id")[:limit]), counts)


def unconfirmed(school, limit: int = 20):
    """E-mail notices whose outcome is unknown or that could not be sent, for the status page."""
    return list(
        Notice.objects.filter(
            alert__school=school,
            channel=Notice.Channel.EMAIL,
            status__in=[Notice.Status.UNKNOWN, Notice.Status.FAILED],
        )
        .select_related("alert")
        .order_by("-id")[:limit]
    )


def prefetch_notices(alerts):
    return alerts.prefetch_related(
        Prefetch("notices", queryset=Notice.objects.select_related("user").order_by("id"))
    )
