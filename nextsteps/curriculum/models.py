"""Frameworks (subjects, strands, objectives as learning ladders) and the scales they are
judged on. Shipped frameworks and scales have no school; a school or trust may add its own."""

from django.conf import settings
from django.db import models


class Scale(models.Model):
    """An ordered list of grades, e.g. Not yet / Developing / Secure / Mastery."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    school = models.ForeignKey(
        "schools.School",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scales",
        help_text="Empty for scales shipped with NextSteps",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.school_id


class Grade(models.Model):
    scale = models.ForeignKey(Scale, on_delete=models.CASCADE, related_name="grades")
    order = models.PositiveSmallIntegerField(help_text="1 is the lowest")
    value = models.DecimalField(max_digits=6, decimal_places=2)
    label = models.CharField(max_length=60)
    short_label = models.CharField(max_length=12)
    colour = models.CharField(max_length=7, help_text="#rrggbb")
    secure = models.BooleanField(
        default=False, help_text="At or above the expected standard (counts as secure)"
    )

    class Meta:
        ordering = ["scale", "order"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "order"], name="grade_unique_order"),
            models.UniqueConstraint(fields=["scale", "short_label"], name="grade_unique_short"),
        ]

    def __str__(self) -> str:
        return self.label

    def audit_school(self):
        return self.scale.school_id


class Framework(models.Model):
    """A versioned curriculum framework. Importing a changed framework makes a new version;
    judgements stay attached to the objectives of the version they were made against."""

    class StageKind(models.TextChoices):
        YEAR = "year", "National curriculum year"
        CFE_LEVEL = "cfe", "CfE level"
        EARLY_YEARS = "early_years", "Early-years band"
        CUSTOM = "custom", "Own stages"

    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    stage_kind = models.CharField(max_length=20, choices=StageKind.choices, default=StageKind.YEAR)
    judgement_scale = models.ForeignKey(
        Scale,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Scale for objective judgements unless a subject says otherwise",
    )
    summary_scale = models.ForeignKey(
        Scale,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Scale for summary judgements unless a subject says otherwise",
    )
    school = models.ForeignKey(
        "schools.School",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_frameworks",
        help_text="Empty for frameworks shipped with NextSteps or shared by a trust",
    )
    trust = models.ForeignKey(
        "schools.Trust", null=True, blank=True, on_delete=models.CASCADE, related_name="frameworks"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def audit_school(self):
        return self.school_id


class SchoolFramework(models.Model):
    """A framework a school uses (it may use several at once)."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="framework_links"
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="school_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "framework"], name="schoolframework_unique")
        ]

    def __str__(self) -> str:
        return f"{self.school} uses {self.framework}"

    def audit_school(self):
        return self.school_id


class Stage(models.Model):
    """A rung of the framework's stages: Year 3, CfE First level, an early-years band."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="stages")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=60)
    order = models.SmallIntegerField()
    year_stage = models.SmallIntegerField(
        null=True,
        blank=True,
        help_text="The year group stage (schools.YearGroup.stage) this stage is expected in",
    )

    class Meta:
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="stage_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="subjects")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    judgement_scale = models.ForeignKey(
        Scale, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary_scale = models.ForeignKey(
        Scale, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["framework", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="subject_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def objective_scale(self) -> Scale:
        return self.judgement_scale or self.framework.judgement_scale

    def point_scale(self) -> Scale:
        return self.summary_scale or self.framework.summary_scale


class Strand(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="strands")
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["subject", "order", "name"]

    def __str__(self) -> str:
        return self.name


class ObjectiveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)


class Objective(models.Model):
    """A statement on a learning ladder. Retiring one hides it from new work and keeps every
    judgement made against it."""

    strand = models.ForeignKey(Strand, on_delete=models.CASCADE, related_name="objectives")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="objectives")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="objectives")
    code = models.CharField(max_length=40)
    statement = models.TextField(help_text="In teacher wording")
    pupil_statement = models.TextField(
        blank=True, help_text='In pupil-friendly wording: "I can ..."'
    )
    order = models.PositiveIntegerField(help_text="Position on the learning ladder")
    key = models.BooleanField(default=False, help_text="A key objective for the stage")
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = ObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["subject", "stage__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "code"], name="objective_unique_code"),
        ]
        indexes = [models.Index(fields=["subject", "stage", "order"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.statement[:60]}"


class SuccessCriterion(models.Model):
    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="success_criteria"
    )
    text = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["objective", "order"]

    def __str__(self) -> str:
        return self.text[:60]


class PupilStage(models.Model):
    """The stage a pupil is working at in a subject when it is not their year's (a Year 5 pupil
    working on Year 3 objectives is tracked at Year 3). Dated; the latest applies."""

    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.CASCADE, related_name="working_stages"
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    since = models.DateField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pupil", "subject", "-since", "-id"]

    def __str__(self) -> str:
        return f"{self.pupil_id} at {self.stage} in {self.subject}"

    def audit_pupil(self):
        return self.pupil_id
