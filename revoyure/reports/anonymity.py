"""What keeps a staff report from pointing at the person who sent it (issue 5 §3–4).

- Follow-up codes: 160 random bits from `secrets`, shown once in groups of four base32 characters, stored
  only as a SHA-256 hash.
- References: random ("S-" and six base32 characters), never a sequence that would date a report.
- Attachments: re-encoded or rewritten without their identifying metadata (EXIF/XMP/ICC and text chunks of
  images, document information and XMP of PDFs, core/app/custom properties of office documents, the
  modification times of the entries of a zip container); other types are refused.
- Rate limits that do not store who: see `RateLimit`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import secrets
import time
import zipfile
from dataclasses import dataclass

from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from revoyure.core.uploads import check_upload

# --- Follow-up codes and references -------------------------------------------------------------------

CODE_BYTES = 20  # 160 bits of entropy: 32 base32 characters, 8 groups of 4
_CONFUSABLE = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_followup_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(code: str) -> str:
    """What the reporter typed, without spaces, dashes or case, with look-alike digits read as letters."""
    return re.sub(r"[^A-Z2-7]", "", (code or "").upper().translate(_CONFUSABLE))


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii")).hexdigest()


def new_reference() -> str:
    return "S-" + base64.b32encode(secrets.token_bytes(5)).decode("ascii")[:6]


# --- Attachments --------------------------------------------------------------------------------------

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
PDF_TYPE = "application/pdf"
OOXML_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
# Plain text carries no embedded metadata: kept as sent.
TEXT_TYPE = "text/plain"
ACCEPTED_TYPES = {*IMAGE_TYPES, PDF_TYPE, *OOXML_TYPES, *ODF_TYPES, TEXT_TYPE}

_EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
_EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>'
)
_EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>'
)
_EMPTY_ODF_META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    b' office:version="1.2"><office:meta/></office:document-meta>'
)
_OOXML_REPLACED = {
    "docProps/core.xml": _EMPTY_CORE,
    "docProps/app.xml": _EMPTY_APP,
    "docProps/custom.xml": _EMPTY_CUSTOM,
}
_ODF_REPLACED = {"meta.xml": _EMPTY_ODF_META}
# The entries' modification times say when the author last saved the file: all set to the zip epoch.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_MAX_UNZIPPED = 200 * 1024 * 1024


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def strip_metadata(upload: UploadedFile) -> CleanFile:
    """The upload's content without identifying metadata, or a ValidationError (size, type, damaged file)."""
    content_type = check_upload(upload)
    if content_type not in ACCEPTED_TYPES:
        raise _refuse(
            _("This type of file (%(type)s) is not accepted with a report.") % {"type": content_type}
        )
    upload.seek(0)
    data = upload.read()
    try:
        if content_type in IMAGE_TYPES:
            return CleanFile(_clean_image(data, IMAGE_TYPES[content_type]), content_type)
        if content_type == PDF_TYPE:
            return CleanFile(_clean_pdf(data), content_type)
        if content_type in OOXML_TYPES:
            return CleanFile(_clean_zip(data, _OOXML_REPLACED), content_type)
        if content_type in ODF_TYPES:
            return CleanFile(_clean_zip(data, _ODF_REPLACED), content_type)
    except ValidationError:
        raise
    except (OSError, ValueError, SyntaxError, PyPdfError, zipfile.BadZipFile, Image.DecompressionBombError):
        raise _refuse(_("This file is damaged or cannot be read; it was not accepted.")) from None
    return CleanFile(data, content_type)


def _clean_image(data: bytes, fmt: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            # Keep the picture the right way up, then drop everything but the pixels.
            upright = ImageOps.exif_transpose(img) or img
            if upright.mode == "P" or (fmt == "JPEG" and upright.mode not in ("RGB", "L")):
                upright = upright.convert("RGBA" if fmt != "JPEG" and "transparency" in img.info else "RGB")
            pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    except UnidentifiedImageError:
        raise _refuse(_("This image cannot be read; it was not accepted.")) from None
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
    pixels.save(out, format=fmt, **options)
    return out.getvalue()


def _clean_pdf(data: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise _refuse(_("Password-protected PDF files are not accepted."))
    writer = PdfWriter()
    for page in reader.pages:
        added = writer.add_page(page)
        for key in ("/Metadata", "/PieceInfo"):
            if key in added:
                del added[key]
    # Neither the document information (author, dates, producer) nor the catalogue's XMP stream is copied.
    writer.metadata = None
    if "/Metadata" in writer.root_object:
        del writer.root_object["/Metadata"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _clean_zip(data: bytes, replaced: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        if sum(info.file_size for info in src.infolist()) > _MAX_UNZIPPED:
            raise _refuse(_("This document is too large once unpacked; it was not accepted."))
        for info in src.infolist():
            content = replaced.get(info.filename)
            if content is None:
                content = src.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            # ODF wants its `mimetype` entry stored, not compressed; keep each entry's method.
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            dst.writestr(entry, content)
    return out.getvalue()


# --- Rate limits that do not store who ----------------------------------------------------------------
#
# Choice: two fixed-window counters per scope (public form submissions, wrong follow-up codes) and per
# organisation, kept only in this process's memory (a LocMemCache of our own, never the project's default
# cache, which is the database in production):
# - a global bucket per organisation, whose key names nobody;
# - a bucket per client, keyed by an HMAC of the client's address with a secret drawn at process start and
#   the current day: the key changes every day, cannot be reversed to the address without the secret, and
#   the secret never leaves memory. Nothing is written to the database, the logs or a file.
# A restart forgets the counters (and a multi-process deployment counts per process): an accepted trade-off
# for storing nothing about the person. The per-client bucket stops one person guessing codes; the global
# bucket caps a distributed attempt (at the price that a flood can delay other reporters for one window).

_COUNTERS = LocMemCache("revoyure-reports-intake", {"MAX_ENTRIES": 20000})
_SECRET = secrets.token_bytes(32)


@dataclass(frozen=True)
class RateLimit:
    scope: str
    per_client: int
    per_organisation: int
    window_seconds: int

    def _keys(self, request: HttpRequest, organisation_id: int) -> tuple[str, str]:
        window = int(time.time() // self.window_seconds)
        address = request.META.get("REMOTE_ADDR", "") or ""
        day = int(time.time() // 86400)  # the UTC day number: the key rotates daily
        client = hmac.new(_SECRET, f"{day}|{address}".encode(), hashlib.sha256).hexdigest()[:32]
        base = f"{self.scope}:{organisation_id}:{window}"
        return base, f"{base}:{client}"

    def exceeded(self, request: HttpRequest, organisation_id: int) -> bool:
        org_key, client_key = self._keys(request, organisation_id)
        return (_COUNTERS.get(client_key, 0) >= self.per_client) or (
            _COUNTERS.get(org_key, 0) >= self.per_organisation
        )

    def hit(self, request: HttpRequest, organisation_id: int) -> None:
        for key in self._keys(request, organisation_id):
            _COUNTERS.add(key, 0, timeout=self.window_seconds * 2)
            try:
                _COUNTERS.incr(key)
            except ValueError:  # expired between add and incr
                _COUNTERS.set(key, 1, timeout=self.window_seconds * 2)


WRONG_CODES = RateLimit("code", per_client=5, per_organisation=50, window_seconds=15 * 60)
PUBLIC_SUBMISSIONS = RateLimit("public", per_client=5, per_organisation=100, window_seconds=60 * 60)


def reset_rate_limits() -> None:
    _COUNTERS.clear()
