"""The weekly update to each placing provider: what it says, who it goes to, and when it falls
due. Sending is sending.py's job.

When: a week's update falls due at the school's set day and time of that week (Friday 15:00
by default, in the server's time zone, TIME_ZONE), configurable per school as
School.settings["reviews"] = {"update_day": "friday", "update_time": "15:00",
"email_updates": true}. From then on the next sending run makes it. A week in which the school
recorded no ratings at all (a holiday) has no updates. A run makes only the most recent week
that is due (this week after the due moment, otherwise last week), so a run missed on Friday is
made up by any run before the next Friday; older weeks are made only when asked for by name.

What: for each provider with a student placed at the school at any time that week, one update
listing only that provider's students: each area's rating this week and last, the change, the
trend over the last four weeks, this week's comment, and the student's open actions. It is made
once (a database constraint on school, provider and week) and frozen: later changes to the
ratings do not change what was said.

Who: the provider's own address (Provider.email) and the email of each active NextSteps user
on the provider's staff, each once. Not a placement's contact email: that person is named for
one student and may not be entitled to read about the provider's other students; everyone
written to could read the same update in NextSteps. With "email_updates": false the update is
made (and shown in NextSteps) but not emailed.
"""

import logging
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from nextsteps.schools.models import Enrolment, Placement, Provider, Role, School

from . import trend
from .models import ProviderUpdate, ReviewArea, UpdateDelivery, WeeklyRating
from .weeks import (
    DAYS,
    due_at,
    latest_due_week,
    long_date,
    parse_due,
    week_end,
    weeks_back,
)

log = logging.getLogger(__name__)

DEFAULT_DAY, DEFAULT_TIME = "friday", "15:00"


# When -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    weekday: int
    at: time
    email: bool
    problem: str = ""  # a setting that could not be read, and what was used instead

    @property
    def words(self) -> str:
        return f"{DAYS[self.weekday].title()} at {self.at:%H:%M}"


def zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def schedule(school: School) -> Schedule:
    """The school's update day and time and whether updates are emailed. A setting that cannot
    be read falls back to the default, and says so in `problem` (shown to the school's leaders
    and printed by the sending command) rather than stopping every school's updates."""
    config = (school.settings or {}).get("reviews") or {}
    email = config.get("email_updates", True) is not False
    try:
        weekday, at = parse_due(
            config.get("update_day", DEFAULT_DAY), config.get("update_time", DEFAULT_TIME)
        )
    except ValueError as exc:
        weekday, at = parse_due(DEFAULT_DAY, DEFAULT_TIME)
        return Schedule(weekday, at, email, f"{exc} Using Friday at 15:00.")
    return Schedule(weekday, at, email)


def due_moment(school: School, week: date) -> datetime:
    plan = schedule(school)
    return due_at(week, plan.weekday, plan.at, zone())


def due_week(school: School, now: datetime | None = None) -> date:
    """The most recent week whose update is due at `now`."""
    plan = schedule(school)
    return latest_due_week(now or timezone.now(), plan.weekday, plan.at, zone())


def is_due(school: School, week: date, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= due_moment(school, week)


# What -----------------------------------------------------------------------------------------


def _during(week: date) -> Q:
    return Q(start_date__lte=week_end(week)) & (Q(end_date__isnull=True) | Q(end_date__gte=week))


def placements_in_week(school, week: date, provider=None):
    placements = Placement.objects.filter(_during(week), school=school)
    if provider is not None:
        placements = placements.filter(provider=provider)
    return placements


def providers_for(school, week: date) -> list[Provider]:
    """Providers with a student placed at the school at some time in the week."""
    ids = placements_in_week(school, week).values("provider_id")
    return list(Provider.objects.filter(pk__in=ids).order_by("name"))


def recorded_any(school, week: date) -> bool:
    return WeeklyRating.objects.filter(area__school=school, week=week).exists()


def open_actions(school, pupil_ids) -> dict[int, list[dict]]:
    """Each student's open action plans at `school` (the plan put in place when progress
    deteriorates), as {"title", "detail", "review_date"}: the plan's title, the targets in it
    still being worked on, and when it is next reviewed. Other kinds of plan (EHC plans, IEPs)
    stay out of provider updates. Two queries."""
    from nextsteps.support.models import Plan, PlanTarget, TargetStatus
    from nextsteps.support.queries import open_plans_for

    plans = [
        plan
        for found in open_plans_for(pupil_ids, kinds=[Plan.Kind.ACTION_PLAN]).values()
        for plan in found
        if plan.school_id == school.pk
    ]
    targets: dict[int, list[str]] = {}
    for target in PlanTarget.objects.filter(
        plan__in=plans, status__in=[TargetStatus.NOT_STARTED, TargetStatus.WORKING]
    ).order_by("plan_id", "position", "id"):
        targets.setdefault(target.plan_id, []).append(
            f"{target.specific} (by {long_date(target.target_date)})"
        )
    out: dict[int, list[dict]] = {}
    for plan in plans:
        out.setdefault(plan.pupil_id, []).append(
            {
                "title": plan.title,
                "detail": "; ".join(targets.get(plan.pk, [])),
                "review_date": _iso(plan.review_date),
            }
        )
    return out


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def build_summary(school, provider, week: date, *, window: int = trend.WINDOW) -> dict:
    """What one provider's update for the week says, as plain data (it is stored with the
    update): its students placed at the school that week, each with every area's rating this
    week and last, the change, the trend over `window` weeks, this week's comment, the overall
    trend and open actions. A fixed number of queries however many students."""
    placements = list(
        placements_in_week(school, week, provider)
        .select_related("pupil")
        .order_by("pupil__legal_last_name", "pupil__legal_first_name", "pupil_id", "start_date")
    )
    pupils = {}
    for placement in placements:
        pupils.setdefault(placement.pupil_id, (placement.pupil, placement))
    weeks = weeks_back(week, window)
    ratings = {
        (r.pupil_id, r.area_id, r.week): r
        for r in WeeklyRating.objects.filter(
            pupil_id__in=list(pupils), area__school=school, week__in=weeks
        )
    }
    used = {area_id for (_, area_id, _) in ratings}
    areas = list(
        ReviewArea.objects.filter(Q(active=True) | Q(pk__in=used), school=school).order_by(
            "order", "name"
        )
    )
    year_groups = dict(
        Enrolment.objects.filter(_during(week), school=school, pupil_id__in=list(pupils))
        .order_by("start_date")
        .values_list("pupil_id", "year_group__name")
    )
    actions = open_actions(school, list(pupils))
    students = []
    for pupil_id, (pupil, placement) in pupils.items():
        rows, by_week = [], [[] for _ in weeks]
        for area in areas:
            series = []
            for i, w in enumerate(weeks):
                found = ratings.get((pupil_id, area.pk, w))
                series.append(found.rating if found else None)
                if found:
                    by_week[i].append(found.rating)
            this_cell = ratings.get((pupil_id, area.pk, week))
            this, last = series[-1], (series[-2] if len(series) > 1 else None)
            area_trend = trend.area_trend(series, window)
            rows.append(
                {
                    "area_id": area.pk,
                    "area": area.name,
                    "this": this,
                    "last": last,
                    "change": trend.change(this, last),
                    "trend": area_trend.direction,
                    "trend_words": area_trend.words,
                    "comment": this_cell.comment if this_cell else "",
                    "history": series,
                }
            )
        overall = trend.overall_trend(by_week, window)
        students.append(
            {
                "pupil_id": pupil_id,
                "name": pupil.name,
                "year_group": year_groups.get(pupil_id, ""),
                "placed_from": _iso(placement.start_date),
                "placed_until": _iso(placement.end_date),
                "rated": sum(1 for row in rows if row["this"]),
                "ratings": rows,
                "overall": overall.direction,
                "overall_words": overall.words,
                "actions": actions.get(pupil_id, []),
            }
        )
    return {
        "school": {"id": school.pk, "name": school.name},
        "provider": {"id": provider.pk, "name": provider.name},
        "week": week.isoformat(),
        "weeks": [w.isoformat() for w in weeks],
        "areas": [{"id": a.pk, "name": a.name} for a in areas],
        "students": students,
    }


def subject_for(summary: dict) -> str:
    week = date.fromisoformat(summary["week"])
    return (f"Weekly update from {summary['school']['name']}: week beginning {long_date(week)}")[
        :300
    ]


# Colours of the rating badges: each with its word beside it, and text at 4.5:1 or better.
BADGES = {
    "R": ("#a4000f", "#ffffff"),
    "A": ("#ffbf47", "#1b1b1b"),
    "G": ("#00703c", "#ffffff"),
}


def _badge(rating) -> dict | None:
    if rating not in BADGES:
        return None
    background, ink = BADGES[rating]
    return {"letter": rating, "name": trend.NAMES[rating], "bg": background, "ink": ink}


def present(summary: dict, pupil_ids=None) -> list[dict]:
    """The summary's students ready to show (in the email, the update page and the preview):
    names for letters, words for trends. With `pupil_ids`, only those students."""
    out = []
    for student in summary.get("students", []):
        if pupil_ids is not None and student["pupil_id"] not in pupil_ids:
            continue
        rows = [
            {
                **row,
                "this_badge": _badge(row["this"]),
                "last_badge": _badge(row["last"]),
                "change_words": trend.CHANGE_WORDS.get(row["change"], "No comparison"),
                "trend_label": trend.LABELS[row["trend"]],
                "trend_symbol": trend.SYMBOLS[row["trend"]],
            }
            for row in student["ratings"]
        ]
        actions = [
            {**a, "review_words": long_date(date.fromisoformat(a["review_date"]))}
            if a.get("review_date")
            else a
            for a in student["actions"]
        ]
        out.append(
            {
                **student,
                "actions": actions,
                "ratings": rows,
                "overall_label": trend.LABELS[student["overall"]],
                "overall_symbol": trend.SYMBOLS[student["overall"]],
                "comments": [r for r in rows if r["comment"]],
            }
        )
    return out


def render_bodies(summary: dict) -> tuple[str, str]:
    """The plain-text and HTML bodies of an update's email."""
    context = {
        "summary": summary,
        "students": present(summary),
        "week": date.fromisoformat(summary["week"]),
        "link": page_link(),
    }
    return (
        render_to_string("reviews/email/update.txt", context),
        render_to_string("reviews/email/update.html", context),
    )


def page_link() -> str:
    """The address of the updates page, when the site's address is configured
    (NEXTSTEPS_BASE_URL, e.g. https://nextsteps.example.org)."""
    base = getattr(settings, "NEXTSTEPS_BASE_URL", "").rstrip("/")
    if not base:
        return ""
    from django.urls import reverse

    return base + reverse("reviews:updates")


# Who ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str
    user: object = None


def recipients(provider: Provider) -> list[Recipient]:
    """The provider's own address, then its staff's, each address once (ignoring case)."""
    found: dict[str, Recipient] = {}
    if provider.email:
        address = provider.email.strip().lower()
        found[address] = Recipient(address, f"{provider.name} (organisation address)")
    roles = (
        Role.objects.filter(provider=provider, kind=Role.Kind.PROVIDER_STAFF, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    for role in roles:
        address = role.user.email.strip().lower()
        if address not in found:
            name = role.user.get_full_name() or role.user.username
            found[address] = Recipient(address, f"{name} ({provider.name})", role.user)
    return list(found.values())


def _message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "nextsteps.invalid"
    return f"<reviews.{uuid.uuid4().hex}@{domain}>"


# Making updates -------------------------------------------------------------------------------


def make_update(
    school, provider, week: date, *, by=None, now=None
) -> tuple[ProviderUpdate | None, bool]:
    """The provider's update for the week, made now if it has not been: its content frozen and
    a delivery row for each recipient (none when the school does not email updates), in one
    transaction. Returns (update, True) when this call made it; (the update, False) when it
    was made already (by an earlier run, or another at the same moment: the database allows
    one per school, provider and week); (None, False) when the provider had no student placed
    at the school that week."""
    existing = ProviderUpdate.objects.filter(school=school, provider=provider, week=week).first()
    if existing is not None:
        return existing, False
    summary = build_summary(school, provider, week)
    if not summary["students"]:
        return None, False
    text, html = render_bodies(summary)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            update = ProviderUpdate.objects.create(
                school=school,
                provider=provider,
                week=week,
                made_at=now,
                made_by=by,
                subject=subject_for(summary),
                summary=summary,
                body_text=text,
                body_html=html,
            )
            if schedule(school).email:
                for recipient in recipients(provider):
                    UpdateDelivery.objects.create(
                        update=update,
                        address=recipient.address,
                        recipient=recipient.name[:200],
                        user=recipient.user,
                        message_id=_message_id(),
                        created_at=now,
                    )
    except IntegrityError:
        return ProviderUpdate.objects.get(school=school, provider=provider, week=week), False
    return update, True


@dataclass
class Made:
    school: School
    week: date
    made: list = field(default_factory=list)  # updates made by this call
    existing: list = field(default_factory=list)  # updates made before
    note: str = ""


def make_due_updates(
    *, now=None, week: date | None = None, school: School | None = None, by=None, early=False
) -> list[Made]:
    """Make every update that is due (see the module's docstring) and not yet made: for each
    school using weekly reviews, the most recent due week, or `week` if given. `early` makes
    `week` even though it is not due yet (a leader's "send now"). Schools whose week is not due
    or had no ratings are reported with a note and nothing made."""
    now = now or timezone.now()
    schools = School.objects.filter(review_areas__isnull=False).distinct().order_by("name")
    if school is not None:
        schools = schools.filter(pk=school.pk)
    out = []
    for each in schools:
        plan = schedule(each)
        chosen = week or due_week(each, now)
        if plan.problem:
            log.warning("%s: %s", each, plan.problem)
        if not early and not is_due(each, chosen, now):
            out.append(Made(each, chosen, note=f"not due until {_when(each, chosen)}"))
            continue
        if not recorded_any(each, chosen):
            out.append(Made(each, chosen, note="no ratings recorded that week"))
            continue
        result = Made(each, chosen, note=plan.problem)
        for provider in providers_for(each, chosen):
            update, created = make_update(each, provider, chosen, by=by, now=now)
            if update is not None:
                (result.made if created else result.existing).append(update)
        out.append(result)
    return out


def _when(school, week) -> str:
    moment = due_moment(school, week)
    return f"{moment:%A} {long_date(moment.date())} at {moment:%H:%M}"
