"""API: a tool's attachments — list, multipart upload (size and type checked from the content), download
through the permission check."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from revoyure.core.models import AuditEntry
from revoyure.registry import services
from revoyure.registry.models import Attachment
from tests.api_support import (
    READ_ONLY,
    READERS,
    WRITERS,
    ApiClient,
    assert_problem,
    counts,
    token_client,
    use_media_dir,
)
from tests.factories import make_tool

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    return use_media_dir(settings, tmp_path)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def delegate(personas: Any) -> ApiClient:
    return token_client(personas, "delegate")


@pytest.fixture
def attachment(personas: Any, tool: Any, media: Any) -> Attachment:
    upload = SimpleUploadedFile("minutes.txt", b"Minutes of the CSE meeting", content_type="text/plain")
    return services.add_attachment(
        personas.org, personas.delegate, upload, title="CSE minutes", kind="study", tool=tool
    )


def _attachments(tool: Any) -> str:
    return f"/organisations/acme/tools/{tool.pk}/attachments"


def _files(media: Any) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


@pytest.mark.parametrize("who", READERS)
def test_readers_list_a_tools_attachments(personas, tool, attachment, who: str) -> None:
    body = token_client(personas, who).get(_attachments(tool)).json()
    assert len(body) == 1
    item = body[0]
    assert item["title"] == "CSE minutes"
    assert item["kind"] == "study"
    assert item["original_name"] == "minutes.txt"
    assert item["content_type"] == "text/plain"
    assert item["uploaded_by"] == "delegate@acme.example"
    assert item["download_url"].endswith(f"/api/v1/organisations/acme/attachments/{attachment.pk}/download")


@pytest.mark.parametrize("who", WRITERS)
def test_writers_upload_an_attachment(personas, tool, media, who: str) -> None:
    response = token_client(personas, who).upload(
        _attachments(tool),
        {
            "title": "Instructions for use",
            "kind": "instructions",
            "file": SimpleUploadedFile("manual.pdf", PDF, content_type="application/octet-stream"),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    stored = Attachment.objects.get(pk=body["id"])
    assert stored.tool == tool
    assert stored.content_type == body["content_type"] == "application/pdf"  # judged from the content
    assert stored.size == len(PDF)
    assert (
        AuditEntry.objects.filter(action="attachment.added").latest("id").actor_id
        == getattr(personas, who).pk
    )
    assert len(_files(media)) == 1


def test_uploaded_file_can_be_downloaded(personas, delegate, tool, media) -> None:
    body = delegate.upload(
        _attachments(tool), {"title": "Manual", "file": SimpleUploadedFile("manual.pdf", PDF)}
    ).json()
    response = delegate.client.get(body["download_url"], headers=delegate.headers)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"title": "No file"}, ["file"]),
        ({"title": "Text, not a file", "file": "not a file"}, ["file"]),
        ({"title": "Empty", "file": SimpleUploadedFile("empty.pdf", b"")}, ["file"]),
        (
            {
                "title": "Web page",
                "file": SimpleUploadedFile("page.txt", b"<html><script>alert(1)</script></html>"),
            },
            ["file"],
        ),
        (
            {"title": "Program", "file": SimpleUploadedFile("tool.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)},
            ["file"],
        ),
        ({"title": "Bad kind", "kind": "nonsense", "file": SimpleUploadedFile("a.pdf", PDF)}, ["kind"]),
        ({"title": "x" * 301, "file": SimpleUploadedFile("a.pdf", PDF)}, ["title"]),
        ({"title": "Nul\x00", "file": SimpleUploadedFile("a.pdf", PDF)}, ["title"]),
    ],
)
def test_malformed_upload_gives_422_naming_the_field_and_writes_nothing(
    delegate, tool, media, data, fields
) -> None:
    before = counts()
    assert_problem(delegate.upload(_attachments(tool), data), 422, *fields)
    assert counts() == before
    assert _files(media) == []


def test_oversized_upload_gives_422_naming_file(delegate, tool, media, settings) -> None:
    settings.REVOYURE_ATTACHMENT_MAX_BYTES = 50
    before = counts()
    body = assert_problem(
        delegate.upload(_attachments(tool), {"file": SimpleUploadedFile("big.pdf", PDF)}), 422, "file"
    )
    assert "large" in body["errors"][0]["message"]
    assert counts() == before
    assert _files(media) == []


def test_json_upload_gives_422_naming_file(delegate, tool, media) -> None:
    before = counts()
    assert_problem(delegate.post(_attachments(tool), {"title": "JSON", "file": "aGVsbG8="}), 422, "file")
    assert counts() == before


@pytest.mark.parametrize("who", [*READ_ONLY, "employee"])
def test_roles_without_edit_permission_cannot_upload(personas, tool, media, who: str) -> None:
    before = counts()
    response = token_client(personas, who).upload(
        _attachments(tool), {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert_problem(response, 403)
    assert counts() == before
    assert _files(media) == []


def test_upload_to_a_tool_of_another_organisation_gives_404(personas, delegate, media) -> None:
    foreign = make_tool(personas.other_org, personas.outsider, name="Foreign")
    before = counts()
    response = delegate.upload(_attachments(foreign), {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert_problem(response, 404)
    assert counts() == before


@pytest.mark.parametrize("who", READERS)
def test_readers_download_an_attachment_as_a_file(personas, attachment, who: str) -> None:
    response = token_client(personas, who).get(f"/organisations/acme/attachments/{attachment.pk}/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="minutes.txt"'
    assert b"".join(response.streaming_content) == b"Minutes of the CSE meeting"


def test_employee_cannot_download_an_attachment(personas, attachment) -> None:
    assert_problem(
        token_client(personas, "employee").get(f"/organisations/acme/attachments/{attachment.pk}/download"),
        403,
    )


def test_outsider_cannot_download_an_attachment(personas, attachment) -> None:
    client = token_client(personas, "outsider")
    assert_problem(client.get(f"/organisations/acme/attachments/{attachment.pk}/download"), 404)
    assert_problem(client.get(f"/organisations/other/attachments/{attachment.pk}/download"), 404)


def test_anonymous_cannot_download_an_attachment(attachment) -> None:
    assert_problem(ApiClient().get(f"/organisations/acme/attachments/{attachment.pk}/download"), 401)


def test_download_of_a_missing_file_gives_404(delegate, attachment, media) -> None:
    for path in media.rglob("*"):
        if path.is_file():
            path.unlink()
    assert_problem(delegate.get(f"/organisations/acme/attachments/{attachment.pk}/download"), 404)


@pytest.mark.parametrize(("attachment_id", "status"), [("424242", 404), ("9" * 30, 404), ("x", 422)])
def test_missing_or_malformed_attachment_id_gives_a_4xx_problem(delegate, attachment_id, status) -> None:
    assert_problem(delegate.get(f"/organisations/acme/attachments/{attachment_id}/download"), status)


def test_employee_cannot_list_attachments(personas, tool, attachment) -> None:
    assert_problem(token_client(personas, "employee").get(_attachments(tool)), 403)
