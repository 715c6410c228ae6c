"""Attachments of a tool: upload with content checks, permission-checked download, removal with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from revoyure.core.models import AuditEntry
from revoyure.registry import services
from revoyure.registry.models import Attachment, Tool
from tests.factories import make_tool

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


def add_url(tool: Tool, org: str = "acme") -> str:
    return reverse("registry:attachment_add", kwargs={"org": org, "pk": tool.pk})


def download_url(attachment: Attachment, org: str = "acme") -> str:
    return reverse("registry:attachment_download", kwargs={"org": org, "pk": attachment.pk})


def remove_url(attachment: Attachment, org: str = "acme") -> str:
    return reverse("registry:attachment_remove", kwargs={"org": org, "pk": attachment.pk})


def upload(name: str = "notice.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def attachment(personas, tool) -> Attachment:
    return services.add_attachment(
        personas.org, personas.delegate, upload(), title="Instructions", kind="instructions", tool=tool
    )


def test_editor_attaches_a_pdf_to_a_tool(personas, tool, media_root):
    response = personas.client("delegate").post(
        add_url(tool), {"title": "Vendor notice", "kind": "instructions", "file": upload()}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.tool, attachment.title, attachment.content_type) == (
        tool,
        "Vendor notice",
        "application/pdf",
    )
    assert (media_root / attachment.file.name).read_bytes() == PDF


def test_an_html_file_is_refused_whatever_its_name(personas, tool):
    response = personas.client("delegate").post(
        add_url(tool),
        {
            "title": "x",
            "kind": "other",
            "file": upload("notice.pdf", b"<html><script>alert(1)</script>", "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "HTML" in response.context["attachment_form"].errors["file"][0]
    assert not Attachment.objects.exists()


def test_an_executable_is_refused(personas, tool):
    response = personas.client("delegate").post(
        add_url(tool),
        {"title": "x", "kind": "other", "file": upload("tool.pdf", b"MZ\x90\x00" + b"\x00" * 200)},
    )
    assert response.status_code == 400
    assert "file" in response.context["attachment_form"].errors
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(personas, tool, settings):
    settings.REVOYURE_ATTACHMENT_MAX_BYTES = 50
    response = personas.client("delegate").post(
        add_url(tool), {"title": "x", "kind": "other", "file": upload()}
    )
    assert response.status_code == 400
    assert "too large" in response.context["attachment_form"].errors["file"][0]
    assert not Attachment.objects.exists()


def test_an_empty_file_is_refused(personas, tool):
    response = personas.client("delegate").post(
        add_url(tool), {"title": "x", "kind": "other", "file": upload("empty.txt", b"")}
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("data", [{"title": "x", "kind": "other"}, {"title": "x", "kind": "bogus"}])
def test_a_missing_file_or_wrong_kind_is_refused(personas, tool, data):
    if "bogus" in data.values():
        data = {**data, "file": upload()}
    response = personas.client("delegate").post(add_url(tool), data)
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_the_upload_form_is_shown_only_to_editors(personas, tool):
    assert (
        add_url(tool)
        in personas.client("manager")
        .get(reverse("registry:tool_detail", kwargs={"org": "acme", "pk": tool.pk}))
        .content.decode()
    )
    assert (
        add_url(tool)
        not in personas.client("staff_rep")
        .get(reverse("registry:tool_detail", kwargs={"org": "acme", "pk": tool.pk}))
        .content.decode()
    )


def test_staff_representative_cannot_attach(personas, tool):
    response = personas.client("staff_rep").post(
        add_url(tool), {"title": "x", "kind": "other", "file": upload()}
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_outsider_cannot_attach(personas, tool):
    response = personas.client("outsider").post(
        add_url(tool, "other"), {"title": "x", "kind": "other", "file": upload()}
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("who", ["delegate", "staff_rep", "committee", "auditor"])
def test_readers_download_the_file_as_an_attachment(personas, attachment, who):
    response = personas.client(who).get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="notice.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_record_links_to_the_download(personas, attachment, tool):
    content = (
        personas.client("staff_rep")
        .get(reverse("registry:tool_detail", kwargs={"org": "acme", "pk": tool.pk}))
        .content.decode()
    )
    assert download_url(attachment) in content
    assert "Instructions" in content


def test_employee_cannot_download(personas, attachment):
    assert personas.client("employee").get(download_url(attachment)).status_code == 403


def test_outsider_cannot_download_even_through_their_own_organisation(personas, attachment):
    client = personas.client("outsider")
    assert client.get(download_url(attachment)).status_code == 404
    assert client.get(download_url(attachment, "other")).status_code == 404


def test_anonymous_download_is_sent_to_login(client, personas, attachment):
    response = client.get(download_url(attachment))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_missing_file_answers_404(personas, attachment, media_root):
    (media_root / attachment.file.name).unlink()
    assert personas.client("delegate").get(download_url(attachment)).status_code == 404


def test_stored_files_are_not_served_under_a_media_address(personas, attachment, client):
    client.force_login(personas.delegate)
    assert client.get("/media/" + attachment.file.name).status_code == 404


def test_removing_needs_a_reason(personas, attachment):
    response = personas.client("delegate").post(
        remove_url(attachment), {f"remove-{attachment.pk}-reason": " "}
    )
    assert response.status_code == 400
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_removing_with_a_reason_deletes_it_and_its_file(
    personas, attachment, media_root, django_capture_on_commit_callbacks
):
    stored = media_root / attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.client("delegate").post(
            remove_url(attachment), {f"remove-{attachment.pk}-reason": "Wrong document"}
        )
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not stored.exists()
    assert AuditEntry.objects.get(action="attachment.removed").data["reason"] == "Wrong document"


def test_staff_representative_cannot_remove(personas, attachment):
    response = personas.client("staff_rep").post(
        remove_url(attachment), {f"remove-{attachment.pk}-reason": "x"}
    )
    assert response.status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_outsider_cannot_remove(personas, attachment):
    response = personas.client("outsider").post(
        remove_url(attachment, "other"), {f"remove-{attachment.pk}-reason": "x"}
    )
    assert response.status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_an_attachment_of_another_tool_page_is_not_mixed_up(personas, attachment):
    other = make_tool(personas.org, name="Other tool")
    content = (
        personas.client("delegate")
        .get(reverse("registry:tool_detail", kwargs={"org": "acme", "pk": other.pk}))
        .content.decode()
    )
    assert download_url(attachment) not in content


def test_a_very_long_file_name_is_accepted_and_shortened(personas, tool):
    name = "n" * 400 + ".pdf"
    response = personas.client("delegate").post(
        add_url(tool), {"title": "", "kind": "other", "file": upload(name)}
    )
    assert response.status_code == 302
    assert len(Attachment.objects.get().original_name) == 255
