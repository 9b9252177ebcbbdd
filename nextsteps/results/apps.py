from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "nextsteps.results"
    label = "results"
    verbose_name = "Tests and results"

    def ready(self):
        from . import signals

        signals.connect()
