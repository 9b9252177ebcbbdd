"""Interventions and focus groups: who takes part and when, what it costs, what it aims to move,
and the evaluations taken of it.

- An Intervention belongs to a school and names its measure: a set of objectives (a subject,
  optionally one stage and one strand of it), a test (an assessment definition), or a weekly
  Red/Amber/Green review area. Entry and exit values are never typed in: they are read from
  the judgements, results and ratings the school already records (see measures.py).
- Members (Participation) carry the dates they joined and left, so one list of pupils holds the
  whole history; nobody keeps a second copy in a Group.
- An Evaluation is the stored result of measuring a finished intervention: every member's and
  every similar pupil's entry and exit values, so a later correction to the history does not
  silently change a finished evaluation. It is append-only; the latest one that still matches
  the intervention (same dates, measure and members: `basis`) is the one in force. See
  evaluation.py for the rule.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Intervention(models.Model):
    class Kind(models.TextChoices):
        INTERVENTION = "intervention", "Intervention"
        FOCUS = "focus", "Focus group"

    class MeasureKind(models.TextChoices):
        OBJECTIVES = "objectives", "Objectives secured"
        TEST = "test", "A test score"
        REVIEW = "review", "Weekly Red/Amber/Green reviews"

    class CostBasis(models.TextChoices):
        TOTAL = "total", "For the whole intervention"
        PER_PUPIL = "per_pupil", "For each pupil"

    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="interventions"
    )
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INTERVENTION)
    description = models.TextField(blank=True, help_text="What happens in the sessions, and why")
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField(
        null=True, blank=True, help_text="Empty while it has no planned end"
    )
    sessions_per_week = models.PositiveSmallIntegerField(default=1)
    minutes_per_session = models.PositiveSmallIntegerField(default=30)
    cost = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, help_text="In pounds"
    )
    cost_basis = models.CharField(max_length=10, choices=CostBasis.choices, default=CostBasis.TOTAL)
    measure_kind = models.CharField(max_length=20, choices=MeasureKind.choices)
    subject = models.ForeignKey(
        "curriculum.Subject", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.ForeignKey(
        "curriculum.Stage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    strand = models.ForeignKey(
        "curriculum.Strand", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    definition = models.ForeignKey(
        "results.AssessmentDefinition",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_area = models.ForeignKey(
        "reviews.ReviewArea", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["school", "-start_date", "name", "id"]
        constraints = [
            models.CheckConstraint(
                name="intervention_ends_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
            models.CheckConstraint(
                name="intervention_one_measure",
                condition=(
                    Q(
                        measure_kind="objectives",
                        subject__isnull=False,
                        definition__isnull=True,
                        review_area__isnull=True,
                    )
                    | Q(
                        measure_kind="test",
                        definition__isnull=False,
                        subject__isnull=True,
                        stage__isnull=True,
                        strand__isnull=True,
                        review_area__isnull=True,
                    )
                    | Q(
                        measure_kind="review",
                        review_area__isnull=False,
                        subject__isnull=True,
                        stage__isnull=True,
                        strand__isnull=True,
                        definition__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.school_id

    @property
    def minutes_per_week(self) -> int:
        return self.sessions_per_week * self.minutes_per_session


class Participation(models.Model):
    """A pupil taking part in an intervention, from `joined` until `left` (empty: still in it,
    or until the intervention ends)."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="members")
    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.CASCADE, related_name="intervention_places"
    )
    joined = models.DateField()
    left = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["intervention", "joined", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "pupil"], name="participation_unique_pupil"
            ),
            models.CheckConstraint(
                name="participation_leaves_after_joining",
                condition=Q(left__isnull=True) | Q(left__gte=models.F("joined")),
            ),
        ]
        indexes = [models.Index(fields=["pupil", "joined"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.intervention_id}"

    def audit_school(self):
        return self.intervention.school_id

    def audit_pupil(self):
        return self.pupil_id


class Evaluation(models.Model):
    """A stored measurement of a finished intervention (append-only; see evaluation.py)."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="evaluations"
    )
    basis = models.CharField(
        max_length=64,
        help_text="A fingerprint of the dates, measure and members it was taken for",
    )
    period_start = models.DateField()
    period_end = models.DateField()
    measure = models.CharField(max_length=300, help_text="The measure, in words, when taken")
    out_of = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many objectives the measure counted, if objectives"
    )
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["intervention", "taken_at", "id"]

    def __str__(self) -> str:
        return f"Evaluation of {self.intervention_id} at {self.taken_at:%Y-%m-%d}"

    def audit_school(self):
        return self.intervention.school_id


class EvaluationRow(models.Model):
    """One pupil in a stored evaluation: a member, or a similar pupil it was compared with.
    Written once, in bulk, with its evaluation; never changed."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="rows")
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="+")
    member = models.BooleanField()
    year_group = models.ForeignKey(
        "schools.YearGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_date = models.DateField()
    to_date = models.DateField()
    entry = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    exit = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    entry_on = models.DateField(null=True, blank=True)
    exit_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "-member", "pupil"]

    def __str__(self) -> str:
        return f"{self.pupil_id}: {self.entry} -> {self.exit}"
