"""Importing a DPIA exported from the CNIL's PIA tool and linking it as the tool's DPIA."""

from __future__ import annotations

import hashlib
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from revoyure.assessments.models_pia import PiaImport
from revoyure.assessments.pia import parse_pia
from revoyure.core.audit import record
from revoyure.registry import services as registry_services
from revoyure.registry.choices import DpiaStatus
from revoyure.registry.models import Tool


def max_bytes() -> int:
    # A PIA export is text; the register import limit is the right order of magnitude.
    return int(settings.REVOYURE_IMPORT_MAX_BYTES)


def _read(source: bytes | IO[bytes] | Any) -> bytes:
    limit = max_bytes()
    if isinstance(source, bytes):
        raw = source
    else:
        size = getattr(source, "size", None)
        if size is not None and size > limit:
            raw = b"x" * (limit + 1)  # refused below without reading it
        else:
            if hasattr(source, "seek"):
                source.seek(0)
            raw = source.read(limit + 1)
    if not raw:
        raise ValidationError(_("The file is empty."))
    if len(raw) > limit:
        raise ValidationError(
            _("The file is too large; the limit is %(limit)s.") % {"limit": filesizeformat(limit)}
        )
    return raw


def import_pia(
    tool: Tool, user: Any, source: bytes | IO[bytes] | Any, file_name: str, *, source_name: str = "web"
) -> PiaImport:
    """Check and store the export, then record it as the tool's DPIA (status and link, with the reason in
    the tool's history). A refused file raises ValidationError and writes nothing."""
    raw = _read(source)
    export = parse_pia(raw)
    with transaction.atomic():
        pia = PiaImport.objects.create(
            organisation_id=tool.organisation_id,
            tool=tool,
            name=export.name,
            imported_by=user if getattr(user, "pk", None) else None,
            original_name=(file_name or "")[:255],
            sha256=hashlib.sha256(raw).hexdigest(),
            data=export.as_dict(),
            pia_status=export.status,
            validated=export.validated,
            answer_count=len(export.answers),
            measure_count=len(export.measures),
            evaluation_count=len(export.evaluations),
        )
        pia.organisation = tool.organisation
        record(
            "pia.imported",
            actor=user,
            organisation_id=tool.organisation_id,
            obj=pia,
            data={"tool": tool.pk, "file": pia.original_name, "sha256": pia.sha256, "source": source_name},
        )
        registry_services.update_tool(
            tool,
            user,
            {
                "dpia_status": DpiaStatus.DONE if export.validated else DpiaStatus.IN_PROGRESS,
                "dpia_link": pia.get_absolute_url(),
            },
            reason=_("DPIA “%(name)s” imported from the CNIL PIA tool.") % {"name": export.name},
            source=source_name,
        )
    return pia
