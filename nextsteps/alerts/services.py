"""Alerts: the sweep that raises them, closing them with an outcome, and each school's rules.

`run()` is the sweep. It is idempotent and safe to run again at any moment, from cron every
few minutes, with `nextsteps alerts run --loop`, or from the worker (tasks.run_alerts):

1. every enabled rule is checked for whole cohorts at once (detect.py);
2. each finding whose condition has no open alert, and whose episode never had one, raises an
   alert: the alert, its notices (one per recipient and channel) and its action plan are
   written in one transaction, so an interrupted run leaves whole alerts or none, and the
   database refuses a second open alert for a condition even to two sweeps racing;
3. open alerts whose condition no longer holds are marked cleared (and unmarked if it holds
   again); they stay open until a person closes them;
4. e-mail notices waiting in the outbox are sent (mail.py: at most once each).

Permission checks belong to the callers (alerts/access.py); these functions guard the data."""

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from nextsteps.schools.models import School
from nextsteps.schools.services import ConflictError

from . import detect, mail, rules
from .models import Alert, AlertSettings, Notice, SweepRun
from .recipients import EMAIL, IN_APP, People, Recipient

log = logging.getLogger(__name__)

OUTCOME_LIMIT = 2000
STOPPED_AFTER = timedelta(hours=1)


# Settings ------------------------------------------------------------------------------------


def settings_for(school) -> dict:
    """The school's alert rules, every field filled in (defaults where nothing is stored)."""
    row = AlertSettings.objects.filter(school=school).first()
    return rules.stored(row.rules if row is not None else None)


def settings_row(school) -> AlertSettings:
    """The stored row, or an unsaved one at version 0 when the school has none yet."""
    row = AlertSettings.objects.filter(school=school).first()
    return row if row is not None else AlertSettings(school=school, rules={}, version=0)


@transaction.atomic
def save_settings(school, values, expected_version: int | None, *, by) -> AlertSettings:
    """Store the school's rules. `values` is a mapping of rule -> {setting: value}; anything
    left out keeps its default. Refuses settings that are not valid (ValidationError with a
    message per "rule.setting", nothing written) and a save over someone else's change since
    `expected_version` was read (ConflictError with what is stored now; 0 means "there were
    no settings yet")."""
    try:
        parsed = rules.parse(values)
    except rules.SettingsError as exc:
        raise ValidationError(exc.errors) from exc
    AlertSettings.objects.get_or_create(school=school, defaults={"rules": {}, "version": 0})
    current = AlertSettings.objects.select_for_update().get(school=school)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current)
    current.rules = parsed
    current.updated_by = by
    current.version += 1
    current.save()
    return current


# Raising -------------------------------------------------------------------------------------


def _plan_title(finding) -> str:
    return f"Action plan: {rules.LABELS[finding.rule].lower()}, {finding.summary}"[:200]


def _attach_plan(alert, finding, owner, review_date) -> None:
    """Open the alert's action plan through the support app's service (inside the alert's
    transaction), or say on the alert why there is none."""
    if owner is None:
        alert.plan_note = (
            "No action plan was opened: nobody at the school holds the role that owns it "
            "(class teacher, inclusion manager, head or deputy)."
        )
        Alert.objects.filter(pk=alert.pk).update(plan_note=alert.plan_note)
        return
    from nextsteps.support.services import open_action_plan

    try:
        with transaction.atomic():
            plan = open_action_plan(
                alert.pupil,
                school=alert.school,
                owner=owner,
                review_date=review_date,
                title=_plan_title(finding),
                reason="\n".join([finding.summary, *finding.lines]),
                opened_by=None,
            )
    except ValidationError as exc:  # the alert still stands, saying why there is no plan
        alert.plan_note = f"No action plan was opened: {' '.join(exc.messages)}"[:300]
        Alert.objects.filter(pk=alert.pk).update(plan_note=alert.plan_note)
        return
    alert.plan = plan
    Alert.objects.filter(pk=alert.pk).update(plan=plan)


def raise_alert(
    finding,
    *,
    school,
    pupil,
    told: list[Recipient],
    owner,
    settings: dict,
    run: SweepRun | None = None,
    opened_by=None,
):
    """Raise one alert: the alert, a notice per recipient and channel (in NextSteps delivered
    now; e-mail waiting in the outbox) and, when the rule asks for one, an action plan owned by
    `owner` (who is then told in NextSteps too), all in one transaction. Returns
    None, writing nothing, when the condition already has an open alert or this episode
    already had one (the database's constraints decide, so two sweeps racing raise one)."""
    rule = settings[finding.rule]
    finding = finding.explained()
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    school=school,
                    pupil=pupil,
                    rule=finding.rule,
                    condition=finding.condition,
                    episode=finding.episode,
                    summary=finding.summary[:300],
                    evidence={"lines": finding.lines, "data": finding.data},
                    opened_at=now,
                    opened_by=opened_by,
                    run=run,
                )
        except IntegrityError:
            return None
        if rule["action_plan"]:
            # the plan starts the day it is opened, whatever day the sweep judged
            review = timezone.localdate() + timedelta(days=rule["review_days"])
            _attach_plan(alert, finding, owner, review)
            if alert.plan_id is not None and f"user:{owner.pk}" not in {r.key for r in told}:
                told = [*told, Recipient(IN_APP, "Owns the action plan", user=owner)]
        Notice.objects.bulk_create(
            [
                Notice(
                    alert=alert,
                    channel=r.channel,
                    user=r.user,
                    address=r.address,
                    recipient=r.key[:260],
                    why=r.why[:200],
                    status=Notice.Status.SENT if r.channel == IN_APP else Notice.Status.PENDING,
                    sent_at=now if r.channel == IN_APP else None,
                    outcome="Shown in NextSteps" if r.channel == IN_APP else "",
                )
                for r in told
            ]
        )
    return alert


def _existing(school_ids, rule_names):
    """(open conditions, episodes ever alerted, open alerts) for the schools and rules."""
    open_keys, episodes, open_alerts = set(), set(), []
    for row in Alert.objects.filter(school_id__in=school_ids, rule__in=rule_names).values(
        "pk", "school_id", "pupil_id", "rule", "condition", "episode", "closed_at", "cleared_at"
    ):
        key = (row["school_id"], row["pupil_id"], row["condition"])
        episodes.add((*key, row["episode"]))
        if row["closed_at"] is None:
            open_keys.add(key)
            open_alerts.append(row)
    return open_keys, episodes, open_alerts


def _mark_cleared(open_alerts, holding: set, evaluated: set, now) -> None:
    cleared, back = [], []
    for row in open_alerts:
        if (row["school_id"], row["rule"]) not in evaluated:
            continue
        holds = (row["school_id"], row["pupil_id"], row["condition"]) in holding
        if not holds and row["cleared_at"] is None:
            cleared.append(row["pk"])
        elif holds and row["cleared_at"] is not None:
            back.append(row["pk"])
    # Plain UPDATEs: the sweep's bookkeeping, not a change anyone made to the alert.
    for start in range(0, len(cleared), 5000):
        Alert.objects.filter(pk__in=cleared[start : start + 5000], cleared_at__isnull=True).update(
            cleared_at=now
        )
    for start in range(0, len(back), 5000):
        Alert.objects.filter(pk__in=back[start : start + 5000]).update(cleared_at=None)


def raise_findings(findings, *, schools, today: date, settings=None, run=None) -> list[Alert]:
    """Raise an alert for each finding (see raise_alert), telling the people the rule names and
    opening plans owned as it says; a school's people are read once for all its findings.
    Returns the alerts raised (findings whose condition already had an alert raise none)."""
    from nextsteps.schools.models import Pupil

    by_school = {s.pk: s for s in schools}
    settings = settings or {pk: settings_for(s) for pk, s in by_school.items()}
    raised = []
    for school_id in sorted({f.school_id for f in findings}):
        school = by_school[school_id]
        mine = [f for f in findings if f.school_id == school_id]
        people = People(school, [f.pupil_id for f in mine], today)
        pupils = Pupil.objects.in_bulk([f.pupil_id for f in mine])
        for finding in mine:
            rule = settings[school_id][finding.rule]
            owner = None
            if rule["action_plan"]:
                owner = people.owner(rule["plan_owner"], finding.pupil_id)
            alert = raise_alert(
                finding,
                school=school,
                pupil=pupils[finding.pupil_id],
                told=people.told(finding.rule, finding.pupil_id, rule["email"]),
                owner=owner,
                settings=settings[school_id],
                run=run,
            )
            if alert is not None:
                raised.append(alert)
    return raised


def sweep(schools, *, today: date, run: SweepRun | None = None) -> dict:
    """Check every enabled rule at `schools` and raise the alerts due (steps 1 to 3 of the
    module docstring). Returns {"found": {rule: n}, "raised": n}."""
    schools = list(schools)
    settings = {s.pk: settings_for(s) for s in schools}
    evaluation = detect.evaluate(schools, settings, today)
    open_keys, episodes, open_alerts = _existing([s.pk for s in schools], rules.RULES)
    found = dict.fromkeys(rules.RULES, 0)
    fresh = []
    for finding in evaluation.findings:
        found[finding.rule] += 1
        if finding.key in open_keys or (*finding.key, finding.episode) in episodes:
            continue
        open_keys.add(finding.key)
        fresh.append(finding)
    raised = len(raise_findings(fresh, schools=schools, today=today, settings=settings, run=run))
    holding = {f.key for f in evaluation.findings}
    _mark_cleared(open_alerts, holding, evaluation.evaluated, timezone.now())
    return {"found": found, "raised": raised}


def run(
    school=None,
    *,
    schools=None,
    trigger: str = "command",
    today: date | None = None,
    send: bool = True,
):
    """One sweep of `school` (or of `schools`, or of every school), then the e-mail outbox;
    recorded as a SweepRun. Safe to repeat and to interrupt: see the module docstring."""
    today = today or timezone.localdate()
    # A run still "running" long after it started was stopped (killed, the machine restarted).
    SweepRun.objects.filter(
        status=SweepRun.Status.RUNNING, started_at__lt=timezone.now() - STOPPED_AFTER
    ).update(
        status=SweepRun.Status.FAILED,
        message="Stopped before it finished; the next run carried on where it left off.",
    )
    record = SweepRun.objects.create(school=school, trigger=trigger[:20], started_at=timezone.now())
    try:
        if school is not None:
            schools = [school]
        elif schools is None:
            schools = list(School.objects.order_by("pk"))
        result = sweep(schools, today=today, run=record)
        sent = failed = 0
        problem = ""
        if send:
            sent, failed, problem = mail.send_pending(school=school)
    except Exception as exc:
        SweepRun.objects.filter(pk=record.pk).update(
            status=SweepRun.Status.FAILED,
            finished_at=timezone.now(),
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
        log.exception("alert sweep failed")
        raise
    SweepRun.objects.filter(pk=record.pk).update(
        status=SweepRun.Status.DONE,
        finished_at=timezone.now(),
        found=result["found"],
        raised=result["raised"],
        emails_sent=sent,
        emails_failed=failed,
        message=problem,
    )
    record.refresh_from_db()
    return record


# Closing -------------------------------------------------------------------------------------


@transaction.atomic
def close_alert(alert, *, outcome: str, expected_version: int | None, by) -> Alert:
    """Close an open alert with its outcome, if nobody has changed it since `expected_version`
    was read (else ConflictError with what is there now, closed or not). An empty or overlong
    outcome is refused (ValidationError)."""
    current = Alert.objects.select_for_update().get(pk=alert.pk)
    if (expected_version is not None and current.version != expected_version) or (
        current.closed_at is not None
    ):
        raise ConflictError(current)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": "Say what was done and what came of it."})
    if len(outcome) > OUTCOME_LIMIT:
        raise ValidationError({"outcome": f"Keep the outcome to {OUTCOME_LIMIT} characters."})
    current.outcome = outcome
    current.closed_at = timezone.now()
    current.closed_by = by
    current.version += 1
    current.save()
    return current


def mark_read(alert, user) -> int:
    """Record that `user` has seen the alert they were told about in NextSteps."""
    return Notice.objects.filter(
        alert=alert, user=user, channel=IN_APP, read_at__isnull=True
    ).update(read_at=timezone.now())


def cancel_email(alert_ids, outcome: str) -> int:
    """Mark the alerts' waiting e-mails as not to be sent (the demo's fictional addresses)."""
    return Notice.objects.filter(
        alert_id__in=list(alert_ids), channel=EMAIL, status=Notice.Status.PENDING
    ).update(status=Notice.Status.CANCELLED, outcome=outcome[:300])
