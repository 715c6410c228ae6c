"""iCalendar invitations of the committee's meetings: the committee's values given to the project's one
builder, `core/ical.py` (RFC 5545 / iTIP RFC 5546).

A meeting keeps one UID for its whole life; each update or cancellation sent raises its SEQUENCE, so a
calendar program replaces the event it already holds instead of adding a second one."""

from __future__ import annotations

from collections.abc import Iterable

from revoyure.committee.models import Meeting
from revoyure.core import ical

REQUEST = ical.REQUEST
CANCEL = ical.CANCEL


def organizer_email(meeting: Meeting) -> str:
    delegate = meeting.committee.delegate
    if delegate is not None and delegate.email:
        return str(delegate.email)
    return ical.default_organizer_email()


def build_ics(meeting: Meeting, method: str, attendees: Iterable[tuple[str, str]], url: str = "") -> bytes:
    """The .ics file for `meeting`: METHOD:REQUEST (invitation or update) or METHOD:CANCEL.
    `attendees` are (name, e-mail) pairs."""
    description = meeting.agenda
    if url:
        description = f"{description}\n\n{url}" if description else url
    return ical.build(
        uid=meeting.ical_uid,
        sequence=meeting.ical_sequence,
        method=method,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=meeting.title,
        location=meeting.location,
        description=description,
        organizer=ical.Person(str(meeting.committee.organisation), organizer_email(meeting)),
        attendees=[ical.Person(name, email) for name, email in attendees],
        prodid="-//Revoyure//AI committee//FR",
    )
