"""The one iCalendar builder of the project (RFC 5545, scheduling methods of iTIP RFC 5546), on `icalendar`.

Used by the AI committee's invitations (`committee/calendar.py`) and the review meetings
(`reviews/notices.py`). A meeting keeps one UID for its whole life and each update or cancellation sent
raises its SEQUENCE, so a calendar program replaces the event it already holds instead of adding a second
one. Plain values only: `core` imports no domain app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

REQUEST = "REQUEST"  # an invitation, or an update of one (same UID, higher SEQUENCE)
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"
METHODS = frozenset({REQUEST, CANCEL, PUBLISH})
FALLBACK_ADDRESS = "no-reply@revoyure.localhost"


@dataclass(frozen=True)
class Person:
    """An organizer or an attendee: a name (may be empty) and an e-mail address."""

    name: str
    email: str


def default_organizer_email() -> str:
    """The installation's sender address (DEFAULT_FROM_EMAIL without its display name)."""
    return parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1] or FALLBACK_ADDRESS


def to_utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime: calendar programs convert it to each reader's zone (no VTIMEZONE needed)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(dt.UTC)


def build(
    *,
    uid: str,
    sequence: int,
    method: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    summary: str,
    organizer: Person,
    attendees: Iterable[Person] = (),
    location: str = "",
    description: str = "",
    prodid: str = "-//Revoyure//Revoyure//FR",
) -> bytes:
    """The bytes of a one-event calendar. METHOD:REQUEST asks each attendee for an answer (RSVP);
    METHOD:CANCEL marks the event cancelled; METHOD:PUBLISH is a plain copy to import."""
    if method not in METHODS:
        raise ValueError(f"Unknown iTIP method {method!r}")
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", int(sequence))
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", to_utc(starts_at))
    event.add("dtend", to_utc(ends_at))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    address = vCalAddress(f"mailto:{organizer.email}")
    if organizer.name:
        address.params["cn"] = vText(organizer.name)
    event.add("organizer", address)
    for person in attendees:
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.name or person.email)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        if method == REQUEST:
            attendee.params["partstat"] = vText("NEEDS-ACTION")
            attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=False)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    cal.add_component(event)
    return bytes(cal.to_ical())


def content_type(method: str) -> str:
    """The MIME type of the attachment, which tells mail programs to offer "accept / decline"."""
    return f"text/calendar; method={method}; charset=utf-8"
