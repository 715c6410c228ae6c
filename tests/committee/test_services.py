"""Committee services: settings, members, is_committee_member, meetings, attendance, decisions, notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from revoyure.committee import services
from revoyure.committee.models import (
    Attendance,
    Committee,
    CommitteeMember,
    Meeting,
    MeetingKind,
    MeetingStatus,
    NoteKind,
    Quality,
)
from revoyure.core.models import AuditEntry
from tests.factories import UserFactory, make_tool

pytestmark = pytest.mark.django_db


def test_get_or_create_committee_is_idempotent(personas: Any) -> None:
    first = services.get_or_create_committee(personas.org)
    second = services.get_or_create_committee(personas.org)
    assert first.pk == second.pk
    assert Committee.objects.filter(organisation=personas.org).count() == 1


def test_settings_write_history_and_audit(personas: Any, committee: Any) -> None:
    committee.refresh_from_db()
    assert committee.delegate == personas.delegate
    assert committee.history.first().history_change_reason == "Committee settings changed"
    assert AuditEntry.objects.filter(action="committee.settings", organisation_id=personas.org.pk).exists()


def test_settings_refuse_outsider_delegate_and_bad_month(personas: Any, committee: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.update_settings(
            committee, personas.admin, delegate=personas.outsider, annual_meeting_month=13
        )
    assert set(exc.value.message_dict) == {"delegate", "annual_meeting_month"}
    committee.refresh_from_db()
    assert committee.delegate == personas.delegate


def test_public_token_generated_once_and_regenerated(personas: Any, committee: Any) -> None:
    assert committee.public_reporting_token == ""
    services.update_settings(
        committee, personas.admin, delegate=personas.delegate, public_reporting_enabled=True
    )
    token = committee.public_reporting_token
    assert len(token) >= 43
    services.update_settings(
        committee, personas.admin, delegate=personas.delegate, public_reporting_enabled=True
    )
    assert committee.public_reporting_token == token
    renewed = services.regenerate_public_token(committee, personas.admin)
    assert renewed.public_reporting_token not in ("", token)


def test_is_committee_member(personas: Any, committee: Any, members: Any) -> None:
    org = personas.org
    assert services.is_committee_member(personas.delegate, org)  # the delegate
    assert services.is_committee_member(personas.manager, org)  # a member with an account
    assert not services.is_committee_member(personas.employee, org)
    assert not services.is_committee_member(personas.outsider, org)
    services.deactivate_member(members[0], personas.delegate)
    assert not services.is_committee_member(personas.manager, org)
    services.update_settings(committee, personas.admin, delegate=personas.delegate, deputy=personas.employee)
    assert services.is_committee_member(personas.employee, org)
    assert not services.is_committee_member(personas.employee, personas.other_org)


def test_member_validation(personas: Any, committee: Any, members: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_member(committee, personas.delegate, full_name="", quality="king", email="bad")
    assert set(exc.value.message_dict) == {"full_name", "quality", "email"}
    with pytest.raises(ValidationError):
        services.add_member(
            committee, personas.delegate, full_name="Again", quality=Quality.LAWYER, user=personas.manager
        )
    with pytest.raises(ValidationError):
        services.add_member(
            committee, personas.delegate, full_name="X", quality=Quality.LAWYER, user=personas.outsider
        )
    assert CommitteeMember.objects.count() == 3
    with pytest.raises(ValidationError):
        services.deactivate_member(
            services.deactivate_member(members[1], personas.delegate), personas.delegate
        )


def test_invitees_skip_members_without_email_and_inactive(
    personas: Any, committee: Any, members: Any
) -> None:
    emails = [e for _n, e in services.invitees(committee)]
    assert sorted(emails) == ["delegate@acme.example", "lou@law.example", "manager@acme.example"]
    services.deactivate_member(members[1], personas.delegate)
    assert sorted(e for _n, e in services.invitees(committee)) == [
        "delegate@acme.example",
        "manager@acme.example",
    ]


def test_meeting_validation(personas: Any, committee: Any) -> None:
    starts = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.create_meeting(committee, personas.delegate, title="", starts_at=starts, ends_at=starts)
    assert set(exc.value.message_dict) == {"title", "ends_at"}
    assert not Meeting.objects.exists()


def test_attendance_minutes_decisions_held(personas: Any, committee: Any, members: Any) -> None:
    meeting = services.create_meeting(
        committee, personas.delegate, title="Past", starts_at=timezone.now() - dt.timedelta(hours=3)
    )
    services.record_attendance(
        meeting,
        personas.delegate,
        {members[0].pk: "present", members[1].pk: "excused", members[2].pk: "absent"},
        "We reviewed the register.",
    )
    rows = {a.member_id: (a.present, a.excused) for a in Attendance.objects.filter(meeting=meeting)}
    assert rows == {members[0].pk: (True, False), members[1].pk: (False, True), members[2].pk: (False, False)}
    with pytest.raises(ValidationError):
        services.record_attendance(meeting, personas.delegate, {999999: "present"}, "")
    tool = make_tool(personas.org, personas.delegate, name="Chatbot")
    decision = services.add_decision(
        meeting,
        personas.delegate,
        text="Train the HR team",
        owner="HR",
        due_on=dt.date(2030, 1, 1),
        tool=tool,
    )
    assert decision.history.count() == 1
    other_tool = make_tool(personas.other_org, personas.outsider, name="Elsewhere")
    with pytest.raises(ValidationError):
        services.add_decision(meeting, personas.delegate, text="x", tool=other_tool)
    services.mark_held(meeting, personas.delegate)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.minutes == "We reviewed the register."
    with pytest.raises(ValidationError):
        services.mark_held(meeting, personas.delegate)


def test_future_meeting_cannot_be_held(personas: Any, meeting: Any) -> None:
    with pytest.raises(ValidationError):
        services.mark_held(meeting, personas.delegate)


def test_manual_annual_meeting_unique_per_year(personas: Any, committee: Any) -> None:
    starts = timezone.make_aware(dt.datetime(2031, 5, 2, 10))
    services.create_meeting(
        committee, personas.delegate, kind=MeetingKind.ANNUAL, title="A", starts_at=starts
    )
    with pytest.raises(ValidationError):
        services.create_meeting(
            committee, personas.delegate, kind=MeetingKind.ANNUAL, title="B", starts_at=starts
        )
    assert Meeting.objects.filter(kind=MeetingKind.ANNUAL, year=2031).count() == 1


def test_notes_crud(personas: Any, committee: Any) -> None:
    note = services.add_note(
        committee,
        personas.delegate,
        kind=NoteKind.VENDOR,
        title="New version",
        noted_on=dt.date(2026, 2, 1),
        url="https://vendor.example/notes",
    )
    services.update_note(
        note,
        personas.delegate,
        kind=NoteKind.REGULATION,
        title="AI Act guidance",
        noted_on=dt.date(2026, 2, 2),
    )
    note.refresh_from_db()
    assert note.kind == NoteKind.REGULATION and note.url == ""
    with pytest.raises(ValidationError):
        services.update_note(note, personas.delegate, kind="x", title="", noted_on="yesterday", url="ftp://x")
    services.delete_note(note, personas.delegate)
    assert not committee.notes.exists()
    assert AuditEntry.objects.filter(action="committee.note_deleted").exists()


def test_convene_extraordinary_meeting_invites(
    personas: Any, committee: Any, members: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    starts = timezone.now() + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.convene_extraordinary_meeting(
            committee,
            personas.delegate,
            title="Report 12",
            starts_at=starts,
            agenda="Instruct",
            subject="Report #12",
        )
    assert meeting.kind == MeetingKind.EXTRAORDINARY
    assert meeting.agenda.startswith("Report #12")
    assert meeting.invitations_sent_at is not None
    assert len(smtp_server.messages) == 3


def test_convene_without_reachable_members_does_not_fail(personas: Any) -> None:
    committee = services.get_or_create_committee(personas.org)
    meeting = services.convene_extraordinary_meeting(
        committee, UserFactory(), title="T", starts_at=timezone.now() + dt.timedelta(days=1), agenda=""
    )
    assert meeting.invitations_sent_at is None
