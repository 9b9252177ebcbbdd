from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "nextsteps.api"
    label = "api"
