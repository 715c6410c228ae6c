"""Shared fixtures of the review clause's tests: a vendor whose product two organisations use, agreements
and clauses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from revoyure.organisations.models import Agreement, Organisation
from revoyure.registry.models import Tool, Vendor
from revoyure.reviews.models import ReviewClause
from tests.conftest import Personas
from tests.factories import make_tool

ALL_TRIGGERS = [
    "vendor_instructions_update",
    "vendor_post_market_evaluation",
    "authority_warning",
    "tool_new_version",
    "delegate_signal",
    "dpo_annual_report",
    "founded_report",
]


def make_clause(organisation: Organisation, **values: Any) -> ReviewClause:
    """An agreement with one active clause (every trigger, all tools, 15 days) unless told otherwise."""
    tools = values.pop("tools", [])
    agreement = values.pop("agreement", None) or Agreement.objects.create(
        organisation=organisation, title="Accord IA", kind="collective", signed_on=dt.date(2026, 1, 15)
    )
    values.setdefault("title", "Clause de revoyure")
    values.setdefault("triggers", list(ALL_TRIGGERS))
    clause = ReviewClause.objects.create(organisation=organisation, agreement=agreement, **values)
    if tools:
        clause.tools.set(tools)
    return clause


def put_in_service(tool: Tool) -> Tool:
    # The go-live gate is tested with the consultations; here a tool simply is in service.
    Tool.objects.filter(pk=tool.pk).update(status="in_service")
    tool.refresh_from_db()
    return tool


@pytest.fixture
def vendor(db: Any) -> Vendor:
    return Vendor.objects.create(name="Acme AI Corp")


@pytest.fixture
def vendor_tools(personas: Personas, vendor: Vendor) -> tuple[Tool, Tool]:
    """One tool of the vendor in service in each of the two organisations."""
    ours = put_in_service(make_tool(personas.org, personas.delegate, name="Copilot RH", vendor=vendor))
    theirs = put_in_service(make_tool(personas.other_org, personas.outsider, name="Copilot", vendor=vendor))
    return ours, theirs
