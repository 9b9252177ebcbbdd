from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "nextsteps.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        from . import signals

        signals.connect()
