"""API: vendors, shared by the installation and reached through an organisation."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revoyure.core.models import AuditEntry
from revoyure.registry import services
from revoyure.registry.models import Vendor
from tests.api_support import READ_ONLY, READERS, WRITERS, ApiClient, assert_problem, counts, token_client

pytestmark = pytest.mark.django_db

VENDORS = "/organisations/acme/vendors"


@pytest.fixture
def delegate(personas: Any) -> ApiClient:
    return token_client(personas, "delegate")


@pytest.fixture
def vendor(personas: Any) -> Vendor:
    return services.create_vendor(
        personas.delegate, {"name": "Mistral AI", "country": "France", "in_eu": "yes"}
    )


@pytest.mark.parametrize("who", READERS)
def test_readers_list_the_vendors(personas, vendor, who: str) -> None:
    body = token_client(personas, who).get(VENDORS).json()
    assert body["count"] == 1
    assert body["items"][0] == {
        "id": vendor.pk,
        "name": "Mistral AI",
        "country": "France",
        "in_eu": "yes",
        "alert_contact_email": "",
        "website": "",
        "description": "",
        "created_at": body["items"][0]["created_at"],
    }


def test_vendors_are_shared_across_organisations(personas, vendor) -> None:
    assert token_client(personas, "outsider").get("/organisations/other/vendors").json()["count"] == 1


def test_vendor_search_by_name(personas, delegate) -> None:
    for name in ("Mistral AI", "OpenAI", "Workday"):
        services.create_vendor(personas.delegate, {"name": name})
    body = delegate.get(VENDORS, {"q": "ai"}).json()
    assert [v["name"] for v in body["items"]] == ["Mistral AI", "OpenAI"]


def test_vendor_list_pages(personas, delegate) -> None:
    for i in range(5):
        services.create_vendor(personas.delegate, {"name": f"Vendor {i}"})
    body = delegate.get(VENDORS, {"limit": "2", "offset": "2"}).json()
    assert body["count"] == 5
    assert [v["name"] for v in body["items"]] == ["Vendor 2", "Vendor 3"]
    assert body["next"] and body["previous"]


def test_vendor_list_query_count_does_not_grow(personas, delegate, django_assert_num_queries) -> None:
    for i in range(3):
        services.create_vendor(personas.delegate, {"name": f"Vendor {i}"})
    with CaptureQueriesContext(connection) as few:
        delegate.get(VENDORS)
    for i in range(3, 60):
        services.create_vendor(personas.delegate, {"name": f"Vendor {i}"})
    with django_assert_num_queries(len(few)):
        delegate.get(VENDORS)


@pytest.mark.parametrize("params", [{"q": "x" * 201}, {"q": "\x00"}, {"limit": "abc"}, {"offset": "-1"}])
def test_malformed_vendor_list_parameters_give_422(delegate, params) -> None:
    assert_problem(delegate.get(VENDORS, params), 422, *params)


def test_employee_cannot_list_vendors(personas) -> None:
    assert_problem(token_client(personas, "employee").get(VENDORS), 403)


def test_vendor_detail_shows_this_organisations_note_only(personas, delegate, vendor) -> None:
    services.update_vendor_note(vendor, personas.org, personas.delegate, "Contract renewed in 2025")
    services.update_vendor_note(vendor, personas.other_org, personas.outsider, "Other organisation's secret")
    body = delegate.get(f"{VENDORS}/{vendor.pk}").json()
    assert body["name"] == "Mistral AI"
    assert body["note"] == "Contract renewed in 2025"
    other = token_client(personas, "outsider").get(f"/organisations/other/vendors/{vendor.pk}").json()
    assert other["note"] == "Other organisation's secret"


@pytest.mark.parametrize(("vendor_id", "status"), [("424242", 404), ("9" * 30, 404), ("abc", 422)])
def test_missing_or_malformed_vendor_id_gives_a_4xx_problem(delegate, vendor_id, status) -> None:
    assert_problem(delegate.get(f"{VENDORS}/{vendor_id}"), status)


def test_outsider_cannot_reach_vendors_through_another_organisation(personas, vendor) -> None:
    assert_problem(token_client(personas, "outsider").get(f"{VENDORS}/{vendor.pk}"), 404)


@pytest.mark.parametrize("who", WRITERS)
def test_writers_register_a_vendor(personas, who: str) -> None:
    response = token_client(personas, who).post(
        VENDORS,
        {
            "name": "Workday",
            "country": "United States",
            "in_eu": "no",
            "website": "https://workday.example",
            "alert_contact_email": "security@workday.example",
            "reason": "Needed for the HRIS",
        },
    )
    assert response.status_code == 201, response.content
    vendor = Vendor.objects.get(pk=response.json()["id"])
    assert vendor.country == "United States"
    assert vendor.history.get().history_change_reason == "Needed for the HRIS"
    entry = AuditEntry.objects.filter(action="vendor.created").latest("id")
    assert entry.organisation_id == personas.org.pk


MALFORMED_CREATE: list[tuple[Any, list[str]]] = [
    ({}, ["name"]),
    ({"name": ""}, ["name"]),
    ({"name": "x" * 201}, ["name"]),
    ({"name": "Mistral AI"}, ["name"]),  # already registered (case-insensitive)
    ({"name": "mistral ai"}, ["name"]),
    ({"name": "New", "alert_contact_email": "not-an-email"}, ["alert_contact_email"]),
    ({"name": "New", "website": "not a url"}, ["website"]),
    ({"name": "New", "in_eu": "maybe"}, ["in_eu"]),
    ({"name": "New", "bogus": 1}, ["bogus"]),
    ({"name": "New\x00"}, ["name"]),
    ({"name": ["New"]}, ["name"]),
]


@pytest.mark.parametrize(("body", "fields"), MALFORMED_CREATE)
def test_malformed_vendor_creation_gives_422_and_writes_nothing(delegate, vendor, body, fields) -> None:
    before = counts()
    assert_problem(delegate.post(VENDORS, body), 422, *fields)
    assert counts() == before


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [("{", "application/json", 400), ("[1]", "application/json", 400), ("name=x", "text/plain", 415)],
)
def test_unreadable_vendor_body_gives_a_4xx_problem(delegate, vendor, raw, content_type, status) -> None:
    before = counts()
    assert_problem(delegate.post(VENDORS, raw, content_type=content_type), status)
    assert_problem(delegate.patch(f"{VENDORS}/{vendor.pk}", raw, content_type=content_type), status)
    assert counts() == before


@pytest.mark.parametrize("who", [*READ_ONLY, "employee"])
def test_roles_without_edit_permission_cannot_write_vendors(personas, vendor, who: str) -> None:
    client = token_client(personas, who)
    before = counts()
    assert_problem(client.post(VENDORS, {"name": "Refused"}), 403)
    assert_problem(client.patch(f"{VENDORS}/{vendor.pk}", {"country": "x", "reason": "r"}), 403)
    assert counts() == before


@pytest.mark.parametrize("who", WRITERS)
def test_writers_update_a_vendor_with_a_reason(personas, vendor, who: str) -> None:
    response = token_client(personas, who).patch(
        f"{VENDORS}/{vendor.pk}", {"description": "French LLM provider", "reason": "Described"}
    )
    assert response.status_code == 200, response.content
    vendor.refresh_from_db()
    assert vendor.description == "French LLM provider"
    assert vendor.country == "France"
    assert vendor.history.first().history_change_reason == "Described"


MALFORMED_PATCH: list[tuple[Any, list[str]]] = [
    ({"description": "x"}, ["reason"]),
    ({"description": "x", "reason": " "}, ["reason"]),
    ({"name": "", "reason": "r"}, ["name"]),
    ({"name": "Other vendor", "reason": "r"}, ["name"]),
    ({"alert_contact_email": "nope", "reason": "r"}, ["alert_contact_email"]),
    ({"created_at": "2020-01-01T00:00:00Z", "reason": "r"}, ["created_at"]),
    ({"id": 3, "reason": "r"}, ["id"]),
]


@pytest.mark.parametrize(("body", "fields"), MALFORMED_PATCH)
def test_malformed_vendor_update_gives_422_and_writes_nothing(
    personas, delegate, vendor, body, fields
) -> None:
    services.create_vendor(personas.delegate, {"name": "Other vendor"})
    before = counts()
    assert_problem(delegate.patch(f"{VENDORS}/{vendor.pk}", body), 422, *fields)
    assert counts() == before
    vendor.refresh_from_db()
    assert vendor.name == "Mistral AI"


def test_anonymous_cannot_reach_vendors(personas, vendor) -> None:
    anonymous = ApiClient()
    assert_problem(anonymous.get(VENDORS), 401)
    assert_problem(anonymous.post(VENDORS, {"name": "x"}), 401)
    assert_problem(anonymous.patch(f"{VENDORS}/{vendor.pk}", {"reason": "x"}), 401)
