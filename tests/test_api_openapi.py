"""The OpenAPI document at /api/v1/openapi.json: it loads, is consistent, lists every operation, declares the
Bearer security scheme, and its schemas follow the register's fields."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from revoyure.registry.fields import READ_ONLY_FIELDS, STATUS_FIELDS, field_specs

pytestmark = pytest.mark.django_db

EXPECTED_OPERATIONS = {
    "/api/v1/": {"get"},
    "/api/v1/organisations/{slug}/tools/{tool_id}/qualification": {"get"},
    "/api/v1/organisations/{slug}/obligations": {"get"},
    "/api/v1/organisations/{slug}/obligations/{obligation_id}/status": {"post"},
    "/api/v1/qualification/evaluate": {"post"},
    "/api/v1/organisations/{slug}/questionnaires": {"get"},
    "/api/v1/organisations/{slug}/questionnaires/{response_id}": {"get"},
    "/api/v1/organisations/{slug}/questionnaires/{response_id}/answers": {"patch"},
    "/api/v1/organisations/{slug}/questionnaires/{response_id}/submit": {"post"},
    "/api/v1/questionnaire-definitions": {"get"},
    "/api/v1/questionnaire-definitions/{definition_slug}/{version}": {"get"},
    "/api/v1/organisations/{slug}/consultations": {"get"},
    "/api/v1/organisations/{slug}/consultations/{consultation_id}": {"get"},
    "/api/v1/organisations/{slug}/consultations/{consultation_id}/bodies/{body_id}/opinion": {"post"},
    "/api/v1/organisations/{slug}/review-events": {"get", "post"},
    "/api/v1/organisations/{slug}/review-events/{event_id}": {"get"},
    "/api/v1/organisations/{slug}/review-meetings": {"get"},
    "/api/v1/organisations/{slug}/review-meetings/{review_meeting_id}": {"get"},
    "/api/v1/organisations": {"get"},
    "/api/v1/organisations/{slug}": {"get"},
    "/api/v1/organisations/{slug}/tools": {"get", "post"},
    "/api/v1/organisations/{slug}/tools/{tool_id}": {"get", "patch"},
    "/api/v1/organisations/{slug}/tools/{tool_id}/status": {"post"},
    "/api/v1/organisations/{slug}/tools/{tool_id}/history": {"get"},
    "/api/v1/organisations/{slug}/tools/{tool_id}/history/{history_id}": {"get"},
    "/api/v1/organisations/{slug}/vendors": {"get", "post"},
    "/api/v1/organisations/{slug}/vendors/{vendor_id}": {"get", "patch"},
    "/api/v1/organisations/{slug}/tools/{tool_id}/attachments": {"get", "post"},
    "/api/v1/organisations/{slug}/attachments/{attachment_id}/download": {"get"},
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_document_loads_anonymously_as_openapi_3(document) -> None:
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Revoyure API"
    assert document["info"]["version"] == "1"


def test_document_lists_every_operation_with_its_methods(document) -> None:
    listed = {path: {m for m in item if m in HTTP_METHODS} for path, item in document["paths"].items()}
    assert listed == EXPECTED_OPERATIONS


def test_document_declares_the_bearer_security_scheme(document) -> None:
    schemes = document["components"]["securitySchemes"]
    bearer = [s for s in schemes.values() if s.get("type") == "http" and s.get("scheme") == "bearer"]
    assert len(bearer) == 1
    session = [s for s in schemes.values() if s.get("type") == "apiKey" and s.get("in") == "cookie"]
    assert len(session) == 1


def test_every_operation_requires_the_token_or_the_session(document) -> None:
    schemes = set(document["components"]["securitySchemes"])
    for path, method, operation in _operations(document):
        offered = {name for requirement in operation.get("security", []) for name in requirement}
        assert offered == schemes, f"{method.upper()} {path}"


def test_operation_ids_are_unique_and_operations_document_their_errors(document) -> None:
    ids = [operation["operationId"] for _p, _m, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    for path, method, operation in _operations(document):
        assert "401" in operation["responses"], f"{method.upper()} {path}"
        if "{slug}" in path:
            assert {"403", "404"} <= set(operation["responses"]), f"{method.upper()} {path}"


def test_every_reference_resolves(document) -> None:
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_every_component_schema_is_a_valid_json_schema(document) -> None:
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_tool_schema_has_the_register_field_names(document) -> None:
    properties = set(document["components"]["schemas"]["ToolOut"]["properties"])
    assert {spec.name for spec in field_specs()} <= properties
    assert properties - {spec.name for spec in field_specs()} == {
        "id",
        "organisation",
        "highest_risk",
        "created_at",
    }


def test_tool_input_schemas_refuse_unknown_fields_and_status(document) -> None:
    schemas = document["components"]["schemas"]
    writable = {s.name for s in field_specs() if s.name not in READ_ONLY_FIELDS | STATUS_FIELDS | {"vendor"}}
    for name in ("ToolCreateIn", "ToolPatchIn"):
        assert schemas[name]["additionalProperties"] is False
        assert set(schemas[name]["properties"]) == writable | {"vendor_id", "vendor_name", "reason"}
    assert schemas["ToolCreateIn"]["required"] == ["name"]
    assert schemas["ToolPatchIn"]["required"] == ["reason"]


def test_list_operation_documents_its_filters(document) -> None:
    operation = document["paths"]["/api/v1/organisations/{slug}/tools"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "query"}
    assert names == {
        "status",
        "domain_category",
        "risk",
        "vendor",
        "is_ai_system",
        "can_monitor_activity",
        "q",
        "sort",
        "limit",
        "offset",
    }


def test_upload_operation_is_multipart(document) -> None:
    operation = document["paths"]["/api/v1/organisations/{slug}/tools/{tool_id}/attachments"]["post"]
    assert set(operation["requestBody"]["content"]) == {"multipart/form-data"}


def test_interactive_docs_page_is_not_served() -> None:
    # ninja's Swagger page needs a CDN and an inline script, which the strict CSP forbids.
    assert Client().get("/api/v1/docs").status_code == 404
