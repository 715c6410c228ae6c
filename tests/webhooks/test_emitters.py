"""Who queues webhook messages, and with what: the register (tool changed, import), the staff reports'
workflow (status changed, nothing about the reporter), the obligations' reminders (obligation due) and the
review clause (event received, meeting scheduled)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from revoyure.committee.models import Committee
from revoyure.core import hooks
from revoyure.qualification import notifications
from revoyure.qualification.models import Obligation
from revoyure.registry import services as registry_services
from revoyure.reports import services as report_services
from revoyure.reports.models import Report
from revoyure.reviews import fanout
from revoyure.reviews.services_events import create_event
from revoyure.webhooks import signals
from revoyure.webhooks.models import WebhookDelivery
from tests.conftest import Personas
from tests.factories import make_tool
from tests.reviews.conftest import make_clause
from tests.webhooks.conftest import make_endpoint

pytestmark = pytest.mark.django_db

HOOK_URL = "https://93.184.215.14/hooks"  # a public address literal: no DNS needed to check it


def queued(event_type: str) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(event_type=event_type).order_by("pk"))


def subscribe(personas: Personas, event_type: str) -> None:
    make_endpoint(personas.org, HOOK_URL, [event_type])


# The register -------------------------------------------------------------------------------------------


def test_registering_changing_and_moving_a_tool_queue_tool_changed(personas: Personas) -> None:
    subscribe(personas, "tool.changed")
    tool = make_tool(personas.org, personas.delegate, name="Planning")
    registry_services.update_tool(tool, personas.delegate, {"name": "Planning v2"}, "Renamed")
    registry_services.change_status(tool, personas.delegate, "withdrawn", "Abandoned")
    messages = queued("tool.changed")
    assert [m.payload["data"]["name"] for m in messages] == ["Planning", "Planning v2", "Planning v2"]
    last = messages[-1].payload
    tool.refresh_from_db()
    assert last["organisation_id"] == personas.org.pk and last["type"] == "tool.changed"
    assert last["data"] == {
        "tool_id": tool.pk,
        "name": "Planning v2",
        "status": "withdrawn",
        "changed_at": tool.updated_at.isoformat(),
    }


def test_an_import_queues_one_tool_changed_message(personas: Personas) -> None:
    subscribe(personas, "tool.changed")
    hooks.fire(hooks.tools_imported, personas.org.pk)
    [message] = queued("tool.changed")
    assert message.payload["data"]["imported"] is True


def test_the_handlers_are_registered_once(personas: Personas) -> None:
    signals.connect()
    signals.connect()
    ours = "revoyure.webhooks.signals"
    assert sum(getattr(f, "__module__", "") == ours for f in hooks.tool_changed) == 1
    assert sum(getattr(f, "__module__", "") == ours for f in hooks.tools_imported) == 1


def test_a_tool_change_costs_one_query_when_the_organisation_has_no_webhook(
    personas: Personas, tool: Any, django_assert_num_queries: Any
) -> None:
    make_endpoint(personas.other_org, HOOK_URL, ["tool.changed"])
    with django_assert_num_queries(1):
        signals.on_tool_changed(tool)
    assert not WebhookDelivery.objects.exists()


def test_other_organisations_and_other_events_get_nothing(personas: Personas) -> None:
    make_endpoint(personas.other_org, HOOK_URL, ["tool.changed"])
    make_endpoint(personas.org, HOOK_URL, ["obligation.due"])
    make_tool(personas.org, personas.delegate, name="Planning")
    assert not WebhookDelivery.objects.exists()


# Staff reports ------------------------------------------------------------------------------------------


@pytest.fixture
def anonymous_report(personas: Personas, tool: Any) -> Report:
    Committee.objects.create(organisation=personas.org, delegate=personas.delegate)
    return Report.objects.create(
        organisation=personas.org,
        reference="S-ABCDEF",
        tool=tool,
        title="Shifts beyond contract",
        description="Written by someone who wants to stay unknown.",
        received_on=timezone.localdate(),
        channel="web",
        anonymous=True,
    )


def test_a_report_status_change_queues_report_status_changed(
    personas: Personas, anonymous_report: Report, tool: Any
) -> None:
    subscribe(personas, "report.status_changed")
    report_services.convene_committee(anonymous_report, personas.committee, starts_at=timezone.now())
    report_services.record_expertise(
        anonymous_report, personas.committee, sandbox="S", steps="T", reproduced=True
    )
    [first, second] = queued("report.status_changed")
    assert first.payload["data"] == {
        "report_id": anonymous_report.pk,
        "status": "instructing",
        "tool_id": tool.pk,
        "on": timezone.localdate().isoformat(),
    }
    assert second.payload["data"]["status"] == "expertise"


def test_a_step_that_keeps_the_status_queues_nothing(personas: Personas, anonymous_report: Report) -> None:
    report_services.convene_committee(anonymous_report, personas.committee, starts_at=timezone.now())
    report_services.record_expertise(
        anonymous_report, personas.committee, sandbox="S", steps="T", reproduced=True
    )
    subscribe(personas, "report.status_changed")
    # A second expertise: the report stays "expertise".
    report_services.record_expertise(
        anonymous_report, personas.committee, sandbox="S2", steps="T2", reproduced=False
    )
    assert queued("report.status_changed") == []


def test_the_report_message_has_nothing_that_could_identify_the_reporter(
    personas: Personas, anonymous_report: Report
) -> None:
    subscribe(personas, "report.status_changed")
    report_services.convene_committee(anonymous_report, personas.committee, starts_at=timezone.now())
    [message] = queued("report.status_changed")
    assert set(message.payload) == {"type", "organisation_id", "data"}  # no timestamp of the change
    assert set(message.payload["data"]) == {"report_id", "status", "tool_id", "on"}
    assert len(message.payload["data"]["on"]) == 10  # a date, no time of day
    flat = str(message.payload)
    for secret in ("S-ABCDEF", "unknown", "Shifts", "web", "anonymous", "reporter"):
        assert secret not in flat


# Obligations --------------------------------------------------------------------------------------------


def test_an_obligation_coming_due_queues_obligation_due_once(personas: Personas, tool: Any) -> None:
    Obligation.objects.all().delete()
    today = dt.date(2027, 3, 1)
    obligation = Obligation.objects.create(
        organisation=personas.org,
        tool=tool,
        rule_id="CT-4",
        family="labour_code",
        state="applies",
        status="to_do",
        responsible="employer",
        due_on=today + dt.timedelta(days=20),
        evaluated_at=timezone.now(),
    )
    Obligation.objects.create(  # far off: nothing yet
        organisation=personas.org,
        tool=tool,
        rule_id="AIA-08",
        family="ai_act",
        state="applies",
        status="to_do",
        responsible="employer",
        due_on=today + dt.timedelta(days=200),
        evaluated_at=timezone.now(),
    )
    subscribe(personas, "obligation.due")
    notifications.queue_due_notices(today)
    notifications.queue_due_notices(today)  # the daily pass run twice queues nothing more
    [message] = queued("obligation.due")
    assert message.payload["data"] == {
        "obligation_id": obligation.pk,
        "tool_id": tool.pk,
        "rule_id": "CT-4",
        "due_on": "2027-03-21",
        "reminder": "approaching",
    }
    notifications.queue_due_notices(today + dt.timedelta(days=21))  # now overdue: a new message
    assert [m.payload["data"]["reminder"] for m in queued("obligation.due")] == ["approaching", "overdue"]


# Review clauses -----------------------------------------------------------------------------------------


def test_a_confirmed_event_s_meetings_queue_meeting_scheduled(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    ours, _theirs = vendor_tools
    subscribe(personas, "review.meeting_scheduled")
    clause = make_clause(personas.org)
    make_clause(personas.other_org)
    event, _created = create_event(
        organisation_id=None,
        kind="vendor_instructions_update",
        origin="manual",
        title="Notice v5",
        occurred_on=dt.date(2026, 11, 20),
        vendor=vendor,
        confirmed=False,  # fanned out below, not by the worker
    )
    type(event).objects.filter(pk=event.pk).update(status="confirmed")
    assert fanout.fan_out_event(event.pk) == 2
    [message] = queued("review.meeting_scheduled")
    data = message.payload["data"]
    assert message.payload["organisation_id"] == personas.org.pk
    assert data["clause_id"] == clause.pk and data["event_id"] == event.pk
    assert data["tool_ids"] == [ours.pk]
    assert message.dedupe_key == f"review.meeting_scheduled:{data['meeting_id']}"


def test_an_organisation_s_event_queues_event_received(personas: Personas, vendor: Any) -> None:
    subscribe(personas, "review.event_received")
    event, _created = create_event(
        organisation_id=personas.org.pk,
        kind="vendor_post_market_evaluation",
        origin="manual",
        title="Rapport de surveillance",
        occurred_on=dt.date(2026, 11, 20),
        vendor=vendor,
        confirmed=False,
    )
    [message] = queued("review.event_received")
    assert message.payload["data"]["event_id"] == event.pk
