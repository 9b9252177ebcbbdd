"""Evidence of learning as dated, attributed events that are never overwritten: objective
judgements, lesson feedback (teacher, self, peer), learner conversations and summary
judgements at assessment points. "Current" views are derived from the events."""

from django.conf import settings
from django.db import models


class Judgement(models.Model):
    """A teacher's judgement of a pupil against an objective. Append-only: a correction or a
    cleared cell is a new event (grade empty = cleared)."""

    class Source(models.TextChoices):
        MARKBOOK = "markbook", "Markbook"
        API = "api", "API"
        IMPORT = "import", "Import"
        LESSON = "lesson", "Lesson"
        DEMO = "demo", "Demo data"

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="judgements")
    objective = models.ForeignKey(
        "curriculum.Objective", on_delete=models.PROTECT, related_name="judgements"
    )
    grade = models.ForeignKey(
        "curriculum.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MARKBOOK)
    note = models.CharField(max_length=300, blank=True)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The judgement that was current when this one was made",
    )

    class Meta:
        ordering = ["pupil", "objective", "recorded_at", "id"]
        indexes = [models.Index(fields=["pupil", "objective", "recorded_at"])]

    def __str__(self) -> str:
        return (
            f"{self.pupil_id}/{self.objective_id}: {self.grade_id} at {self.recorded_at:%Y-%m-%d}"
        )

    def audit_pupil(self):
        return self.pupil_id


class CurrentJudgement(models.Model):
    """The latest judgement per pupil and objective, kept in step with Judgement in the same
    transaction so the markbook reads one row per cell."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(
        "curriculum.Objective", on_delete=models.CASCADE, related_name="+"
    )
    judgement = models.OneToOneField(Judgement, on_delete=models.CASCADE, related_name="+")
    grade = models.ForeignKey(
        "curriculum.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "objective"], name="current_judgement_unique")
        ]
        indexes = [models.Index(fields=["objective", "pupil"])]

    def __str__(self) -> str:
        return f"{self.pupil_id}/{self.objective_id}: {self.grade_id}"


class Lesson(models.Model):
    school_class = models.ForeignKey(
        "schools.SchoolClass", on_delete=models.CASCADE, related_name="lessons"
    )
    date = models.DateField()
    title = models.CharField(max_length=200, blank=True)
    learning_intention = models.TextField()
    objectives = models.ManyToManyField("curriculum.Objective", blank=True, related_name="lessons")
    success_criteria = models.TextField(blank=True, help_text="One per line")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date}: {self.title or self.learning_intention[:40]}"

    def criteria(self) -> list[str]:
        return [line.strip() for line in self.success_criteria.splitlines() if line.strip()]


class Feedback(models.Model):
    """Traffic-light feedback on a lesson's learning intention, with who gave it."""

    class Kind(models.TextChoices):
        TEACHER = "teacher", "Teacher"
        SELF = "self", "Self"
        PEER = "peer", "Peer"

    class Light(models.TextChoices):
        RED = "red", "Red: not yet"
        AMBER = "amber", "Amber: getting there"
        GREEN = "green", "Green: got it"

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="feedback")
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    light = models.CharField(max_length=10, choices=Light.choices, blank=True)
    comment = models.TextField(blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    given_by_pupil = models.ForeignKey(
        "schools.Pupil",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For peer feedback: the partner who gave it",
    )
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["lesson", "pupil", "given_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.light} for {self.pupil_id}"

    def audit_pupil(self):
        return self.pupil_id


class Conversation(models.Model):
    """A learner conversation: what went well and the next steps agreed."""

    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.CASCADE, related_name="conversations"
    )
    subject = models.ForeignKey(
        "curriculum.Subject", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateField()
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    went_well = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"Conversation with {self.pupil_id} on {self.date}"

    def audit_pupil(self):
        return self.pupil_id


class SummaryJudgement(models.Model):
    """A pupil's summary judgement in a subject at an assessment point. Append-only: the latest
    is current; `suggested` keeps what NextSteps suggested at the time."""

    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.CASCADE, related_name="summary_judgements"
    )
    subject = models.ForeignKey("curriculum.Subject", on_delete=models.PROTECT, related_name="+")
    assessment_point = models.ForeignKey(
        "schools.AssessmentPoint", on_delete=models.PROTECT, related_name="summary_judgements"
    )
    grade = models.ForeignKey(
        "curriculum.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suggested = models.ForeignKey(
        "curriculum.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pupil", "subject", "assessment_point", "recorded_at", "id"]
        indexes = [models.Index(fields=["assessment_point", "subject", "pupil"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.subject_id} at {self.assessment_point_id}: {self.grade_id}"

    def audit_pupil(self):
        return self.pupil_id


class CurrentSummary(models.Model):
    """The current summary judgement per pupil, subject and assessment point (the latest by
    recorded time, then id), kept in step with SummaryJudgement in the same transaction by
    assessment.summary.refresh_current, so the analysis pages count rows instead of finding the
    latest of each in every query."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey("curriculum.Subject", on_delete=models.CASCADE, related_name="+")
    assessment_point = models.ForeignKey(
        "schools.AssessmentPoint", on_delete=models.CASCADE, related_name="+"
    )
    judgement = models.OneToOneField(SummaryJudgement, on_delete=models.CASCADE, related_name="+")
    grade = models.ForeignKey(
        "curriculum.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "subject", "assessment_point"], name="current_summary_unique"
            )
        ]
        indexes = [models.Index(fields=["assessment_point", "subject", "grade", "pupil"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.subject_id} at {self.assessment_point_id}: {self.grade_id}"


class PointLock(models.Model):
    """An assessment point locked by the assessment leader: no more summary judgements."""

    assessment_point = models.OneToOneField(
        "schools.AssessmentPoint", on_delete=models.CASCADE, related_name="lock"
    )
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.assessment_point} locked"
