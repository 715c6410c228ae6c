"""E-mail intake from a maildir (import_report_mail); IMAP against a real Dovecot is in test_mail_intake_imap.py."""

from __future__ import annotations

import io
import mailbox
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from revoyure.reports.models import CaseStep, Channel, Report, ReportAttachment


def _jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Jean Dupont"
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _message(
    sender: str, subject: str, body: str, *, msgid: str, jpeg: bool = False, gif: bool = False
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "signalements@acme.example"
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    msg.set_content(body)
    msg.add_alternative(f"<p>{body}</p>", subtype="html")
    if jpeg:
        msg.add_attachment(
            _jpeg_with_exif(), maintype="image", subtype="jpeg", filename="IMG_Jean_Dupont.jpg"
        )
    if gif:
        msg.add_attachment(
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", maintype="image", subtype="gif", filename="x.gif"
        )
    return bytes(msg)


@pytest.fixture
def maildir(tmp_path: Path, personas: Any) -> Path:
    path = tmp_path / "Maildir"
    box = mailbox.Maildir(path, create=True)
    box.add(
        _message(
            f"Employee <{personas.employee.email.upper()}>",
            "Le planning écarte l'équipe de nuit",
            "Depuis lundi, l'outil retire les agents de nuit.",
            msgid="<one@acme.example>",
            jpeg=True,
            gif=True,
        )
    )
    # An encoded header (RFC 2047) from someone without an account.
    box.add(
        b"From: =?utf-8?q?Ren=C3=A9e_Martin?= <renee@partner.example>\r\n"
        b"To: signalements@acme.example\r\nSubject: =?utf-8?b?w4l2YWx1YXRpb24gYXV0b21hdGlxdWU=?=\r\n"
        b"Message-ID: <two@partner.example>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nL'outil note les agents sans explication.\r\n"
    )
    # Malformed: no sender, no body.
    box.add(b"Subject: broken\r\nContent-Type: multipart/mixed; boundary=zzz\r\n\r\n--zzz--\r\n")
    return path


def test_maildir_import_creates_reports_once_and_marks_messages(maildir: Path, personas: Any) -> None:
    call_command("import_report_mail", "acme", "--maildir", str(maildir))
    reports = {r.title: r for r in Report.objects.all()}
    assert len(reports) == 2
    signed = reports["Le planning écarte l'équipe de nuit"]
    assert signed.channel == Channel.EMAIL and not signed.anonymous
    assert signed.reporter == personas.employee
    assert "Depuis lundi" in signed.description and "not accepted were not kept" in signed.description
    attachment = ReportAttachment.objects.get(report=signed)
    assert attachment.content_type == "image/jpeg"
    content = attachment.file.read()
    assert b"Jean Dupont" not in content and "Jean" not in attachment.file.name
    outsider = reports["Évaluation automatique"]
    assert outsider.reporter is None and not outsider.anonymous
    assert outsider.description.startswith("From: Renée Martin <renee@partner.example>")
    assert CaseStep.objects.filter(kind="email_intake").count() == 2
    box = mailbox.Maildir(maildir, create=False)
    flags = sorted(box.get_message(k).get_flags() for k in box.keys())  # noqa: SIM118  (iterating gives messages)
    assert flags == ["F", "S", "S"]
    assert not list((maildir / "new").iterdir())
    # A second run imports nothing again.
    call_command("import_report_mail", "acme", "--maildir", str(maildir))
    assert Report.objects.count() == 2


def test_same_message_id_delivered_twice_is_imported_once(tmp_path: Path, personas: Any) -> None:
    box = mailbox.Maildir(tmp_path / "M", create=True)
    raw = _message("a@b.example", "Dup", "Body", msgid="<dup@x>")
    box.add(raw)
    box.add(raw)
    call_command("import_report_mail", "acme", "--maildir", str(tmp_path / "M"))
    assert Report.objects.count() == 1


def test_command_errors(personas: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("import_report_mail", "nope", "--maildir", str(tmp_path))
    with pytest.raises(CommandError):
        call_command("import_report_mail", "acme")
    with pytest.raises(CommandError):
        call_command("import_report_mail", "acme", "--maildir", str(tmp_path / "missing"))
    with pytest.raises(CommandError):
        call_command(
            "import_report_mail",
            "acme",
            "--imap-host",
            "localhost",
            "--imap-user",
            "u",
            "--imap-password-env",
            "REVOYURE_UNSET_VAR",
        )
