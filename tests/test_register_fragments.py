"""Cached fragments of the register pages change as soon as the data they show changes."""

from __future__ import annotations

from django.urls import reverse

from revoyure.registry import services
from revoyure.registry.choices import ToolStatus
from tests.factories import VendorFactory, make_tool


def detail_url(tool, org: str = "acme") -> str:
    return reverse("registry:tool_detail", kwargs={"org": org, "pk": tool.pk})


def list_url(org: str = "acme") -> str:
    return reverse("registry:tool_list", kwargs={"org": org})


def row_of(name: str, response) -> str:
    return response.content.decode().split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]


def test_record_page_shows_a_change_made_after_it_was_shown(personas):
    tool = make_tool(personas.org, name="Planner", purpose="Old purpose")
    client = personas.client("delegate")
    assert "Old purpose" in client.get(detail_url(tool)).content.decode()
    services.update_tool(tool, personas.delegate, {"purpose": "New purpose"}, "clarified")
    content = client.get(detail_url(tool)).content.decode()
    assert "New purpose" in content
    assert "Old purpose" not in content


def test_record_page_shows_a_renamed_vendor(personas):
    vendor = VendorFactory(name="Old Vendor Name")
    tool = make_tool(personas.org, name="Planner", vendor=vendor)
    client = personas.client("delegate")
    assert "Old Vendor Name" in client.get(detail_url(tool)).content.decode()
    services.update_vendor(vendor, personas.delegate, {"name": "New Vendor Name"}, "renamed")
    content = client.get(detail_url(tool)).content.decode()
    assert "New Vendor Name" in content
    assert "Old Vendor Name" not in content


def test_list_row_shows_a_status_change_made_after_it_was_shown(personas):
    tool = make_tool(personas.org, name="Planner")
    client = personas.client("delegate")
    client.get(list_url())
    services.change_status(tool, personas.delegate, ToolStatus.PILOT, "trial")
    assert str(ToolStatus.PILOT.label) in row_of("Planner", client.get(list_url()))


def test_list_row_shows_a_renamed_vendor(personas):
    vendor = VendorFactory(name="Old Vendor Name")
    make_tool(personas.org, name="Planner", vendor=vendor)
    client = personas.client("delegate")
    client.get(list_url())
    services.update_vendor(vendor, personas.delegate, {"name": "New Vendor Name"}, "renamed")
    assert "New Vendor Name" in row_of("Planner", client.get(list_url()))


def test_cached_record_is_shown_in_the_language_of_each_visitor(personas):
    tool = make_tool(personas.org, name="Planner", domain_category="scheduling")
    client = personas.client("delegate")
    assert "Scheduling" in client.get(detail_url(tool)).content.decode()
    french = client.get(detail_url(tool), headers={"Accept-Language": "fr"})
    assert "Scheduling" not in french.content.decode()


def test_reader_does_not_get_the_status_form_an_editor_saw(personas):
    tool = make_tool(personas.org, name="Planner")
    personas.client("delegate").get(detail_url(tool))
    content = personas.client("staff_rep").get(detail_url(tool)).content.decode()
    status_url = reverse("registry:tool_change_status", kwargs={"org": "acme", "pk": tool.pk})
    assert status_url not in content
    assert 'name="new_status"' not in content
