"""Weekly Red/Amber/Green reviews.

Each school names the areas it reviews every week (for example progress in literacy, progress in
numeracy, engagement, behaviour, attendance). Staff give each student one rating per area per
week, with a short comment. A week is identified by its Monday. A rating is one row per student,
area and week; a change is an update carrying the version that was read (a stale version is
refused, never silently overwritten) and every change is in the audit log."""

from django.conf import settings
from django.db import models


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
