"""An import of test results into one sitting: the uploaded file (kept in the database, so any
app server or worker can read it), how its columns map to our fields, what checking it found,
and the choices the person made for the rows that matched nobody or several pupils.

Jobs are written with queryset updates (and created with bulk_create), never with save(), so
the audit log, which records every save of this app's models, does not copy the file into
itself. The results an import writes are logged one by one (see importing.py)."""

from django.conf import settings
from django.db import models


class ResultImport(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded: choose the columns"
        CHECKING = "checking", "Checking"
        CHECKED = "checked", "Checked"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    sitting = models.ForeignKey("results.Sitting", on_delete=models.CASCADE, related_name="imports")
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
    choices = models.JSONField(
        default=dict,
        blank=True,
        help_text='Line number (as text) to the pupil id chosen for that row, or "skip"',
    )
    leave_out_errors = models.BooleanField(
        default=False, help_text="The person confirmed that rows with errors are left out"
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
    # Written with every status or progress change: a busy job whose heartbeat stops has lost
    # its worker (see importing.stalled).
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Results import from {self.original_name}"

    def audit_school(self):
        return self.sitting.school_id

    def count(self, status: str) -> int:
        return int(self.summary.get(status, 0))

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def step(self) -> str:
        """The step under way, in words: "check" or "import"."""
        return "check" if self.status == self.Status.CHECKING else "import"

    @property
    def undecided(self) -> int:
        return self.count("choose")

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def can_commit(self) -> bool:
        """Checked, every row needing a pupil decided, and something to write or skip."""
        return self.status == self.Status.CHECKED and self.undecided == 0 and self.row_count > 0
