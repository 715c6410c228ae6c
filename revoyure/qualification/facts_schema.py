"""The JSON Schema (draft 2020-12) of a facts document, generated from `facts.FACTS`.

A facts document is what `manage.py qualify --facts` reads and `POST /api/v1/qualification/evaluate`
takes: one JSON object of fact names and values, null meaning "unknown" (the engine never guesses it).
The file kept at docs/schema/facts.schema.json is this function's output
(`python manage.py qualify --schema -o docs/schema/facts.schema.json`); a test keeps them equal.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from revoyure.qualification.facts import BOOL, DATE, ENUM, FACTS, INT, SET, Fact

SCHEMA_ID = "urn:revoyure:schema:facts:1"
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def _english(text: Any) -> str:
    # Written once, in the msgid language, whatever language is active when the command runs.
    with translation.override(None):
        return str(text)


def _source(fact: Fact) -> str:
    if fact.source == "column":
        return f"Source: register field `{fact.column}` of the tool record."
    if fact.source == "org":
        return "Source: the organisation (its settings, staff bodies and agreements)."
    return "Source: the qualification questionnaire (kept with the tool's answers)."


def _type(fact: Fact) -> dict[str, Any]:
    if fact.type == BOOL:
        return {"type": ["boolean", "null"]}
    if fact.type == INT:
        return {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}
    if fact.type == DATE:
        return {"anyOf": [_DATE, {"type": "null"}]}
    if fact.type == ENUM:
        return {"enum": [*fact.values, None]}
    if fact.type == SET:
        items = {"type": "array", "items": {"enum": list(fact.values)}, "uniqueItems": True}
        return {"anyOf": [items, {"type": "null"}]}
    raise ValueError(f"{fact.name}: unknown fact type {fact.type!r}")  # pragma: no cover


def _property(fact: Fact) -> dict[str, Any]:
    values = ""
    if fact.choices:
        values = " Values: " + "; ".join(f"{v} ({_english(label)})" for v, label in fact.choices) + "."
    return {
        "title": _english(fact.label),
        "description": f"{_source(fact)}{values} null: unknown.",
        **_type(fact),
    }


def build_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Revoyure qualification facts",
        "description": (
            "The facts of legal-rules.md §6 that the qualification engine evaluates: `org.*` facts describe "
            "the organisation, `sys.*` facts the system and its deployment. Every fact is optional; a "
            "missing fact or null is unknown, which leaves the rules that depend on it 'to clarify'."
        ),
        "type": "object",
        "properties": {name: _property(fact) for name, fact in FACTS.items()},
        "additionalProperties": False,
    }
