"""Who needs help now: the pupils of a class, a year group or a school that something points
at, each with every reason in words.

The reasons ("signals"), each read for the whole cohort at once:

- off track against their target at the current assessment point (tracking.on_track);
- falling judgements: the current summary judgement at the latest point with any is lower
  than at the point before it, or objective judgements replaced by lower grades in the last
  N weeks (School.settings["analysis"]["falling_weeks"], default 6);
- a test disagreeing with the teacher's summary judgement (results.comparison);
- no judgement or evidence (objective or summary judgement, lesson feedback, learner
  conversation) for N weeks (School.settings["analysis"]["quiet_weeks"], default 6).

A later signal (weekly RAG deterioration, open alerts) is a function taking a Context and
returning {pupil id: [Reason, ...]}, added with `register`; the list and its API pick it up."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone

from nextsteps.assessment.models import Conversation, Feedback, Judgement, SummaryJudgement
from nextsteps.curriculum.models import Subject
from nextsteps.results import comparison
from nextsteps.schools.models import AssessmentPoint

from .figures import current

DEFAULTS = {"quiet_weeks": 6, "falling_weeks": 6}


def settings_for(school) -> dict:
    """The school's who-needs-help settings; a value that is not a whole number of weeks
    from 1 to 52 gives the default."""
    given = school.settings.get("analysis", {}) if isinstance(school.settings, dict) else {}
    out = dict(DEFAULTS)
    for key in DEFAULTS:
        value = given.get(key) if isinstance(given, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 52:
            out[key] = value
    return out


@dataclass(frozen=True)
class Reason:
    kind: str  # off_track, falling, objectives_falling, test_disagrees, quiet, or a later one
    text: str
    subject: str = ""


@dataclass
class Entry:
    pupil: object
    reasons: list = field(default_factory=list)

    @property
    def kinds(self):
        return sorted({r.kind for r in self.reasons})


@dataclass
class Context:
    user: object
    school: object
    pupils: object  # scoped queryset
    subjects: list
    point: AssessmentPoint | None  # the point judged now
    latest: AssessmentPoint | None  # the latest point with a summary judgement
    previous: AssessmentPoint | None  # the point before `latest`
    today: date
    settings: dict


SIGNALS = []


def register(signal):
    """Add a signal (see the module docstring); returns it, so it can decorate."""
    SIGNALS.append(signal)
    return signal


@register
def off_track(ctx: Context) -> dict:
    from nextsteps.tracking import on_track
    from nextsteps.tracking.rule import OFF_TRACK

    if ctx.point is None:
        return {}
    out = defaultdict(list)
    names = {s.pk: s.name for s in ctx.subjects}
    for r in on_track.statuses(ctx.pupils, ctx.subjects, [ctx.point], today=ctx.today).values():
        if r.status == OFF_TRACK:
            out[r.pupil_id].append(
                Reason(
                    "off_track",
                    f"Off track in {names[r.subject_id]}: {r.reason}",
                    names[r.subject_id],
                )
            )
    return out


@register
def falling(ctx: Context) -> dict:
    out = defaultdict(list)
    if ctx.latest is not None and ctx.previous is not None:
        before = current(ctx.subjects, [ctx.previous]).filter(
            pupil_id=OuterRef("pupil_id"), subject_id=OuterRef("subject_id")
        )
        rows = (
            current(ctx.subjects, [ctx.latest], ctx.pupils)
            .annotate(
                before_order=Subquery(before.values("grade__order")[:1]),
                before_label=Subquery(before.values("grade__short_label")[:1]),
                before_scale=Subquery(before.values("grade__scale_id")[:1]),
            )
            .filter(before_order__gt=F("grade__order"), before_scale=F("grade__scale_id"))
            .values_list("pupil_id", "subject__name", "before_label", "grade__short_label")
        )
        for pupil_id, subject, was, now in rows:
            out[pupil_id].append(
                Reason(
                    "falling",
                    f"{subject}: {now} at {ctx.latest.name.lower()}, down from {was} at "
                    f"{ctx.previous.name.lower()}.",
                    subject,
                )
            )
    weeks = ctx.settings["falling_weeks"]
    since = timezone.now() - timedelta(weeks=weeks)
    totals = (
        Judgement.objects.filter(
            pupil_id__in=ctx.pupils.values("pk"),
            objective__subject__in=ctx.subjects,
            recorded_at__gte=since,
            grade__isnull=False,
            replaces__grade__order__gt=F("grade__order"),
        )
        .values("pupil_id", "objective__subject__name")
        .order_by()
    )
    counted = defaultdict(int)
    for row in totals:
        counted[(row["pupil_id"], row["objective__subject__name"])] += 1
    for (pupil_id, subject), n in sorted(counted.items()):
        word = "judgement" if n == 1 else "judgements"
        out[pupil_id].append(
            Reason(
                "objectives_falling",
                f"{subject}: {n} objective {word} lowered in the last {weeks} weeks.",
                subject,
            )
        )
    return out


@register
def test_disagrees(ctx: Context) -> dict:
    out = defaultdict(list)
    if ctx.latest is None:
        return out
    for subject in ctx.subjects:
        if not subject.code:
            continue
        result = comparison.compare(ctx.user, ctx.pupils, subject, ctx.latest)
        for row in result.disagreements:
            out[row.pupil.pk].append(
                Reason(
                    "test_disagrees",
                    f"{subject.name}: {row.test.definition} ({row.test.shown}) reads "
                    f"{row.test.reading_label.lower()}; the teacher's {ctx.latest.name.lower()} "
                    f"judgement ({row.teacher.short}) reads {row.teacher.reading_label.lower()}.",
                    subject.name,
                )
            )
    return out


@register
def quiet(ctx: Context) -> dict:
    weeks = ctx.settings["quiet_weeks"]
    # from the context's day, so that a sweep for another day counts back from that day
    since = timezone.make_aware(datetime.combine(ctx.today - timedelta(weeks=weeks), time.min))
    ref = OuterRef("pk")
    recent = (
        Exists(Judgement.objects.filter(pupil_id=ref, recorded_at__gte=since))
        | Exists(SummaryJudgement.objects.filter(pupil_id=ref, recorded_at__gte=since))
        | Exists(Feedback.objects.filter(pupil_id=ref, given_at__gte=since))
        | Exists(Conversation.objects.filter(pupil_id=ref, date__gte=since.date()))
    )
    last = Judgement.objects.filter(pupil_id=ref).order_by("-recorded_at").values("recorded_at")
    rows = (
        ctx.pupils.filter(~recent)
        .annotate(last=Subquery(last[:1]))
        .values_list("pk", "last")
        .order_by()
    )
    out = {}
    for pk, when in rows:
        since_text = (
            f" (the last judgement was on {timezone.localtime(when):%-d %b %Y})"
            if when
            else " (no judgement yet)"
        )
        out[pk] = [
            Reason("quiet", f"No judgement or evidence recorded for {weeks} weeks{since_text}.")
        ]
    return out


def context(user, school, pupils, *, today=None) -> Context:
    today = today or timezone.localdate()
    year = school.current_year(today)
    this_year = list(year.assessment_points.order_by("date", "id")) if year is not None else []
    point = next((p for p in this_year if p.date >= today), this_year[-1] if this_year else None)
    # Points up to the end of this year: summaries may be recorded before a point's date.
    until = year.end_date if year is not None else today
    candidates = list(
        AssessmentPoint.objects.filter(academic_year__school=school, date__lte=max(until, today))
        .select_related("academic_year")
        .order_by("date", "id")
    )
    subjects = list(
        Subject.objects.filter(framework__school_links__school=school).select_related(
            "framework__summary_scale", "summary_scale"
        )
    )
    with_summaries = set(
        SummaryJudgement.objects.filter(
            assessment_point__in=candidates, pupil_id__in=pupils.values("pk")
        )
        .values_list("assessment_point_id", flat=True)
        .order_by()  # the model's ordering would join the pupils into the DISTINCT
        .distinct()
    )
    latest = next((p for p in reversed(candidates) if p.pk in with_summaries), None)
    previous = None
    if latest is not None:
        earlier = [p for p in candidates if (p.date, p.pk) < (latest.date, latest.pk)]
        previous = earlier[-1] if earlier else None
    return Context(
        user, school, pupils, subjects, point, latest, previous, today, settings_for(school)
    )


def who_needs_help(user, school, pupils, *, today=None) -> list[Entry]:
    """Every pupil of `pupils` (scoped) that a signal points at, with the reasons in words;
    most reasons first, then by name. Each signal reads the whole cohort in a fixed number
    of queries."""
    ctx = context(user, school, pupils, today=today)
    reasons = defaultdict(list)
    for signal in SIGNALS:
        for pupil_id, found in signal(ctx).items():
            reasons[pupil_id].extend(found)
    if not reasons:
        return []
    people = {p.pk: p for p in pupils.filter(pk__in=list(reasons))}
    entries = [Entry(people[pk], rs) for pk, rs in reasons.items() if pk in people]
    entries.sort(
        key=lambda e: (
            -len(e.reasons),
            e.pupil.last_name.lower(),
            e.pupil.first_name.lower(),
            e.pupil.pk,
        )
    )
    return entries
