from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "revoyure.registry"
    label = "registry"
