from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "revoyure.accounts"
    label = "accounts"
    verbose_name = "Accounts"
