"""The number of SQL queries of each register page does not grow with the number of rows it shows."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revoyure.registry import services
from revoyure.registry.choices import ToolStatus
from revoyure.registry.models import Attachment, Tool
from tests.factories import UserFactory, VendorFactory, make_tool


def queries_for(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries)


def add_tools(organisation, count: int, start: int, **values) -> None:
    vendors = [VendorFactory() for _ in range(3)]
    Tool.objects.bulk_create(
        [
            Tool(organisation=organisation, name=f"Tool {start + n:03d}", vendor=vendors[n % 3], **values)
            for n in range(count)
        ]
    )


def test_register_list_queries_do_not_grow_with_tools(personas):
    client = personas.client("delegate")
    url = reverse("registry:tool_list", kwargs={"org": "acme"})
    add_tools(personas.org, 10, 0)
    with_10 = queries_for(client, url)
    add_tools(personas.org, 90, 10)
    assert queries_for(client, url) == with_10


def test_filtered_register_list_queries_do_not_grow_with_tools(personas):
    client = personas.client("delegate")
    url = reverse("registry:tool_list", kwargs={"org": "acme"})
    params = {"status": "project", "sort": "-risk", "q": "tool"}
    add_tools(personas.org, 10, 0)
    Tool.objects.update(search_document=" tool ")
    with_10 = queries_for(client, url, params)
    add_tools(personas.org, 90, 10)
    Tool.objects.update(search_document=" tool ")
    assert queries_for(client, url, params) == with_10


def add_attachments(tool: Tool, count: int) -> None:
    uploaders = [UserFactory() for _ in range(3)]
    Attachment.objects.bulk_create(
        [
            Attachment(
                organisation=tool.organisation,
                tool=tool,
                title=f"Document {n}",
                file=f"attachments/x/{n}",
                original_name=f"doc{n}.pdf",
                content_type="application/pdf",
                size=100,
                sha256=f"{n:064d}",
                uploaded_by=uploaders[n % 3],
            )
            for n in range(count)
        ]
    )


def test_record_page_queries_do_not_grow_with_attachments(personas):
    tool = make_tool(personas.org, name="Tool", vendor=VendorFactory())
    client = personas.client("delegate")
    url = reverse("registry:tool_detail", kwargs={"org": "acme", "pk": tool.pk})
    add_attachments(tool, 10)
    with_10 = queries_for(client, url)
    add_attachments(tool, 90)
    assert queries_for(client, url) == with_10


def add_versions(tool: Tool, count: int) -> None:
    editors = [UserFactory() for _ in range(3)]
    vendors = [VendorFactory() for _ in range(3)]
    for n in range(count):
        tool = services.update_tool(
            tool, editors[n % 3], {"purpose": f"Purpose {n}", "vendor": vendors[n % 3]}, f"change {n}"
        )


def test_history_page_queries_do_not_grow_with_versions(personas):
    tool = make_tool(personas.org, name="Tool", vendor=VendorFactory())
    client = personas.client("delegate")
    url = reverse("registry:tool_history", kwargs={"org": "acme", "pk": tool.pk})
    add_versions(tool, 9)
    with_10 = queries_for(client, url)
    add_versions(tool, 90)
    assert queries_for(client, url) == with_10


def test_compare_page_queries_do_not_grow_with_versions(personas):
    tool = make_tool(personas.org, name="Tool", vendor=VendorFactory())
    client = personas.client("delegate")
    url = reverse("registry:tool_compare", kwargs={"org": "acme", "pk": tool.pk})
    add_versions(tool, 9)
    ids = list(tool.history.values_list("history_id", flat=True)[:2])
    with_10 = queries_for(client, url, {"a": ids[0], "b": ids[1]})
    add_versions(tool, 90)
    assert queries_for(client, url, {"a": ids[0], "b": ids[1]}) == with_10


def test_transparency_page_queries_do_not_grow_with_tools(personas):
    client = personas.client("employee")
    url = reverse("registry:transparency", kwargs={"org": "acme"})
    add_tools(personas.org, 10, 0, status=ToolStatus.IN_SERVICE)
    with_10 = queries_for(client, url)
    add_tools(personas.org, 90, 10, status=ToolStatus.IN_SERVICE)
    assert queries_for(client, url) == with_10


def test_public_transparency_page_queries_do_not_grow_with_tools(client, personas):
    personas.org.transparency_public = True
    personas.org.save()
    url = reverse("registry:public_transparency", kwargs={"org": "acme"})
    add_tools(personas.org, 10, 0, status=ToolStatus.PILOT)
    with_10 = queries_for(client, url)
    add_tools(personas.org, 90, 10, status=ToolStatus.PILOT)
    assert queries_for(client, url) == with_10


def test_vendor_pages_queries_do_not_grow_with_vendors_or_tools(personas):
    client = personas.client("delegate")
    list_url = reverse("registry:vendor_list", kwargs={"org": "acme"})
    vendor = VendorFactory(name="Big vendor")
    detail_url = reverse("registry:vendor_detail", kwargs={"org": "acme", "pk": vendor.pk})
    Tool.objects.bulk_create(
        [Tool(organisation=personas.org, name=f"T{n}", vendor=vendor) for n in range(10)]
    )
    with_10 = (queries_for(client, list_url), queries_for(client, detail_url))
    Tool.objects.bulk_create(
        [Tool(organisation=personas.org, name=f"U{n}", vendor=vendor) for n in range(90)]
    )
    for _ in range(90):
        VendorFactory()
    assert (queries_for(client, list_url), queries_for(client, detail_url)) == with_10
