"""Committee pages: who may read (VIEW_COMMITTEE) and write (MANAGE_COMMITTEE), outsiders 404, anonymous to
login, invalid input 400 with nothing written, and the main flows through the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from revoyure.committee import services
from revoyure.committee.models import (
    Attendance,
    Committee,
    CommitteeMember,
    Decision,
    DelegateNote,
    Meeting,
    MeetingStatus,
    NoteKind,
)
from revoyure.core.models import AuditEntry

pytestmark = pytest.mark.django_db

READERS = ("admin", "delegate", "manager", "staff_rep", "committee", "auditor")
WRITERS = ("admin", "delegate")


@pytest.fixture
def world(personas: Any, committee: Any, members: Any, meeting: Any) -> dict[str, Any]:
    decision = services.add_decision(meeting, personas.delegate, text="Decide")
    note = services.add_note(
        committee, personas.delegate, kind=NoteKind.VENDOR, title="Vendor note", noted_on=dt.date(2026, 1, 2)
    )
    communication = services.create_communication(committee, personas.delegate, title="Draft", body="b")
    return {
        "meeting": meeting,
        "member": members[1],
        "decision": decision,
        "note": note,
        "communication": communication,
    }


def _read_pages(w: dict[str, Any]) -> list[str]:
    m = w["meeting"].pk
    return [
        "/o/acme/committee/",
        "/o/acme/committee/members/",
        "/o/acme/committee/meetings/",
        f"/o/acme/committee/meetings/{m}/",
        "/o/acme/committee/decisions/",
        "/o/acme/committee/notes/",
        "/o/acme/committee/dossier/2026/",
    ]


def _manage_pages(w: dict[str, Any]) -> list[str]:
    m = w["meeting"].pk
    return [
        "/o/acme/committee/settings/",
        "/o/acme/committee/settings/public-link/",
        f"/o/acme/committee/members/{w['member'].pk}/",
        f"/o/acme/committee/members/{w['member'].pk}/remove/",
        "/o/acme/committee/meetings/new/",
        f"/o/acme/committee/meetings/{m}/edit/",
        f"/o/acme/committee/meetings/{m}/cancel/",
        f"/o/acme/committee/meetings/{m}/decisions/{w['decision'].pk}/delete/",
        f"/o/acme/committee/notes/{w['note'].pk}/",
        f"/o/acme/committee/notes/{w['note'].pk}/delete/",
        "/o/acme/committee/communications/new/",
        f"/o/acme/committee/communications/{w['communication'].pk}/",
        f"/o/acme/committee/communications/{w['communication'].pk}/publish/",
    ]


def _post_only(w: dict[str, Any]) -> list[str]:
    m = w["meeting"].pk
    return [
        f"/o/acme/committee/meetings/{m}/invite/",
        f"/o/acme/committee/meetings/{m}/minutes/",
        f"/o/acme/committee/meetings/{m}/held/",
        f"/o/acme/committee/meetings/{m}/decisions/",
    ]


@pytest.mark.parametrize("who", [*READERS, "employee"])
def test_read_pages_by_persona(personas: Any, world: Any, who: str) -> None:
    client = personas.client(who)
    for path in _read_pages(world):
        expected = 200 if who in READERS else 403
        assert client.get(path).status_code == expected, (who, path)


@pytest.mark.parametrize(
    "who", ["admin", "delegate", "manager", "staff_rep", "committee", "employee", "auditor"]
)
def test_manage_pages_by_persona(personas: Any, world: Any, who: str) -> None:
    client = personas.client(who)
    before = AuditEntry.objects.count()
    for path in _manage_pages(world):
        expected = 200 if who in WRITERS else 403
        assert client.get(path).status_code == expected, (who, path)
    for path in _post_only(world):
        expected = 400 if who in WRITERS else 403  # writers: empty POST is not understood
        assert client.post(path, {}).status_code == expected, (who, path)
    assert AuditEntry.objects.count() == before


def test_outsider_and_anonymous(personas: Any, world: Any) -> None:
    outsider = personas.client("outsider")
    anonymous = Client()
    for path in _read_pages(world) + _manage_pages(world) + ["/o/acme/committee/communications/"]:
        assert outsider.get(path).status_code == 404, path
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
    for path in _post_only(world):
        assert outsider.post(path, {"action": "invite"}).status_code == 404


def test_other_organisations_objects_are_404(personas: Any, world: Any) -> None:
    other = services.get_or_create_committee(personas.other_org)
    foreign = services.create_meeting(
        other, personas.outsider, title="Foreign", starts_at=timezone.now() + dt.timedelta(days=1)
    )
    client = personas.client("admin")
    assert client.get(f"/o/acme/committee/meetings/{foreign.pk}/").status_code == 404
    assert client.get("/o/acme/committee/meetings/99999999999999999999/").status_code == 404


def test_settings_page(personas: Any, world: Any) -> None:
    client = personas.client("admin")
    before = Committee.history.count()
    bad = client.post(
        "/o/acme/committee/settings/",
        {"delegate": personas.outsider.pk, "reporting_email": "nope", "annual_meeting_month": "13"},
    )
    assert bad.status_code == 400
    assert 'role="alert"' in bad.content.decode()
    assert Committee.history.count() == before
    ok = client.post(
        "/o/acme/committee/settings/",
        {
            "delegate": personas.delegate.pk,
            "deputy": personas.staff_rep.pk,
            "reporting_email": "report@acme.example",
            "public_reporting_enabled": "on",
            "strategy": "New strategy",
            "annual_meeting_month": "6",
        },
    )
    assert ok.status_code == 302
    committee = Committee.objects.get(organisation=personas.org)
    assert committee.deputy == personas.staff_rep and committee.annual_meeting_month == 6
    token = committee.public_reporting_token
    assert token
    assert client.post("/o/acme/committee/settings/public-link/").status_code == 400
    assert client.post("/o/acme/committee/settings/public-link/", {"confirm": "yes"}).status_code == 302
    committee.refresh_from_db()
    assert committee.public_reporting_token not in ("", token)


def test_members_pages(personas: Any, world: Any) -> None:
    client = personas.client("delegate")
    count = CommitteeMember.objects.count()
    assert client.post("/o/acme/committee/members/", {"full_name": "", "quality": "x"}).status_code == 400
    assert CommitteeMember.objects.count() == count
    response = client.post(
        "/o/acme/committee/members/",
        {
            "full_name": "Rita Rep",
            "quality": "staff_rep",
            "affiliation": "CSE",
            "user": personas.staff_rep.pk,
        },
    )
    assert response.status_code == 302
    rita = CommitteeMember.objects.get(full_name="Rita Rep")
    assert services.is_committee_member(personas.staff_rep, personas.org)
    edit = client.post(
        f"/o/acme/committee/members/{rita.pk}/",
        {"full_name": "Rita Rep", "quality": "staff_rep", "affiliation": "CSE central", "active": "on"},
    )
    assert edit.status_code == 302
    rita.refresh_from_db()
    assert rita.affiliation == "CSE central" and rita.user is None
    assert client.post(f"/o/acme/committee/members/{rita.pk}/remove/").status_code == 400
    assert client.post(f"/o/acme/committee/members/{rita.pk}/remove/", {"confirm": "yes"}).status_code == 302
    rita.refresh_from_db()
    assert not rita.active


def test_meeting_flow_through_pages(
    personas: Any, world: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = personas.client("delegate")
    bad = client.post(
        "/o/acme/committee/meetings/new/",
        {"title": "", "starts_at": "2026-13-01T10:00", "ends_at": ""},
    )
    assert bad.status_code == 400
    count = Meeting.objects.count()
    response = client.post(
        "/o/acme/committee/meetings/new/",
        {
            "title": "Report instruction",
            "starts_at": "2020-05-04T10:00",
            "ends_at": "2020-05-04T12:00",
            "agenda": "x",
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.count() == count + 1
    meeting = Meeting.objects.get(title="Report instruction")
    base = f"/o/acme/committee/meetings/{meeting.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(base + "invite/", {"action": "invite"}).status_code == 302
    assert len(smtp_server.messages) == 3
    members = list(CommitteeMember.objects.filter(committee=meeting.committee, active=True))
    data = {f"member_{m.pk}": "present" for m in members}
    data[f"member_{members[0].pk}"] = "maybe"
    assert client.post(base + "minutes/", {**data, "minutes": "Minutes"}).status_code == 400
    assert not Attendance.objects.filter(meeting=meeting).exists()
    data[f"member_{members[0].pk}"] = "excused"
    assert client.post(base + "minutes/", {**data, "minutes": "Minutes"}).status_code == 302
    assert Attendance.objects.filter(meeting=meeting, present=True).count() == len(members) - 1
    assert client.post(base + "decisions/", {"text": "", "due_on": "soon"}).status_code == 400
    assert (
        client.post(base + "decisions/", {"text": "Alert the vendor", "owner": "Delegate"}).status_code == 302
    )
    assert Decision.objects.filter(meeting=meeting).count() == 1
    assert client.post(base + "held/", {"action": "held"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert client.post(base + "held/", {"action": "held"}).status_code == 400
    assert client.get(base + "edit/").status_code == 400  # no longer planned
    page = client.get(base)
    assert "Alert the vendor" in page.content.decode()


def test_edit_and_cancel_through_pages(personas: Any, world: Any) -> None:
    client = personas.client("admin")
    meeting = world["meeting"]
    base = f"/o/acme/committee/meetings/{meeting.pk}/"
    local = timezone.localtime(meeting.starts_at)
    bad = client.post(
        base + "edit/",
        {"title": "Extra", "starts_at": local.strftime("%Y-%m-%dT%H:%M"), "ends_at": "2000-01-01T00:00"},
    )
    assert bad.status_code == 400
    ok = client.post(
        base + "edit/",
        {"title": "Extra moved", "starts_at": local.strftime("%Y-%m-%dT%H:%M"), "location": "Hall"},
    )
    assert ok.status_code == 302
    meeting.refresh_from_db()
    assert meeting.location == "Hall"
    assert client.post(base + "cancel/", {"confirm": "yes"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert client.post(base + "cancel/", {"confirm": "yes"}).status_code == 400


def test_notes_pages(personas: Any, world: Any) -> None:
    client = personas.client("delegate")
    count = DelegateNote.objects.count()
    assert (
        client.post(
            "/o/acme/committee/notes/",
            {"kind": "x", "title": "", "noted_on": "31/02/2026", "url": "not a url"},
        ).status_code
        == 400
    )
    assert DelegateNote.objects.count() == count
    response = client.post(
        "/o/acme/committee/notes/",
        {
            "kind": "regulation",
            "title": "AI Act delegated act",
            "noted_on": "2026-03-01",
            "url": "https://eur-lex.europa.eu/x",
        },
    )
    assert response.status_code == 302
    note = DelegateNote.objects.get(title="AI Act delegated act")
    assert note.created_by == personas.delegate
    assert (
        client.post(
            f"/o/acme/committee/notes/{note.pk}/",
            {"kind": "vendor", "title": "Changed", "noted_on": "2026-03-02"},
        ).status_code
        == 302
    )
    note.refresh_from_db()
    assert note.title == "Changed"
    assert client.post(f"/o/acme/committee/notes/{note.pk}/delete/", {"confirm": "yes"}).status_code == 302
    assert not DelegateNote.objects.filter(pk=note.pk).exists()
    assert (
        personas.client("staff_rep")
        .post("/o/acme/committee/notes/", {"kind": "vendor", "title": "x", "noted_on": "2026-03-02"})
        .status_code
        == 403
    )


def test_home_shows_next_meeting_and_members(personas: Any, world: Any) -> None:
    html = personas.client("committee").get("/o/acme/committee/").content.decode()
    assert "Extra" in html and "Lou Lawyer" in html and "ia@acme.example" in html
    assert html.count("<h1") == 1


def test_wrong_methods(personas: Any, world: Any) -> None:
    client = personas.client("admin")
    assert client.post("/o/acme/committee/").status_code == 405
    assert client.get(f"/o/acme/committee/meetings/{world['meeting'].pk}/invite/").status_code == 405
    assert personas.client("outsider").post("/o/acme/committee/").status_code == 404
