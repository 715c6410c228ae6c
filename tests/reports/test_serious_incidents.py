"""Serious incidents (AI Act art. 73): deadlines from the date of awareness (15 days; 10 for a death; 2 for a
widespread infringement or critical infrastructure) and reminders 5, 2 and 1 day(s) before and when
overdue, each sent once (time_machine, real SMTP server)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from revoyure.core import scheduling
from revoyure.reports import services, tasks
from revoyure.reports.models import CaseStep
from tests.reports.test_case_helpers import *  # noqa: F403 - the fixtures
from tests.reports.test_case_helpers import case_url

pytestmark = pytest.mark.django_db


def _at(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC), tick=False)


def test_the_daily_job_is_registered() -> None:
    assert scheduling.JOBS[tasks.DAILY_JOB].task is tasks.daily_reports


@pytest.mark.parametrize(("kind", "days"), [("general", 15), ("death", 10), ("widespread", 2)])
def test_deadline_from_awareness(personas: Any, report: Any, kind: str, days: int) -> None:
    with _at(dt.date(2026, 3, 10)):
        services.mark_serious_incident(report, personas.delegate, kind=kind, aware_on=dt.date(2026, 3, 5))
    report.refresh_from_db()
    assert report.serious_incident and report.serious_kind == kind
    assert report.serious_deadline == dt.date(2026, 3, 5) + dt.timedelta(days=days)
    assert report.steps.filter(kind="serious_incident", by=personas.delegate).exists()


def test_only_the_delegate_marks_a_serious_incident(personas: Any, report: Any) -> None:
    response = personas.client("committee").post(
        case_url(report, "case_serious_incident"),
        {"serious_incident-kind": "general", "serious_incident-aware_on": "2026-01-01"},
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert not report.serious_incident


def test_reminders_at_5_2_1_days_and_overdue_each_once(personas: Any, report: Any, smtp_server: Any) -> None:
    with _at(dt.date(2026, 3, 1)):
        services.mark_serious_incident(
            report, personas.delegate, kind="general", aware_on=dt.date(2026, 3, 1)
        )
    deadline = dt.date(2026, 3, 16)
    expected = {
        dt.date(2026, 3, 10): 0,  # 6 days before: nothing
        dt.date(2026, 3, 11): 1,  # 5 days
        dt.date(2026, 3, 12): 0,  # 4 days: the 5-day one was sent
        dt.date(2026, 3, 14): 1,  # 2 days
        dt.date(2026, 3, 15): 1,  # 1 day
        dt.date(2026, 3, 16): 0,  # the day itself: the 1-day one was sent
        dt.date(2026, 3, 17): 1,  # overdue
        dt.date(2026, 3, 18): 0,  # overdue reminder sent once
    }
    for day, count in expected.items():
        with _at(day):
            assert tasks.run_daily()["reminders"] == count, day
            assert tasks.run_daily()["reminders"] == 0, day  # a second run sends nothing
    keys = list(CaseStep.objects.filter(report=report, kind="reminder").values_list("data__key", flat=True))
    assert sorted(keys) == sorted(
        [f"5d:{deadline}", f"2d:{deadline}", f"1d:{deadline}", f"overdue:{deadline}"]
    )
    assert len(smtp_server.messages) == 4
    recipients = {addr.strip() for m in smtp_server.messages for addr in m["To"].split(",")}
    # The delegate, the committee role and the staff representative on the committee; not management.
    assert {"delegate@acme.example", "committee@acme.example", "staff_rep@acme.example"} <= recipients
    assert "manager@acme.example" not in recipients and "admin@acme.example" not in recipients
    assert "Overdue" in smtp_server.messages[-1]["Subject"]


def test_no_reminder_once_the_authority_is_notified(personas: Any, report: Any, smtp_server: Any) -> None:
    with _at(dt.date(2026, 3, 1)):
        services.mark_serious_incident(
            report, personas.delegate, kind="widespread", aware_on=dt.date(2026, 3, 1)
        )
        services.record_authority_notified(report, personas.delegate, notified_on=dt.date(2026, 3, 1))
    with _at(dt.date(2026, 3, 2)):
        assert tasks.run_daily()["reminders"] == 0
    with _at(dt.date(2026, 3, 9)):
        assert tasks.run_daily()["reminders"] == 0
    assert smtp_server.messages == []


def test_authority_notified_needs_a_serious_incident(personas: Any, report: Any) -> None:
    with pytest.raises(services.ValidationError):
        services.record_authority_notified(report, personas.delegate, notified_on=dt.date(2026, 1, 1))


def test_widespread_two_day_deadline_reminders(personas: Any, report: Any, smtp_server: Any) -> None:
    with _at(dt.date(2026, 5, 4)):
        services.mark_serious_incident(
            report, personas.delegate, kind="widespread", aware_on=dt.date(2026, 5, 4)
        )
        assert tasks.run_daily()["reminders"] == 1  # 2 days left
    with _at(dt.date(2026, 5, 5)):
        assert tasks.run_daily()["reminders"] == 1  # 1 day left
    with _at(dt.date(2026, 5, 7)):
        assert tasks.run_daily()["reminders"] == 1  # overdue
    assert tasks.due_key(dt.date(2026, 5, 1), dt.date(2026, 5, 20)) is None
