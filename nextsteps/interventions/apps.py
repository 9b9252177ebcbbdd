from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "nextsteps.interventions"
    label = "interventions"
    verbose_name = "Interventions and their impact"
