"""The daily job: deemed-negative opinions when the deadline passes, reminders 7 days and 1 day before,
each once (time_machine, real SMTP server)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from revoyure.consultations import services, tasks
from revoyure.consultations.models import ConsultationReminder
from revoyure.core import scheduling
from revoyure.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _at(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(5), tzinfo=dt.UTC), tick=False)


def test_the_daily_job_is_registered() -> None:
    assert scheduling.JOBS[tasks.DAILY_JOB].task is tasks.daily_consultations


def test_deadline_passed_gives_a_deemed_negative_opinion_once(
    personas: Any, consultation: Any, body: Any, smtp_server: Any
) -> None:
    with _at(dt.date(2026, 1, 10)):
        services.record_information(body, personas.manager, dt.date(2026, 1, 10))
    body.refresh_from_db()
    assert body.deadline == dt.date(2026, 2, 10)
    with _at(dt.date(2026, 2, 10)):  # the last day: not yet
        assert tasks.run_daily()["deemed_negative"] == 0
    with _at(dt.date(2026, 2, 11)):
        assert tasks.run_daily()["deemed_negative"] == 1
        assert tasks.run_daily()["deemed_negative"] == 0
    body.refresh_from_db()
    assert (body.opinion, body.opinion_on) == ("deemed_negative", dt.date(2026, 2, 10))
    assert body.history.filter(opinion="deemed_negative").count() == 1
    assert AuditEntry.objects.filter(action="consultation.deemed_negative").count() == 1
    consultation.refresh_from_db()
    assert consultation.status == "closed"


def test_public_service_body_without_deadline_is_never_deemed_negative(personas: Any, new_tech: Any) -> None:
    from revoyure.organisations.services import create_staff_body

    cst = create_staff_body(personas.org, personas.admin, kind="cst", name="CST")
    with _at(dt.date(2026, 1, 10)):
        c = services.open_consultation(new_tech, personas.manager, subject="S", staff_bodies=[cst])
        services.record_information(c.bodies.get(), personas.manager, dt.date(2026, 1, 10))
    with _at(dt.date(2027, 1, 10)):
        assert tasks.run_daily()["deemed_negative"] == 0
    assert c.bodies.get().opinion == ""


def test_reminders_7_days_and_1_day_before_are_sent_once(
    personas: Any, consultation: Any, body: Any, smtp_server: Any
) -> None:
    with _at(dt.date(2026, 1, 10)):
        services.record_information(body, personas.manager, dt.date(2026, 1, 10))
    with _at(dt.date(2026, 2, 2)):  # 8 days before
        assert tasks.run_daily()["reminders"] == 0
    with _at(dt.date(2026, 2, 3)):  # 7 days before
        assert tasks.run_daily()["reminders"] == 1
        assert tasks.run_daily()["reminders"] == 0
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["Subject"].strip() == "Consultation deadline in 7 day(s): CSE Acme — Chatbot RH"
    recipients = set(message["To"].split(", "))
    assert recipients == {"admin@acme.example", "delegate@acme.example", "manager@acme.example"}
    assert "2026-02-10" in message.get_content()
    with _at(dt.date(2026, 2, 6)):
        assert tasks.run_daily()["reminders"] == 0
    with _at(dt.date(2026, 2, 9)):  # the day before
        assert tasks.run_daily()["reminders"] == 1
    with _at(dt.date(2026, 2, 10)):
        assert tasks.run_daily()["reminders"] == 0
    assert len(smtp_server.messages) == 2
    assert set(ConsultationReminder.objects.values_list("key", flat=True)) == {
        "7d:2026-02-10",
        "1d:2026-02-10",
    }
    assert all(r.sent_at and r.recipients == 3 for r in ConsultationReminder.objects.all())


def test_no_reminder_once_the_opinion_is_given(personas: Any, body: Any, smtp_server: Any) -> None:
    with _at(dt.date(2026, 1, 10)):
        services.record_information(body, personas.manager, dt.date(2026, 1, 10))
        services.record_opinion(body, personas.manager, "favourable", opinion_on=dt.date(2026, 1, 10))
    with _at(dt.date(2026, 2, 3)):
        assert tasks.run_daily() == {"deemed_negative": 0, "reminders": 0}
    assert smtp_server.messages == []
