from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "nextsteps.alerts"
    label = "alerts"
    verbose_name = "Alerts and action plans"

    def ready(self):
        # Weekly RAG deterioration and open alerts join the "who needs help now" list.
        from .needs_help import register

        register()
