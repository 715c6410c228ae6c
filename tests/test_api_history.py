"""API: a tool's history — versions with author, date, reason and field-level changes; one version as it
was."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from revoyure.registry import services
from tests.api_support import READERS, ApiClient, assert_problem, token_client
from tests.factories import make_tool

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegate(personas: Any) -> ApiClient:
    return token_client(personas, "delegate")


def _history(tool: Any) -> str:
    return f"/organisations/acme/tools/{tool.pk}/history"


@pytest.mark.parametrize("who", READERS)
def test_readers_see_the_versions_newest_first(personas, tool, who: str) -> None:
    services.update_tool(tool, personas.manager, {"purpose": "Plan nights"}, "Night shifts added")
    body = token_client(personas, who).get(_history(tool)).json()
    assert body["count"] == 2
    newest, oldest = body["items"]
    assert newest["type"] == "changed"
    assert newest["user"] == "manager@acme.example"
    assert newest["reason"] == "Night shifts added"
    assert newest["changes"] == [{"field": "purpose", "old": "Build weekly schedules", "new": "Plan nights"}]
    assert oldest["type"] == "created"
    assert oldest["user"] == "delegate@acme.example"
    assert oldest["changes"] == []


def test_changes_list_every_changed_field_with_json_values(personas, delegate, tool) -> None:
    services.update_tool(
        tool,
        personas.delegate,
        {"risk_health": 3, "project_cost": "10.50", "techniques": ["rules"]},
        "assessed",
    )
    changes = {c["field"]: c for c in delegate.get(_history(tool)).json()["items"][0]["changes"]}
    assert set(changes) == {"risk_health", "project_cost", "techniques"}
    assert changes["risk_health"]["old"] is None
    assert changes["risk_health"]["new"] == 3
    assert changes["project_cost"]["new"] == "10.50"
    assert changes["techniques"] == {"field": "techniques", "old": [], "new": ["rules"]}


def test_vendor_changes_name_the_vendors(personas, delegate, tool) -> None:
    first = services.create_vendor(personas.delegate, {"name": "First vendor"})
    second = services.create_vendor(personas.delegate, {"name": "Second vendor"})
    services.update_tool(tool, personas.delegate, {"vendor": first}, "vendor known")
    services.update_tool(tool, personas.delegate, {"vendor": second}, "vendor changed")
    change = delegate.get(_history(tool)).json()["items"][0]["changes"][0]
    assert change == {
        "field": "vendor",
        "old": {"id": first.pk, "name": "First vendor"},
        "new": {"id": second.pk, "name": "Second vendor"},
    }


def test_status_changes_appear_in_the_history(personas, delegate, tool) -> None:
    services.change_status(tool, personas.delegate, "pilot", "pilot starts")
    newest = delegate.get(_history(tool)).json()["items"][0]
    assert newest["reason"] == "pilot starts"
    assert {c["field"] for c in newest["changes"]} == {"status", "pilot_started_on"}


def test_history_pages_compare_across_page_boundaries(personas, delegate, tool) -> None:
    for i in range(4):
        services.update_tool(tool, personas.delegate, {"purpose": f"v{i}"}, f"change {i}")
    first = delegate.get(_history(tool), {"limit": "2"}).json()
    assert first["count"] == 5
    assert [e["reason"] for e in first["items"]] == ["change 3", "change 2"]
    # The oldest entry on the page is compared with the newest entry of the next page.
    assert first["items"][1]["changes"] == [{"field": "purpose", "old": "v1", "new": "v2"}]
    second = delegate.client.get(first["next"], headers=delegate.headers).json()
    assert [e["reason"] for e in second["items"]] == ["change 1", "change 0"]
    assert second["items"][1]["changes"] == [
        {"field": "purpose", "old": "Build weekly schedules", "new": "v0"}
    ]


def test_history_query_count_does_not_grow_with_versions(
    personas, delegate, tool, django_assert_num_queries
) -> None:
    vendor = services.create_vendor(personas.delegate, {"name": "Vendor"})
    services.update_tool(tool, personas.delegate, {"vendor": vendor}, "vendor")
    with CaptureQueriesContext(connection) as few:
        delegate.get(_history(tool))
    for i in range(20):
        services.update_tool(tool, personas.delegate, {"purpose": f"v{i}"}, f"change {i}")
    with django_assert_num_queries(len(few)):
        assert delegate.get(_history(tool)).json()["count"] == 22


@pytest.mark.parametrize("params", [{"limit": "abc"}, {"limit": "500"}, {"offset": "-1"}])
def test_malformed_history_paging_gives_422(delegate, tool, params) -> None:
    assert_problem(delegate.get(_history(tool), params), 422, *params)


def test_a_version_shows_the_tool_as_it_was(personas, delegate, tool) -> None:
    vendor = services.create_vendor(personas.delegate, {"name": "Old vendor"})
    services.update_tool(tool, personas.delegate, {"vendor": vendor, "risk_health": 2}, "vendor known")
    middle = tool.history.first().history_id
    services.update_tool(tool, personas.delegate, {"purpose": "Changed", "vendor": None}, "changed again")
    body = delegate.get(f"{_history(tool)}/{middle}").json()
    assert body["history_id"] == middle
    assert body["history_reason"] == "vendor known"
    assert body["history_user"] == "delegate@acme.example"
    assert body["purpose"] == "Build weekly schedules"
    assert body["vendor"] == {"id": vendor.pk, "name": "Old vendor"}
    assert body["highest_risk"] == 2
    assert body["id"] == tool.pk


def test_a_version_of_another_tool_gives_404(personas, delegate, tool) -> None:
    other = make_tool(personas.org, personas.delegate, name="Other tool")
    foreign_version = other.history.first().history_id
    assert_problem(delegate.get(f"{_history(tool)}/{foreign_version}"), 404)


@pytest.mark.parametrize(
    ("history_id", "status"), [("999999", 404), ("0", 404), ("9" * 25, 404), ("abc", 422)]
)
def test_missing_or_malformed_version_gives_a_4xx_problem(delegate, tool, history_id, status) -> None:
    assert_problem(delegate.get(f"{_history(tool)}/{history_id}"), status)


def test_employee_cannot_read_the_history(personas, tool) -> None:
    client = token_client(personas, "employee")
    assert_problem(client.get(_history(tool)), 403)
    assert_problem(client.get(f"{_history(tool)}/{tool.history.first().history_id}"), 403)


def test_outsider_cannot_read_the_history(personas, tool) -> None:
    client = token_client(personas, "outsider")
    assert_problem(client.get(_history(tool)), 404)
    assert_problem(client.get(f"{_history(tool)}/{tool.history.first().history_id}"), 404)


def test_anonymous_cannot_read_the_history(personas, tool) -> None:
    assert_problem(ApiClient().get(_history(tool)), 401)
