"""Writes of the review meetings and their measures (issue 6 §3). Each is atomic, keeps the history
(django-simple-history, with a reason) and the audit log; invitations go through the outbox
(`MeetingNotice`, sent by notices.py once the transaction commits).

The roadmap sets what a meeting is for: « d'informer les participants de la teneur de l'événement
déclenchant le rendez-vous ; d'évaluer les impacts de cet événement sur l'outil utilisé ; d'examiner les
mesures à prendre ; de caler le suivi de la mise en place de ces mesures. » So a meeting is held (minutes,
attendance), decides measures with an owner and a due date, followed until done, and is closed with an
outcome written into the history of each tool it concerned — which may reopen the tool's impact study or
its consultation of the staff bodies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from revoyure.consultations import services as consultation_services
from revoyure.core import audit
from revoyure.organisations.models import Membership
from revoyure.registry import services as registry_services
from revoyure.registry.models import Tool
from revoyure.reviews import notices, tasks_meetings
from revoyure.reviews.models import (
    Measure,
    MeasureStatus,
    MeetingNotice,
    MeetingOutcome,
    MeetingStatus,
    NoticeKind,
    ReviewMeeting,
    ReviewParticipant,
)
from revoyure.studies import services as study_services
from revoyure.studies.models import ImpactStudy

MAX_TEXT = 20_000
MAX_MINUTES = 100_000
MAX_PLACE = 200
MAX_NAME = 200
MAX_MEETING_LENGTH = dt.timedelta(days=2)
MAX_HISTORY_REASON = registry_services.MAX_REASON_LENGTH
ATTENDANCE = ("present", "excused", "absent")


# Helpers ------------------------------------------------------------------------------------------------------


def _history(obj: Any, actor: Any, reason: str) -> None:
    obj._history_user = actor if getattr(actor, "pk", None) else None
    obj._change_reason = reason


def _audit(action: str, actor: Any, organisation_id: int, obj: Any, **data: Any) -> None:
    audit.record(
        action,
        actor=actor if getattr(actor, "pk", None) else None,
        organisation_id=organisation_id,
        obj=obj,
        data=data,
    )


def _text(
    errors: dict[str, str], name: str, value: Any, *, required: bool = False, limit: int = MAX_TEXT
) -> str:
    if value is not None and not isinstance(value, str):
        errors[name] = _("Enter text.")
        return ""
    text = (value or "").strip()
    if required and not text:
        errors[name] = _("This field is required.")
    elif len(text) > limit:
        errors[name] = _("Too long (at most %(max)d characters).") % {"max": limit}
    return text


def _aware(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _locked(meeting: ReviewMeeting) -> ReviewMeeting:
    return (
        ReviewMeeting.objects.select_for_update().select_related("clause", "organisation").get(pk=meeting.pk)
    )


def _require_status(meeting: ReviewMeeting, *statuses: str, message: str) -> None:
    if meeting.status not in statuses:
        raise ValidationError(message)


def _queue_notice(meeting: ReviewMeeting, kind: str) -> MeetingNotice:
    """Queue the invitation, update or cancellation at the meeting's current SEQUENCE; sent after commit."""
    notice = MeetingNotice.objects.create(meeting=meeting, kind=kind, sequence=meeting.ical_sequence)
    transaction.on_commit(
        lambda: tasks_meetings.send_meeting_notices.enqueue(tasks_meetings.NOTICES_PER_TASK)
    )
    return notice


def _is_member(organisation_id: int, user: Any) -> bool:
    return Membership.objects.filter(organisation_id=organisation_id, user=user).exists()


# Meetings -----------------------------------------------------------------------------------------------------


@transaction.atomic
def update_meeting(
    meeting: ReviewMeeting,
    actor: Any,
    *,
    starts_at: Any,
    ends_at: Any,
    location: Any = "",
    agenda: Any = "",
) -> ReviewMeeting:
    """Reschedule a planned meeting or change its agenda. A new time or place raises the iCalendar
    SEQUENCE and queues the update (METHOD:REQUEST, same UID) to every participant."""
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.PLANNED, message=_("Only a planned meeting can be changed."))
    errors: dict[str, str] = {}
    location = _text(errors, "location", location, limit=MAX_PLACE)
    agenda = _text(errors, "agenda", agenda)
    starts, ends = _aware(starts_at), _aware(ends_at)
    if starts is None:
        errors["starts_at"] = _("Enter a date and time.")
    if ends is None:
        errors["ends_at"] = _("Enter a date and time.")
    elif starts is not None and ends <= starts:
        errors["ends_at"] = _("The meeting must end after it starts.")
    elif starts is not None and ends - starts > MAX_MEETING_LENGTH:
        errors["ends_at"] = _("A meeting lasts at most two days.")
    if errors or starts is None or ends is None:
        raise ValidationError(errors)
    moved = starts != meeting.starts_at or ends != meeting.ends_at or location != meeting.location
    if not moved and agenda == meeting.agenda:
        return meeting
    meeting.starts_at, meeting.ends_at, meeting.location, meeting.agenda = starts, ends, location, agenda
    if moved:
        meeting.ical_sequence += 1
    _history(meeting, actor, _("Meeting rescheduled") if moved else _("Agenda changed"))
    meeting.save(update_fields=["starts_at", "ends_at", "location", "agenda", "ical_sequence"])
    if moved:
        _queue_notice(meeting, NoticeKind.REQUEST)
    _audit(
        "review.meeting_changed",
        actor,
        meeting.organisation_id,
        meeting,
        starts_at=meeting.starts_at.isoformat(),
        location=location,
        sequence=meeting.ical_sequence,
        update_sent=moved,
    )
    return meeting


@transaction.atomic
def cancel_meeting(meeting: ReviewMeeting, actor: Any) -> ReviewMeeting:
    """Cancel a planned meeting: SEQUENCE + 1 and METHOD:CANCEL to the participants (if any was invited)."""
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.PLANNED, message=_("Only a planned meeting can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.ical_sequence += 1
    _history(meeting, actor, _("Meeting cancelled"))
    meeting.save(update_fields=["status", "ical_sequence"])
    _queue_notice(meeting, NoticeKind.CANCEL)
    _audit(
        "review.meeting_cancelled", actor, meeting.organisation_id, meeting, sequence=meeting.ical_sequence
    )
    return meeting


def participant_key(participant: ReviewParticipant) -> str:
    """How the attendance form names a participant: the address, or the row's id without one."""
    return participant.email.lower() if participant.email else f"#{participant.pk}"


def attendance_rows(meeting: ReviewMeeting) -> list[dict[str, Any]]:
    """The people whose attendance is recorded, without writing anything: the participants already
    known, and the clause's invitees not known yet (their rows are created with the minutes)."""
    rows = [
        {
            "key": participant_key(p),
            "name": p.name,
            "capacity": p.capacity,
            "state": "present" if p.present else ("excused" if p.excused else "absent"),
        }
        for p in ReviewParticipant.objects.filter(meeting=meeting).order_by("name", "pk")
    ]
    known = {row["key"] for row in rows}
    for invitee in notices.clause_invitees(meeting):
        if invitee.email.lower() not in known:
            known.add(invitee.email.lower())
            rows.append(
                {
                    "key": invitee.email.lower(),
                    "name": invitee.name,
                    "capacity": invitee.capacity,
                    "state": "absent",
                }
            )
    return rows


@transaction.atomic
def record_minutes(
    meeting: ReviewMeeting, actor: Any, attendance: Mapping[str, str], minutes: Any
) -> ReviewMeeting:
    """Record who came (`attendance` maps a participant's key — see `participant_key` — to "present",
    "excused" or "absent") and the minutes; the meeting is then held. Can be corrected until closed."""
    meeting = _locked(meeting)
    _require_status(
        meeting,
        MeetingStatus.PLANNED,
        MeetingStatus.HELD,
        message=_("The minutes of a cancelled or closed meeting cannot be changed."),
    )
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("The minutes can be recorded once the meeting has started."))
    errors: dict[str, str] = {}
    minutes = _text(errors, "minutes", minutes, limit=MAX_MINUTES)
    participants = {participant_key(p): p for p in notices.ensure_participants(meeting)}
    for key, value in attendance.items():
        if key not in participants:
            errors["attendance"] = _("A person is not a participant of this meeting.")
        elif value not in ATTENDANCE:
            errors["attendance"] = _("Choose present, excused or absent.")
    if errors:
        raise ValidationError(errors)
    changed = []
    for key, value in attendance.items():
        person = participants[key]
        present, excused = value == "present", value == "excused"
        if (person.present, person.excused) != (present, excused):
            person.present, person.excused = present, excused
            changed.append(person)
    ReviewParticipant.objects.bulk_update(changed, ["present", "excused"])
    meeting.minutes = minutes
    meeting.status = MeetingStatus.HELD
    _history(meeting, actor, _("Minutes recorded"))
    meeting.save(update_fields=["minutes", "status"])
    attended = sum(1 for p in participants.values() if p.present)
    _audit("review.meeting_minutes", actor, meeting.organisation_id, meeting, present=attended)
    return meeting


def _history_reason(meeting: ReviewMeeting, outcome: str, outcome_text: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # the register's history is read by everyone
        date = formats.date_format(timezone.localtime(meeting.starts_at).date(), "DATE_FORMAT")
        head = _("Review meeting “%(title)s” of %(date)s: %(outcome)s") % {
            "title": meeting.title,
            "date": date,
            "outcome": MeetingOutcome(outcome).label,
        }
    reason = f"{head}\n{outcome_text}" if outcome_text else head
    if len(reason) > MAX_HISTORY_REASON:
        reason = reason[: MAX_HISTORY_REASON - 1] + "…"
    return reason


@transaction.atomic
def close_meeting(
    meeting: ReviewMeeting, actor: Any, *, outcome: Any, outcome_text: Any = ""
) -> ReviewMeeting:
    """Close a held meeting with its outcome, written into the history of each tool it concerned.
    "reopen_study" reopens each tool's impact study (or starts one of kind "change"); "reopen_consultation"
    opens a new consultation of each tool with the clause's staff bodies."""
    meeting = _locked(meeting)
    _require_status(meeting, MeetingStatus.HELD, message=_("Only a held meeting can be closed."))
    errors: dict[str, str] = {}
    outcome_text = _text(errors, "outcome_text", outcome_text)
    if outcome not in MeetingOutcome.values:
        errors["outcome"] = _("Choose an outcome.")
    if errors:
        raise ValidationError(errors)
    tools = list(Tool.objects.filter(review_meetings=meeting).order_by("name", "pk"))
    bodies = list(meeting.clause.staff_bodies.all())
    if (
        outcome == MeetingOutcome.MEASURES
        and not meeting.measures.exclude(status=MeasureStatus.CANCELLED).exists()
    ):
        errors["outcome"] = _("Record the measures decided before closing with this outcome.")
    elif outcome in (MeetingOutcome.REOPEN_STUDY, MeetingOutcome.REOPEN_CONSULTATION) and not tools:
        errors["outcome"] = _("This meeting concerns no tool: there is no study or consultation to reopen.")
    elif outcome == MeetingOutcome.REOPEN_CONSULTATION and not bodies:
        errors["outcome"] = _("The review clause names no staff body to consult.")
    if errors:
        raise ValidationError(errors)
    meeting.status = MeetingStatus.CLOSED
    meeting.outcome = outcome
    meeting.outcome_text = outcome_text
    meeting.closed_at = timezone.now()
    _history(meeting, actor, _("Meeting closed"))
    meeting.save(update_fields=["status", "outcome", "outcome_text", "closed_at"])
    reason = _history_reason(meeting, outcome, outcome_text)
    studies: list[int] = []
    consultations: list[int] = []
    try:
        for tool in tools:
            registry_services.record_in_history(tool, actor, reason, source="review")
            if outcome == MeetingOutcome.REOPEN_STUDY:
                studies.append(_reopen_study(meeting, tool, actor, reason).pk)
            elif outcome == MeetingOutcome.REOPEN_CONSULTATION:
                consultations.append(_reopen_consultation(meeting, tool, actor, bodies).pk)
    except ValidationError as exc:  # the whole closing is undone: say why on the outcome
        raise ValidationError({"outcome": exc.messages}) from exc
    _audit(
        "review.meeting_closed",
        actor,
        meeting.organisation_id,
        meeting,
        outcome=outcome,
        tools=[t.pk for t in tools],
        studies=studies,
        consultations=consultations,
    )
    return meeting


def _reopen_study(meeting: ReviewMeeting, tool: Tool, actor: Any, reason: str) -> ImpactStudy:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Change to %(tool)s after a review meeting") % {"tool": tool.name}
    study, _created = study_services.reopen_for_review(tool, actor, reason=reason, title=title[:200])
    return study


def _reopen_consultation(meeting: ReviewMeeting, tool: Tool, actor: Any, bodies: list[Any]) -> Any:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(tool)s: consultation after the review meeting “%(title)s”") % {
            "tool": tool.name,
            "title": meeting.title,
        }
    study = ImpactStudy.objects.filter(tool=tool).order_by("-created_at", "-pk").first()
    return consultation_services.open_consultation(
        tool, actor, subject=subject[: consultation_services.MAX_SUBJECT], staff_bodies=bodies, study=study
    )


# Measures -----------------------------------------------------------------------------------------------------


def _measure_fields(organisation_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    text = _text(errors, "text", data.get("text"), required=True)
    owner = data.get("owner")
    owner_name = _text(errors, "owner_name", data.get("owner_name"), limit=MAX_NAME)
    if owner is not None and not _is_member(organisation_id, owner):
        errors["owner"] = _("This person is not a member of the organisation.")
    elif owner is not None and owner_name:
        errors["owner_name"] = _("Choose a member or write a name, not both.")
    elif owner is None and not owner_name:
        errors["owner"] = _("Say who carries out the measure: a member, or a name.")
    due_on = data.get("due_on")
    if not isinstance(due_on, dt.date) or isinstance(due_on, dt.datetime):
        errors["due_on"] = _("Enter the date by which the measure must be done.")
    tool = data.get("tool")
    if tool is not None and getattr(tool, "organisation_id", None) != organisation_id:
        errors["tool"] = _("The tool belongs to another organisation.")
    if errors:
        raise ValidationError(errors)
    return {"text": text, "owner": owner, "owner_name": owner_name, "due_on": due_on, "tool": tool}


@transaction.atomic
def add_measure(
    meeting: ReviewMeeting,
    actor: Any,
    *,
    text: Any,
    owner: Any = None,
    owner_name: Any = "",
    due_on: Any = None,
    tool: Tool | None = None,
) -> Measure:
    """A measure decided at the meeting, carried out by `owner` (a member) or `owner_name` (someone
    else) by `due_on`; `tool` is one of the meeting's tools or any tool of the organisation."""
    meeting = _locked(meeting)
    _require_status(
        meeting,
        MeetingStatus.PLANNED,
        MeetingStatus.HELD,
        message=_("Measures are recorded on a planned or held meeting."),
    )
    fields = _measure_fields(
        meeting.organisation_id,
        {"text": text, "owner": owner, "owner_name": owner_name, "due_on": due_on, "tool": tool},
    )
    measure = Measure(organisation_id=meeting.organisation_id, meeting=meeting, **fields)
    _history(measure, actor, _("Measure decided"))
    measure.save()
    _audit(
        "review.measure_added",
        actor,
        meeting.organisation_id,
        measure,
        meeting=meeting.pk,
        due_on=measure.due_on,
        owner=getattr(measure.owner, "pk", None),
        tool=getattr(measure.tool, "pk", None),
    )
    return measure


def _locked_measure(measure: Measure) -> Measure:
    return Measure.objects.select_for_update().get(pk=measure.pk)


def _require_open(measure: Measure) -> None:
    if measure.status != MeasureStatus.OPEN:
        raise ValidationError(_("This measure is no longer open."))


@transaction.atomic
def update_measure(
    measure: Measure,
    actor: Any,
    *,
    text: Any,
    owner: Any = None,
    owner_name: Any = "",
    due_on: Any = None,
    tool: Tool | None = None,
) -> Measure:
    """Change an open measure. A new owner or due date starts the reminders afresh."""
    measure = _locked_measure(measure)
    _require_open(measure)
    fields = _measure_fields(
        measure.organisation_id,
        {"text": text, "owner": owner, "owner_name": owner_name, "due_on": due_on, "tool": tool},
    )
    before = (measure.text, measure.owner_id, measure.owner_name, measure.due_on, measure.tool_id)
    after = (
        fields["text"],
        getattr(fields["owner"], "pk", None),
        fields["owner_name"],
        fields["due_on"],
        getattr(fields["tool"], "pk", None),
    )
    if before == after:
        return measure
    if before[1:4] != after[1:4]:
        measure.last_reminded_on = None
    for name, value in fields.items():
        setattr(measure, name, value)
    _history(measure, actor, _("Measure changed"))
    measure.save(update_fields=["text", "owner", "owner_name", "due_on", "tool", "last_reminded_on"])
    _audit(
        "review.measure_changed",
        actor,
        measure.organisation_id,
        measure,
        due_on=measure.due_on,
        owner=measure.owner_id,
    )
    return measure


@transaction.atomic
def complete_measure(measure: Measure, actor: Any, *, done_on: Any = None, note: Any = "") -> Measure:
    """The measure is carried out (by `done_on`, today by default; not in the future)."""
    measure = _locked_measure(measure)
    _require_open(measure)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note)
    if done_on is None:
        done_on = timezone.localdate()
    if not isinstance(done_on, dt.date) or isinstance(done_on, dt.datetime):
        errors["done_on"] = _("Enter a date.")
    elif done_on > timezone.localdate():
        errors["done_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    measure.status, measure.done_on, measure.done_note = MeasureStatus.DONE, done_on, note
    _history(measure, actor, _("Measure done"))
    measure.save(update_fields=["status", "done_on", "done_note"])
    _audit("review.measure_done", actor, measure.organisation_id, measure, done_on=done_on)
    return measure


@transaction.atomic
def cancel_measure(measure: Measure, actor: Any, *, note: Any = "") -> Measure:
    """The measure is dropped; `note` (why) is kept in its history."""
    measure = _locked_measure(measure)
    _require_open(measure)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, limit=1000)
    if errors:
        raise ValidationError(errors)
    measure.status = MeasureStatus.CANCELLED
    reason = _("Measure cancelled")
    _history(measure, actor, f"{reason}: {note}" if note else reason)
    measure.save(update_fields=["status"])
    _audit("review.measure_cancelled", actor, measure.organisation_id, measure, note=note)
    return measure
