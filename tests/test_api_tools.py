"""API: the register's tools — list (filters, search, sort, pages), create, read, update with a reason,
change of status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revoyure.core.models import AuditEntry
from revoyure.registry import services
from revoyure.registry.fields import field_specs
from revoyure.registry.models import Tool, Vendor
from tests.api_support import READ_ONLY, READERS, WRITERS, ApiClient, assert_problem, counts, token_client
from tests.factories import make_tool

pytestmark = pytest.mark.django_db

TOOLS = "/organisations/acme/tools"


@pytest.fixture
def delegate(personas: Any) -> ApiClient:
    return token_client(personas, "delegate")


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


# List ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_readers_list_the_tools(personas, tool, who: str) -> None:
    body = token_client(personas, who).get(TOOLS).json()
    assert body["count"] == 1
    assert body["next"] is None and body["previous"] is None
    assert body["items"][0]["name"] == "Planning assistant"


def test_list_items_carry_every_register_field(delegate, tool) -> None:
    item = delegate.get(TOOLS).json()["items"][0]
    assert {spec.name for spec in field_specs()} <= set(item)
    assert item["organisation"] == "acme"
    assert item["function"] == "Plan shifts"


def test_list_shows_only_the_organisations_tools(personas, delegate, tool) -> None:
    make_tool(personas.other_org, personas.outsider, name="Foreign tool")
    assert _names(delegate.get(TOOLS)) == ["Planning assistant"]


def test_list_filters_by_status(personas, delegate) -> None:
    make_tool(personas.org, personas.delegate, name="Project tool")
    live = make_tool(personas.org, personas.delegate, name="Live tool")
    services.change_status(live, personas.delegate, "in_service", "go-live")
    assert _names(delegate.get(TOOLS, {"status": "in_service"})) == ["Live tool"]


def test_list_filters_by_domain_category(personas, delegate) -> None:
    make_tool(personas.org, personas.delegate, name="Hiring", domain_category="recruitment")
    make_tool(personas.org, personas.delegate, name="Chat", domain_category="chatbot")
    assert _names(delegate.get(TOOLS, {"domain_category": "recruitment"})) == ["Hiring"]


def test_list_filters_by_highest_risk(personas, delegate) -> None:
    make_tool(personas.org, personas.delegate, name="Risky", risk_health=1, risk_fundamental_rights=4)
    make_tool(personas.org, personas.delegate, name="Mild", risk_health=2)
    assert _names(delegate.get(TOOLS, {"risk": "4"})) == ["Risky"]


def test_list_filters_by_vendor(personas, delegate) -> None:
    vendor = services.create_vendor(personas.delegate, {"name": "Mistral"})
    make_tool(personas.org, personas.delegate, name="With vendor", vendor=vendor)
    make_tool(personas.org, personas.delegate, name="Without vendor")
    assert _names(delegate.get(TOOLS, {"vendor": str(vendor.pk)})) == ["With vendor"]


def test_list_filters_by_ai_and_monitoring(personas, delegate) -> None:
    make_tool(
        personas.org, personas.delegate, name="AI watcher", is_ai_system="yes", can_monitor_activity="yes"
    )
    make_tool(personas.org, personas.delegate, name="AI only", is_ai_system="yes", can_monitor_activity="no")
    make_tool(personas.org, personas.delegate, name="Spreadsheet", is_ai_system="no")
    assert _names(delegate.get(TOOLS, {"is_ai_system": "yes"})) == ["AI only", "AI watcher"]
    assert _names(delegate.get(TOOLS, {"is_ai_system": "yes", "can_monitor_activity": "yes"})) == [
        "AI watcher"
    ]


def test_list_searches_in_french(personas, delegate) -> None:
    make_tool(
        personas.org, personas.delegate, name="Badgeuse", function="Surveillance des accès aux bâtiments"
    )
    make_tool(personas.org, personas.delegate, name="Agenda", function="Planification des réunions")
    assert _names(delegate.get(TOOLS, {"q": "surveiller batiment"})) == ["Badgeuse"]


def test_list_sorts(personas, delegate) -> None:
    for name in ("Bravo", "Alpha", "Charlie"):
        make_tool(personas.org, personas.delegate, name=name)
    assert _names(delegate.get(TOOLS, {"sort": "-name"})) == ["Charlie", "Bravo", "Alpha"]


def test_empty_filter_values_mean_any(personas, delegate, tool) -> None:
    assert _names(delegate.get(TOOLS, {"status": "", "risk": "", "vendor": "", "q": ""})) == [
        "Planning assistant"
    ]


def test_list_pages_with_limit_and_offset(personas, delegate) -> None:
    for i in range(5):
        make_tool(personas.org, personas.delegate, name=f"Tool {i}")
    first = delegate.get(TOOLS, {"limit": "2"}).json()
    assert first["count"] == 5
    assert [t["name"] for t in first["items"]] == ["Tool 0", "Tool 1"]
    assert first["previous"] is None
    second = delegate.client.get(first["next"], headers=delegate.headers).json()
    assert [t["name"] for t in second["items"]] == ["Tool 2", "Tool 3"]
    assert "offset=0" in second["previous"]
    last = delegate.get(TOOLS, {"limit": "2", "offset": "4"}).json()
    assert [t["name"] for t in last["items"]] == ["Tool 4"]
    assert last["next"] is None


def test_list_keeps_filters_in_page_links(personas, delegate) -> None:
    for i in range(3):
        make_tool(personas.org, personas.delegate, name=f"Tool {i}", domain_category="chatbot")
    body = delegate.get(TOOLS, {"limit": "1", "domain_category": "chatbot"}).json()
    assert "domain_category=chatbot" in body["next"]


def test_list_pages_hold_at_most_100_tools_by_default(personas, delegate) -> None:
    for i in range(101):
        make_tool(personas.org, personas.delegate, name=f"Tool {i:03}")
    body = delegate.get(TOOLS).json()
    assert body["count"] == 101
    assert len(body["items"]) == 100


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"limit": "abc"}, ["limit"]),
        ({"limit": "101"}, ["limit"]),
        ({"limit": "0"}, ["limit"]),
        ({"offset": "-1"}, ["offset"]),
        ({"offset": "x"}, ["offset"]),
        ({"offset": "99999999999999999999999"}, ["offset"]),
        ({"status": "zzz"}, ["status"]),
        ({"domain_category": "aliens"}, ["domain_category"]),
        ({"risk": "5"}, ["risk"]),
        ({"risk": "high"}, ["risk"]),
        ({"vendor": "abc"}, ["vendor"]),
        ({"vendor": "99999999999999999999"}, ["vendor"]),
        ({"is_ai_system": "maybe"}, ["is_ai_system"]),
        ({"can_monitor_activity": "1"}, ["can_monitor_activity"]),
        ({"sort": "'; DROP TABLE"}, ["sort"]),
        ({"q": "x" * 201}, ["q"]),
        ({"q": "a\x00b"}, ["q"]),
        ({"status": "zzz", "risk": "9", "limit": "-1"}, ["status", "risk", "limit"]),
    ],
)
def test_invalid_list_parameters_give_422_naming_each_field(delegate, params, fields) -> None:
    body = assert_problem(delegate.get(TOOLS, params), 422, *fields)
    assert len(body["errors"]) == len(fields)


def test_employee_cannot_list_the_tools(personas, tool) -> None:
    assert_problem(token_client(personas, "employee").get(TOOLS), 403)


def test_list_query_count_does_not_grow_with_the_number_of_tools(
    personas, delegate, django_assert_num_queries
) -> None:
    vendor = services.create_vendor(personas.delegate, {"name": "Shared vendor"})

    def add_tools(n: int) -> None:
        start = Tool.objects.count()
        for i in range(n):
            make_tool(
                personas.org,
                personas.delegate,
                name=f"Tool {start + i}",
                vendor=vendor,
                security_measures=[{"type": "cyber", "description": "MFA"}],
            )

    add_tools(10)
    with CaptureQueriesContext(connection) as ten:
        assert len(delegate.get(TOOLS).json()["items"]) == 10
    add_tools(90)
    with django_assert_num_queries(len(ten)):
        body = delegate.get(TOOLS).json()
    assert len(body["items"]) == 100
    assert body["items"][0]["vendor"] == {"id": vendor.pk, "name": "Shared vendor"}
    # Authentication (token, role) and access (organisation, roles), then the count and the page.
    assert len(ten) <= 6, [q["sql"] for q in ten.captured_queries]


# Create --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WRITERS)
def test_writers_register_a_tool(personas, who: str) -> None:
    response = token_client(personas, who).post(
        TOOLS,
        {
            "name": "Chatbot RH",
            "function": "Answer HR questions",
            "domain_category": "chatbot",
            "is_ai_system": "yes",
            "techniques": ["generative"],
            "risk_health": 2,
            "project_cost": "1234.50",
            "security_measures": [{"type": "cyber", "description": "Penetration test"}],
            "user_trainings": [{"title": "Prompting", "date": "2025-01-15", "people_trained": 12}],
            "reason": "Declared by HR",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    tool = Tool.objects.get(pk=body["id"])
    assert tool.organisation == personas.org
    assert body["name"] == tool.name == "Chatbot RH"
    assert body["techniques"] == ["generative"]
    assert body["project_cost"] == "1234.50"
    assert tool.user_trainings == [
        {"title": "Prompting", "audience": "", "date": "2025-01-15", "people_trained": 12}
    ]
    assert body["status"] == "project"
    version = tool.history.get()
    assert version.history_change_reason == "Declared by HR"
    assert version.history_user == getattr(personas, who)
    entry = AuditEntry.objects.filter(action="tool.created").latest("id")
    assert entry.data["source"] == "api"
    assert entry.actor_id == getattr(personas, who).pk


def test_create_with_a_new_vendor_name_registers_the_vendor(delegate) -> None:
    body = delegate.post(TOOLS, {"name": "Assistant", "vendor_name": "Mistral AI"}).json()
    vendor = Vendor.objects.get(name="Mistral AI")
    assert body["vendor"] == {"id": vendor.pk, "name": "Mistral AI"}


def test_create_with_an_existing_vendor_name_reuses_it(personas, delegate) -> None:
    vendor = services.create_vendor(personas.delegate, {"name": "Mistral AI"})
    body = delegate.post(TOOLS, {"name": "Assistant", "vendor_name": "mistral ai"}).json()
    assert body["vendor"]["id"] == vendor.pk
    assert Vendor.objects.count() == 1


def test_create_with_a_vendor_id(personas, delegate) -> None:
    vendor = services.create_vendor(personas.delegate, {"name": "Mistral AI"})
    body = delegate.post(TOOLS, {"name": "Assistant", "vendor_id": vendor.pk}).json()
    assert Tool.objects.get(pk=body["id"]).vendor == vendor


def test_refused_tool_does_not_leave_a_new_vendor_behind(delegate, tool) -> None:
    before = counts()
    response = delegate.post(TOOLS, {"name": tool.name, "vendor_name": "Brand new vendor"})
    assert_problem(response, 422, "name")
    assert counts() == before


@pytest.mark.parametrize("who", [*READ_ONLY, "employee"])
def test_roles_without_edit_permission_cannot_register(personas, who: str) -> None:
    before = counts()
    assert_problem(token_client(personas, who).post(TOOLS, {"name": "Refused"}), 403)
    assert counts() == before


def test_forbidden_role_gets_403_even_with_a_malformed_body(personas) -> None:
    client = token_client(personas, "staff_rep")
    assert_problem(client.post(TOOLS, "{not json"), 403)


MALFORMED_CREATE: list[tuple[Any, list[str]]] = [
    ({}, ["name"]),
    ({"name": ""}, ["name"]),
    ({"name": "   "}, ["name"]),
    ({"name": "x" * 301}, ["name"]),
    ({"name": 12}, ["name"]),
    ({"name": None}, ["name"]),
    ({"name": "Ok", "bogus": 1, "other": 2}, ["bogus", "other"]),
    ({"name": "Ok", "status": "in_service"}, ["status"]),
    ({"name": "Ok", "in_service_on": "2025-01-01"}, ["in_service_on"]),
    ({"name": "Ok", "updated_at": "2025-01-01T00:00:00Z"}, ["updated_at"]),
    ({"name": "Ok", "vendor": 1}, ["vendor"]),
    ({"name": "Ok", "system_created_on": "31/02/2026"}, ["system_created_on"]),
    ({"name": "Ok", "system_created_on": "2026-02-31"}, ["system_created_on"]),
    ({"name": "Ok", "risk_health": 99}, ["risk_health"]),
    ({"name": "Ok", "risk_health": "high"}, ["risk_health"]),
    ({"name": "Ok", "domain_category": "aliens"}, ["domain_category"]),
    ({"name": "Ok", "affected_public": "aliens"}, ["affected_public"]),
    ({"name": "Ok", "affected_public": ["aliens"]}, ["affected_public.0"]),
    ({"name": "Ok", "techniques": {"a": 1}}, ["techniques"]),
    ({"name": "Ok", "security_measures": "nonsense | |"}, ["security_measures"]),
    (
        {"name": "Ok", "security_measures": [{"type": "magic", "description": "x"}]},
        ["security_measures.0.type"],
    ),
    ({"name": "Ok", "security_measures": [{"type": "cyber"}]}, ["security_measures.0.description"]),
    (
        {"name": "Ok", "user_trainings": [{"title": "T", "people_trained": -3}]},
        ["user_trainings.0.people_trained"],
    ),
    ({"name": "Ok", "user_trainings": [{"title": "T", "date": "soon"}]}, ["user_trainings.0.date"]),
    ({"name": "Ok", "affected_workers_count": -5}, ["affected_workers_count"]),
    ({"name": "Ok", "affected_workers_count": 10**12}, ["affected_workers_count"]),
    ({"name": "Ok", "project_cost": "12.345"}, ["project_cost"]),
    ({"name": "Ok", "project_cost": "NaN"}, ["project_cost"]),
    ({"name": "Ok", "project_cost": "1e20"}, ["project_cost"]),
    ({"name": "Ok", "developed_in_house": "perhaps"}, ["developed_in_house"]),
    ({"name": "Ok", "vendor_id": 999999}, ["vendor_id"]),
    ({"name": "Ok", "vendor_id": 10**30}, ["vendor_id"]),
    ({"name": "Ok", "vendor_id": "abc"}, ["vendor_id"]),
    ({"name": "Ok", "vendor_name": "x" * 201}, ["vendor_name"]),
    ({"name": "Ok", "vendor_id": 1, "vendor_name": "Both"}, ["vendor_id"]),
    ({"name": "Nul\x00byte"}, ["name"]),
    ({"name": "Ok", "purpose": "a\x00b"}, ["purpose"]),
    (
        {"name": "Ok", "security_measures": [{"type": "cyber", "description": "\x00"}]},
        ["security_measures.0.description"],
    ),
    ({"name": ["x", "x", "x"], "reason": {}}, ["name", "reason"]),
    ({"name": "Ok", "reason": "r" * 2001}, ["reason"]),
]


@pytest.mark.parametrize(("body", "fields"), MALFORMED_CREATE)
def test_malformed_create_gives_422_naming_the_fields_and_writes_nothing(
    personas, delegate, body, fields
) -> None:
    services.create_vendor(personas.delegate, {"name": "Vendor one"})
    before = counts()
    assert_problem(delegate.post(TOOLS, body), 422, *fields)
    assert counts() == before


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        (b"\x00\xff{", "application/json", 400),
        ('["a", "list"]', "application/json", 400),
        ('"a string"', "application/json", 400),
        ("null", "application/json", 400),
        ('{"name": "Ok"}', "text/plain", 415),
        ("name=Ok", "application/x-www-form-urlencoded", 415),
        ('{"name": "Ok"}', "", 415),
    ],
)
def test_unreadable_create_body_gives_a_4xx_problem_and_writes_nothing(
    delegate, raw, content_type, status
) -> None:
    before = counts()
    assert_problem(delegate.post(TOOLS, raw, content_type=content_type), status)
    assert counts() == before


def test_multipart_create_is_refused_and_writes_nothing(delegate) -> None:
    before = counts()
    response = delegate.upload(TOOLS, {"name": "Ok"})
    assert_problem(response, 415)
    assert counts() == before


# Read ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_readers_read_a_tool(personas, tool, who: str) -> None:
    body = token_client(personas, who).get(f"{TOOLS}/{tool.pk}").json()
    assert body["id"] == tool.pk
    assert body["purpose"] == "Build weekly schedules"


def test_reading_a_tool_of_another_organisation_gives_404(personas, delegate) -> None:
    foreign = make_tool(personas.other_org, personas.outsider, name="Foreign")
    assert_problem(delegate.get(f"{TOOLS}/{foreign.pk}"), 404)


@pytest.mark.parametrize(
    ("tool_id", "status"),
    [
        ("999999", 404),
        ("0", 404),
        ("-1", 404),
        ("9" * 30, 404),
        ("abc", 422),
        ("1.5", 422),
    ],
)
def test_missing_or_malformed_tool_id_gives_a_4xx_problem(delegate, tool, tool_id, status) -> None:
    assert_problem(delegate.get(f"{TOOLS}/{tool_id}"), status)


def test_employee_cannot_read_a_tool(personas, tool) -> None:
    assert_problem(token_client(personas, "employee").get(f"{TOOLS}/{tool.pk}"), 403)


def test_detail_query_count_does_not_grow_with_history(
    personas, delegate, tool, django_assert_num_queries
) -> None:
    with CaptureQueriesContext(connection) as before:
        delegate.get(f"{TOOLS}/{tool.pk}")
    for i in range(10):
        services.update_tool(tool, personas.delegate, {"purpose": f"v{i}"}, f"change {i}")
    with django_assert_num_queries(len(before)):
        delegate.get(f"{TOOLS}/{tool.pk}")


# Update --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WRITERS)
def test_writers_update_a_tool_with_a_reason(personas, tool, who: str) -> None:
    response = token_client(personas, who).patch(
        f"{TOOLS}/{tool.pk}",
        {"purpose": "Plan the night shifts", "risk_safety": 3, "reason": "Scope widened"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["purpose"] == "Plan the night shifts"
    tool.refresh_from_db()
    assert tool.purpose == "Plan the night shifts"
    assert tool.function == "Plan shifts"  # not sent, not changed
    assert tool.history.first().history_change_reason == "Scope widened"
    assert AuditEntry.objects.filter(action="tool.updated").latest("id").data["fields"] == [
        "purpose",
        "risk_safety",
    ]


def test_update_can_set_and_clear_the_vendor(personas, delegate, tool) -> None:
    delegate.patch(f"{TOOLS}/{tool.pk}", {"vendor_name": "New Vendor", "reason": "vendor known"})
    tool.refresh_from_db()
    assert tool.vendor.name == "New Vendor"
    delegate.patch(f"{TOOLS}/{tool.pk}", {"vendor_id": None, "reason": "in-house after all"})
    tool.refresh_from_db()
    assert tool.vendor is None


def test_update_of_nullable_field_to_null_clears_it(personas, delegate) -> None:
    tool = make_tool(personas.org, personas.delegate, name="Dated", system_created_on=dt.date(2024, 1, 1))
    delegate.patch(f"{TOOLS}/{tool.pk}", {"system_created_on": None, "reason": "unknown date"})
    tool.refresh_from_db()
    assert tool.system_created_on is None


MALFORMED_PATCH: list[tuple[Any, list[str]]] = [
    ({"purpose": "x"}, ["reason"]),
    ({"purpose": "x", "reason": ""}, ["reason"]),
    ({"purpose": "x", "reason": "   "}, ["reason"]),
    ({"purpose": "x", "reason": None}, ["reason"]),
    ({"purpose": "x", "reason": "r" * 2001}, ["reason"]),
    ({"bogus": "x", "reason": "r"}, ["bogus"]),
    ({"status": "in_service", "reason": "r"}, ["status"]),
    ({"withdrawn_on": "2025-01-01", "reason": "r"}, ["withdrawn_on"]),
    ({"organisation": 2, "reason": "r"}, ["organisation"]),
    ({"id": 5, "reason": "r"}, ["id"]),
    ({"name": "", "reason": "r"}, ["name"]),
    ({"name": None, "reason": "r"}, ["name"]),
    ({"purpose": None, "reason": "r"}, ["purpose"]),
    ({"risk_health": 0, "reason": "r"}, ["risk_health"]),
    ({"system_created_on": "yesterday", "reason": "r"}, ["system_created_on"]),
    ({"vendor_id": 424242, "reason": "r"}, ["vendor_id"]),
    ({"techniques": ["telepathy"], "reason": "r"}, ["techniques.0"]),
]


@pytest.mark.parametrize(("body", "fields"), MALFORMED_PATCH)
def test_malformed_update_gives_422_naming_the_fields_and_writes_nothing(
    delegate, tool, body, fields
) -> None:
    before = counts()
    assert_problem(delegate.patch(f"{TOOLS}/{tool.pk}", body), 422, *fields)
    assert counts() == before
    tool.refresh_from_db()
    assert tool.purpose == "Build weekly schedules"


def test_update_to_a_name_already_taken_gives_422(personas, delegate, tool) -> None:
    make_tool(personas.org, personas.delegate, name="Taken")
    before = counts()
    assert_problem(delegate.patch(f"{TOOLS}/{tool.pk}", {"name": "Taken", "reason": "rename"}), 422, "name")
    assert counts() == before


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[]", "application/json", 400),
        ("purpose=x&reason=y", "application/x-www-form-urlencoded", 415),
    ],
)
def test_unreadable_update_body_gives_a_4xx_problem_and_writes_nothing(
    delegate, tool, raw, content_type, status
) -> None:
    before = counts()
    assert_problem(delegate.patch(f"{TOOLS}/{tool.pk}", raw, content_type=content_type), status)
    assert counts() == before


@pytest.mark.parametrize("who", [*READ_ONLY, "employee"])
def test_roles_without_edit_permission_cannot_update(personas, tool, who: str) -> None:
    before = counts()
    response = token_client(personas, who).patch(f"{TOOLS}/{tool.pk}", {"purpose": "x", "reason": "r"})
    assert_problem(response, 403)
    assert counts() == before


def test_update_of_a_tool_of_another_organisation_gives_404(personas, delegate) -> None:
    foreign = make_tool(personas.other_org, personas.outsider, name="Foreign")
    before = counts()
    assert_problem(delegate.patch(f"{TOOLS}/{foreign.pk}", {"purpose": "x", "reason": "r"}), 404)
    assert counts() == before


# Status --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WRITERS)
def test_writers_change_the_status_with_a_reason_and_date(personas, tool, who: str) -> None:
    response = token_client(personas, who).post(
        f"{TOOLS}/{tool.pk}/status", {"status": "pilot", "date": "2025-06-01", "reason": "Pilot in one site"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pilot"
    tool.refresh_from_db()
    assert tool.status == "pilot"
    assert tool.pilot_started_on == dt.date(2025, 6, 1)
    assert tool.history.first().history_change_reason == "Pilot in one site"
    assert AuditEntry.objects.filter(action="tool.status_changed").latest("id").data["source"] == "api"


def test_status_change_obeys_the_status_gates(personas, delegate, tool, monkeypatch) -> None:
    monkeypatch.setattr(services, "STATUS_GATES", [lambda t, s: "The staff body has not been consulted."])
    before = counts()
    body = assert_problem(
        delegate.post(f"{TOOLS}/{tool.pk}/status", {"status": "in_service", "reason": "go"}), 422, "status"
    )
    assert "consulted" in body["errors"][0]["message"]
    assert counts() == before


MALFORMED_STATUS: list[tuple[Any, list[str]]] = [
    ({"status": "pilot"}, ["reason"]),
    ({"status": "pilot", "reason": " "}, ["reason"]),
    ({"reason": "r"}, ["status"]),
    ({"status": "no-such-status", "reason": "r"}, ["status"]),
    ({"status": "suspended", "reason": "r"}, ["status"]),  # not reachable from "project"
    ({"status": "pilot", "date": "31/02/2026", "reason": "r"}, ["date"]),
    ({"status": "pilot", "reason": "r", "extra": 1}, ["extra"]),
]


@pytest.mark.parametrize(("body", "fields"), MALFORMED_STATUS)
def test_malformed_status_change_gives_422_and_writes_nothing(delegate, tool, body, fields) -> None:
    before = counts()
    assert_problem(delegate.post(f"{TOOLS}/{tool.pk}/status", body), 422, *fields)
    assert counts() == before
    tool.refresh_from_db()
    assert tool.status == "project"


def test_unreadable_status_body_gives_400_and_writes_nothing(delegate, tool) -> None:
    before = counts()
    assert_problem(delegate.post(f"{TOOLS}/{tool.pk}/status", "{", content_type="application/json"), 400)
    assert counts() == before


@pytest.mark.parametrize("who", [*READ_ONLY, "employee"])
def test_roles_without_edit_permission_cannot_change_status(personas, tool, who: str) -> None:
    before = counts()
    response = token_client(personas, who).post(
        f"{TOOLS}/{tool.pk}/status", {"status": "pilot", "reason": "r"}
    )
    assert_problem(response, 403)
    assert counts() == before
