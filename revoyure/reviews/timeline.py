"""Timelines of the review clause (issue 6 §3: « A timeline per tool and per agreement shows events,
meetings, measures and their state »).

One date-sorted list of entries, read in three queries whatever its length (events, meetings, measures
with their owners): the roadmap's cycle — « informer les participants de la teneur de l'événement […] ;
d'examiner les mesures à prendre ; de caler le suivi de la mise en place de ces mesures » — reads top to
bottom, an event, the meeting it led to, then the measures and whether they were done in time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.organisations.models import Agreement
from revoyure.registry.models import Tool
from revoyure.reviews import triggers
from revoyure.reviews.models import (
    EventStatus,
    Measure,
    MeasureStatus,
    MeetingOutcome,
    MeetingStatus,
    ReviewMeeting,
    TriggerEvent,
)

EVENT, MEETING, MEASURE = "event", "meeting", "measure"
# On one day, the event comes before the meeting it led to, and the meeting before its measures.
_ORDER = {EVENT: 0, MEETING: 1, MEASURE: 2}
LATE = "late"


@dataclass(frozen=True)
class Entry:
    """One line of a timeline. `status` is the stored value (for a measure: open, done, late or cancelled),
    `status_label` what people read; `kind_label` says what kind of event or meeting it is."""

    kind: str  # EVENT | MEETING | MEASURE
    pk: int
    date: dt.date
    title: str
    status: str
    status_label: str
    kind_label: str = ""
    outcome: str = ""  # a meeting's outcome, as people read it
    owner: str = ""  # a measure's owner
    meeting_id: int | None = None  # the meeting an event led to is not one; a measure's meeting is

    @property
    def sort_key(self) -> tuple[dt.date, int, int]:
        return (self.date, _ORDER[self.kind], self.pk)


def _event_entry(event: TriggerEvent) -> Entry:
    trigger = triggers.get(event.kind)
    return Entry(
        kind=EVENT,
        pk=event.pk,
        date=event.occurred_on,
        title=event.title,
        status=event.status,
        status_label=str(EventStatus(event.status).label)
        if event.status in EventStatus.values
        else event.status,
        kind_label=trigger.label if trigger else event.kind,
    )


def _meeting_entry(meeting: ReviewMeeting) -> Entry:
    return Entry(
        kind=MEETING,
        pk=meeting.pk,
        date=timezone.localdate(meeting.starts_at),
        title=meeting.title,
        status=meeting.status,
        status_label=str(MeetingStatus(meeting.status).label)
        if meeting.status in MeetingStatus.values
        else meeting.status,
        kind_label=str(meeting.get_reason_display()),
        outcome=str(MeetingOutcome(meeting.outcome).label)
        if meeting.outcome in MeetingOutcome.values
        else "",
        meeting_id=meeting.pk,
    )


def measure_state(measure: Measure, today: dt.date) -> str:
    """open, done, cancelled, or late: still open after its due date."""
    if measure.status == MeasureStatus.OPEN and measure.due_on is not None and measure.due_on < today:
        return LATE
    return measure.status


def _measure_entry(measure: Measure, meeting_dates: dict[int, dt.date], today: dt.date) -> Entry:
    state = measure_state(measure, today)
    label = _("Late") if state == LATE else str(MeasureStatus(state).label)
    owner = measure.owner.display_name if measure.owner_id and measure.owner else measure.owner_name
    # A measure with no due date sits at its meeting's date (else the day it was recorded).
    date = measure.due_on or meeting_dates.get(measure.meeting_id) or timezone.localdate(measure.created_at)
    return Entry(
        kind=MEASURE,
        pk=measure.pk,
        date=date,
        title=measure.text,
        status=state,
        status_label=label,
        kind_label=_("Measure"),
        owner=owner,
        meeting_id=measure.meeting_id,
    )


def _build(
    events: QuerySet[TriggerEvent], meetings: QuerySet[ReviewMeeting], measures: QuerySet[Measure]
) -> list[Entry]:
    today = timezone.localdate()
    meeting_rows = list(meetings.only("pk", "title", "status", "reason", "outcome", "starts_at"))
    meeting_dates = {m.pk: timezone.localdate(m.starts_at) for m in meeting_rows}
    entries = [_event_entry(e) for e in events.only("pk", "title", "status", "kind", "occurred_on")]
    entries += [_meeting_entry(m) for m in meeting_rows]
    entries += [
        _measure_entry(m, meeting_dates, today)
        for m in measures.select_related("owner").order_by()  # sorted below, with the rest
    ]
    return sorted(entries, key=lambda entry: entry.sort_key)


def tool_timeline(tool: Tool) -> list[Entry]:
    """Events that name the tool or led to a meeting about it, the meetings about it, and the measures
    about it or decided at those meetings. Three queries."""
    meetings = ReviewMeeting.objects.filter(organisation_id=tool.organisation_id, tools=tool)
    # Subqueries, not joins: a meeting about several tools, or an event with several meetings, appears once.
    meeting_ids = ReviewMeeting.tools.through.objects.filter(tool_id=tool.pk).values("reviewmeeting_id")
    events = TriggerEvent.objects.filter(
        Q(tool_id=tool.pk) | Q(pk__in=ReviewMeeting.objects.filter(pk__in=meeting_ids).values("event_id"))
    )
    measures = Measure.objects.filter(organisation_id=tool.organisation_id).filter(
        Q(tool_id=tool.pk) | Q(meeting_id__in=meeting_ids)
    )
    return _build(events, meetings, measures)


def agreement_timeline(agreement: Agreement) -> list[Entry]:
    """The meetings of the agreement's clauses, the events that led to them and the measures decided there.
    Three queries."""
    meetings = ReviewMeeting.objects.filter(
        organisation_id=agreement.organisation_id, clause__agreement=agreement
    )
    events = TriggerEvent.objects.filter(pk__in=meetings.values("event_id"))
    measures = Measure.objects.filter(
        organisation_id=agreement.organisation_id, meeting__clause__agreement=agreement
    )
    return _build(events, meetings, measures)
