"""Import jobs: an uploaded file, how its columns map to our fields, and what checking and
importing it found. The file is kept in the database so that any app server or worker can read
it; nothing is kept on local disk."""

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        PUPILS = "pupils", "Pupils"
        CLASSES = "classes", "Classes"
        STAFF = "staff", "Staff"
        GUARDIANS = "guardians", "Parents and carers"
        GROUPS = "groups", "Group memberships"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded: choose the columns"
        CHECKING = "checking", "Checking"
        CHECKED = "checked", "Checked"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="import_jobs"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4, help_text="csv or xlsx")
    content = models.BinaryField()
    headers = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    mapping = models.JSONField(
        default=dict, blank=True, help_text="Field key to column number (0-based) or null"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True, help_text="One entry per data row")
    summary = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True, help_text="Why the whole job failed, if it did")
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written with every status or progress change. A busy job whose heartbeat stops is one
    # whose worker died: see `stalled`.
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import from {self.original_name}"

    @property
    def error_count(self) -> int:
        return int(self.summary.get("error", 0))

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.CHECKED and self.error_count == 0 and self.row_count > 0

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def step(self) -> str:
        """The step under way, in words: "check" or "import"."""
        return "check" if self.status == self.Status.CHECKING else "import"
