from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is never edited or deleted, not even by a superuser in the admin."""

    list_display = ["at", "actor_name", "action", "model", "object_id", "what"]
    list_filter = ["action", "model"]
    search_fields = ["actor_name", "object_repr", "what"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
