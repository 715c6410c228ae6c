"""iCalendar invitations of the committee's meetings (RFC 5545 / iTIP RFC 5546), built with `icalendar`.

A meeting keeps one UID for its whole life; each update or cancellation sent raises its SEQUENCE, so a
calendar program replaces the event it already holds instead of adding a second one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from revoyure.committee.models import Meeting

REQUEST = "REQUEST"
CANCEL = "CANCEL"


def organizer_email(meeting: Meeting) -> str:
    delegate = meeting.committee.delegate
    if delegate is not None and delegate.email:
        return str(delegate.email)
    from email.utils import parseaddr

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@revoyure.localhost"


def _utc(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(dt.UTC)


def build_ics(meeting: Meeting, method: str, attendees: Iterable[tuple[str, str]], url: str = "") -> bytes:
    """The .ics file for `meeting`: METHOD:REQUEST (invitation or update) or METHOD:CANCEL.
    `attendees` are (name, e-mail) pairs."""
    cal = Calendar()
    cal.add("prodid", "-//Revoyure//AI committee//FR")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", meeting.ical_uid)
    event.add("sequence", meeting.ical_sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.ends_at))
    event.add("summary", meeting.title)
    if meeting.location:
        event.add("location", meeting.location)
    description = meeting.agenda
    if url:
        description = f"{description}\n\n{url}" if description else url
    if description:
        event.add("description", description)
    organizer = vCalAddress(f"mailto:{organizer_email(meeting)}")
    organizer.params["cn"] = vText(str(meeting.committee.organisation))
    event.add("organizer", organizer)
    for name, email in attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name or email)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        if method == REQUEST:
            attendee.params["partstat"] = vText("NEEDS-ACTION")
            attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=False)
    if method == CANCEL:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    cal.add_component(event)
    return bytes(cal.to_ical())
