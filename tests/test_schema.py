"""The JSON Schema of the JSON export (docs/schema/register-record.schema.json)."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator, FormatChecker

from revoyure.registry import services
from revoyure.registry.exporting.schema import build_schema
from revoyure.registry.fields import field_specs
from revoyure.registry.models import Vendor
from tests.test_export import FULL_RECORD

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "schema" / "register-record.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def exported(personas: Any) -> dict[str, Any]:
    vendor = Vendor.objects.create(name="TalentSoft Analytics")
    services.create_tool(personas.org, None, {**FULL_RECORD, "vendor": vendor})
    services.create_tool(personas.org, None, {"name": "Minimal"})
    out = io.StringIO()
    call_command("export_register", "acme", "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schema_file_is_generated_from_the_field_list(schema: dict[str, Any]) -> None:
    # Regenerate with: python manage.py export_register --schema -o docs/schema/register-record.schema.json
    assert schema == json.loads(json.dumps(build_schema()))


def test_schema_describes_every_field_and_requires_it(schema: dict[str, Any]) -> None:
    record = schema["$defs"]["record"]
    names = [spec.name for spec in field_specs()]
    assert list(record["properties"]) == names
    assert record["required"] == names


def test_export_command_prints_the_schema(db: Any) -> None:
    out = io.StringIO()
    call_command("export_register", "--schema", stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(build_schema()))


def test_json_export_validates_against_the_schema(schema: dict[str, Any], exported: dict[str, Any]) -> None:
    errors = [error.message for error in validator(schema).iter_errors(exported)]
    assert errors == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "dormant"),
        ("risk_health", 7),
        ("techniques", ["alchemy"]),
        ("in_service_on", "31/12/2024"),
        ("name", ""),
        ("security_measures", [{"type": "cyber"}]),
        ("affected_workers_count", -1),
        ("vendor", ""),
    ],
)
def test_schema_rejects_invalid_values(
    schema: dict[str, Any], exported: dict[str, Any], field: str, value: Any
) -> None:
    document = copy.deepcopy(exported)
    document["records"][0][field] = value
    assert not validator(schema).is_valid(document)


def test_schema_rejects_unknown_keys(schema: dict[str, Any], exported: dict[str, Any]) -> None:
    document = copy.deepcopy(exported)
    document["records"][0]["colour"] = "blue"
    assert not validator(schema).is_valid(document)
