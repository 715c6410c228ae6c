"""The fan-out of a confirmed event to the review meetings of every organisation concerned (issue 6 §3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from revoyure.core.models import AuditEntry
from revoyure.registry.models import Tool
from revoyure.reviews import fanout
from revoyure.reviews.models import MeetingNotice, ReviewMeeting
from revoyure.reviews.services_events import create_event
from revoyure.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Personas
from tests.factories import make_tool
from tests.reviews.conftest import make_clause, put_in_service

pytestmark = pytest.mark.django_db


def vendor_event(vendor: Any, **values: Any) -> Any:
    values.setdefault("kind", "vendor_instructions_update")
    event, _created = create_event(
        organisation_id=None,
        origin="manual",
        title="Notice v5 de Copilot",
        occurred_on=dt.date(2026, 11, 20),
        vendor=vendor,
        confirmed=False,  # fanned out explicitly below, not by the worker
        **values,
    )
    type(event).objects.filter(pk=event.pk).update(status="confirmed")
    return event


def test_a_vendor_event_schedules_a_meeting_in_every_organisation_using_the_product(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    ours, theirs = vendor_tools
    clause_a = make_clause(personas.org)
    clause_b = make_clause(personas.other_org)
    event = vendor_event(vendor)
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)):
        assert fanout.fan_out_event(event.pk) == 2
    meetings = {m.clause_id: m for m in ReviewMeeting.objects.all()}
    assert set(meetings) == {clause_a.pk, clause_b.pk}
    assert list(meetings[clause_a.pk].tools.all()) == [ours]
    assert list(meetings[clause_b.pk].tools.all()) == [theirs]
    agenda = meetings[clause_a.pk].agenda
    assert agenda.startswith("1. ") and "4. " in agenda and "Notice v5 de Copilot" in agenda
    # Within the clause's 15 days: 8 December 2026 is a Tuesday.
    assert meetings[clause_a.pk].starts_at.date() == dt.date(2026, 12, 8)
    assert MeetingNotice.objects.count() == 2
    assert AuditEntry.objects.filter(action="review.meeting_scheduled").count() == 2
    assert all(m.history.count() == 1 for m in meetings.values())
    event.refresh_from_db()
    assert event.fanned_out_at is not None and event.meetings_scheduled == 2


def test_the_same_event_twice_schedules_nothing_more(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    make_clause(personas.org)
    event = vendor_event(vendor)
    assert fanout.fan_out_event(event.pk) == 1
    assert fanout.fan_out_event(event.pk) == 0
    # Even forced to run again (the claim undone), the constraints keep one meeting, one notice, one entry.
    type(event).objects.filter(pk=event.pk).update(fanned_out_at=None)
    assert fanout.fan_out_event(event.pk) == 0
    assert ReviewMeeting.objects.count() == 1
    assert MeetingNotice.objects.count() == 1
    assert AuditEntry.objects.filter(action="review.meeting_scheduled").count() == 1


def test_a_pending_event_is_not_fanned_out(personas: Personas, vendor: Any, vendor_tools: Any) -> None:
    make_clause(personas.org)
    event, _ = create_event(
        organisation_id=None,
        kind="vendor_instructions_update",
        origin="feed",
        title="Entrée de flux",
        occurred_on=dt.date(2026, 11, 20),
        vendor=vendor,
    )
    assert fanout.fan_out_event(event.pk) == 0
    assert not ReviewMeeting.objects.exists()


def test_clause_scope_and_triggers_decide_the_match(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    ours, _theirs = vendor_tools
    other_tool = put_in_service(make_tool(personas.org, personas.delegate, name="Badgeuse", vendor=vendor))
    Tool.objects.filter(pk=other_tool.pk).update(domain_category="hr")
    make_clause(personas.org, title="Sans ce déclencheur", triggers=["dpo_annual_report"])
    named = make_clause(personas.org, title="Outil nommé", scope="tools", tools=[ours])
    category = make_clause(personas.org, title="Catégorie RH", scope="category", categories=["hr"])
    make_clause(personas.org, title="Catégorie absente", scope="category", categories=["security"])
    make_clause(personas.org, title="Inactive", active=False)
    event = vendor_event(vendor)
    assert fanout.fan_out_event(event.pk) == 2
    meetings = {m.clause_id: m for m in ReviewMeeting.objects.filter(organisation=personas.org)}
    assert set(meetings) == {named.pk, category.pk}
    assert [t.pk for t in meetings[named.pk].tools.all()] == [ours.pk]
    assert [t.pk for t in meetings[category.pk].tools.all()] == [other_tool.pk]


def test_a_product_narrows_the_vendor_s_tools(personas: Personas, vendor: Any, vendor_tools: Any) -> None:
    make_clause(personas.org)
    make_clause(personas.other_org)
    Tool.objects.filter(name="Copilot").update(name="Assistant", vendor_version="Teams 2026")
    event = vendor_event(vendor, product="copilot")
    assert fanout.fan_out_event(event.pk) == 1
    assert ReviewMeeting.objects.get().organisation == personas.org


def test_an_organisation_s_own_event_stays_in_it(personas: Personas, vendor: Any, vendor_tools: Any) -> None:
    make_clause(personas.org)
    make_clause(personas.other_org)
    event, _ = create_event(
        organisation_id=personas.org.pk,
        kind="vendor_post_market_evaluation",
        origin="manual",
        title="Rapport de surveillance",
        occurred_on=dt.date(2026, 11, 20),
        vendor=vendor,
        confirmed=False,
    )
    type(event).objects.filter(pk=event.pk).update(status="confirmed")
    assert fanout.fan_out_event(event.pk) == 1
    assert ReviewMeeting.objects.get().organisation == personas.org


def test_meeting_scheduled_webhooks_are_queued_once(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    make_clause(personas.org)
    WebhookEndpoint.objects.create(
        organisation=personas.org,
        url="https://hooks.example/r",
        events=["review.meeting_scheduled"],
        secret="x",
    )
    event = vendor_event(vendor)
    fanout.fan_out_event(event.pk)
    type(event).objects.filter(pk=event.pk).update(fanned_out_at=None)
    fanout.fan_out_event(event.pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["data"]["meeting_id"] == ReviewMeeting.objects.get().pk


def test_an_installation_event_is_announced_to_each_organisation_it_reaches(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    make_clause(personas.org)
    for organisation in (personas.org, personas.other_org):
        WebhookEndpoint.objects.create(
            organisation=organisation,
            url="https://hooks.example/e",
            events=["review.event_received"],
            secret="x",
        )
    event = vendor_event(vendor)
    fanout.fan_out_event(event.pk)
    delivery = WebhookDelivery.objects.get()  # the other organisation has no clause: not reached
    assert delivery.endpoint.organisation == personas.org
    assert delivery.payload["data"]["event_id"] == event.pk
