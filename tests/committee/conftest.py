"""Fixtures of the committee tests: the personas' organisation with a committee whose delegate is the
delegate persona, and three members (one with an account, one external with an e-mail, one without)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from revoyure.committee import services
from revoyure.committee.models import Quality


@pytest.fixture
def committee(personas: Any) -> Any:
    committee = services.get_or_create_committee(personas.org)
    services.update_settings(
        committee,
        personas.admin,
        delegate=personas.delegate,
        deputy=None,
        reporting_email="ia@acme.example",
        strategy="Use AI only to relieve repetitive tasks.",
        annual_meeting_month=3,
    )
    return committee


@pytest.fixture
def members(personas: Any, committee: Any) -> list[Any]:
    return [
        services.add_member(
            committee,
            personas.delegate,
            full_name="Manager Person",
            quality=Quality.MANAGEMENT,
            user=personas.manager,
        ),
        services.add_member(
            committee,
            personas.delegate,
            full_name="Lou Lawyer",
            quality=Quality.LAWYER,
            email="lou@law.example",
        ),
        services.add_member(committee, personas.delegate, full_name="No Mail", quality=Quality.QUALIFIED),
    ]


@pytest.fixture
def meeting(personas: Any, committee: Any, members: Any) -> Any:
    starts = timezone.now() + dt.timedelta(days=10)
    return services.create_meeting(
        committee, personas.delegate, title="Extra", starts_at=starts, location="Room A", agenda="1. Point"
    )
