"""Weekly Red/Amber/Green reviews, and the weekly update to each placing provider.

Each school names the areas it reviews every week (for example progress in literacy, progress in
numeracy, engagement, behaviour, attendance). Staff give each student one rating per area per
week, with a short comment. A week is identified by its Monday. A rating is one row per student,
area and week; a change is an update carrying the version that was read (a stale version is
refused, never silently overwritten) and every change is in the audit log.

Once a week's update falls due, each provider's is made once (ProviderUpdate: what it said,
frozen) and goes to each of its addresses once (UpdateDelivery: who, address, when, message id,
outcome). See nextsteps/reviews/sending.py for the rule that keeps a repeated or interrupted
run from sending twice."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Rating(models.TextChoices):
    RED = "R", "Red"
    AMBER = "A", "Amber"
    GREEN = "G", "Green"


# Higher is better: a fall in rank from one week to the next is a deterioration.
RANK = {Rating.RED: 0, Rating.AMBER: 1, Rating.GREEN: 2}


class ReviewArea(models.Model):
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="review_areas"
    )
    name = models.CharField(max_length=100)
    description = models.CharField(
        max_length=300, blank=True, help_text="What Red, Amber and Green mean in this area"
    )
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(
        default=True, help_text="Retired areas keep their ratings but leave the weekly screen"
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every change; guards concurrent edits"
    )

    class Meta:
        ordering = ["school", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="review_area_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def audit_school(self):
        return self.school_id


class WeeklyRating(models.Model):
    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.CASCADE, related_name="weekly_ratings"
    )
    area = models.ForeignKey(ReviewArea, on_delete=models.PROTECT, related_name="ratings")
    week = models.DateField(help_text="The Monday of the week reviewed")
    rating = models.CharField(max_length=1, choices=Rating.choices)
    comment = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pupil", "area", "week"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "area", "week"], name="weekly_rating_unique_week"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__in=["R", "A", "G"]), name="weekly_rating_rag"
            ),
        ]
        indexes = [models.Index(fields=["area", "week"]), models.Index(fields=["week", "pupil"])]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.area_id} {self.week}: {self.rating}"

    def audit_school(self):
        return self.area.school_id if self.area_id else None

    def audit_pupil(self):
        return self.pupil_id


class ProviderUpdate(models.Model):
    """One provider's weekly update from one school: its students placed there that week, with
    their ratings, trends, comments and open actions, as it was when made. Made once per school,
    provider and week and never changed afterwards, so it is the record of what was said."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="provider_updates"
    )
    provider = models.ForeignKey(
        "schools.Provider", on_delete=models.PROTECT, related_name="weekly_updates"
    )
    week = models.DateField(help_text="The Monday of the week reported on")
    made_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who sent it early; empty when it was made on schedule",
    )
    subject = models.CharField(max_length=300)
    summary = models.JSONField(default=dict, help_text="The students, ratings and trends shown")
    body_text = models.TextField()
    body_html = models.TextField()

    class Meta:
        ordering = ["-week", "school", "provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "provider", "week"], name="provider_update_once_a_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} from {self.school}, week of {self.week}"

    def audit_school(self):
        return self.school_id

    @property
    def pupil_ids(self) -> list[int]:
        return [s["pupil_id"] for s in self.summary.get("students", [])]


class UpdateDelivery(models.Model):
    """One address an update goes to, and what happened. At most one row per update and
    address (a database constraint), and a row is only sent by whoever moved it to SENDING."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent yet: will be tried again"
        GAVE_UP = "gave_up", "Not sent: gave up after repeated failures"
        UNCERTAIN = "uncertain", "May not have been sent: check, then send again if needed"

    update = models.ForeignKey(ProviderUpdate, on_delete=models.CASCADE, related_name="deliveries")
    address = models.EmailField(max_length=254)
    recipient = models.CharField(max_length=200, help_text="Who the address belongs to")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    message_id = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="A failed send is not tried again before this"
    )
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["update", "address"]
        constraints = [
            models.UniqueConstraint(fields=["update", "address"], name="update_delivery_once"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="update_delivery_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "retry_at"])]

    def __str__(self) -> str:
        return f"{self.update} to {self.address}: {self.status}"

    def audit_school(self):
        return self.update.school_id if self.update_id else None
