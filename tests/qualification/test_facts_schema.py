"""The facts document (docs/schema/facts.schema.json): generated from `facts.FACTS`, kept equal to it,
and it accepts what `parse_facts` accepts in its documented form and refuses unknown facts."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator, FormatChecker

from revoyure.qualification.facts import FACTS, parse_facts
from revoyure.qualification.facts_schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "schema" / "facts.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_committed_file_is_the_generated_schema(schema: dict[str, Any]) -> None:
    # Regenerate with: python manage.py qualify --schema -o docs/schema/facts.schema.json
    assert schema == json.loads(json.dumps(build_schema()))


def test_every_fact_is_a_documented_property(schema: dict[str, Any]) -> None:
    assert list(schema["properties"]) == list(FACTS)
    assert schema["additionalProperties"] is False
    for name, prop in schema["properties"].items():
        fact = FACTS[name]
        assert prop["title"] == str(fact.label)
        assert prop["description"].startswith("Source:")
        if fact.source == "column":
            assert f"`{fact.column}`" in prop["description"]
    assert "questionnaire" in schema["properties"]["sys.purpose_medical_or_safety"]["description"]
    assert "organisation" in schema["properties"]["org.has_cse"]["description"]


def test_command_prints_and_writes_the_schema(db: Any, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("qualify", "--schema", stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(build_schema()))
    target = tmp_path / "facts.schema.json"
    call_command("qualify", "--schema", "-o", str(target))
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(out.getvalue())


VALID = {
    "org.legal_form": "private_company",
    "org.headcount": 120,
    "org.has_cse": True,
    "org.last_duerp_update": "2025-06-30",
    "sys.techniques": ["machine_learning"],
    "sys.annex3_point": "4a",
    "sys.profiling": None,
    "sys.infers_outputs": False,
    "sys.affected_public": [],
}


def test_a_valid_document_passes_the_schema_and_the_parser(schema: dict[str, Any]) -> None:
    assert list(validator(schema).iter_errors(VALID)) == []
    _facts, errors = parse_facts(VALID)
    assert errors == {}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("org.headcount", -1),
        ("org.headcount", 2.5),
        ("org.has_cse", "maybe"),
        ("org.last_duerp_update", "30/06/2025"),
        ("sys.annex3_point", "9z"),
        ("sys.techniques", ["alchemy"]),
        ("sys.techniques", "machine_learning"),
        ("sys.infers_outputs", 1),
    ],
)
def test_bad_values_fail_the_schema_and_the_parser(schema: dict[str, Any], name: str, value: Any) -> None:
    assert not validator(schema).is_valid({name: value})
    _facts, errors = parse_facts({name: value})
    assert name in errors


def test_unknown_facts_fail_the_schema_and_the_parser(schema: dict[str, Any]) -> None:
    assert not validator(schema).is_valid({"sys.infers_emotion": True})
    assert not validator(schema).is_valid({"sys.high_risk": True})  # derived, never given
    _facts, errors = parse_facts({"sys.infers_emotion": True})
    assert errors == {"sys.infers_emotion": "unknown fact"}
