"""Shared fixtures: personas per organisation, a real local SMTP server, helpers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from revoyure.core.permissions import Role
from revoyure.organisations.models import Membership, Organisation
from tests.factories import OrganisationFactory, UserFactory, make_tool


@pytest.fixture(autouse=True)
def _fast_hashing_and_no_ratelimit(settings: Any) -> None:
    # Argon2 is the production hasher (tested in test_accounts); tests use a fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATELIMIT_ENABLE = False
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    # Uploads and generated documents (attachments, dossiers, PDFs) never go to the developer's var/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@dataclass
class Personas:
    """One organisation and a person for each role, plus an outsider from another organisation."""

    org: Organisation
    other_org: Organisation
    admin: Any
    delegate: Any
    manager: Any
    staff_rep: Any
    committee: Any
    employee: Any
    auditor: Any
    outsider: Any

    def client(self, who: str) -> Client:
        client = Client()
        client.force_login(getattr(self, who))
        return client


ROLE_OF = {
    "admin": Role.ORG_ADMIN,
    "delegate": Role.DELEGATE,
    "manager": Role.MANAGEMENT,
    "staff_rep": Role.STAFF_REP,
    "committee": Role.COMMITTEE,
    "employee": Role.EMPLOYEE,
    "auditor": Role.AUDITOR,
}


@pytest.fixture
def personas(db: Any) -> Personas:
    org = OrganisationFactory(name="Acme", slug="acme")
    other = OrganisationFactory(name="Other", slug="other")
    people = {}
    for who, role in ROLE_OF.items():
        user = UserFactory(email=f"{who}@acme.example", full_name=who.title())
        Membership.objects.create(organisation=org, user=user, role=role)
        people[who] = user
    outsider = UserFactory(email="outsider@other.example")
    Membership.objects.create(organisation=other, user=outsider, role=Role.ORG_ADMIN)
    return Personas(org=org, other_org=other, outsider=outsider, **people)


@pytest.fixture
def tool(personas: Personas) -> Any:
    return make_tool(
        personas.org,
        personas.delegate,
        name="Planning assistant",
        function="Plan shifts",
        purpose="Build weekly schedules",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refused: set[str] = set()  # addresses the server answers 550 to

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refused:
            return "550 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[_Inbox]:
    """A real SMTP server on localhost; Django's SMTP backend delivers to it."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    try:
        yield inbox
    finally:
        controller.stop()


# The real database worker, shared by every app's task tests (tests/worker_support.py).
from tests.worker_support import run_workers_inline  # noqa: E402, F401
