"""Minimum-frequency meetings (issue 6 §3): « minimum-frequency meetings are scheduled when no event
occurred » — nothing before the due date, one meeting on it, never twice; the daily job."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from revoyure.core import scheduling
from revoyure.core.models import AuditEntry
from revoyure.reviews import agenda, periodic
from revoyure.reviews import services_meetings as services
from revoyure.reviews.models import MeetingNotice, MeetingStatus, ReviewClause, ReviewMeeting
from revoyure.reviews.tasks_meetings import reviews_daily
from revoyure.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Personas
from tests.reviews.conftest import make_clause
from tests.reviews.test_meetings_services import make_meeting, staffed_clause

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def at(year: int, month: int, day: int, hour: int = 6) -> Any:
    return time_machine.travel(dt.datetime(year, month, day, hour, tzinfo=PARIS), tick=False)


def created_on(clause: ReviewClause, day: dt.date) -> None:
    ReviewClause.objects.filter(pk=clause.pk).update(
        created_at=dt.datetime.combine(day, dt.time(9), tzinfo=PARIS)
    )


def test_nothing_before_the_due_date_one_meeting_on_it_and_not_twice(personas: Personas) -> None:
    clause = make_clause(personas.org, minimum_frequency_months=6, notice_days=15)
    created_on(clause, dt.date(2026, 1, 31))
    with at(2026, 7, 30):
        assert periodic.schedule_periodic_meetings() == 0
    with at(2026, 7, 31):
        assert periodic.schedule_periodic_meetings() == 1
        assert periodic.schedule_periodic_meetings() == 0
    with at(2026, 8, 1):
        assert periodic.schedule_periodic_meetings() == 0  # one is planned
    meeting = ReviewMeeting.objects.get()
    assert meeting.reason == "periodic"
    assert meeting.period_due_on == dt.date(2026, 7, 31)
    assert meeting.title == agenda.periodic_title(clause.title)
    assert meeting.agenda == agenda.periodic_agenda()
    assert (meeting.starts_at, meeting.ends_at) == agenda.meeting_slot(dt.date(2026, 7, 31), 15)
    assert MeetingNotice.objects.filter(meeting=meeting, kind="request", sequence=0).count() == 1
    assert meeting.history.count() == 1
    assert (
        AuditEntry.objects.filter(action="review.meeting_scheduled", object_id=str(meeting.pk)).count() == 1
    )


def test_the_due_date_is_clamped_to_the_end_of_the_month(personas: Personas) -> None:
    clause = make_clause(personas.org, minimum_frequency_months=6)
    created_on(clause, dt.date(2026, 8, 31))
    with at(2027, 2, 27):
        assert periodic.schedule_periodic_meetings() == 0
    with at(2027, 2, 28):
        assert periodic.schedule_periodic_meetings() == 1
    assert ReviewMeeting.objects.get().period_due_on == dt.date(2027, 2, 28)


def test_a_meeting_held_for_an_event_counts(personas: Personas) -> None:
    clause = staffed_clause(personas, minimum_frequency_months=6)
    created_on(clause, dt.date(2026, 1, 31))
    with at(2026, 5, 10, 12):
        meeting = make_meeting(personas, clause=clause, starts_at=timezone.now() - dt.timedelta(hours=2))
        services.record_minutes(meeting, personas.delegate, {}, "Held")
    with at(2026, 7, 31):
        assert periodic.schedule_periodic_meetings() == 0
    with at(2026, 11, 10):
        assert periodic.schedule_periodic_meetings() == 1
    assert ReviewMeeting.objects.get(reason="periodic").period_due_on == dt.date(2026, 11, 10)


def test_a_planned_meeting_of_the_clause_holds_the_periodic_one_back(personas: Personas) -> None:
    clause = staffed_clause(personas, minimum_frequency_months=3)
    created_on(clause, dt.date(2026, 1, 10))
    with at(2026, 4, 10):
        make_meeting(personas, clause=clause, starts_at=timezone.now() + dt.timedelta(days=5))
        assert periodic.schedule_periodic_meetings() == 0


def test_a_cancelled_periodic_meeting_is_replaced(personas: Personas) -> None:
    clause = make_clause(personas.org, minimum_frequency_months=3)
    created_on(clause, dt.date(2026, 1, 10))
    with at(2026, 4, 10):
        assert periodic.schedule_periodic_meetings() == 1
        first = ReviewMeeting.objects.get()
        services.cancel_meeting(first, personas.delegate)
    with at(2026, 4, 12):
        assert periodic.schedule_periodic_meetings() == 1
    replacement = ReviewMeeting.objects.exclude(pk=first.pk).get()
    assert replacement.status == MeetingStatus.PLANNED
    assert replacement.period_due_on == dt.date(2026, 4, 12)


def test_inactive_clauses_and_clauses_without_frequency_are_left_alone(personas: Personas) -> None:
    for values in ({"minimum_frequency_months": 1, "active": False}, {"minimum_frequency_months": None}):
        clause = make_clause(personas.org, **values)
        created_on(clause, dt.date(2025, 1, 1))
    with at(2026, 6, 1):
        assert periodic.schedule_periodic_meetings() == 0


def test_the_meeting_concerns_the_tools_in_the_clause_s_scope(
    personas: Personas, vendor_tools: Any, tool: Any
) -> None:
    ours, _theirs = vendor_tools  # `tool` is a project, not in use: not concerned
    clause = make_clause(personas.org, minimum_frequency_months=12)
    created_on(clause, dt.date(2025, 1, 1))
    with at(2026, 6, 1):
        periodic.schedule_periodic_meetings()
    assert list(ReviewMeeting.objects.get().tools.all()) == [ours]


def test_the_webhook_is_queued_once(personas: Personas) -> None:
    WebhookEndpoint.objects.create(
        organisation=personas.org,
        url="https://hooks.example/r",
        events=["review.meeting_scheduled"],
        secret="x",
    )
    clause = make_clause(personas.org, minimum_frequency_months=12)
    created_on(clause, dt.date(2025, 1, 1))
    with at(2026, 6, 1):
        periodic.schedule_periodic_meetings()
        periodic.schedule_periodic_meetings()
    delivery = WebhookDelivery.objects.get()
    meeting = ReviewMeeting.objects.get()
    assert delivery.dedupe_key == f"review.meeting_scheduled:{meeting.pk}"
    assert delivery.payload["data"]["reason"] == "periodic"
    assert delivery.payload["data"]["event_id"] is None


def test_the_daily_job_is_registered_at_six() -> None:
    job = scheduling.JOBS["reviews.daily"]
    assert job.task == reviews_daily
    assert job.every == dt.timedelta(days=1) and job.at_hour == 6


def test_the_daily_job_schedules_and_invites(
    personas: Personas, smtp_server: Any, run_workers_inline: Any
) -> None:
    clause = staffed_clause(personas, minimum_frequency_months=6)
    created_on(clause, dt.date(2025, 1, 1))
    reviews_daily.enqueue()
    assert run_workers_inline() == 2  # the daily job, then the sending task it enqueued
    meeting = ReviewMeeting.objects.get()
    assert meeting.reason == "periodic"
    assert sorted(str(m["To"]) for m in smtp_server.messages) == sorted(
        ["staff_rep@acme.example", "delegate@acme.example", "lou@law.example", "manager@acme.example"]
    )
    assert str(smtp_server.messages[0]["Subject"]) == f"Invitation: {meeting.title}"
