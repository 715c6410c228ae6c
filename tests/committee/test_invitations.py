"""Invitations by e-mail with an iCalendar file (parsed with icalendar), update and cancellation: the UID
stays, the SEQUENCE grows, METHOD is REQUEST then CANCEL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from icalendar import Calendar

from revoyure.committee import services
from revoyure.committee.models import MeetingStatus

pytestmark = pytest.mark.django_db


def _ics(message: Any) -> Calendar:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one calendar attachment"
    assert parts[0].get_filename() == "invite.ics"
    return Calendar.from_ical(parts[0].get_content())


def _event(cal: Calendar) -> Any:
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 1
    return events[0]


def test_invitation_update_cancel(
    personas: Any, meeting: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitations(meeting, personas.delegate)
    recipients = sorted(str(m["To"]) for m in smtp_server.messages)
    assert recipients == ["delegate@acme.example", "lou@law.example", "manager@acme.example"]
    cal = _ics(smtp_server.messages[0])
    assert str(cal["METHOD"]) == "REQUEST"
    event = _event(cal)
    uid = str(event["UID"])
    assert uid == meeting.ical_uid
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == meeting.starts_at.astimezone(dt.UTC).replace(microsecond=0) or (
        event.decoded("DTSTART").tzinfo is not None
    )
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert event.decoded("DTEND") > event.decoded("DTSTART")
    assert str(event["ORGANIZER"]) == "mailto:delegate@acme.example"
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == [
        "mailto:delegate@acme.example",
        "mailto:lou@law.example",
        "mailto:manager@acme.example",
    ]
    assert str(event["LOCATION"]) == "Room A"

    # Moving the meeting sends an update: same UID, SEQUENCE 1.
    smtp_server.messages.clear()
    new_start = meeting.starts_at + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(
            meeting,
            personas.delegate,
            title=meeting.title,
            starts_at=new_start,
            location="Room B",
            agenda="1. Point",
        )
    assert len(smtp_server.messages) == 3
    assert smtp_server.messages[0]["Subject"].startswith("Updated:")
    event = _event(_ics(smtp_server.messages[0]))
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 1
    assert str(event["LOCATION"]) == "Room B"
    assert event.decoded("DTSTART") == new_start.astimezone(dt.UTC).replace(microsecond=0)

    # Changing only the agenda sends nothing and keeps the sequence.
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(
            meeting,
            personas.delegate,
            title=meeting.title,
            starts_at=new_start,
            location="Room B",
            agenda="2. Other",
        )
    assert smtp_server.messages == []
    meeting.refresh_from_db()
    assert meeting.ical_sequence == 1

    # Cancelling: METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE 2, same UID.
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(meeting, personas.delegate)
    assert len(smtp_server.messages) == 3
    cal = _ics(smtp_server.messages[0])
    assert str(cal["METHOD"]) == "CANCEL"
    event = _event(cal)
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CANCELLED"
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.history.count() >= 4


def test_moving_a_meeting_before_invitations_sends_nothing(
    personas: Any, meeting: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(
            meeting,
            personas.delegate,
            title="Extra",
            starts_at=meeting.starts_at + dt.timedelta(hours=1),
            location="Room C",
        )
        services.cancel_meeting(meeting, personas.delegate)
    assert smtp_server.messages == []
    meeting.refresh_from_db()
    assert meeting.ical_sequence == 0


def test_invitation_for_cancelled_meeting_refused(personas: Any, meeting: Any) -> None:
    services.cancel_meeting(meeting, personas.delegate)
    with pytest.raises(services.ValidationError):
        services.send_invitations(meeting, personas.delegate)


def test_failed_smtp_does_not_break_the_write(
    personas: Any, meeting: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitations(meeting, personas.delegate)
    meeting.refresh_from_db()
    assert meeting.invitations_sent_at is not None
    assert timezone.now() >= meeting.invitations_sent_at
