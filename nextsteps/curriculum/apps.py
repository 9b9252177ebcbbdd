from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "nextsteps.curriculum"
    label = "curriculum"
    verbose_name = "Curriculum"
