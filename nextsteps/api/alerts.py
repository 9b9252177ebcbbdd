"""Alerts and action plans: each school's alert rules (read, replace), the alerts you may see
(listed, filtered, one with its evidence and who was told, closed with an outcome) and the
sweep's runs (status, run now). Scoped as the /alerts/ pages are (nextsteps/alerts/access.py):
an alert outside your scope is 404; seeing but not changing is 403. Replacing the rules and
closing an alert carry the `version` you read (stale: 409). Reading one alert is audit-logged:
it shows the pupil's action plan."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from nextsteps.alerts import access, queries, rules, services

from .errors import responses
from .scope import acting, caller, get_school

router = Router(tags=["alerts"])

RuleName = Literal[rules.RULES]  # type: ignore[valid-type]
StatusFilter = Literal[tuple(queries.STATUSES)]  # type: ignore[valid-type]
Setting = bool | int | str


class AlertRulesOut(Schema):
    school_id: int
    version: int = Field(..., description="0 while the school uses the defaults throughout")
    rules: dict[str, dict[str, Setting]] = Field(
        ..., description="Every rule with every setting, defaults filled in"
    )
    labels: dict[str, str]


class AlertRulesIn(Schema):
    version: int = Field(..., description="The version you read; a newer one on file gives 409")
    rules: dict[str, dict[str, Setting]] = Field(
        ...,
        description="rule -> {setting: value}; a setting left out takes its default. Rules: "
        + ", ".join(rules.RULES),
    )


class NoticeOut(Schema):
    channel: str = Field(..., description="in_app or email")
    user_id: int | None
    name: str | None
    address: str
    why: str
    status: str = Field(..., description="pending, sending, sent, failed, unknown or cancelled")
    sent_at: datetime | None
    read_at: datetime | None
    outcome: str

    @staticmethod
    def resolve_name(obj):
        return (obj.user.get_full_name() or obj.user.username) if obj.user_id else None


class PlanOut(Schema):
    id: int
    title: str
    owner_id: int
    owner: str
    review_date: date
    status: str = Field(..., description="open or closed")


class AlertOut(Schema):
    id: int
    school_id: int
    pupil_id: int
    first_name: str
    last_name: str
    rule: RuleName
    rule_label: str
    condition: str
    episode: str
    summary: str
    opened_at: datetime
    cleared_at: datetime | None = Field(
        ..., description="When the sweep found the condition over (the alert stays open)"
    )
    closed_at: datetime | None
    closed_by: str | None
    outcome: str
    plan_id: int | None
    version: int

    @staticmethod
    def resolve_first_name(obj):
        return obj.pupil.first_name

    @staticmethod
    def resolve_last_name(obj):
        return obj.pupil.last_name

    @staticmethod
    def resolve_rule_label(obj):
        return obj.get_rule_display()

    @staticmethod
    def resolve_closed_by(obj):
        return str(obj.closed_by) if obj.closed_by_id else None


class AlertDetailOut(AlertOut):
    evidence: list[str] = Field(..., description="What the rule found, in sentences")
    facts: dict = Field(..., description="The facts the rule read, as data")
    plan: PlanOut | None = Field(
        ..., description="null when there is none, or you may not read the pupil's plans"
    )
    plan_opened: bool = Field(..., description="Whether an action plan was opened")
    plan_note: str
    notices: list[NoticeOut]
    can_close: bool

    @staticmethod
    def resolve_evidence(obj):
        return obj.lines

    @staticmethod
    def resolve_facts(obj):
        data = obj.evidence.get("data") if isinstance(obj.evidence, dict) else None
        return data if isinstance(data, dict) else {}

    @staticmethod
    def resolve_plan_opened(obj):
        return obj.plan_id is not None

    @staticmethod
    def resolve_notices(obj):
        return queries.notices_of(obj)

    @staticmethod
    def resolve_can_close(obj):
        return bool(getattr(obj, "can_close_now", False))

    @staticmethod
    def resolve_plan(obj):
        plan = obj.plan
        if plan is None or not getattr(obj, "plan_shown", False):
            return None
        return {
            "id": plan.pk,
            "title": plan.title,
            "owner_id": plan.owner_id,
            "owner": plan.owner.get_full_name() or plan.owner.username,
            "review_date": plan.review_date,
            "status": plan.status,
        }


class AlertFilters(Schema):
    status: StatusFilter = "open"
    rule: RuleName | None = None
    school_id: int | None = None
    pupil_id: int | None = None
    mine: bool = Field(False, description="Only alerts you were told about")


class CloseIn(Schema):
    version: int = Field(..., description="The version you read; a newer one on file gives 409")
    outcome: str = Field(..., max_length=services.OUTCOME_LIMIT)


class RunOut(Schema):
    id: int
    school_id: int | None = Field(..., description="null: a run over every school")
    trigger: str
    status: str = Field(..., description="running, done or failed")
    started_at: datetime
    finished_at: datetime | None
    found: dict[str, int] = Field(..., description="rule -> conditions holding")
    raised: int
    emails_sent: int
    emails_failed: int
    message: str


class RunStatusOut(Schema):
    runs: list[RunOut]
    outbox: dict[str, int] = Field(..., description="e-mail notices by status")


class RunQueuedOut(Schema):
    queued: bool
    task_id: str


def _rules_out(school, row) -> dict:
    return {
        "school_id": school.pk,
        "version": row.version,
        "rules": rules.stored(row.rules or None),
        "labels": rules.LABELS,
    }


def _rules_school(user, school_id: int):
    school = get_school(user, school_id, permission=None)
    if not access.rule_schools(user).filter(pk=school.pk).exists():
        raise PermissionDenied("The alert rules are shown to the staff of a school.")
    return school


@router.get(
    "/schools/{school_id}/alert-rules", response={200: AlertRulesOut, **responses(403, 404)}
)
def get_alert_rules(request, school_id: int):
    """The school's alert rules, every setting filled in (see the "Alert rules" page for what
    each means)."""
    school = _rules_school(caller(request), school_id)
    return _rules_out(school, services.settings_row(school))


@router.put(
    "/schools/{school_id}/alert-rules",
    response={200: AlertRulesOut, **responses(403, 404, 409, 422)},
)
def put_alert_rules(request, school_id: int, payload: AlertRulesIn):
    """Replace the school's alert rules (senior staff). A setting left out takes its default;
    an unknown rule or setting, or a value out of range, is refused with nothing saved."""
    user = caller(request)
    school = get_school(user, school_id, permission="manage_alerts")
    with acting(request):
        row = services.save_settings(school, payload.rules, payload.version, by=user)
    return _rules_out(school, row)


@router.get("/alerts", response={200: list[AlertOut], **responses(422)})
@paginate(LimitOffsetPagination)
def list_alerts(request, filters: Query[AlertFilters]):
    """The alerts you may see, newest first: open ones by default. Parents, pupils and
    governors see none."""
    return queries.alerts_for(
        caller(request),
        queries.Filters(
            status=filters.status,
            rule=filters.rule or "",
            school_id=filters.school_id,
            pupil_id=filters.pupil_id,
            mine=filters.mine,
        ),
    )


@router.get("/alerts/{alert_id}", response={200: AlertDetailOut, **responses(404)})
def get_alert(request, alert_id: int):
    """One alert: the evidence in sentences and as data, its action plan, and everyone told
    with how and what happened. The read is audit-logged."""
    user = caller(request)
    alert = access.alert_for(user, alert_id)
    alert.plan_shown = access.plan_shown(user, alert)
    with acting(request):
        access.record_read(user, alert, with_plan=alert.plan_shown)
        services.mark_read(alert, user)
    alert.can_close_now = alert.is_open and access.can_close(user, alert)
    return alert


@router.post(
    "/alerts/{alert_id}/close", response={200: AlertDetailOut, **responses(403, 404, 409, 422)}
)
def close_alert(request, alert_id: int, payload: CloseIn):
    """Close an open alert with its outcome (senior staff, or the owner of its action plan).
    A stale version, or an alert closed meanwhile, gives 409 with the current version."""
    user = caller(request)
    alert = access.alert_to_close(user, alert_id)
    with acting(request):
        services.close_alert(
            alert, outcome=payload.outcome, expected_version=payload.version, by=user
        )
        alert = access.alert_for(user, alert_id)
        alert.plan_shown = access.plan_shown(user, alert)
        access.record_read(user, alert, with_plan=alert.plan_shown)
    alert.can_close_now = False
    return alert


@router.get("/schools/{school_id}/alert-runs", response={200: RunStatusOut, **responses(403, 404)})
def get_alert_runs(request, school_id: int):
    """The last runs of the sweep that covered the school, and its e-mail outbox by status
    (senior staff)."""
    school = get_school(caller(request), school_id, permission="manage_alerts")
    status = queries.run_status(school)
    return {"runs": status.runs, "outbox": status.outbox}


@router.post("/schools/{school_id}/alert-runs", response={202: RunQueuedOut, **responses(403, 404)})
def queue_alert_run(request, school_id: int):
    """Run the school's alert rules now, in the background (senior staff). Safe to call at any
    time: a run raises each alert once and sends each e-mail at most once."""
    from nextsteps.alerts.tasks import run_alerts

    school = get_school(caller(request), school_id, permission="manage_alerts")
    with acting(request):
        result = run_alerts.enqueue(school_id=school.pk, trigger="api")
    return Status(202, {"queued": True, "task_id": str(result.id)})
