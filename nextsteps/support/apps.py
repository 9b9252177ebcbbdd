from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "nextsteps.support"
    label = "support"
    verbose_name = "SEN register and support plans"
