"""The JSON Schema (draft 2020-12) of the JSON export, generated from `registry.fields.field_specs()`.

The file kept at docs/schema/register-record.schema.json is this function's output
(`python manage.py export_register --schema -o docs/schema/register-record.schema.json`); a test keeps
them equal.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from revoyure.registry.fields import SECURITY_MEASURE_TYPES, FieldSpec, field_specs
from revoyure.registry.importing.convert import MAX_VENDOR_NAME, model_field
from revoyure.registry.validation import MAX_ITEM_TEXT, MAX_LIST_ITEMS

SCHEMA_ID = "urn:revoyure:schema:register-record:1"
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_ITEM_TEXT = {"type": "string", "maxLength": MAX_ITEM_TEXT}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _property(spec: FieldSpec) -> dict[str, Any]:
    field = model_field(spec.name)
    nullable = bool(getattr(field, "null", False))
    codes: list[Any] = [code for code, _label in spec.choices]
    schema: dict[str, Any]
    if spec.kind == "choice":
        is_integer = field.get_internal_type().endswith("IntegerField")
        schema = {"enum": [int(c) for c in codes] if is_integer else codes}
    elif spec.kind == "list":
        schema = {"type": "array", "items": {"enum": codes}, "uniqueItems": True}
    elif spec.kind == "structured" and spec.name == "security_measures":
        schema = {
            "type": "array",
            "maxItems": MAX_LIST_ITEMS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "description"],
                "properties": {
                    "type": {"enum": [str(v) for v in SECURITY_MEASURE_TYPES.values]},
                    "description": _ITEM_TEXT,
                },
            },
        }
    elif spec.kind == "structured":
        schema = {
            "type": "array",
            "maxItems": MAX_LIST_ITEMS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["title", "audience", "date", "people_trained"],
                "properties": {
                    "title": _ITEM_TEXT,
                    "audience": _ITEM_TEXT,
                    "date": {"anyOf": [_DATE, {"const": ""}]},
                    "people_trained": {"type": ["integer", "null"], "minimum": 0},
                },
            },
        }
    elif spec.kind == "vendor":
        schema = {"type": "string", "minLength": 1, "maxLength": MAX_VENDOR_NAME}
        nullable = True
    elif spec.kind == "date":
        schema = dict(_DATE)
    elif spec.kind == "datetime":
        schema = {"type": "string", "format": "date-time"}
    elif spec.kind == "integer":
        schema = {"type": "integer", "minimum": 0}
    elif spec.kind == "decimal":
        schema = {"type": "number"}
    elif spec.kind == "boolean":
        schema = {"type": "boolean"}
    else:
        schema = {"type": "string"}
        if spec.max_length:
            schema["maxLength"] = spec.max_length
    if spec.required:
        schema["minLength"] = 1
    if nullable:
        schema = _nullable(schema)
    return {"title": str(spec.label), "description": f"Group {spec.group}", **schema}


def build_schema() -> dict[str, Any]:
    with translation.override(None):  # English labels, whatever the active language
        properties = {spec.name: _property(spec) for spec in field_specs()}
    record = {
        "type": "object",
        "title": "Register record",
        "description": "One AI system or digital work tool (SECOIA format groups A-I, groups J-L and T).",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Revoyure register export",
        "description": (
            "The register of AI systems and digital work tools of one organisation, as exported by "
            "`manage.py export_register --format json`. Importing it back gives the same records."
        ),
        "type": "object",
        "required": ["format", "version", "organisation", "exported_at", "records"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": "revoyure-register"},
            "version": {"const": 1},
            "organisation": {
                "type": "object",
                "required": ["slug", "name"],
                "additionalProperties": False,
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
            },
            "exported_at": {"type": "string", "format": "date-time"},
            "records": {"type": "array", "items": {"$ref": "#/$defs/record"}},
        },
        "$defs": {"record": record},
    }
