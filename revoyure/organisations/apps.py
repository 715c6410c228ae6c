from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "revoyure.organisations"
    label = "organisations"
