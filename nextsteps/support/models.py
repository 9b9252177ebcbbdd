"""The SEN register's areas of need, and support plans with their SMART targets, provision and
reviews.

- SEN *status* (N/K/E over time) is not stored here: it is the pupil's `Characteristic` of kind
  "sen" in nextsteps.schools, which the analysis groups already read. A change of status ends one
  characteristic record and starts another (schools.services). What this app adds to the
  register is the structured areas of need (the four broad areas of the SEND code of practice),
  each with its own dates and one of them marked primary.
- A Plan is one of seven kinds (individual plan, IEP, child's plan, EHC plan, personal education
  plan, support plan, action plan) for one pupil at one school, with an owner and a review date.
  It is open until a review (or its owner) closes it. Targets, provision and reviews hang off it.
- Plans, targets and provision carry `version` for optimistic concurrency; a review is a dated
  event and is never edited (a correction is a new review).
- Who may see and change plans is decided in support/access.py, nowhere else.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Area(models.TextChoices):
    """The four broad areas of need in the SEND code of practice (2015, 6.28 to 6.35)."""

    COMMUNICATION = "communication", "Communication and interaction"
    COGNITION = "cognition", "Cognition and learning"
    SEMH = "semh", "Social, emotional and mental health"
    SENSORY_PHYSICAL = "sensory_physical", "Sensory and/or physical"


class SenNeed(models.Model):
    """One area of need for a pupil over a span of dates. Kept against the pupil (not one SEN
    status record) so a need carries on when the status changes, say from SEN support to an EHC
    plan. At most one current need per pupil is the primary one."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="sen_needs")
    area = models.CharField(max_length=20, choices=Area.choices)
    primary = models.BooleanField(default=False)
    description = models.CharField(
        max_length=300, blank=True, help_text="e.g. dyslexia, speech sound disorder, ADHD"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pupil", "-primary", "area", "start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=Q(primary=True, end_date__isnull=True),
                name="support_one_open_primary_need",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="support_need_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.get_area_display()

    def audit_pupil(self):
        return self.pupil_id

    def current_on(self, on) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class Plan(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL_PLAN = "individual_plan", "Individual plan"
        IEP = "iep", "Individual education plan (IEP)"
        CHILDS_PLAN = "childs_plan", "Child's plan"
        EHC_PLAN = "ehc_plan", "Education, health and care plan"
        PEP = "pep", "Personal education plan (PEP)"
        SUPPORT_PLAN = "support_plan", "Support plan"
        ACTION_PLAN = "action_plan", "Action plan"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    OPEN_STATUSES = (Status.OPEN,)

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="plans")
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    reason = models.TextField(
        blank=True, help_text="Why the plan is in place: the concern, what the evidence shows"
    )
    strengths = models.TextField(
        blank=True, help_text="What the pupil is good at and what helps them (pupil's views)"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_plans"
    )
    start_date = models.DateField()
    review_date = models.DateField(help_text="When the plan is next reviewed")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    shared_with_family = models.BooleanField(
        default=False,
        help_text="Parents and carers see the plan (targets, provision, review outcomes) read-only",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty: opened by NextSteps (an alert)",
    )
    closed_on = models.DateField(null=True, blank=True)
    closed_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pupil", "-start_date", "id"]
        indexes = [
            models.Index(fields=["pupil", "status"]),
            models.Index(fields=["school", "status", "review_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True)
                | Q(status="closed", closed_on__isnull=False),
                name="support_plan_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def audit_pupil(self):
        return self.pupil_id

    def audit_school(self):
        return self.school_id

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def review_overdue(self, on) -> bool:
        return self.is_open and self.review_date < on


class TargetStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    WORKING = "working", "Working towards"
    ACHIEVED = "achieved", "Achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"
    DROPPED = "dropped", "No longer a target"


class PlanTarget(models.Model):
    """A SMART target: the specific outcome, how success is measured, by when, and optionally
    the curriculum objectives it is about."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    specific = models.CharField(max_length=300, help_text="What the pupil will be able to do")
    measure = models.CharField(
        max_length=300, help_text="How we will know: the success criterion, with a number"
    )
    objectives = models.ManyToManyField("curriculum.Objective", blank=True, related_name="+")
    target_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=TargetStatus.choices, default=TargetStatus.NOT_STARTED
    )
    achieved_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return self.specific

    def audit_pupil(self):
        return self.plan.pupil_id


class Provision(models.Model):
    """What is put in place: what, by whom, how often, for how many hours a week."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="provision")
    what = models.CharField(max_length=300)
    who = models.CharField(max_length=150, help_text="Who delivers it, e.g. 'TA (Mrs Patel)'")
    frequency = models.CharField(max_length=100, blank=True, help_text="e.g. 3 x 20 minutes")
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return self.what

    def audit_pupil(self):
        return self.plan.pupil_id


class PlanReview(models.Model):
    """A review meeting's record: when, what was decided, how each target went and when the
    next review is (or that the plan closed)."""

    class Outcome(models.TextChoices):
        CONTINUE = "continue", "Continue the plan as it is"
        AMEND = "amend", "Continue with new or changed targets"
        ESCALATE = "escalate", "More support needed (e.g. request an EHC needs assessment)"
        CLOSE = "close", "Close the plan: needs met"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    summary = models.TextField(blank=True)
    pupil_views = models.TextField(blank=True)
    family_views = models.TextField(blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-held_on", "-id"]

    def __str__(self) -> str:
        return f"Review {self.held_on}: {self.get_outcome_display()}"

    def audit_pupil(self):
        return self.plan.pupil_id


class TargetProgress(models.Model):
    """How one target went at one review."""

    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="progress")
    target = models.ForeignKey(PlanTarget, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(max_length=20, choices=TargetStatus.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["review", "target__position", "target_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "target"], name="support_progress_once")
        ]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.status}"

    def audit_pupil(self):
        return self.review.plan.pupil_id
