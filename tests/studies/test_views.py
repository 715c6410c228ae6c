"""The pages: persona access on every view, forms, bad input 400 with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from revoyure.core.models import AuditEntry
from revoyure.studies import services
from revoyure.studies.models import DuerpUpdate, FramingNote, ImpactStudy, PanelMember
from tests.studies.conftest import fill_and_complete


@pytest.fixture
def world(personas, study):
    panel = services.create_panel(study, personas.manager, "Try")
    member = services.add_member(panel, personas.manager, full_name="Ann")
    session = services.add_session(panel, personas.manager, held_on=dt.date(2026, 5, 1))
    update = DuerpUpdate.objects.create(organisation=personas.org, tool=study.tool, study=study, reason="R")
    return {"study": study, "member": member, "session": session, "update": update}


def _get_paths(study, member, session):
    base = f"/o/acme/studies/{study.pk}/"
    return [
        "/o/acme/studies/",
        base,
        base + "study.pdf",
        base + "panel/",
        base + "framing-note/",
        base + "framing-note.pdf",
        "/o/acme/duerp/",
    ]


def _manage_paths(study, member, session, update):
    base = f"/o/acme/studies/{study.pk}/"
    return [
        f"/o/acme/tools/{study.tool_id}/studies/new/",
        base + "framing-note/edit/",
        base + f"panel/members/{member.pk}/remove/",
        base + f"panel/sessions/{session.pk}/remove/",
    ]


def test_read_pages_by_persona(personas, world):
    paths = _get_paths(world["study"], world["member"], world["session"])
    for who in ("admin", "delegate", "manager", "staff_rep", "committee", "auditor"):
        client = personas.client(who)
        for path in paths:
            assert client.get(path).status_code == 200, (who, path)
    for path in paths:
        assert personas.client("employee").get(path).status_code == 403, path
        assert personas.client("outsider").get(path).status_code == 404, path
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_manage_pages_by_persona(personas, world):
    paths = _manage_paths(world["study"], world["member"], world["session"], world["update"])
    for path in paths:
        assert personas.client("manager").get(path).status_code == 200, path
        for who in ("staff_rep", "auditor", "employee"):
            assert personas.client(who).get(path).status_code == 403, (who, path)
        assert personas.client("outsider").get(path).status_code == 404
    base = f"/o/acme/studies/{world['study'].pk}/"
    for path in (
        "assign/",
        "review/",
        "send-back/",
        "sign-off/",
        "panel/members/",
        "panel/sessions/",
        "panel/share/",
    ):
        assert personas.client("staff_rep").post(base + path, {"action": "review"}).status_code == 403
        assert personas.client("outsider").post(base + path).status_code == 404
    assert personas.client("staff_rep").post(f"/o/acme/duerp/{world['update'].pk}/done/").status_code == 403


def test_study_of_another_organisation_is_404(personas, world):
    from tests.factories import make_tool

    other_tool = make_tool(personas.other_org, personas.outsider, name="Other tool")
    other = services.create_study(other_tool, personas.outsider, kind="new_tool", title="Theirs")
    client = personas.client("admin")
    assert client.get(f"/o/acme/studies/{other.pk}/").status_code == 404
    assert client.get(f"/o/acme/tools/{other_tool.pk}/studies/new/").status_code == 404
    assert client.get("/o/acme/studies/99999999999999999999/").status_code == 404


def test_create_assign_review_sign_off_through_pages(personas, tool):
    client = personas.client("manager")
    response = client.post(f"/o/acme/tools/{tool.pk}/studies/new/", {"title": "Study", "kind": "change"})
    study = ImpactStudy.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/o/acme/studies/{study.pk}/"
    base = f"/o/acme/studies/{study.pk}/"
    page = client.get(base).content.decode()
    assert "Prevention: workload" in page and f"/questionnaires/{study.response_id}/sections/" in page
    response = client.post(
        base + "assign/",
        {
            "part": "prevention",
            "department": "Prévention",
            "assignee": personas.delegate.pk,
            "due_on": "2026-12-01",
        },
    )
    assert response.status_code == 302
    assert "Prévention" in client.get(base).content.decode()
    # Not every part done: refused with a message, nothing changes.
    response = client.post(base + "review/", {"action": "review"})
    assert response.status_code == 400 and "not done" in response.content.decode()
    fill_and_complete(study, personas.manager)
    assert client.post(base + "review/", {"action": "review"}).status_code == 302
    response = client.post(base + "send-back/", {"part": "it", "comment": ""})
    assert response.status_code == 400
    response = client.post(base + "sign-off/", {"comments": "ok"})  # confirmation missing
    assert response.status_code == 400
    assert client.post(base + "sign-off/", {"comments": "ok", "confirm": "on"}).status_code == 302
    study.refresh_from_db()
    assert study.status == "signed_off"
    page = client.get(base).content.decode()
    assert "Results written at sign-off" in page and "sys.major_change_working_conditions" in page


BAD_POSTS = [
    ("assign/", {"part": "nope", "department": "x"}),
    ("assign/", {"part": "hr", "due_on": "31/02/2026"}),
    ("review/", {"a": "x"}),
    ("send-back/", {"part": "zzz", "comment": "x"}),
    ("sign-off/", {"comments": "x" * 20000, "confirm": "on"}),
    ("panel/", {"action": "update", "status": "nope"}),
    ("panel/", {"name": "x"}),
    ("panel/members/", {"full_name": ""}),
    ("panel/members/", {"full_name": "X", "member_user": "999999"}),
    ("panel/sessions/", {"held_on": "yesterday"}),
    ("panel/share/", {"staff_bodies": "abc"}),
    ("framing-note/edit/", {"action": "save", "calendar": "Go | not a date"}),
    ("framing-note/edit/", {"action": "save", "budget": "-5"}),
    ("framing-note/edit/", {"needs": "no action"}),
]


@pytest.mark.parametrize(("path", "data"), BAD_POSTS)
def test_bad_input_gives_400_and_writes_nothing(personas, world, path, data):
    client = personas.client("admin")
    before = (AuditEntry.objects.count(), PanelMember.objects.count(), FramingNote.objects.count())
    response = client.post(f"/o/acme/studies/{world['study'].pk}/{path}", data)
    assert response.status_code == 400, response.status_code
    assert (AuditEntry.objects.count(), PanelMember.objects.count(), FramingNote.objects.count()) == before


def test_duerp_page_records_done(personas, world):
    client = personas.client("delegate")
    update = world["update"]
    assert client.post(f"/o/acme/duerp/{update.pk}/done/", {"done_on": "tomorrow"}).status_code == 400
    page = client.get("/o/acme/duerp/").content.decode()
    assert "Pending" in page and "Record" in page
    response = client.post(f"/o/acme/duerp/{update.pk}/done/", {"done_on": "2026-01-05", "notes": "v3"})
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.done_on == dt.date(2026, 1, 5)
    assert client.post(f"/o/acme/duerp/{update.pk}/done/", {"done_on": "2026-01-06"}).status_code == 400


def test_panel_pages(personas, world):
    client = personas.client("manager")
    base = f"/o/acme/studies/{world['study'].pk}/panel/"
    response = client.post(
        base + "members/", {"full_name": "Bob", "job": "Agent", "represents": "Night shift"}
    )
    assert response.status_code == 302
    assert "Night shift" in client.get(base).content.decode()
    response = client.post(base + f"members/{world['member'].pk}/evaluation/", {"action": "evaluate"})
    assert response.status_code == 302 and "/questionnaires/" in response["Location"]
    assert client.post(base + f"members/{world['member'].pk}/remove/").status_code == 400  # not confirmed
    assert client.post(base + f"members/{world['member'].pk}/remove/", {"confirm": "yes"}).status_code == 302
    assert not PanelMember.objects.filter(pk=world["member"].pk).exists()
    response = client.post(
        base + "sessions/", {"held_on": "2026-06-01", "location": "Room 4", "findings": "Slow"}
    )
    assert response.status_code == 302
    assert "Room 4" in client.get(base).content.decode()


def test_framing_note_edit_page(personas, world):
    client = personas.client("manager")
    path = f"/o/acme/studies/{world['study'].pk}/framing-note/edit/"
    response = client.post(
        path,
        {
            "action": "save",
            "needs": "Fewer double entries",
            "responsibilities": "DSI | Maître d'œuvre | Léa\nDRH | DRH |",
            "calendar": "Pilot | 2027-01-10 | Low season",
            "budget": "1500.50",
        },
    )
    assert response.status_code == 302
    note = FramingNote.objects.get()
    assert note.responsibilities[0] == {"department": "DSI", "role": "Maître d'œuvre", "person": "Léa"}
    assert note.calendar == [{"milestone": "Pilot", "date": "2027-01-10", "workload": "Low season"}]
    page = (
        personas.client("staff_rep")
        .get(f"/o/acme/studies/{world['study'].pk}/framing-note/")
        .content.decode()
    )
    assert "Maître d'œuvre" in page or "Maître d&#x27;œuvre" in page


def test_menu_entry(personas, world):
    page = personas.client("staff_rep").get("/o/acme/studies/").content.decode()
    assert 'href="/o/acme/studies/"' in page
    assert "Impact studies" in page
