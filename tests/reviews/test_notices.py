"""Invitations by e-mail with an iCalendar file (issue 6 §3): the outbox of notices sent to the participants
resolved from the clause, one message each, through a real local SMTP server; updates and cancellations keep
the UID and raise the SEQUENCE; a failed send is retried; two workers never send a notice twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from revoyure.reviews import notices
from revoyure.reviews import services_meetings as services
from revoyure.reviews.models import MeetingNotice, ReviewMeeting, ReviewParticipant
from revoyure.reviews.tasks_meetings import send_meeting_notices
from tests.conftest import Personas
from tests.reviews.test_meetings_services import LOU, make_meeting, staffed_clause
from tests.worker_support import run_workers

pytestmark = pytest.mark.django_db

INVITED = sorted(["staff_rep@acme.example", "delegate@acme.example", LOU, "manager@acme.example"])


def _ics(message: Any) -> Calendar:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one calendar attachment"
    assert parts[0].get_filename() == "invite.ics"
    return Calendar.from_ical(parts[0].get_content())


def _event(cal: Calendar) -> Any:
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def _recipients(inbox: Any) -> list[str]:
    return sorted(str(m["To"]) for m in inbox.messages)


def test_an_invitation_reaches_every_participant_with_its_calendar_file(
    personas: Personas, tool: Any, smtp_server: Any
) -> None:
    meeting = make_meeting(personas, tools=[tool])
    counts = notices.send_pending(10)
    assert counts == {"sent": 1, "skipped": 0, "failed": 0}
    assert _recipients(smtp_server) == INVITED  # one message each: the addresses stay private
    message = smtp_server.messages[0]
    assert str(message["Subject"]) == f"Invitation: {meeting.title}"
    cal = _ics(message)
    assert str(cal["METHOD"]) == "REQUEST"
    event = _event(cal)
    assert str(event["UID"]) == meeting.ical_uid
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == meeting.starts_at.astimezone(dt.UTC).replace(microsecond=0)
    assert str(event["LOCATION"]) == "Salle du CSE"
    assert sorted(str(a) for a in event["ATTENDEE"]) == [f"mailto:{e}" for e in INVITED]
    assert str(event["ORGANIZER"]) == "mailto:delegate@acme.example"
    body = message.get_body(preferencelist=("plain",)).get_content()
    for point in ("1. ", "2. ", "3. ", "4. ", "Notice v5 de Copilot", "Examine the measures to take"):
        assert point in body
    assert "Planning assistant" in body and "Salle du CSE" in body
    assert f"/o/acme/revoyure/reunions/{meeting.pk}/" in body
    notice = MeetingNotice.objects.get(meeting=meeting)
    assert notice.sent_at is not None and notice.attempts == 1 and notice.last_error == ""
    meeting.refresh_from_db()
    assert meeting.invitations_sent_at is not None


def test_participants_come_from_the_clause_with_their_capacity(personas: Personas, smtp_server: Any) -> None:
    meeting = make_meeting(personas)
    notices.send_pending(10)
    capacities = dict(ReviewParticipant.objects.filter(meeting=meeting).values_list("email", "capacity"))
    assert capacities == {
        "staff_rep@acme.example": "CSE Acme — Secretary",
        "delegate@acme.example": "AI committee",
        LOU: "AI committee",
        "manager@acme.example": "Named in the review clause",
    }


def test_without_the_committee_only_staff_bodies_and_named_people_are_invited(
    personas: Personas, smtp_server: Any
) -> None:
    clause = staffed_clause(personas, include_committee=False)
    make_meeting(personas, clause=clause)
    notices.send_pending(10)
    assert _recipients(smtp_server) == ["manager@acme.example", "staff_rep@acme.example"]


def test_an_update_then_a_cancellation_keep_the_uid_and_raise_the_sequence(
    personas: Personas, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = make_meeting(personas)
    notices.send_pending(10)
    uid = meeting.ical_uid
    smtp_server.messages.clear()

    new_start = meeting.starts_at + dt.timedelta(days=2)
    services.update_meeting(
        meeting,
        personas.delegate,
        starts_at=new_start,
        ends_at=new_start + dt.timedelta(hours=2),
        location="Salle B",
        agenda=meeting.agenda,
    )
    notices.send_pending(10)
    assert _recipients(smtp_server) == INVITED
    assert str(smtp_server.messages[0]["Subject"]).startswith("Updated:")
    cal = _ics(smtp_server.messages[0])
    event = _event(cal)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 1
    assert str(event["LOCATION"]) == "Salle B"
    assert event.decoded("DTSTART") == new_start.astimezone(dt.UTC).replace(microsecond=0)
    smtp_server.messages.clear()

    services.cancel_meeting(meeting, personas.delegate)
    notices.send_pending(10)
    assert _recipients(smtp_server) == INVITED
    assert str(smtp_server.messages[0]["Subject"]).startswith("Cancelled:")
    cal = _ics(smtp_server.messages[0])
    event = _event(cal)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CANCELLED"


def test_existing_participants_are_kept_when_an_update_goes_out(personas: Personas, smtp_server: Any) -> None:
    meeting = make_meeting(personas)
    notices.send_pending(10)
    before = dict(ReviewParticipant.objects.filter(meeting=meeting).values_list("email", "pk"))
    ReviewParticipant.objects.filter(meeting=meeting, email=LOU).update(excused=True)
    meeting.clause.participants.add(personas.auditor)
    services.update_meeting(
        meeting,
        personas.delegate,
        starts_at=meeting.starts_at + dt.timedelta(hours=1),
        ends_at=meeting.ends_at + dt.timedelta(hours=1),
        location=meeting.location,
    )
    notices.send_pending(10)
    after = dict(ReviewParticipant.objects.filter(meeting=meeting).values_list("email", "pk"))
    assert {k: after[k] for k in before} == before  # same rows
    assert "auditor@acme.example" in after
    assert ReviewParticipant.objects.get(meeting=meeting, email=LOU).excused is True


def test_an_update_queued_before_the_invitation_went_out_replaces_it(
    personas: Personas, smtp_server: Any
) -> None:
    meeting = make_meeting(personas)
    services.update_meeting(
        meeting,
        personas.delegate,
        starts_at=meeting.starts_at + dt.timedelta(hours=1),
        ends_at=meeting.ends_at + dt.timedelta(hours=1),
        location=meeting.location,
    )
    counts = notices.send_pending(10)
    assert counts == {"sent": 1, "skipped": 1, "failed": 0}
    assert _recipients(smtp_server) == INVITED  # once each, at the latest sequence
    assert {int(_event(_ics(m))["SEQUENCE"]) for m in smtp_server.messages} == {1}
    assert MeetingNotice.objects.get(meeting=meeting, sequence=0).last_error == "superseded by a later notice"


def test_a_meeting_cancelled_before_anyone_was_invited_sends_nothing(
    personas: Personas, smtp_server: Any
) -> None:
    meeting = make_meeting(personas)
    services.cancel_meeting(meeting, personas.delegate)
    counts = notices.send_pending(10)
    assert counts == {"sent": 0, "skipped": 2, "failed": 0}
    assert smtp_server.messages == []
    assert not MeetingNotice.objects.filter(sent_at__isnull=True).exists()


def test_a_refused_address_does_not_stop_the_others(personas: Personas, smtp_server: Any) -> None:
    smtp_server.refused.add(LOU)
    meeting = make_meeting(personas)
    notices.send_pending(10)
    assert LOU not in _recipients(smtp_server)
    assert len(smtp_server.messages) == 3
    notice = MeetingNotice.objects.get(meeting=meeting)
    assert notice.sent_at is not None
    assert LOU in notice.last_error


def test_a_failed_send_keeps_the_notice_and_it_is_retried_later(
    personas: Personas, smtp_server: Any, settings: Any
) -> None:
    meeting = make_meeting(personas)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there: the connection is refused
    counts = notices.send_pending(10)
    assert counts["failed"] == 1
    notice = MeetingNotice.objects.get(meeting=meeting)
    assert notice.sent_at is None and notice.attempts == 1 and notice.last_error
    settings.EMAIL_PORT = port
    # The claim of the failed try holds for ten minutes (a pause before the retry)...
    assert notices.send_pending(10) == {"sent": 0, "skipped": 0, "failed": 0}
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert notices.send_pending(10)["sent"] == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.attempts == 2
    assert _recipients(smtp_server) == INVITED


def test_a_failed_task_enqueues_its_own_retry(personas: Personas, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    make_meeting(personas)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    assert send_meeting_notices.call(10) == 0
    retry = DBTaskResult.objects.get()
    assert retry.run_after is not None and retry.run_after > timezone.now() + dt.timedelta(minutes=10)


def test_the_worker_sends_the_notices_of_a_fan_out(
    personas: Personas, smtp_server: Any, run_workers_inline: Any
) -> None:
    make_meeting(personas)
    make_meeting(personas, clause=ReviewMeeting.objects.get().clause)
    send_meeting_notices.enqueue(1)
    send_meeting_notices.enqueue(1)
    assert run_workers_inline() == 2
    assert len(smtp_server.messages) == 2 * len(INVITED)


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_at_once_never_send_a_notice_twice(personas: Personas, smtp_server: Any) -> None:
    clause = staffed_clause(personas)
    meetings = [make_meeting(personas, clause=clause) for _ in range(6)]
    for _ in range(8):  # more tasks than needed, each small: the workers compete for the same notices
        send_meeting_notices.enqueue(2)
    errors = run_workers(2)
    assert errors == []
    assert not MeetingNotice.objects.filter(sent_at__isnull=True).exists()
    sent = Counter((str(m["To"]), str(_event(_ics(m))["UID"])) for m in smtp_server.messages)
    assert len(sent) == len(meetings) * len(INVITED)
    assert set(sent.values()) == {1}
