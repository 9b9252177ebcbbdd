from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "nextsteps.alerts"
    label = "alerts"
    verbose_name = "Alerts and action plans"
