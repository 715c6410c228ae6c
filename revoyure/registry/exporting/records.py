"""One register record as plain values, shared by every export format."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from revoyure.organisations.models import Organisation
from revoyure.registry.choices import ToolStatus
from revoyure.registry.fields import FieldSpec, field_specs
from revoyure.registry.models import Tool

# The public subset (open data and interoperable exports): what staff and the public may know of a tool.
PUBLIC_FIELDS = (
    "name",
    "function",
    "purpose",
    "status",
    "vendor",
    "domain_category",
    "is_ai_system",
    "can_monitor_activity",
    "staff_impact",
)
# A tool still being planned, or no longer used, is not published as open data.
UNPUBLISHED_STATUSES = (ToolStatus.PROJECT, ToolStatus.WITHDRAWN)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def tools_of(organisation: Organisation) -> QuerySet[Tool]:
    return Tool.objects.filter(organisation=organisation).select_related("vendor").order_by("name", "pk")


def iter_tools(organisation: Organisation) -> Iterator[Tool]:
    return tools_of(organisation).iterator(chunk_size=1000)


def json_value(spec: FieldSpec, value: Any) -> Any:
    """The JSON form of a field value: vendor by name, dates in ISO 8601, lists as lists."""
    if spec.kind == "vendor":
        return value.name if value is not None else None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)  # at most 14 digits: exact as a JSON number
    return value


def record_of(tool: Tool) -> dict[str, Any]:
    return {spec.name: json_value(spec, getattr(tool, spec.name)) for spec in field_specs()}


def cell_text(spec: FieldSpec, value: Any) -> str:
    """A field value as the text of one spreadsheet cell (re-imported to the same value)."""
    if value is None:
        return ""
    if spec.kind == "vendor":
        return str(value.name)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if spec.kind == "list":
        return ", ".join(value)
    if spec.kind == "structured":
        return json.dumps(value, ensure_ascii=False) if value else ""
    return str(value)


def safe_cell(text: str) -> str:
    """Prefix an apostrophe so that a spreadsheet shows the text instead of running it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text
