"""The SEN register (status over time, areas of need) and support plans (IEP, EHC plan, action plan
and the rest) with SMART targets, provision and reviews; the inclusion manager's list."""

from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "nextsteps.support"
    label = "support"
    verbose_name = "SEN register and support plans"

    def ready(self):
        # Overdue plan reviews join the "who needs help now" list.
        from .needs_help import register

        register()
