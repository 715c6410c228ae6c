"""The daily job plans the annual meeting once per committee and year, from the chosen month on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from revoyure.committee import services, tasks
from revoyure.committee.models import Meeting, MeetingKind
from revoyure.core import scheduling

pytestmark = pytest.mark.django_db


def _at(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC), tick=False)


def test_job_is_registered() -> None:
    jobs = scheduling.discover()
    assert tasks.DAILY_JOB in jobs
    assert jobs[tasks.DAILY_JOB].every == dt.timedelta(days=1)


def test_annual_meeting_created_in_its_month_once(personas: Any, committee: Any) -> None:
    with _at(dt.date(2027, 2, 27)):
        assert services.schedule_annual_meetings() == 0  # month 3 not reached
    with _at(dt.date(2027, 3, 1)):
        assert tasks.plan_annual_meetings.call() == 1
        assert tasks.plan_annual_meetings.call() == 0  # run twice: nothing more
    with _at(dt.date(2027, 3, 2)):
        assert services.schedule_annual_meetings() == 0
    meetings = list(Meeting.objects.filter(committee=committee, kind=MeetingKind.ANNUAL))
    assert len(meetings) == 1
    meeting = meetings[0]
    assert meeting.year == 2027
    assert (meeting.starts_at.year, meeting.starts_at.month) == (2027, 3)
    assert "register" in meeting.agenda
    with _at(dt.date(2028, 12, 31)):
        assert services.schedule_annual_meetings() == 1
    assert set(Meeting.objects.values_list("year", flat=True)) == {2027, 2028}


def test_concurrent_insert_is_caught(personas: Any, committee: Any) -> None:
    """A run that finds no meeting but loses the insert to another run returns None, without error."""
    with _at(dt.date(2027, 4, 1)):
        first = services.schedule_annual_meeting(committee, 2027)
        assert first is not None
        original = Meeting.objects.filter
        try:
            # Make the existence check miss, as if the other run had not committed yet.
            Meeting.objects.filter = lambda *a, **k: original(pk=-1)  # type: ignore[method-assign]
            assert services.schedule_annual_meeting(committee, 2027) is None
        finally:
            Meeting.objects.filter = original  # type: ignore[method-assign]
    assert Meeting.objects.filter(kind=MeetingKind.ANNUAL, year=2027).count() == 1


def test_organisations_without_committee_are_skipped(personas: Any) -> None:
    with _at(dt.date(2027, 12, 1)):
        assert services.schedule_annual_meetings() == 0
    assert not Meeting.objects.exists()
