from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "nextsteps.analysis"
    verbose_name = "Analysis"
