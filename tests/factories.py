"""factory_boy factories. Tools are created through the services so that they have history and audit."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from revoyure.organisations.models import Organisation
from revoyure.registry import services
from revoyure.registry.models import Tool, Vendor

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    headcount = 120
    reached_11_for_12_months = True
    reached_50_for_12_months = True


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    country = "France"


def make_tool(
    organisation: Organisation, actor: Any = None, reason: str = "Created in a test", **values: Any
) -> Tool:
    values.setdefault("name", f"Tool {Tool.objects.count() + 1}")
    return services.create_tool(organisation, actor, values, reason)
