from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nextsteps.accounts"
    label = "accounts"
    verbose_name = "Accounts"
