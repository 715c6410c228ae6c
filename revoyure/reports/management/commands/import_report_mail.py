"""Create staff reports from the messages sent to the committee's generic address (issue 5 §3).

    manage.py import_report_mail <org-slug> --maildir PATH
    manage.py import_report_mail <org-slug> --imap-host H --imap-user U --imap-password-env VAR
                                            [--imap-port 993] [--ssl/--no-ssl] [--folder INBOX]

One report per message, channel "email". The sender wrote from their own address, so the report is not
anonymous: it is linked to the member of the organisation with that address if there is one; otherwise the
sender's name and address head the description, so that the committee can answer them (there is no other
field for a person without an account, and dropping it would leave the committee unable to reply).
Attachments are stripped of their metadata like the form's; refused ones are named in the description.
Each message is imported once: the SHA-256 of its Message-ID (or of its bytes without one) is kept in a
`CaseStep` of kind "email_intake", and processed messages are marked (maildir: moved to cur/ with the S flag;
IMAP: \\Seen). A message that cannot be turned into a report is flagged (F / \\Flagged) and left for a person."""

from __future__ import annotations

import argparse
import contextlib
import email
import hashlib
import imaplib
import mailbox
import os
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from revoyure.organisations.models import Membership, Organisation
from revoyure.reports import intake
from revoyure.reports.anonymity import CleanFile, strip_metadata
from revoyure.reports.models import CaseStep, Channel, Report

STEP_KIND = "email_intake"


class Malformed(ValueError):
    pass


def message_key(raw: bytes, message: EmailMessage) -> str:
    message_id = (message.get("Message-ID") or "").strip()
    return hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()


def already_imported(organisation: Organisation, key: str) -> bool:
    return CaseStep.objects.filter(
        report__organisation=organisation, kind=STEP_KIND, data__message_id_sha256=key
    ).exists()


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, KeyError):
        payload = part.get_payload(decode=True) or b""
        text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
    if part.get_content_type() == "text/html":
        text = strip_tags(text)
    return str(text).strip()


def _attachments(message: EmailMessage) -> tuple[list[CleanFile], int]:
    kept, refused = [], 0
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        try:
            kept.append(strip_metadata(SimpleUploadedFile("attachment", payload)))
        except ValidationError:
            refused += 1
    return kept[: intake.MAX_ATTACHMENTS], refused + max(0, len(kept) - intake.MAX_ATTACHMENTS)


def import_message(organisation: Organisation, raw: bytes) -> Report | None:
    """Create the report of one raw message; None if it was imported before; `Malformed` if unusable."""
    message = email.message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default always gives one
        raise Malformed("not a message")
    key = message_key(raw, message)
    if already_imported(organisation, key):
        return None
    try:
        name, address = parseaddr(str(message.get("From") or ""))
        subject = str(message.get("Subject") or "").strip()
    except (ValueError, TypeError, IndexError) as exc:
        raise Malformed(f"unreadable headers: {exc}") from exc
    if "@" not in address:
        raise Malformed("no sender address")
    body = _body(message)
    files, refused = _attachments(message)
    if not body and not files:
        raise Malformed("no text and no attachment")
    member = (
        Membership.objects.filter(
            organisation=organisation, user__email__iexact=address, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    description = body
    if member is None:
        sender = f"{name} <{address}>" if name else address
        description = f"From: {sender}\n\n{body}"
    if refused:
        description += f"\n\n[{refused} attachment(s) of a type that is not accepted were not kept.]"
    with transaction.atomic():
        report, _code = intake.create_report(
            organisation,
            channel=Channel.EMAIL,
            title=subject or "Report received by e-mail",
            description=description,
            reporter=member.user if member else None,
            anonymous=False,
            attachments=files,
        )
        CaseStep.objects.create(
            report=report, kind=STEP_KIND, at=timezone.now(), data={"message_id_sha256": key}
        )
    return report


class Command(BaseCommand):
    help = "Create staff reports from the messages of the committee's generic mailbox (IMAP or maildir)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", help="slug of the organisation")
        parser.add_argument("--maildir", help="path of a maildir to read")
        parser.add_argument("--imap-host")
        parser.add_argument("--imap-port", type=int)
        parser.add_argument("--imap-user")
        parser.add_argument(
            "--imap-password-env", help="name of the environment variable holding the password"
        )
        parser.add_argument("--ssl", action=argparse.BooleanOptionalAction, default=True)
        parser.add_argument("--folder", default="INBOX")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation {options['organisation']!r}.")
        if bool(options["maildir"]) == bool(options["imap_host"]):
            raise CommandError("Give either --maildir or --imap-host.")
        if options["maildir"]:
            created, skipped, failed = self._maildir(organisation, options["maildir"])
        else:
            created, skipped, failed = self._imap(organisation, options)
        self.stdout.write(f"{created} report(s) created, {skipped} already imported, {failed} flagged.")

    def _one(self, organisation: Organisation, raw: bytes) -> str:
        try:
            return "created" if import_message(organisation, raw) else "skipped"
        except (Malformed, ValidationError, ValueError, LookupError, UnicodeError) as exc:
            self.stderr.write(f"A message could not be imported and was flagged: {exc}")
            return "failed"

    def _maildir(self, organisation: Organisation, path: str) -> tuple[int, int, int]:
        if not os.path.isdir(os.path.join(path, "new")):
            raise CommandError(f"{path} is not a maildir.")
        box = mailbox.Maildir(path, factory=None, create=False)
        counts = {"created": 0, "skipped": 0, "failed": 0}
        for key in list(box.keys()):
            msg = box.get_message(key)
            if "S" in msg.get_flags() or "F" in msg.get_flags():
                continue
            outcome = self._one(organisation, box.get_bytes(key))
            counts[outcome] += 1
            msg.set_subdir("cur")
            msg.add_flag("F" if outcome == "failed" else "S")
            box[key] = msg
        return counts["created"], counts["skipped"], counts["failed"]

    def _imap(self, organisation: Organisation, options: dict[str, Any]) -> tuple[int, int, int]:
        variable = options["imap_password_env"]
        if not options["imap_user"] or not variable or variable not in os.environ:
            raise CommandError("Give --imap-user and --imap-password-env naming a set environment variable.")
        port = options["imap_port"] or (993 if options["ssl"] else 143)
        try:
            client: imaplib.IMAP4 = (
                imaplib.IMAP4_SSL(options["imap_host"], port, timeout=30)
                if options["ssl"]
                else imaplib.IMAP4(options["imap_host"], port, timeout=30)
            )
        except OSError as exc:
            raise CommandError(f"Cannot reach the IMAP server {options['imap_host']}:{port}: {exc}") from exc
        counts = {"created": 0, "skipped": 0, "failed": 0}
        try:
            try:
                client.login(options["imap_user"], os.environ[variable])
            except imaplib.IMAP4.error as exc:
                raise CommandError(f"The IMAP server refused the login: {exc}") from exc
            status, _data = client.select(options["folder"])
            if status != "OK":
                raise CommandError(f"Cannot open the folder {options['folder']!r}.")
            _status, found = client.uid("SEARCH", "UNSEEN", "UNFLAGGED")
            for uid in (found[0] or b"").decode("ascii").split():
                _status, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((item[1] for item in fetched if isinstance(item, tuple)), b"")
                outcome = self._one(organisation, raw)
                counts[outcome] += 1
                flag = "(\\Flagged)" if outcome == "failed" else "(\\Seen)"
                client.uid("STORE", uid, "+FLAGS", flag)
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()
        return counts["created"], counts["skipped"], counts["failed"]
