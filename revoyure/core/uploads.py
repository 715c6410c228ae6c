"""Upload checks: size, and type judged from the file's content (never from its name or declared type)."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Types we accept as attachments: documents people exchange about a tool.
ALLOWED_BINARY_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/zip",
}
_SNIFF_BYTES = 8192


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def check_upload(upload: UploadedFile, max_bytes: int | None = None) -> str:
    """Return the detected content type, or raise a ValidationError naming the `file` field."""
    limit = max_bytes or settings.REVOYURE_ATTACHMENT_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > limit:
        raise ValidationError(
            {
                "file": _("The file is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            }
        )
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in ALLOWED_BINARY_TYPES:
            return str(kind.mime)
        raise ValidationError(
            {"file": _("This type of file (%(type)s) is not accepted.") % {"type": kind.mime}}
        )
    if _looks_like_text(head):
        lowered = head.lower()
        # Markup could run in a browser if it were ever served inline; refuse it rather than guess.
        if b"<script" in lowered or b"<html" in lowered or b"<svg" in lowered:
            raise ValidationError({"file": _("HTML or SVG files are not accepted.")})
        return "text/plain"
    raise ValidationError({"file": _("This type of file is not recognised and is not accepted.")})
