from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "nextsteps.portal"
    label = "portal"
