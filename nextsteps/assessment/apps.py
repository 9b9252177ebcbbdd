from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "nextsteps.assessment"
    label = "assessment"
    verbose_name = "Assessment"
