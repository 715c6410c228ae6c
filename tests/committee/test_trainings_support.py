"""Fixtures and helpers shared by the training tests (no tests here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from revoyure.committee import services_trainings as services
from revoyure.committee.models import Committee, CommitteeMember, Trainee, Training, TrainingPlan
from revoyure.core.models import AuditEntry
from revoyure.organisations.models import Membership
from tests.factories import make_tool

DAY = dt.date(2026, 3, 10)


def counts() -> dict[str, int]:
    return {
        "trainings": Training.objects.count(),
        "training_versions": Training.history.count(),
        "trainees": Trainee.objects.count(),
        "plans": TrainingPlan.history.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def departments(personas: Any) -> None:
    Membership.objects.filter(organisation=personas.org, user=personas.employee).update(department="Accueil")
    Membership.objects.filter(organisation=personas.org, user=personas.staff_rep).update(department="Atelier")


@pytest.fixture
def other_tool(personas: Any) -> Any:
    return make_tool(personas.org, personas.delegate, name="Chatbot RH")


@pytest.fixture
def foreign_tool(personas: Any) -> Any:
    return make_tool(personas.other_org, personas.outsider, name="Foreign tool")


@pytest.fixture
def training(personas: Any, tool: Any, departments: None) -> Training:
    return services.create_training(
        personas.org,
        personas.delegate,
        title="Using the planning assistant",
        topic="Limits of the suggestions\nHow to override them",
        given_on=DAY,
        duration_hours="2.5",
        trainer="Vendor trainer",
        tools=[tool],
        members=[personas.employee, personas.staff_rep],
        others=[services.Person("Temp Worker", "Logistique")],
    )


@pytest.fixture
def committee(personas: Any) -> Committee:
    committee, _created = Committee.objects.get_or_create(organisation=personas.org)
    return committee


@pytest.fixture
def committee_members(personas: Any, committee: Committee) -> dict[str, CommitteeMember]:
    return {
        "rep": CommitteeMember.objects.create(
            committee=committee, user=personas.staff_rep, full_name="Staff_Rep", quality="staff_rep"
        ),
        "researcher": CommitteeMember.objects.create(
            committee=committee, full_name="Dr Researcher", quality="qualified"
        ),
        "lawyer": CommitteeMember.objects.create(
            committee=committee, full_name="Maître Law", quality="lawyer"
        ),
    }


@pytest.fixture
def plan(personas: Any, committee_members: dict[str, CommitteeMember]) -> TrainingPlan:
    return services.create_plan(
        personas.org,
        personas.delegate,
        title="AI literacy for the committee",
        objectives="Understand the AI Act",
        planned_by=dt.date(2026, 12, 31),
        members=list(committee_members.values()),
    )
