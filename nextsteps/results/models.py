"""Tests, standardised scores, baselines, statutory checks, questionnaires and diagnostic
screenings: what a school sits its pupils and the results, read beside teacher judgement.

- An AssessmentDefinition is what the test is (name, subject, kind, what its headline score
  means, maximum mark, publisher, the bands used to read it). Each school owns its
  definitions, so it can tune bands and thresholds; the shipped ones are installed per school
  from `data/definitions.yaml`.
- A Sitting is one occasion a definition was sat (a date, an academic year, optionally the
  assessment point it is compared at, the pass mark used that year, a norm table).
- A Result is one pupil's score in a sitting (or, for a profile such as the early-years one,
  one component of it). Results carry the age in completed months at the test date, the
  converted standardised score and percentile rank where they apply, and the band they fall in.
- Diagnostic screenings are sensitive: see `policy.can_see_diagnostics` and
  `Result.objects.visible_to`.
"""

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    STANDARDISED = "standardised", "Standardised test"
    RAW = "raw", "Raw-score test"
    SCALED = "scaled", "Scaled score"
    PERCENTAGE = "percentage", "End-of-unit test (percentage)"
    BASELINE = "baseline", "Baseline"
    QUESTIONNAIRE = "questionnaire", "Questionnaire"
    STATUTORY = "statutory", "Statutory check"
    DIAGNOSTIC = "diagnostic", "Diagnostic screening"


class Measure(models.TextChoices):
    """What a result's headline `score` is, and so how bands read it."""

    STANDARDISED = "standardised", "Standardised score (mean 100, SD 15)"
    SCALED = "scaled", "Scaled score"
    RAW = "raw", "Raw mark"
    PERCENTAGE = "percentage", "Percentage"
    GRADE = "grade", "Grade on a scale"


class Expectation(models.TextChoices):
    """The common reading every band and summary grade maps to, for comparison."""

    BELOW = "below", "Below expected"
    AT = "at", "At expected"
    ABOVE = "above", "Above expected"


class AssessmentDefinition(models.Model):
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="assessment_definitions"
    )
    code = models.SlugField(max_length=60, help_text="Stable name used by imports and the API")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    measure = models.CharField(max_length=20, choices=Measure.choices)
    subject_code = models.CharField(
        max_length=30,
        blank=True,
        help_text="The curriculum subject code it is compared with (reading, maths, ...); "
        "empty for measures with no teacher-judged subject",
    )
    publisher = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    max_mark = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    min_score = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Lowest reportable score"
    )
    max_score = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Highest reportable score"
    )
    threshold = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Pass mark or expected standard (a sitting may set its own)",
    )
    scale = models.ForeignKey(
        "curriculum.Scale",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For results recorded as grades (early-years profile, CfE level)",
    )
    components = models.JSONField(
        default=list,
        blank=True,
        help_text='Parts judged separately, e.g. early learning goals: [{"code", "name"}]',
    )
    sensitive = models.BooleanField(
        default=False,
        help_text="Diagnostic: seen only by the inclusion manager, senior staff and the "
        "placing provider, and every read is logged",
    )
    shipped = models.BooleanField(default=False, help_text="Installed from NextSteps' own list")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="definition_unique_code")
        ]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.school_id


class Band(models.Model):
    """A range of scores read one way: lower <= score < upper (either end open when empty)."""

    definition = models.ForeignKey(
        AssessmentDefinition, on_delete=models.CASCADE, related_name="bands"
    )
    order = models.PositiveSmallIntegerField(help_text="1 is the lowest")
    label = models.CharField(max_length=60)
    lower = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    upper = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    expectation = models.CharField(max_length=10, choices=Expectation.choices)
    colour = models.CharField(max_length=7, default="#9e9e9e", help_text="#rrggbb")

    class Meta:
        ordering = ["definition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "order"], name="band_unique_order")
        ]

    def __str__(self) -> str:
        return self.label

    def audit_school(self):
        return self.definition.school_id


class NormTable(models.Model):
    """A publisher's conversion from raw score and age (years and completed months) to a
    standardised score, loaded by the school."""

    definition = models.ForeignKey(
        AssessmentDefinition, on_delete=models.CASCADE, related_name="norm_tables"
    )
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=300, blank=True, help_text="Publisher, edition, page")
    min_age_months = models.PositiveSmallIntegerField()
    max_age_months = models.PositiveSmallIntegerField()
    min_raw = models.DecimalField(max_digits=7, decimal_places=2)
    max_raw = models.DecimalField(max_digits=7, decimal_places=2)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["definition", "-created_at"]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.definition.school_id


class NormEntry(models.Model):
    table = models.ForeignKey(NormTable, on_delete=models.CASCADE, related_name="entries")
    age_months = models.PositiveSmallIntegerField(help_text="Age in completed months")
    raw_score = models.DecimalField(max_digits=7, decimal_places=2)
    standardised = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["table", "age_months", "raw_score"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "age_months", "raw_score"], name="norm_entry_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.age_months} months, raw {self.raw_score}: {self.standardised}"


class Sitting(models.Model):
    """One occasion a definition was sat at a school."""

    definition = models.ForeignKey(
        AssessmentDefinition, on_delete=models.PROTECT, related_name="sittings"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="sittings")
    academic_year = models.ForeignKey(
        "schools.AcademicYear", on_delete=models.PROTECT, related_name="sittings"
    )
    name = models.CharField(max_length=200, help_text="For example: Reading, summer 2026")
    date = models.DateField()
    assessment_point = models.ForeignKey(
        "schools.AssessmentPoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sittings",
        help_text="The point whose summary judgements it is compared with",
    )
    threshold = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="This year's pass mark, if it differs from the definition's",
    )
    norm_table = models.ForeignKey(
        NormTable, null=True, blank=True, on_delete=models.PROTECT, related_name="sittings"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "definition"]
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.school_id

    @property
    def pass_mark(self):
        return self.threshold if self.threshold is not None else self.definition.threshold


class ResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Results of pupils the user may see, without the sensitive (diagnostic) ones unless
        the user may see those for that pupil. Callers log reads of sensitive ones."""
        from . import access

        return access.results_visible_to(user, self)


class Result(models.Model):
    class Source(models.TextChoices):
        GRID = "grid", "Entered in the grid"
        IMPORT = "import", "Imported"
        API = "api", "API"
        DEMO = "demo", "Demo data"

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="results")
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="results")
    component = models.CharField(
        max_length=40, blank=True, help_text="The definition's component, if it has several"
    )
    raw_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The headline score in the definition's measure (converted or given)",
    )
    grade = models.ForeignKey(
        "curriculum.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    age_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Age in completed months at the test date"
    )
    percentile = models.PositiveSmallIntegerField(null=True, blank=True)
    band = models.ForeignKey(
        Band, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    met_threshold = models.BooleanField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.GRID)
    import_job = models.ForeignKey(
        "results.ResultImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The file import that last wrote it, if one did",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1, help_text="Raised on every change")

    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["sitting", "pupil", "component"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "pupil", "component"], name="result_unique_pupil"
            )
        ]
        indexes = [models.Index(fields=["pupil", "sitting"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.sitting_id}: {self.score}"

    def audit_pupil(self):
        return self.pupil_id

    def audit_school(self):
        return self.sitting.school_id


# Imports of result files have their own module; imported here so Django registers the model.
from .import_models import ResultImport  # noqa: E402, F401
