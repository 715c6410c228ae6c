"""E-mail intake through IMAP (import_report_mail --imap-host), against a real local Dovecot server."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from revoyure.reports.models import Channel, Report
from tests.reports.imap_server import ImapServer, start
from tests.reports.test_mail_intake import _message


@pytest.fixture(scope="session")
def imap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    server, process = start(Path(tmp_path_factory.mktemp("dovecot")))
    yield server
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def inbox(imap_server: ImapServer) -> Iterator[imaplib.IMAP4]:
    client = imaplib.IMAP4(imap_server.host, imap_server.port)
    client.login(imap_server.user, imap_server.password)
    client.select("INBOX")
    # Each test starts with an empty mailbox.
    client.store("1:*", "+FLAGS", r"(\Deleted)") if client.search(None, "ALL")[1][0] else None
    client.expunge()
    yield client
    client.logout()


def _import(server: ImapServer, monkeypatch: Any, *extra: str) -> None:
    monkeypatch.setenv("REVOYURE_TEST_IMAP_PASSWORD", server.password)
    call_command(
        "import_report_mail",
        "acme",
        "--imap-host",
        server.host,
        "--imap-port",
        str(server.port),
        "--imap-user",
        server.user,
        "--imap-password-env",
        "REVOYURE_TEST_IMAP_PASSWORD",
        "--no-ssl",
        *extra,
    )


def _flags(client: imaplib.IMAP4) -> list[bytes]:
    client.select("INBOX")
    _status, data = client.fetch("1:*", "(FLAGS)")
    return [line for line in data if isinstance(line, bytes)]


def test_imap_import_creates_reports_once_and_marks_messages(
    imap_server: ImapServer, inbox: imaplib.IMAP4, personas: Any, monkeypatch: Any
) -> None:
    inbox.append(
        "INBOX",
        None,
        None,
        _message(
            f"Employee <{personas.employee.email}>",
            "Le planning écarte l'équipe de nuit",
            "Depuis lundi, l'outil retire les agents de nuit.",
            msgid="<imap-one@acme.example>",
            jpeg=True,
        ),
    )
    inbox.append(
        "INBOX", None, None, b"Subject: broken\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z--\r\n"
    )
    _import(imap_server, monkeypatch)
    report = Report.objects.get()
    assert report.channel == Channel.EMAIL and report.reporter == personas.employee
    assert report.attachments.count() == 1  # the photo, re-encoded without its EXIF
    flags = _flags(inbox)
    assert b"\\Seen" in flags[0] and b"\\Flagged" in flags[1]
    # A second run imports nothing more, even if the message is marked unread again.
    inbox.store("1", "-FLAGS", r"(\Seen)")
    _import(imap_server, monkeypatch)
    assert Report.objects.count() == 1


def test_an_unreachable_server_is_a_clear_error(personas: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("REVOYURE_TEST_IMAP_PASSWORD", "x")
    with pytest.raises(CommandError, match="Cannot reach the IMAP server"):
        call_command(
            "import_report_mail",
            "acme",
            "--imap-host",
            "127.0.0.1",
            "--imap-port",
            "1",
            "--imap-user",
            "u",
            "--imap-password-env",
            "REVOYURE_TEST_IMAP_PASSWORD",
            "--no-ssl",
        )


def test_imap_wrong_password_is_a_clear_error_and_writes_nothing(
    imap_server: ImapServer, inbox: imaplib.IMAP4, personas: Any, monkeypatch: Any
) -> None:
    inbox.append("INBOX", None, None, _message("a@b.example", "S", "B", msgid="<imap-two@x>"))
    monkeypatch.setenv("REVOYURE_TEST_IMAP_PASSWORD", "wrong")
    with pytest.raises(CommandError, match="refused the login"):
        call_command(
            "import_report_mail",
            "acme",
            "--imap-host",
            imap_server.host,
            "--imap-port",
            str(imap_server.port),
            "--imap-user",
            imap_server.user,
            "--imap-password-env",
            "REVOYURE_TEST_IMAP_PASSWORD",
            "--no-ssl",
        )
    assert not Report.objects.exists()
