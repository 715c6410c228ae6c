"""API of the consultations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from revoyure.consultations import services
from tests.api_support import READ_ONLY, token_client

pytestmark = pytest.mark.django_db


def test_list_and_get(personas: Any, consultation: Any, body: Any) -> None:
    client = token_client(personas, "staff_rep")
    page = client.get("/organisations/acme/consultations", {"tool_id": consultation.tool_id}).json()
    assert page["count"] == 1
    assert page["items"][0]["bodies"][0]["staff_body"]["kind"] == "cse"
    assert client.get("/organisations/acme/consultations", {"tool_id": 999999}).json()["count"] == 0
    one = client.get(f"/organisations/acme/consultations/{consultation.pk}").json()
    assert one["subject"] == "Introduction du chatbot RH"
    assert client.get("/organisations/acme/consultations/999999").status_code == 404
    assert token_client(personas, "employee").get("/organisations/acme/consultations").status_code == 403


def test_post_opinion(personas: Any, consultation: Any, body: Any) -> None:
    day = services.today() - dt.timedelta(days=2)
    services.record_information(body, personas.manager, day)
    path = f"/organisations/acme/consultations/{consultation.pk}/bodies/{body.pk}/opinion"
    client = token_client(personas, "delegate")
    bad = client.post(path, {"opinion": "deemed_negative", "opinion_on": day.isoformat()})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "opinion"
    assert (
        client.post(path, {"opinion": "favourable", "opinion_on": day.isoformat(), "extra": 1}).status_code
        == 422
    )
    ok = client.post(path, {"opinion": "favourable", "opinion_on": day.isoformat(), "votes_for": 4})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "closed"
    assert ok.json()["bodies"][0]["votes_for"] == 4


@pytest.mark.parametrize("who", READ_ONLY)
def test_read_only_cannot_post_opinion(personas: Any, consultation: Any, body: Any, who: str) -> None:
    path = f"/organisations/acme/consultations/{consultation.pk}/bodies/{body.pk}/opinion"
    response = token_client(personas, who).post(path, {"opinion": "favourable", "opinion_on": "2026-01-01"})
    assert response.status_code == 403
    body.refresh_from_db()
    assert body.opinion == ""
