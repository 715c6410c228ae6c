"""A tool's history: the diff logic (registry.diff) and the history and comparison pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from revoyure.registry import services
from revoyure.registry.diff import (
    EMPTY,
    compare_versions,
    display_value,
    field_changes,
    vendor_names_for,
    version_entries,
)
from revoyure.registry.models import Tool
from revoyure.registry.views_history import VERSIONS_PER_PAGE
from tests.factories import VendorFactory, make_tool


def history_url(tool: Tool, org: str = "acme") -> str:
    return reverse("registry:tool_history", kwargs={"org": org, "pk": tool.pk})


def compare_url(tool: Tool, org: str = "acme") -> str:
    return reverse("registry:tool_compare", kwargs={"org": org, "pk": tool.pk})


def versions(tool: Tool) -> list:
    return list(tool.history.order_by("-history_date", "-history_id"))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# Display -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", []])
def test_an_empty_value_is_shown_as_a_dash(value):
    assert display_value("purpose", value) == EMPTY


def test_a_choice_is_shown_by_its_label():
    assert display_value("domain_category", "scheduling") == "Scheduling"
    assert display_value("risk_health", 3) == "Significant"


def test_a_choice_list_is_shown_as_a_list_of_labels():
    assert display_value("affected_public", ["employees", "public"]) == ["Employees", "The general public"]


def test_security_measures_are_shown_as_a_list():
    value = [{"type": "cyber", "description": "Pen test"}, {"type": "other", "description": ""}]
    assert display_value("security_measures", value) == ["Resistance to cyber-attacks: Pen test", "Other"]


def test_trainings_are_shown_as_a_list():
    value = [{"title": "Basics", "audience": "", "date": "2025-03-14", "people_trained": 1}]
    assert display_value("user_trainings", value) == ["Basics — March 14, 2025 — 1 person trained"]


def test_a_vendor_is_shown_by_its_name():
    assert display_value("vendor", 7, {7: "Mistral"}) == "Mistral"
    assert display_value("vendor", 8, {}) == "Deleted vendor (no. 8)"


def test_booleans_dates_and_amounts_are_shown_for_people():
    assert display_value("developed_in_house", True) == "Yes"
    assert display_value("developed_in_house", False) == "No"
    assert display_value("system_created_on", dt.date(2024, 1, 31)) == "Jan. 31, 2024"
    assert display_value("project_cost", Decimal("12500.5")) == "12,500.50"


def test_vendor_names_are_read_in_one_query(personas, django_assert_num_queries):
    first, second = VendorFactory(name="One"), VendorFactory(name="Two")
    tools = [
        make_tool(personas.org, name="A", vendor=first),
        make_tool(personas.org, name="B", vendor=second),
    ]
    with django_assert_num_queries(1):
        assert vendor_names_for(tools) == {first.pk: "One", second.pk: "Two"}


def test_no_vendor_needs_no_query(personas, django_assert_num_queries):
    tool = make_tool(personas.org, name="A")
    with django_assert_num_queries(0):
        assert vendor_names_for([tool]) == {}


# Diff ----------------------------------------------------------------------------------------------------


def test_field_changes_name_each_changed_field_with_old_and_new_labels(personas, tool):
    services.update_tool(tool, personas.delegate, {"domain_category": "scheduling", "purpose": "Rota"}, "why")
    new, old = versions(tool)
    changes = field_changes(new, old, {})
    assert [(c.name, c.label, c.old, c.new) for c in changes] == [
        ("purpose", "Purpose of the system", "Build weekly schedules", "Rota"),
        ("domain_category", "Domain category", "Other", "Scheduling"),
    ]


def test_field_changes_follow_the_order_of_the_record(personas, tool):
    services.update_tool(
        tool, personas.delegate, {"staff_impact": "x", "name": "Renamed", "risk_health": 2}, "r"
    )
    new, old = versions(tool)
    assert [c.name for c in field_changes(new, old, {})] == ["name", "risk_health", "staff_impact"]


def test_field_changes_ignore_the_last_update_date(personas, tool):
    services.update_tool(tool, personas.delegate, {"purpose": "Other"}, "why")
    new, old = versions(tool)
    assert "updated_at" not in [c.name for c in field_changes(new, old, {})]


def test_field_changes_show_a_vendor_change_by_name(personas, tool):
    vendor = VendorFactory(name="Mistral")
    services.update_tool(tool, personas.delegate, {"vendor": vendor}, "why")
    new, old = versions(tool)
    change = field_changes(new, old, vendor_names_for([new, old]))[0]
    assert (change.name, change.old, change.new) == ("vendor", EMPTY, "Mistral")


def test_version_entries_number_versions_and_link_each_to_the_previous(personas, tool):
    services.update_tool(tool, personas.delegate, {"purpose": "Two"}, "second")
    services.update_tool(tool, personas.delegate, {"purpose": "Three"}, "third")
    records = versions(tool)
    entries = version_entries(records, None, 3, {})
    assert [e.number for e in entries] == [3, 2, 1]
    assert entries[0].previous == records[1]
    assert entries[2].previous is None
    assert entries[2].changes == []
    assert [(c.old, c.new) for c in entries[0].changes] == [("Two", "Three")]


def test_version_entries_compare_the_last_of_a_page_with_the_older_version(personas, tool):
    services.update_tool(tool, personas.delegate, {"purpose": "Two"}, "second")
    newest, oldest = versions(tool)
    entry = version_entries([newest], oldest, 2, {})[0]
    assert [(c.old, c.new) for c in entry.changes] == [("Build weekly schedules", "Two")]


def test_compare_versions_marks_only_differing_rows(personas, tool):
    services.update_tool(tool, personas.delegate, {"purpose": "Other", "risk_safety": 4}, "why")
    new, old = versions(tool)
    groups = compare_versions(old, new, {})
    assert [g.letter for g in groups] == ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "T"]
    differing = {row.name: (row.old, row.new) for g in groups for row in g.rows if row.differs}
    assert differing == {"purpose": ("Build weekly schedules", "Other"), "risk_safety": (EMPTY, "Maximal")}
    assert {g.letter: g.differing for g in groups if g.differing} == {"C": 1, "D": 1}


def test_compare_versions_treats_empty_text_and_missing_value_alike(personas):
    tool = make_tool(personas.org, name="T", owner_name="")
    Tool.objects.filter(pk=tool.pk).update(owner_name="")
    record = versions(tool)[0]
    record.owner_name = None
    groups = compare_versions(record, versions(tool)[0], {})
    assert not [row for g in groups for row in g.rows if row.differs]


# The history page ----------------------------------------------------------------------------------------


def test_history_lists_every_version_with_who_when_and_why(personas, tool):
    services.update_tool(tool, personas.manager, {"purpose": "Rota"}, "Clearer purpose")
    response = personas.client("staff_rep").get(history_url(tool))
    content = response.content.decode()
    assert response.status_code == 200
    assert [e.number for e in response.context["entries"]] == [2, 1]
    assert "Clearer purpose" in content
    assert "Created in a test" in content
    assert personas.manager.display_name in content
    assert personas.delegate.display_name in content


def test_history_shows_the_field_level_diff(personas, tool):
    services.update_tool(tool, personas.manager, {"domain_category": "scheduling"}, "Category")
    content = personas.client("auditor").get(history_url(tool)).content.decode()
    assert "Domain category" in content
    assert '<td class="diff-old">Other</td>' in content
    assert '<td class="diff-new">Scheduling</td>' in content


def test_history_shows_status_changes(personas, tool):
    services.change_status(tool, personas.delegate, "pilot", "Pilot starts", on=dt.date(2025, 1, 6))
    content = personas.client("delegate").get(history_url(tool)).content.decode()
    assert '<td class="diff-new">Pilot</td>' in content
    assert "Pilot starts" in content


def test_history_paginates_and_still_diffs_the_last_version_of_a_page(personas, tool):
    for number in range(VERSIONS_PER_PAGE + 4):
        services.update_tool(tool, personas.delegate, {"purpose": f"Purpose {number}"}, f"change {number}")
    client = personas.client("delegate")
    first = client.get(history_url(tool)).context["entries"]
    second = client.get(history_url(tool), {"page": 2}).context["entries"]
    assert len(first) == VERSIONS_PER_PAGE
    assert first[-1].changes and first[-1].previous == second[0].record
    assert [e.number for e in second] == [5, 4, 3, 2, 1]


def test_history_offers_to_compare_two_versions(personas, tool):
    services.update_tool(tool, personas.delegate, {"purpose": "Two"}, "second")
    response = personas.client("delegate").get(history_url(tool))
    newest, oldest = versions(tool)
    form = response.context["compare_form"]
    assert form.initial == {"a": oldest.history_id, "b": newest.history_id}
    assert compare_url(tool) in response.content.decode()


def test_employee_cannot_see_the_history(personas, tool):
    assert personas.client("employee").get(history_url(tool)).status_code == 403


def test_outsider_gets_404_on_the_history(personas, tool):
    assert personas.client("outsider").get(history_url(tool)).status_code == 404
    assert personas.client("outsider").get(history_url(tool, org="other")).status_code == 404


def test_anonymous_visitor_of_the_history_is_sent_to_login(client, personas, tool):
    assert client.get(history_url(tool)).status_code == 302


# The comparison page -------------------------------------------------------------------------------------


def test_compare_shows_two_versions_side_by_side_with_differences_highlighted(personas, tool):
    services.update_tool(tool, personas.delegate, {"purpose": "Two"}, "second")
    services.update_tool(tool, personas.delegate, {"function": "Changed too"}, "third")
    newest, _middle, oldest = versions(tool)
    response = personas.client("staff_rep").get(
        compare_url(tool), {"a": newest.history_id, "b": oldest.history_id}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["old"] == oldest  # the older one is always on the left
    assert '<td class="diff-old">Build weekly schedules</td>' in content
    assert '<td class="diff-new">Two</td>' in content
    assert '<td class="diff-new">Changed too</td>' in content
    assert "<td>Planning assistant</td>" in content  # unchanged fields are shown, not highlighted
    assert "C. Functions, purposes and specific modalities" in content


def test_compare_a_version_with_itself_shows_no_difference(personas, tool):
    record = versions(tool)[0]
    response = personas.client("delegate").get(
        compare_url(tool), {"a": record.history_id, "b": record.history_id}
    )
    assert response.status_code == 200
    assert not any(g.differing for g in response.context["groups"])


def test_compare_refuses_a_version_of_another_organisations_tool(personas, tool):
    theirs = make_tool(personas.other_org, name="Theirs")
    foreign = versions(theirs)[0].history_id
    mine = versions(tool)[0].history_id
    response = personas.client("delegate").get(compare_url(tool), {"a": mine, "b": foreign})
    assert response.status_code == 404


def test_compare_refuses_a_version_of_another_tool_of_the_organisation(personas, tool):
    other = make_tool(personas.org, name="Other")
    response = personas.client("delegate").get(
        compare_url(tool), {"a": versions(tool)[0].history_id, "b": versions(other)[0].history_id}
    )
    assert response.status_code == 404


def test_outsider_cannot_compare_through_their_own_organisation(personas, tool):
    record = versions(tool)[0].history_id
    response = personas.client("outsider").get(compare_url(tool, org="other"), {"a": record, "b": record})
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["abc", "-3", "0", "99999999999999999999999", "1.5"])
def test_compare_answers_404_to_a_wrong_version_id(personas, tool, value):
    record = versions(tool)[0].history_id
    response = personas.client("delegate").get(compare_url(tool), {"a": record, "b": value})
    assert response.status_code == 404


@pytest.mark.parametrize("params", [{}, {"a": "1"}, {"b": "1"}, {"a": "", "b": ""}])
def test_compare_without_two_versions_answers_400_with_the_form(personas, tool, params):
    response = personas.client("delegate").get(compare_url(tool), params)
    assert response.status_code == 400
    assert response.context["compare_form"].errors


def test_employee_cannot_compare(personas, tool):
    record = versions(tool)[0].history_id
    response = personas.client("employee").get(compare_url(tool), {"a": record, "b": record})
    assert response.status_code == 403
