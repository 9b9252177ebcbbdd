"""Targets and what pupils are working towards: end-of-year attainment targets set from prior
attainment, individual milestones for pupils working below their year, next-step targets and
pupil-owned learning goals, and staff targets from pupil progress meetings.

Attainment targets are append-only like summary judgements: every setting or change is a new
row with who, when, what NextSteps suggested and on what basis, and the reason for any change;
the latest row per pupil, subject and year is the current target. On-track status is derived
from targets, summary judgements and objective judgements by `tracking.on_track` under the
school's written, tunable rule (School.settings["on_track"])."""

from django.conf import settings
from django.db import models


class Target(models.Model):
    class Method(models.TextChoices):
        COHORT = "cohort", "Where pupils with the same starting point got to"
        TRAJECTORY = "trajectory", "The pupil's own trajectory"
        MILESTONES = "milestones", "Individual milestones (working below their year)"
        MANUAL = "manual", "Set by hand"

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="targets")
    subject = models.ForeignKey("curriculum.Subject", on_delete=models.PROTECT, related_name="+")
    academic_year = models.ForeignKey(
        "schools.AcademicYear", on_delete=models.PROTECT, related_name="targets"
    )
    grade = models.ForeignKey(
        "curriculum.Grade",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="On the subject's summary scale; empty when the target was withdrawn",
    )
    suggested = models.ForeignKey(
        "curriculum.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=20, choices=Method.choices)
    basis = models.TextField(blank=True, help_text="The suggestion's evidence, in words")
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why the target differs from the suggestion"
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["pupil", "subject", "academic_year", "set_at", "id"]
        indexes = [models.Index(fields=["academic_year", "subject", "pupil", "set_at"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.subject_id} {self.academic_year_id}: {self.grade_id}"

    def audit_pupil(self):
        return self.pupil_id


class Milestone(models.Model):
    """A small step for a pupil working below their year (SEN, alternative provision): the
    objectives to secure by a date, judged against the pupil's own progress."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="milestones")
    subject = models.ForeignKey("curriculum.Subject", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=300)
    objectives = models.ManyToManyField("curriculum.Objective", blank=True, related_name="+")
    start_date = models.DateField()
    due_date = models.DateField()
    achieved_at = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pupil", "due_date", "id"]

    def __str__(self) -> str:
        return self.description

    def audit_pupil(self):
        return self.pupil_id


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    WORKING = "working", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "No longer a target"


class PupilGoal(models.Model):
    """A next-step target (literacy, numeracy, linked to an objective) or a learning goal the
    pupil owns, with its status and when it is next reviewed."""

    class Kind(models.TextChoices):
        LITERACY = "literacy", "Literacy target"
        NUMERACY = "numeracy", "Numeracy target"
        LEARNING = "learning", "My learning goal"
        OTHER = "other", "Other target"

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    objective = models.ForeignKey(
        "curriculum.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    review_date = models.DateField(null=True, blank=True)
    owned_by_pupil = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pupil", "status", "review_date", "id"]

    def __str__(self) -> str:
        return self.text

    def audit_pupil(self):
        return self.pupil_id


class StaffTarget(models.Model):
    """A teacher's own target, usually agreed at a pupil progress meeting."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_targets"
    )
    text = models.CharField(max_length=300)
    context = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where it was agreed, e.g. the autumn progress meeting",
    )
    pupils = models.ManyToManyField("schools.Pupil", blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    review_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["school", "user", "review_date", "id"]

    def __str__(self) -> str:
        return self.text

    def audit_school(self):
        return self.school_id
