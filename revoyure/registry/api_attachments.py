"""API: a tool's attachments — list, upload (size and type checked from the content by the service), and
download through the permission check (files are never served from a public directory)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from revoyure.core.api import problem_responses
from revoyure.core.permissions import Perm
from revoyure.organisations.api import api_auth, caller
from revoyure.registry import services
from revoyure.registry.access import access_attachment, access_tool
from revoyure.registry.choices import AttachmentKind
from revoyure.registry.models import Attachment
from revoyure.registry.schemas import AttachmentOut

router = Router(tags=["attachments"])

_READ_ERRORS = problem_responses(401, 403, 404, 422)


def attachment_data(request: HttpRequest, attachment: Attachment, organisation_slug: str) -> dict[str, Any]:
    uploader = attachment.uploaded_by
    path = reverse(
        "api:download_attachment", kwargs={"slug": organisation_slug, "attachment_id": attachment.pk}
    )
    return {
        "id": attachment.pk,
        "tool_id": attachment.tool_id,
        "kind": attachment.kind,
        "title": attachment.title,
        "original_name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_at": attachment.uploaded_at,
        "uploaded_by": uploader.email if uploader is not None else None,
        "download_url": request.build_absolute_uri(path),
    }


@router.get(
    "/organisations/{slug}/tools/{tool_id}/attachments",
    response={200: list[AttachmentOut], **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REGISTER),
    summary="A tool's attachments",
)
def list_attachments(request: HttpRequest, slug: str, tool_id: int) -> list[dict[str, Any]]:
    who = caller(request)
    _access, tool = access_tool(who.user, slug, tool_id, Perm.VIEW_REGISTER, token_roles=who.token_roles)
    attachments = tool.attachments.select_related("uploaded_by").order_by("-uploaded_at", "-id")
    return [attachment_data(request, attachment, slug) for attachment in attachments]


@router.post(
    "/organisations/{slug}/tools/{tool_id}/attachments",
    response={201: AttachmentOut, **problem_responses(400, 401, 403, 404, 413, 422)},
    auth=api_auth(Perm.EDIT_REGISTER),
    summary="Attach a document to a tool (multipart/form-data)",
)
def upload_attachment(
    request: HttpRequest,
    slug: str,
    tool_id: int,
    file: UploadedFile = File(...),  # noqa: B008
    title: str = Form("", max_length=300),
    kind: str = Form(AttachmentKind.OTHER.value, max_length=30),
) -> Status[dict[str, Any]]:
    """The type is judged from the file's content (PDF, images, office documents, plain text); the size
    limit is the installation's. Errors name the `file` field."""
    who = caller(request)
    access, tool = access_tool(who.user, slug, tool_id, Perm.EDIT_REGISTER, token_roles=who.token_roles)
    if "\x00" in title or "\x00" in kind:
        raise ValidationError({"title" if "\x00" in title else "kind": _("Null characters are not allowed.")})
    file.name = (file.name or "").replace("\x00", "")
    attachment = services.add_attachment(
        access.organisation, who.user, file, title=title, kind=kind, tool=tool
    )
    return Status(201, attachment_data(request, attachment, slug))


@router.get(
    "/organisations/{slug}/attachments/{attachment_id}/download",
    response={**_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REGISTER),
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as an attachment.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(request: HttpRequest, slug: str, attachment_id: int) -> FileResponse:
    who = caller(request)
    _access, attachment = access_attachment(
        who.user, slug, attachment_id, Perm.VIEW_REGISTER, token_roles=who.token_roles
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
