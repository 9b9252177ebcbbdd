"""Trusts, schools and their calendar, classes and groups, pupils and the people around them.

Reads of pupil data go through `Pupil.objects.visible_to(user)` (see policy.py); writes go
through services.py.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from nextsteps.lib.dates import is_summer_born
from nextsteps.lib.upn import UPNError, parse_upn


class Trust(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        SPECIAL = "special", "Special"
        NURSERY = "nursery", "Nursery"
        ALTERNATIVE_PROVISION = "ap", "Alternative provision"

    class Country(models.TextChoices):
        ENGLAND = "england", "England"
        SCOTLAND = "scotland", "Scotland"
        WALES = "wales", "Wales"
        NORTHERN_IRELAND = "ni", "Northern Ireland"

    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = models.CharField(max_length=20, choices=Country.choices, default=Country.ENGLAND)
    urn = models.CharField("URN or seed code", max_length=20, blank=True)
    year_start_month = models.PositiveSmallIntegerField(
        default=9, help_text="The month the school year begins (9 in England, 8 in Scotland)."
    )
    settings = models.JSONField(
        default=dict,
        blank=True,
        help_text='Tunable rules, e.g. {"suggestion_rule": {"expected_share": "0.8"}}',
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self

    def current_year(self, on: date | None = None):
        on = on or timezone.localdate()
        year = self.academic_years.filter(start_date__lte=on, end_date__gte=on).first()
        if year is None:
            year = self.academic_years.filter(start_date__lte=on).order_by("-start_date").first()
        return year


class AcademicYear(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="academic_years")
    name = models.CharField(max_length=20, help_text="For example 2025/26")
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["school", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "start_date"], name="year_unique_start"),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="year_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.school_id


class Term(models.Model):
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=50)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["academic_year", "start_date"]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.academic_year.school_id


class AssessmentPoint(models.Model):
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.CASCADE, related_name="assessment_points"
    )
    name = models.CharField(max_length=50)
    date = models.DateField(help_text="When judgements for this point are due")

    class Meta:
        ordering = ["academic_year", "date"]

    def __str__(self) -> str:
        return f"{self.name} {self.academic_year}"

    def audit_school(self):
        return self.academic_year.school_id


class YearGroup(models.Model):
    """A year group with the school's own name for it. `stage` is the national position:
    -1 Nursery, 0 Reception, 1..13 Years 1..13; in Scotland 1..7 for P1..P7 and 8..13 for S1..S6."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="year_groups")
    name = models.CharField(max_length=50)
    stage = models.SmallIntegerField()

    class Meta:
        ordering = ["school", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["school", "stage"], name="yeargroup_unique_stage"),
            models.UniqueConstraint(fields=["school", "name"], name="yeargroup_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.school_id

    def next(self):
        return self.school.year_groups.filter(stage__gt=self.stage).order_by("stage").first()


class SchoolClassQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .policy import classes_visible_to

        return classes_visible_to(user, self)


class SchoolClass(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.CASCADE, related_name="classes"
    )
    name = models.CharField(max_length=100)
    year_group = models.ForeignKey(
        YearGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="classes",
        help_text="Main year group; leave empty for a mixed-age class",
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ClassStaff", related_name="classes_taught"
    )

    objects = SchoolClassQuerySet.as_manager()

    class Meta:
        ordering = ["school", "academic_year", "year_group__stage", "name"]
        verbose_name = "class"
        verbose_name_plural = "classes"
        constraints = [
            models.UniqueConstraint(
                fields=["school", "academic_year", "name"], name="class_unique_name_per_year"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.school_id


class ClassStaff(models.Model):
    class Kind(models.TextChoices):
        TEACHER = "teacher", "Class teacher"
        TA = "ta", "Teaching assistant"

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="staff_links"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_links"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEACHER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school_class", "user"], name="classstaff_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()}) in {self.school_class}"

    def audit_school(self):
        return self.school_class.school_id


class PupilQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The pupils this user may see. The only way in to pupil data; see policy.py."""
        from .policy import pupils_visible_to

        return pupils_visible_to(user, self)

    def current_at(self, school, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(
            Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=on),
            enrolments__school=school,
            enrolments__start_date__lte=on,
        ).distinct()


class Pupil(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        UNKNOWN = "U", "Not known"

    upn = models.CharField("UPN", max_length=13, null=True, blank=True, unique=True)
    upn_temporary = models.BooleanField("temporary UPN", default=False)
    legal_first_name = models.CharField(max_length=100)
    legal_middle_names = models.CharField(max_length=200, blank=True)
    legal_last_name = models.CharField(max_length=100)
    preferred_first_name = models.CharField(max_length=100, blank=True)
    preferred_last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pupil_record",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every change; guards concurrent edits"
    )

    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "id"]
        indexes = [models.Index(fields=["legal_last_name", "legal_first_name", "date_of_birth"])]

    def __str__(self) -> str:
        return self.name

    def audit_pupil(self):
        return self.pk

    @property
    def first_name(self) -> str:
        return self.preferred_first_name or self.legal_first_name

    @property
    def last_name(self) -> str:
        return self.preferred_last_name or self.legal_last_name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def summer_born(self) -> bool:
        return is_summer_born(self.date_of_birth)

    def clean(self):
        if self.upn:
            try:
                parsed = parse_upn(self.upn)
            except UPNError as exc:
                raise ValidationError({"upn": str(exc)}) from exc
            self.upn = parsed.value
            self.upn_temporary = parsed.temporary
        else:
            self.upn = None
            self.upn_temporary = False
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": "The date of birth is in the future."})


class Characteristic(models.Model):
    """A characteristic held over a span of dates. Changes end one record and start another,
    so the history (who was disadvantaged when) is kept."""

    class Kind(models.TextChoices):
        SEN = "sen", "SEN status"
        FSM = "fsm", "Free school meals"
        PUPIL_PREMIUM = "pupil_premium", "Pupil premium"
        DISADVANTAGED = "disadvantaged", "Disadvantaged"
        EAL = "eal", "English as an additional language"
        LOOKED_AFTER = "looked_after", "Looked after"
        CHILD_IN_NEED = "child_in_need", "Child in need"
        SERVICE_CHILD = "service_child", "Service child"

    SEN_VALUES = {"N": "No special educational need", "K": "SEN support", "E": "EHC plan"}

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="characteristics")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(
        max_length=2, default="Y", help_text="N, K or E for SEN; Y for the others"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    details = models.TextField(
        blank=True, help_text="SEN: areas of need and notes (sensitive: reads are audit-logged)"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pupil", "kind", "start_date"]
        indexes = [models.Index(fields=["kind", "value", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"

    def audit_pupil(self):
        return self.pupil_id

    @property
    def label(self) -> str:
        if self.kind == self.Kind.SEN:
            return self.SEN_VALUES.get(self.value, self.value)
        return "Yes" if self.value == "Y" else "No"

    def current_on(self, on: date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class Enrolment(models.Model):
    """A pupil on roll at a school, in a year group and class, for a span of dates. A new
    academic year or a change of class starts a new enrolment; leaving sets the end date."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="enrolments"
    )
    year_group = models.ForeignKey(YearGroup, on_delete=models.PROTECT, related_name="enrolments")
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    leaving_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pupil", "start_date"]
        indexes = [models.Index(fields=["school_class", "start_date", "end_date"])]

    def __str__(self) -> str:
        return (
            f"{self.pupil} at {self.school} ({self.year_group}, {self.school_class or 'no class'})"
        )

    def audit_school(self):
        return self.school_id

    def audit_pupil(self):
        return self.pupil_id

    def current_on(self, on: date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class Group(models.Model):
    class Kind(models.TextChoices):
        SEN_REGISTER = "sen_register", "SEN register"
        FOCUS = "focus", "Focus group"
        INTERVENTION = "intervention", "Intervention group"
        CUSTOM = "custom", "Custom"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    description = models.TextField(blank=True)
    pupils = models.ManyToManyField(Pupil, through="GroupMembership", related_name="pupil_groups")

    class Meta:
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="group_unique_name")]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.school_id


class GroupMembership(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="group_memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "pupil"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.group}"

    def audit_school(self):
        return self.group.school_id

    def audit_pupil(self):
        return self.pupil_id


class Guardian(models.Model):
    """A parent or carer (or other contact) of a pupil. `user` is their NextSteps sign-in."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=50, default="Parent")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    parental_responsibility = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(default=1)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardianships",
    )

    class Meta:
        ordering = ["pupil", "priority", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"

    def audit_pupil(self):
        return self.pupil_id


class Provider(models.Model):
    """An organisation that places pupils at an alternative-provision centre."""

    class Kind(models.TextChoices):
        SCHOOL = "school", "School"
        LOCAL_AUTHORITY = "la", "Local authority"
        VIRTUAL_SCHOOL = "virtual_school", "Virtual school"
        AGENCY = "agency", "Agency"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SCHOOL)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Placement(models.Model):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        HALF_TERMLY = "half_termly", "Half-termly"
        TERMLY = "termly", "Termly"

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document"
        HTML = "html", "Web page"
        EMAIL = "email", "Email summary"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="placements")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="placements")
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="placements",
        help_text="The alternative-provision centre the pupil attends",
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    report_frequency = models.CharField(
        max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    report_format = models.CharField(max_length=10, choices=Format.choices, default=Format.PDF)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="placement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil} placed by {self.provider}"

    def audit_school(self):
        return self.school_id

    def audit_pupil(self):
        return self.pupil_id

    def active_on(self, on: date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class Role(models.Model):
    """What a user is at a school (or trust, or provider). Parents and pupils need no role: their
    access comes from Guardian.user and Pupil.user."""

    class Kind(models.TextChoices):
        HEAD = "head", "Headteacher"
        DEPUTY = "deputy", "Deputy head"
        ASSESSMENT_LEADER = "assessment_leader", "Assessment leader"
        INCLUSION_MANAGER = "inclusion_manager", "Inclusion manager (SENCo)"
        CLASS_TEACHER = "class_teacher", "Class teacher"
        TEACHING_ASSISTANT = "teaching_assistant", "Teaching assistant"
        GOVERNOR = "governor", "Governor"
        TRUST_STAFF = "trust_staff", "Trust staff"
        PROVIDER_STAFF = "provider_staff", "Provider staff"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )

    class Meta:
        ordering = ["school", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "school"],
                condition=Q(school__isnull=False),
                name="role_unique_school",
            ),
            models.UniqueConstraint(
                fields=["user", "trust"], condition=Q(trust__isnull=False), name="role_unique_trust"
            ),
            models.UniqueConstraint(
                fields=["user", "provider"],
                condition=Q(provider__isnull=False),
                name="role_unique_provider",
            ),
            models.CheckConstraint(
                name="role_has_one_scope",
                condition=(
                    Q(
                        kind="trust_staff",
                        trust__isnull=False,
                        school__isnull=True,
                        provider__isnull=True,
                    )
                    | Q(
                        kind="provider_staff",
                        provider__isnull=False,
                        school__isnull=True,
                        trust__isnull=True,
                    )
                    | (
                        ~Q(kind__in=["trust_staff", "provider_staff"])
                        & Q(school__isnull=False, trust__isnull=True, provider__isnull=True)
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        where = self.school or self.trust or self.provider
        return f"{self.user}: {self.get_kind_display()} ({where})"

    def audit_school(self):
        return self.school_id
