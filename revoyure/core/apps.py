from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "revoyure.core"
    label = "core"
