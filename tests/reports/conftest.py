"""Shared fixtures of the report tests (intake and case workflow)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from revoyure.committee.models import Committee
from revoyure.reports.anonymity import reset_rate_limits

PUBLIC_TOKEN = "public-link-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    reset_rate_limits()
    yield
    reset_rate_limits()


@pytest.fixture
def committee(personas: Any) -> Committee:
    """The organisation's committee with its public reporting link enabled."""
    return Committee.objects.create(
        organisation=personas.org,
        delegate=personas.delegate,
        reporting_email="signalements@acme.example",
        public_reporting_enabled=True,
        public_reporting_token=PUBLIC_TOKEN,
    )


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
