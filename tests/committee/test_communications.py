"""Communication to all staff: draft prefilled from the meeting's decisions, published on the page every
member sees, e-mailed to all members once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from revoyure.committee import services
from revoyure.committee.models import Communication

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(personas: Any, committee: Any, members: Any) -> Any:
    meeting = services.create_meeting(
        committee, personas.delegate, title="Annual", starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    services.add_decision(meeting, personas.delegate, text="Train every HR user", owner="HR")
    services.mark_held(meeting, personas.delegate)
    return meeting


def test_draft_from_meeting(held: Any) -> None:
    draft = services.draft_from_meeting(held)
    assert "Train every HR user (HR)" in draft["body"]
    assert "ia@acme.example" in draft["body"]


def test_publish_sends_once_to_every_member(
    personas: Any, committee: Any, held: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    communication = services.create_communication(
        committee, personas.delegate, title="After the meeting", body="We decided things.", meeting=held
    )
    assert services.send_communication(communication.pk) == 0  # a draft is not sent
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_communication(communication, personas.delegate)
    recipients = sorted(str(m["To"]) for m in smtp_server.messages)
    assert recipients == sorted(
        f"{who}@acme.example"
        for who in ("admin", "delegate", "manager", "staff_rep", "committee", "employee", "auditor")
    )
    assert "We decided things." in smtp_server.messages[0].get_content()
    communication.refresh_from_db()
    assert communication.published_at is not None and communication.emailed_at is not None
    # Sending again (a retry, a second worker) sends nothing; publishing again is refused.
    assert services.send_communication(communication.pk) == 0
    with pytest.raises(ValidationError):
        services.publish_communication(communication, personas.delegate)
    with pytest.raises(ValidationError):
        services.update_communication(communication, personas.delegate, title="x", body="y")
    assert len(smtp_server.messages) == 7


def test_page_shows_published_only_to_members(personas: Any, committee: Any, held: Any) -> None:
    draft = services.create_communication(committee, personas.delegate, title="Secret draft", body="d")
    published = services.create_communication(committee, personas.delegate, title="Public news", body="p")
    services.publish_communication(published, personas.delegate)
    page = personas.client("employee").get("/o/acme/committee/communications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Public news" in html and "Secret draft" not in html
    assert (
        "Secret draft"
        in personas.client("delegate").get("/o/acme/committee/communications/").content.decode()
    )
    assert personas.client("outsider").get("/o/acme/committee/communications/").status_code == 404
    assert personas.client("employee").get(f"/o/acme/committee/communications/{draft.pk}/").status_code == 403


def test_publish_through_the_pages(
    personas: Any, committee: Any, held: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = personas.client("delegate")
    form = client.get(f"/o/acme/committee/communications/new/?meeting={held.pk}")
    assert form.status_code == 200 and "Train every HR user" in form.content.decode()
    assert client.get("/o/acme/committee/communications/new/?meeting=abc").status_code == 400
    assert client.get("/o/acme/committee/communications/new/?meeting=999999").status_code == 400
    bad = client.post("/o/acme/committee/communications/new/", {"title": "", "body": ""})
    assert bad.status_code == 400 and not Communication.objects.exists()
    response = client.post(
        "/o/acme/committee/communications/new/", {"title": "News", "body": "Body", "meeting": held.pk}
    )
    communication = Communication.objects.get()
    assert response.status_code == 302
    assert client.post(f"/o/acme/committee/communications/{communication.pk}/publish/").status_code == 400
    assert smtp_server.messages == []
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/o/acme/committee/communications/{communication.pk}/publish/", {"confirm": "yes"}
        )
    assert done.status_code == 302
    assert len(smtp_server.messages) == 7
    again = client.post(f"/o/acme/committee/communications/{communication.pk}/publish/", {"confirm": "yes"})
    assert again.status_code == 400
    assert len(smtp_server.messages) == 7
