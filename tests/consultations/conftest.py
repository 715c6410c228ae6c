"""Fixtures of the consultation tests: the personas' organisation with a CSE (so CT-2 applies to a new
technology), a tool that needs the CSE's consultation, and an open consultation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from revoyure.consultations import services
from revoyure.organisations.models import StaffBodyMember
from revoyure.organisations.services import create_staff_body
from tests.factories import UserFactory, make_tool


@pytest.fixture
def cse(personas: Any) -> Any:
    body = create_staff_body(personas.org, personas.admin, kind="cse", name="CSE Acme", members=[])
    member = UserFactory(email="elue@acme.example", full_name="Élue du CSE")
    StaffBodyMember.objects.create(staff_body=body, full_name="Élue du CSE", mandate="Titulaire", user=member)
    StaffBodyMember.objects.create(staff_body=body, full_name="Sans compte", mandate="Suppléant")
    return body


@pytest.fixture
def new_tech(personas: Any, cse: Any) -> Any:
    """A new technology in an organisation of 120 with a CSE: CT-2 applies."""
    return make_tool(personas.org, personas.delegate, name="Chatbot RH", new_technology_for_org="yes")


@pytest.fixture
def consultation(personas: Any, new_tech: Any, cse: Any) -> Any:
    return services.open_consultation(
        new_tech, personas.manager, subject="Introduction du chatbot RH", staff_bodies=[cse]
    )


@pytest.fixture
def body(consultation: Any) -> Any:
    return consultation.bodies.get()


def close(consultation: Any, user: Any, on: dt.date = dt.date(2026, 3, 2)) -> None:
    body = consultation.bodies.get()
    services.record_information(body, user, on)
    services.record_opinion(body, user, "favourable", "OK", opinion_on=on + dt.timedelta(days=10))
