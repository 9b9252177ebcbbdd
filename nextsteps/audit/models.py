from django.conf import settings
from django.db import models


class AuditQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Heads see their schools' log; superusers see all of it; nobody else sees any."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from nextsteps.schools.policy import schools_where

        return self.filter(school__in=schools_where(user, "view_audit"))


class AuditEvent(models.Model):
    """One change to a record, or one read of sensitive pupil data. Never edited or deleted."""

    class Action(models.TextChoices):
        CREATE = "create", "created"
        UPDATE = "update", "changed"
        DELETE = "delete", "deleted"
        READ = "read", "read"
        EXPORT = "export", "exported"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices, db_index=True)
    model = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pupil = models.ForeignKey(
        "schools.Pupil", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    what = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=200, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'} {self.action} {self.model}"
