"""Helpers shared by the API tests (tests/test_api_*.py): tokens, authenticated clients, write counters."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from revoyure.core.models import AuditEntry
from revoyure.organisations.models import ApiToken, Organisation
from revoyure.registry import services
from revoyure.registry.models import Attachment, Tool, Vendor, VendorNote

API = "/api/v1"
ROLE_OF = {
    "admin": "org_admin",
    "delegate": "delegate",
    "manager": "management",
    "staff_rep": "staff_rep",
    "committee": "committee",
    "employee": "employee",
    "auditor": "auditor",
}
READERS = ("admin", "delegate", "manager", "staff_rep", "committee", "auditor")
WRITERS = ("admin", "delegate", "manager")
READ_ONLY = ("staff_rep", "committee", "auditor")


def make_token(user: Any, organisation: Organisation, role: str) -> str:
    """A raw token, stored as the token service stores it (only its SHA-256)."""
    raw = "rvy_" + secrets.token_urlsafe(32)
    # Marked as just used, so authenticating does not write `last_used_at` (query counts stay stable).
    ApiToken.objects.create(
        user=user,
        organisation=organisation,
        role=role,
        name="test",
        prefix=raw[:12],
        token_hash=hashlib.sha256(raw.encode()).hexdigest(),
        last_used_at=timezone.now(),
    )
    return raw


class ApiClient:
    """A test client that sends a bearer token and JSON bodies."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.get(API + path, data, headers=self.headers)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self._send("post", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self._send("patch", path, body, **kwargs)

    def _send(self, method: str, path: str, body: Any, content_type: str = "application/json") -> Any:
        data = (
            json.dumps(body)
            if content_type == "application/json" and not isinstance(body, str | bytes)
            else body
        )
        return getattr(self.client, method)(API + path, data, content_type=content_type, headers=self.headers)

    def upload(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(API + path, data, headers=self.headers)


def token_client(personas: Any, who: str, organisation: Organisation | None = None) -> ApiClient:
    user = getattr(personas, who)
    role = "org_admin" if who == "outsider" else ROLE_OF[who]
    return ApiClient(
        make_token(user, organisation or (personas.other_org if who == "outsider" else personas.org), role)
    )


def counts() -> dict[str, int]:
    """Everything an API write could add: compared before and after refused requests."""
    return {
        "tools": Tool.objects.count(),
        "tool_versions": Tool.history.count(),
        "vendors": Vendor.objects.count(),
        "vendor_versions": Vendor.history.count(),
        "vendor_notes": VendorNote.objects.count(),
        "attachments": Attachment.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def assert_problem(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """The response is a problem document with `status`, naming at least `fields` among its errors."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    named = {error["field"] for error in body.get("errors") or []}
    assert set(fields) <= named, (fields, body)
    for error in body.get("errors") or []:
        assert error["message"]
    return body


@dataclass
class World:
    """One of everything the API reaches, in organisation "acme", and the path of every operation."""

    personas: Any
    tool: Tool
    vendor: Vendor
    attachment: Attachment
    history_id: int

    def operations(self) -> list[tuple[str, str]]:
        tool = f"/organisations/acme/tools/{self.tool.pk}"
        return [
            ("get", "/organisations/acme"),
            ("get", "/organisations/acme/tools"),
            ("post", "/organisations/acme/tools"),
            ("get", tool),
            ("patch", tool),
            ("post", f"{tool}/status"),
            ("get", f"{tool}/history"),
            ("get", f"{tool}/history/{self.history_id}"),
            ("get", "/organisations/acme/vendors"),
            ("post", "/organisations/acme/vendors"),
            ("get", f"/organisations/acme/vendors/{self.vendor.pk}"),
            ("patch", f"/organisations/acme/vendors/{self.vendor.pk}"),
            ("get", f"{tool}/attachments"),
            ("post", f"{tool}/attachments"),
            ("get", f"/organisations/acme/attachments/{self.attachment.pk}/download"),
        ]


def use_media_dir(settings: Any, tmp_path: Any) -> Any:
    """Uploaded files go to a temporary directory (call from a fixture with pytest's `settings`)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def build_world(personas: Any, tool: Tool) -> World:
    vendor = services.create_vendor(personas.delegate, {"name": "Acme Vendor", "country": "France"})
    upload = SimpleUploadedFile("notes.txt", b"Minutes of the CSE meeting", content_type="text/plain")
    attachment = services.add_attachment(
        personas.org, personas.delegate, upload, title="Minutes", kind="other", tool=tool
    )
    return World(personas, tool, vendor, attachment, tool.history.first().history_id)
