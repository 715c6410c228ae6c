"""Measures decided at a review meeting, « tracked to completion with reminders » (issue 6 §3): their owner
and due date, done or cancelled, and the e-mail reminder sent at most once every 7 days."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from revoyure.core.models import AuditEntry
from revoyure.reviews import periodic
from revoyure.reviews import services_meetings as services
from revoyure.reviews.models import Measure, MeasureStatus
from tests.conftest import Personas
from tests.factories import make_tool
from tests.reviews.test_meetings_services import make_meeting

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DUE = dt.date(2030, 3, 15)


def at(day: dt.date, hour: int = 6) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS), tick=False)


def measure(personas: Personas, **values: Any) -> Measure:
    meeting = values.pop("meeting", None) or make_meeting(personas, notice=False)
    values.setdefault("text", "Train the planners on the new notice")
    if "owner_name" not in values:
        values.setdefault("owner", personas.manager)
    values.setdefault("due_on", DUE)
    return services.add_measure(meeting, personas.delegate, **values)


# Recording ---------------------------------------------------------------------------------------------------


def test_a_measure_is_recorded_with_its_owner_due_date_and_tool(personas: Personas, tool: Any) -> None:
    recorded = measure(personas, tool=tool)
    assert recorded.status == MeasureStatus.OPEN
    assert (recorded.owner, recorded.due_on, recorded.tool) == (personas.manager, DUE, tool)
    assert recorded.history.first().history_change_reason == "Measure decided"
    entry = AuditEntry.objects.get(action="review.measure_added")
    assert entry.data["owner"] == personas.manager.pk and entry.data["tool"] == tool.pk


def test_someone_who_is_not_a_member_may_own_a_measure_by_name(personas: Personas) -> None:
    recorded = measure(personas, owner_name="Cabinet Conseil RPS")
    assert recorded.owner is None and recorded.owner_name == "Cabinet Conseil RPS"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"owner": None}, "owner"),
        ({"owner_name": "Someone", "owner": "manager"}, "owner_name"),
        ({"owner": "outsider"}, "owner"),
        ({"due_on": None}, "due_on"),
        ({"text": "   "}, "text"),
    ],
)
def test_bad_measures_are_refused_and_nothing_written(
    personas: Personas, values: dict[str, Any], field: str
) -> None:
    values = {k: getattr(personas, v) if k == "owner" and v else v for k, v in values.items()}
    meeting = make_meeting(personas, notice=False)
    data = {"text": "Do it", "owner": personas.manager, "due_on": DUE, **values}
    with pytest.raises(ValidationError) as caught:
        services.add_measure(meeting, personas.delegate, **data)
    assert field in caught.value.message_dict
    assert not Measure.objects.exists()
    assert not AuditEntry.objects.filter(action="review.measure_added").exists()


def test_a_tool_of_another_organisation_is_refused(personas: Personas) -> None:
    foreign = make_tool(personas.other_org, personas.outsider, name="Their tool")
    with pytest.raises(ValidationError) as caught:
        measure(personas, tool=foreign)
    assert "tool" in caught.value.message_dict


def test_no_measure_on_a_cancelled_meeting(personas: Personas) -> None:
    meeting = make_meeting(personas, notice=False)
    services.cancel_meeting(meeting, personas.delegate)
    with pytest.raises(ValidationError):
        measure(personas, meeting=meeting)


def test_a_new_due_date_starts_the_reminders_afresh(personas: Personas) -> None:
    recorded = measure(personas)
    Measure.objects.filter(pk=recorded.pk).update(last_reminded_on=dt.date(2030, 3, 10))
    services.update_measure(
        recorded, personas.delegate, text=recorded.text, owner=personas.manager, due_on=dt.date(2030, 4, 30)
    )
    recorded.refresh_from_db()
    assert recorded.due_on == dt.date(2030, 4, 30)
    assert recorded.last_reminded_on is None
    assert AuditEntry.objects.filter(action="review.measure_changed").count() == 1


# Done, cancelled ---------------------------------------------------------------------------------------------


def test_a_measure_done_keeps_its_date_and_note(personas: Personas) -> None:
    recorded = measure(personas)
    services.complete_measure(
        recorded, personas.manager, done_on=dt.date(2026, 1, 5), note="Two sessions held"
    )
    recorded.refresh_from_db()
    assert recorded.status == MeasureStatus.DONE
    assert (recorded.done_on, recorded.done_note) == (dt.date(2026, 1, 5), "Two sessions held")
    assert AuditEntry.objects.get(action="review.measure_done").actor_id == personas.manager.pk
    with pytest.raises(ValidationError):
        services.complete_measure(recorded, personas.manager)  # once


def test_a_measure_cannot_be_done_in_the_future(personas: Personas) -> None:
    recorded = measure(personas)
    with pytest.raises(ValidationError) as caught:
        services.complete_measure(recorded, personas.manager, done_on=dt.date(2999, 1, 1))
    assert "done_on" in caught.value.message_dict
    recorded.refresh_from_db()
    assert recorded.status == MeasureStatus.OPEN


def test_a_cancelled_measure_keeps_why_in_its_history(personas: Personas) -> None:
    recorded = measure(personas)
    services.cancel_measure(recorded, personas.delegate, note="The tool is withdrawn")
    recorded.refresh_from_db()
    assert recorded.status == MeasureStatus.CANCELLED
    assert recorded.history.first().history_change_reason == "Measure cancelled: The tool is withdrawn"


# Reminders ---------------------------------------------------------------------------------------------------


def test_the_owner_is_reminded_a_week_before_and_then_every_seven_days(
    personas: Personas, smtp_server: Any
) -> None:
    recorded = measure(personas)
    with at(DUE - dt.timedelta(days=8)):
        assert periodic.send_measure_reminders() == 0  # not within a week yet
    with at(DUE - dt.timedelta(days=7)):
        assert periodic.send_measure_reminders() == 1
        assert periodic.send_measure_reminders() == 0  # once
    for days in range(-6, 0):
        with at(DUE + dt.timedelta(days=days)):
            assert periodic.send_measure_reminders() == 0
    with at(DUE):
        assert periodic.send_measure_reminders() == 1
    with at(DUE + dt.timedelta(days=7)):
        assert periodic.send_measure_reminders() == 1  # late: still reminded, weekly
    assert [str(m["To"]) for m in smtp_server.messages] == ["manager@acme.example"] * 3
    first, last = smtp_server.messages[0], smtp_server.messages[-1]
    assert str(first["Subject"]).startswith("Reminder: a measure is due on")
    assert str(last["Subject"]).startswith("Late measure")
    body = first.get_body(preferencelist=("plain",)).get_content()
    assert recorded.text in body and f"/o/acme/revoyure/mesures/{recorded.pk}/done/" in body
    recorded.refresh_from_db()
    assert recorded.last_reminded_on == DUE + dt.timedelta(days=7)


def test_no_reminder_for_a_measure_done_or_owned_by_name(personas: Personas, smtp_server: Any) -> None:
    services.complete_measure(measure(personas), personas.manager)
    measure(personas, owner_name="Cabinet Conseil")
    with at(DUE):
        assert periodic.send_measure_reminders() == 0
    assert smtp_server.messages == []


def test_no_reminder_to_an_owner_who_left_the_organisation(personas: Personas, smtp_server: Any) -> None:
    measure(personas)
    personas.manager.memberships.all().delete()
    with at(DUE):
        assert periodic.send_measure_reminders() == 0


def test_a_reminder_is_claimed_so_two_workers_send_it_once(personas: Personas, smtp_server: Any) -> None:
    recorded = measure(personas)
    with at(DUE):
        assert periodic.send_measure_reminder(recorded.pk, DUE) is True
        assert periodic.send_measure_reminder(recorded.pk, DUE) is False
    assert len(smtp_server.messages) == 1


def test_a_reminder_that_could_not_be_sent_is_tried_again(
    personas: Personas, smtp_server: Any, settings: Any
) -> None:
    recorded = measure(personas)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9
    with at(DUE):
        assert periodic.send_measure_reminders() == 0
    recorded.refresh_from_db()
    assert recorded.last_reminded_on is None  # the claim was given back
    settings.EMAIL_PORT = port
    with at(DUE + dt.timedelta(days=1)):
        assert periodic.send_measure_reminders() == 1
