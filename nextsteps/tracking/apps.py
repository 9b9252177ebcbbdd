from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "nextsteps.tracking"
    label = "tracking"
    verbose_name = "Targets and tracking"
