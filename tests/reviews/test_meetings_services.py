"""The review meetings' services (issue 6 §3): rescheduling and cancelling (with their notices), minutes
and attendance, and the closing whose outcome goes into each tool's history and may reopen its impact study
or its consultation. The helpers at the top are shared by the other meeting test modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from revoyure.committee import services as committee_services
from revoyure.committee.models import Quality
from revoyure.consultations.models import Consultation
from revoyure.core.models import AuditEntry
from revoyure.organisations.models import StaffBody, StaffBodyMember
from revoyure.registry.models import Tool
from revoyure.reviews import agenda
from revoyure.reviews import services_meetings as services
from revoyure.reviews.models import (
    Measure,
    MeetingNotice,
    MeetingReason,
    MeetingStatus,
    ReviewClause,
    ReviewMeeting,
    ReviewParticipant,
)
from revoyure.studies import services as study_services
from revoyure.studies.models import ImpactStudy, StudyKind, StudyStatus
from tests.conftest import Personas
from tests.factories import make_tool
from tests.reviews.conftest import make_clause

pytestmark = pytest.mark.django_db

LOU = "lou@law.example"


def staffed_clause(personas: Personas, **values: Any) -> ReviewClause:
    """A clause whose CSE has the staff representative (with an account) and a member without one, which
    includes the AI committee (the delegate, and Lou with an external address) and names the manager."""
    body = StaffBody.objects.create(organisation=personas.org, kind="cse", name="CSE Acme")
    StaffBodyMember.objects.create(
        staff_body=body, full_name="Sam Rep", mandate="Secretary", user=personas.staff_rep
    )
    StaffBodyMember.objects.create(staff_body=body, full_name="No Account")
    committee = committee_services.get_or_create_committee(personas.org)
    committee_services.update_settings(committee, personas.admin, delegate=personas.delegate, deputy=None)
    committee_services.add_member(
        committee, personas.delegate, full_name="Lou Lawyer", quality=Quality.LAWYER, email=LOU
    )
    values.setdefault("include_committee", True)
    clause = make_clause(personas.org, **values)
    clause.staff_bodies.set([body])
    clause.participants.set([personas.manager])
    return clause


def make_meeting(
    personas: Personas,
    *,
    clause: ReviewClause | None = None,
    tools: list[Tool] | None = None,
    starts_at: dt.datetime | None = None,
    notice: bool = True,
    **values: Any,
) -> ReviewMeeting:
    """A meeting as the fan-out schedules it: the 4-point agenda, its tools, one REQUEST notice (sequence 0)."""
    clause = clause or staffed_clause(personas)
    starts = starts_at or timezone.now() + dt.timedelta(days=10)
    values.setdefault("title", agenda.event_title("Notice v5 de Copilot"))
    values.setdefault("agenda", agenda.event_agenda("Notice v5 de Copilot", "Mise à jour de la notice"))
    meeting = ReviewMeeting.objects.create(
        organisation=clause.organisation,
        clause=clause,
        reason=MeetingReason.EVENT,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        location="Salle du CSE",
        ical_uid=f"review-test-{ReviewMeeting.objects.count() + 1}-{clause.pk}@revoyure",
        **values,
    )
    if tools:
        meeting.tools.set(tools)
    if notice:
        MeetingNotice.objects.create(meeting=meeting, kind="request", sequence=0)
    return meeting


def held_meeting(personas: Personas, **kwargs: Any) -> ReviewMeeting:
    """A meeting that started yesterday, with its minutes recorded."""
    kwargs.setdefault("starts_at", timezone.now() - dt.timedelta(days=1))
    meeting = make_meeting(personas, **kwargs)
    return services.record_minutes(meeting, personas.delegate, {}, "Discussed the new notice.")


# Rescheduling and cancelling ---------------------------------------------------------------------------------


def test_moving_a_meeting_raises_the_sequence_and_queues_an_update(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = make_meeting(personas)
    new_start = meeting.starts_at + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks() as callbacks:
        services.update_meeting(
            meeting,
            personas.delegate,
            starts_at=new_start,
            ends_at=new_start + dt.timedelta(hours=1),
            location="Salle B",
            agenda=meeting.agenda,
        )
    meeting.refresh_from_db()
    assert meeting.ical_sequence == 1
    assert meeting.location == "Salle B"
    assert list(
        MeetingNotice.objects.filter(meeting=meeting).values_list("kind", "sequence").order_by("sequence")
    ) == [
        ("request", 0),
        ("request", 1),
    ]
    assert len(callbacks) == 1  # the sending task, enqueued once committed
    assert meeting.history.first().history_change_reason == "Meeting rescheduled"
    entry = AuditEntry.objects.get(action="review.meeting_changed")
    assert entry.data["update_sent"] is True and entry.data["sequence"] == 1


def test_changing_only_the_agenda_sends_no_update(personas: Personas) -> None:
    meeting = make_meeting(personas)
    services.update_meeting(
        meeting,
        personas.delegate,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location,
        agenda="1. Un seul point",
    )
    meeting.refresh_from_db()
    assert meeting.agenda == "1. Un seul point"
    assert meeting.ical_sequence == 0
    assert MeetingNotice.objects.filter(meeting=meeting).count() == 1


def test_a_meeting_ending_before_it_starts_is_refused_and_nothing_written(personas: Personas) -> None:
    meeting = make_meeting(personas)
    with pytest.raises(ValidationError) as caught:
        services.update_meeting(
            meeting,
            personas.delegate,
            starts_at=meeting.starts_at,
            ends_at=meeting.starts_at - dt.timedelta(hours=1),
            location="Ailleurs",
        )
    assert "ends_at" in caught.value.message_dict
    meeting.refresh_from_db()
    assert meeting.location == "Salle du CSE" and meeting.ical_sequence == 0
    assert not AuditEntry.objects.filter(action="review.meeting_changed").exists()


def test_cancelling_queues_a_cancel_notice_at_the_next_sequence(personas: Personas) -> None:
    meeting = make_meeting(personas)
    services.cancel_meeting(meeting, personas.delegate)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.ical_sequence == 1
    assert MeetingNotice.objects.filter(meeting=meeting, kind="cancel", sequence=1).exists()
    assert AuditEntry.objects.filter(action="review.meeting_cancelled", object_id=str(meeting.pk)).exists()


def test_a_cancelled_meeting_cannot_be_cancelled_or_moved_again(personas: Personas) -> None:
    meeting = make_meeting(personas)
    services.cancel_meeting(meeting, personas.delegate)
    with pytest.raises(ValidationError):
        services.cancel_meeting(meeting, personas.delegate)
    with pytest.raises(ValidationError):
        services.update_meeting(
            meeting, personas.delegate, starts_at=meeting.starts_at, ends_at=meeting.ends_at
        )
    assert MeetingNotice.objects.filter(meeting=meeting).count() == 2


# Minutes -----------------------------------------------------------------------------------------------------


def test_minutes_cannot_be_recorded_before_the_meeting_starts(personas: Personas) -> None:
    meeting = make_meeting(personas)
    with pytest.raises(ValidationError):
        services.record_minutes(meeting, personas.delegate, {}, "Too early")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.minutes == ""


def test_minutes_and_attendance_make_the_meeting_held(personas: Personas) -> None:
    meeting = make_meeting(personas, starts_at=timezone.now() - dt.timedelta(hours=3))
    services.record_minutes(
        meeting,
        personas.delegate,
        {"staff_rep@acme.example": "present", LOU: "excused", "manager@acme.example": "absent"},
        "Impact assessed; two measures decided.",
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.minutes == "Impact assessed; two measures decided."
    people = {p.email: (p.present, p.excused) for p in ReviewParticipant.objects.filter(meeting=meeting)}
    assert people == {
        "staff_rep@acme.example": (True, False),
        "delegate@acme.example": (False, False),
        LOU: (False, True),
        "manager@acme.example": (False, False),
    }
    assert AuditEntry.objects.get(action="review.meeting_minutes").data["present"] == 1


def test_attendance_of_a_stranger_is_refused(personas: Personas) -> None:
    meeting = make_meeting(personas, starts_at=timezone.now() - dt.timedelta(hours=3))
    with pytest.raises(ValidationError) as caught:
        services.record_minutes(meeting, personas.delegate, {"intruder@evil.example": "present"}, "x")
    assert "attendance" in caught.value.message_dict
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not ReviewParticipant.objects.filter(meeting=meeting).exists()


# Closing -----------------------------------------------------------------------------------------------------


def test_only_a_held_meeting_is_closed(personas: Personas, tool: Tool) -> None:
    meeting = make_meeting(personas, tools=[tool])
    versions = tool.history.count()
    with pytest.raises(ValidationError):
        services.close_meeting(meeting, personas.delegate, outcome="no_change")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert tool.history.count() == versions


def test_closing_writes_the_outcome_into_each_tool_s_history(personas: Personas, tool: Tool) -> None:
    other = make_tool(personas.org, personas.delegate, name="Badgeuse")
    meeting = held_meeting(personas, tools=[tool, other])
    services.close_meeting(
        meeting, personas.delegate, outcome="no_change", outcome_text="The new notice changes nothing here."
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED and meeting.closed_at is not None
    for concerned in (tool, other):
        version = concerned.history.order_by("-history_date", "-history_id").first()
        assert version.history_type == "~"
        assert version.history_user == personas.delegate
        assert meeting.title in version.history_change_reason
        assert "No change to the tool's use" in version.history_change_reason
        assert "The new notice changes nothing here." in version.history_change_reason
    assert AuditEntry.objects.filter(action="tool.history_noted").count() == 2
    closed = AuditEntry.objects.get(action="review.meeting_closed")
    assert sorted(closed.data["tools"]) == sorted([tool.pk, other.pk])


def test_the_measures_outcome_needs_a_measure(personas: Personas, tool: Tool) -> None:
    meeting = held_meeting(personas, tools=[tool])
    with pytest.raises(ValidationError) as caught:
        services.close_meeting(meeting, personas.delegate, outcome="measures")
    assert "outcome" in caught.value.message_dict
    services.add_measure(
        meeting,
        personas.delegate,
        text="Train the planners",
        owner=personas.manager,
        due_on=dt.date(2030, 1, 1),
    )
    services.close_meeting(meeting, personas.delegate, outcome="measures")
    meeting.refresh_from_db()
    assert meeting.outcome == "measures"


def test_an_unknown_outcome_is_refused(personas: Personas) -> None:
    meeting = held_meeting(personas)
    with pytest.raises(ValidationError) as caught:
        services.close_meeting(meeting, personas.delegate, outcome="shrug")
    assert "outcome" in caught.value.message_dict
    assert ReviewMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD


def test_reopen_study_starts_a_change_study_when_the_last_one_is_signed_off(
    personas: Personas, tool: Tool
) -> None:
    signed = study_services.create_study(tool, personas.manager, kind="new_tool", title="Initial study")
    ImpactStudy.objects.filter(pk=signed.pk).update(status=StudyStatus.SIGNED_OFF)
    meeting = held_meeting(personas, tools=[tool])
    services.close_meeting(meeting, personas.delegate, outcome="reopen_study", outcome_text="New uses")
    studies = list(ImpactStudy.objects.filter(tool=tool).order_by("pk"))
    assert len(studies) == 2
    assert studies[0].status == StudyStatus.SIGNED_OFF  # the signed study is never rewritten
    assert studies[1].kind == StudyKind.CHANGE and studies[1].status == StudyStatus.IN_PROGRESS
    assert AuditEntry.objects.get(action="review.meeting_closed").data["studies"] == [studies[1].pk]


def test_reopen_study_sends_a_study_in_review_back_to_work(personas: Personas, tool: Tool) -> None:
    study = study_services.create_study(tool, personas.manager, kind="new_tool", title="Study")
    ImpactStudy.objects.filter(pk=study.pk).update(status=StudyStatus.IN_REVIEW)
    meeting = held_meeting(personas, tools=[tool])
    services.close_meeting(
        meeting, personas.delegate, outcome="reopen_study", outcome_text="Redo the HR part"
    )
    study.refresh_from_db()
    assert ImpactStudy.objects.filter(tool=tool).count() == 1
    assert study.status == StudyStatus.IN_PROGRESS
    assert "Redo the HR part" in study.review_comments
    assert study.history.first().history_change_reason == "Reopened by a review meeting"


def test_reopen_consultation_consults_the_clause_s_staff_bodies_again(personas: Personas, tool: Tool) -> None:
    meeting = held_meeting(personas, tools=[tool])
    services.close_meeting(meeting, personas.delegate, outcome="reopen_consultation")
    consultation = Consultation.objects.get(tool=tool)
    assert [b.staff_body.name for b in consultation.bodies.all()] == ["CSE Acme"]
    assert meeting.title in consultation.subject


def test_reopen_consultation_without_staff_bodies_is_refused_and_nothing_written(
    personas: Personas, tool: Tool
) -> None:
    clause = make_clause(personas.org)
    meeting = held_meeting(personas, clause=clause, tools=[tool])
    versions = tool.history.count()
    with pytest.raises(ValidationError) as caught:
        services.close_meeting(meeting, personas.delegate, outcome="reopen_consultation")
    assert "outcome" in caught.value.message_dict
    assert ReviewMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
    assert tool.history.count() == versions
    assert not Consultation.objects.exists()
    assert not Measure.objects.exists()
