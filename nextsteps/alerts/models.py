"""Alerts, the people told about them, each school's rule settings and the record of sweeps.

An alert is raised by the sweep (services.run) when one of the written rules (rules.py) fires
for a pupil. Its `condition` names what is wrong (the rule and the area or subject, e.g.
"rag_deteriorating:area:12") and its `episode` names this instance of it (e.g. the week the run
of deterioration began, or the assessment point), so that:

- the same condition never raises a second alert while one is open (a unique constraint on
  open alerts), and
- one episode never raises two alerts at all, even after the first is closed (a unique
  constraint on condition and episode).

Alerts are closed by a person, with an outcome. Each alert's notices (one per recipient and
channel, unique) are written in the same transaction as the alert; e-mails are sent afterwards
from that outbox (mail.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from . import rules


class Rule(models.TextChoices):
    RAG = rules.RAG, rules.LABELS[rules.RAG]
    OFF_TRACK = rules.OFF_TRACK, rules.LABELS[rules.OFF_TRACK]
    TESTS = rules.TESTS, rules.LABELS[rules.TESTS]
    QUIET = rules.QUIET, rules.LABELS[rules.QUIET]


class AlertSettings(models.Model):
    """A school's alert rules (see rules.py). No row: every rule at its default."""

    school = models.OneToOneField(
        "schools.School", on_delete=models.CASCADE, related_name="alert_settings"
    )
    rules = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return f"Alert rules for school #{self.school_id}"

    def audit_school(self):
        return self.school_id


class SweepRun(models.Model):
    """One run of the sweep: when, for which school (or all), what it found and sent."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    trigger = models.CharField(max_length=20, help_text="command, loop, task, page, api, demo")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    found = models.JSONField(default=dict, blank=True, help_text="rule -> conditions holding")
    raised = models.PositiveIntegerField(default=0)
    emails_sent = models.PositiveIntegerField(default=0)
    emails_failed = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Sweep {self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    def audit_school(self):
        return self.school_id


class Alert(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="alerts")
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="alerts")
    rule = models.CharField(max_length=30, choices=Rule.choices)
    condition = models.CharField(max_length=100, help_text="The rule and what it is about")
    episode = models.CharField(max_length=100, help_text="This instance of the condition")
    summary = models.CharField(max_length=300)
    evidence = models.JSONField(
        default=dict, help_text='{"lines": [sentences], "data": {the facts the rule read}}'
    )
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty: raised by the sweep",
    )
    run = models.ForeignKey(
        SweepRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    cleared_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep last found the condition no longer held"
    )
    plan = models.ForeignKey(
        "support.Plan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
        help_text="The action plan opened when the alert was raised",
    )
    plan_note = models.CharField(
        max_length=300, blank=True, help_text="Why no action plan was opened, if none was"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "pupil", "condition"],
                condition=Q(closed_at__isnull=True),
                name="alert_one_open_per_condition",
            ),
            models.UniqueConstraint(
                fields=["school", "pupil", "condition", "episode"], name="alert_once_per_episode"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(outcome=""),
                name="alert_closed_with_outcome",
            ),
        ]
        indexes = [models.Index(fields=["school", "closed_at", "rule"])]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.summary}"

    def audit_school(self):
        return self.school_id

    def audit_pupil(self):
        return self.pupil_id

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def lines(self) -> list[str]:
        value = self.evidence.get("lines") if isinstance(self.evidence, dict) else None
        return [str(line) for line in value] if isinstance(value, list) else []


class Notice(models.Model):
    """Telling one recipient about one alert on one channel. In NextSteps: delivered when
    written (the recipient sees it in their alerts). By e-mail: an outbox row, sent by mail.py
    at most once (see its docstring for what happens when a send is interrupted)."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", "In NextSteps"
        EMAIL = "email", "By e-mail"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent"
        UNKNOWN = "unknown", "Outcome unknown"
        CANCELLED = "cancelled", "Not to be sent"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notices")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alert_notices",
    )
    address = models.EmailField(blank=True)
    recipient = models.CharField(
        max_length=260, help_text='"user:<id>" in NextSteps; the lower-cased address by e-mail'
    )
    why = models.CharField(max_length=200, help_text="Why they are told, e.g. the placing provider")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["alert", "channel", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "channel", "recipient"], name="notice_once_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["channel", "status"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.address or self.user}: {self.status}"

    def audit_school(self):
        return self.alert.school_id

    def audit_pupil(self):
        return self.alert.pupil_id
