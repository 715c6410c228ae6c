"""Report intake services: a new report (form, public link, e-mail), the reporter's messages, and the
follow-up by code.

Nothing here writes an audit entry, a history row or an exact time for the reporter's side: the report
carries the day it was received, its messages the day they were written. The committee's first step in the
case workflow records the case (revoyure.reports case services). Who sent a report is stored only for a
member who chose not to be anonymous (`reporter`) or for an e-mail (the sender wrote from their address)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool
from revoyure.reports.anonymity import (
    CleanFile,
    hash_code,
    new_followup_code,
    new_reference,
    normalise_code,
    strip_metadata,
)
from revoyure.reports.models import Channel, Message, Report, ReportAttachment

MAX_ATTACHMENTS = 10
_REFERENCE_TRIES = 20


def clean_uploads(uploads: Iterable[UploadedFile]) -> list[CleanFile]:
    """Strip every upload before anything is written; the first refused file stops the whole submission."""
    files = list(uploads)
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": _("At most %(count)d files can be sent at once.") % {"count": MAX_ATTACHMENTS}}
        )
    cleaned = []
    for upload in files:
        try:
            cleaned.append(strip_metadata(upload))
        except ValidationError as exc:
            raise ValidationError({"attachments": exc.messages}) from None
    return cleaned


def _store(
    report: Report, clean: CleanFile, *, message: Message | None, from_reporter: bool
) -> ReportAttachment:
    attachment = ReportAttachment(
        report=report,
        message=message,
        content_type=clean.content_type,
        size=len(clean.content),
        sha256=clean.sha256,
        from_reporter=from_reporter,
    )
    # The name given to the storage is the hash (attachment_path ignores it anyway): never the sender's.
    attachment.file.save(clean.sha256, ContentFile(clean.content), save=False)
    attachment.save()
    _blur_file_time(attachment)
    return attachment


def _blur_file_time(attachment: ReportAttachment) -> None:
    """A file on disk carries its modification time: set it to the start of the day, like `received_on`."""
    try:
        path = attachment.file.path
    except NotImplementedError:  # a storage without local paths keeps its own dates
        return
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min)).timestamp()
    with contextlib.suppress(OSError):
        os.utime(path, (midnight, midnight))


@transaction.atomic
def create_report(
    organisation: Organisation,
    *,
    channel: str,
    title: str,
    description: str,
    occurred_on: date | None = None,
    tool: Tool | None = None,
    reporter: Any = None,
    anonymous: bool = False,
    attachments: Iterable[CleanFile] = (),
) -> tuple[Report, str]:
    """Create a report and return it with its follow-up code ("" when none is given: a member who signed
    the report follows it from their own page; an e-mail's sender is answered by e-mail).

    The public link and anonymous reports never keep the account, even of a logged-in member."""
    if channel == Channel.PUBLIC:
        anonymous = True
    if anonymous:
        reporter = None
    if tool is not None and tool.organisation_id != organisation.pk:
        raise ValidationError({"tool": _("This tool is not in the organisation's register.")})
    if occurred_on is not None and occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The date cannot be in the future.")})
    code = new_followup_code() if anonymous else ""
    report = Report(
        organisation=organisation,
        tool=tool,
        title=title.strip()[:200],
        description=description.strip(),
        occurred_on=occurred_on,
        received_on=timezone.localdate(),
        channel=channel,
        anonymous=anonymous,
        reporter=reporter,
        followup_code_hash=hash_code(code) if code else "",
    )
    report.full_clean(exclude=["reference"])
    for _attempt in range(_REFERENCE_TRIES):
        report.reference = new_reference()
        try:
            with transaction.atomic():
                report.save()
            break
        except IntegrityError:
            report.pk = None
    else:  # pragma: no cover - 2^30 references per organisation
        raise RuntimeError("no free report reference")
    for clean in attachments:
        _store(report, clean, message=None, from_reporter=True)
    return report, code


@transaction.atomic
def add_reporter_message(
    report: Report, body: str, attachments: Iterable[CleanFile] = (), *, author: Any = None
) -> Message:
    """Information added by the reporter: dated to the day; the author only for a signed report."""
    body = body.strip()
    files = list(attachments)
    if not body and not files:
        raise ValidationError({"body": _("Write a message or attach a file.")})
    message = Message.objects.create(
        report=report,
        from_reporter=True,
        author=author if (author is not None and not report.anonymous) else None,
        body=body,
        created_on=timezone.localdate(),
    )
    for clean in files:
        _store(report, clean, message=message, from_reporter=True)
    return message


def report_for_code(organisation: Organisation, code: str) -> Report | None:
    """The organisation's report with this follow-up code, if any."""
    if not code or len(code) > 200 or len(normalise_code(code)) < 16:
        return None
    digest = hash_code(code)
    return (
        Report.objects.filter(organisation=organisation, followup_code_hash=digest)
        .exclude(followup_code_hash="")
        .first()
    )
