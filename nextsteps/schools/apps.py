from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "nextsteps.schools"
    label = "schools"
    verbose_name = "Schools and pupils"
