from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "nextsteps.interop"
    label = "interop"
