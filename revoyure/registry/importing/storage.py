"""Keeping an uploaded import file between the steps of the web import (upload → mapping → preview →
import).

The file lives under `var/media/imports/<organisation id>/<random name>`, outside the static root, and the
form carries a signed token naming it; the browser never sends a path. Files abandoned for a day are
removed when the next upload arrives.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from revoyure.organisations.models import Organisation
from revoyure.registry.importing.errors import ImportFileError
from revoyure.registry.importing.readers import FORMATS

SALT = "revoyure.registry.import"
MAX_AGE = 24 * 3600
_FILE_ID = re.compile(r"[0-9a-f]{32}")
MAX_NAME = 200


@dataclass(frozen=True)
class StoredUpload:
    path: Path
    name: str
    format: str | None
    token: str


def import_directory(organisation: Organisation) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(organisation.pk)


def _sweep(directory: Path) -> None:
    limit = time.time() - MAX_AGE
    for entry in directory.iterdir():
        try:
            if entry.is_file() and entry.stat().st_mtime < limit:
                entry.unlink()
        except OSError:  # another request removed it first
            continue


def store_upload(organisation: Organisation, upload: UploadedFile, fmt: str | None) -> StoredUpload:
    directory = import_directory(organisation)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _sweep(directory)
    file_id = secrets.token_hex(16)
    path = directory / file_id
    with path.open("xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    name = Path(upload.name or "import").name[:MAX_NAME]
    token = signing.dumps({"o": organisation.pk, "f": file_id, "n": name, "t": fmt or ""}, salt=SALT)
    return StoredUpload(path, name, fmt or None, token)


def load_upload(organisation: Organisation, token: str) -> StoredUpload:
    """The stored file a token names, if the token is genuine, recent and for this organisation."""
    try:
        data = signing.loads(str(token)[:2000], salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature as exc:  # includes an expired signature
        raise ImportFileError(_("This import has expired or is not valid: upload the file again.")) from exc
    file_id = str(data.get("f", "")) if isinstance(data, dict) else ""
    fmt = str(data.get("t", "")) if isinstance(data, dict) else ""
    if data.get("o") != organisation.pk or not _FILE_ID.fullmatch(file_id) or fmt not in ("", *FORMATS):
        raise ImportFileError(_("This import has expired or is not valid: upload the file again."))
    path = import_directory(organisation) / file_id
    if not path.is_file():
        raise ImportFileError(_("The uploaded file is no longer available: upload it again."))
    return StoredUpload(path, str(data.get("n", ""))[:MAX_NAME] or "import", fmt or None, str(token))


def discard(stored: StoredUpload) -> None:
    stored.path.unlink(missing_ok=True)
