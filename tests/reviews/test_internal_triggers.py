"""Trigger events from inside the platform (issue 6 §2): a new version or feature of a tool in use, from the
register's hook; a staff report judged founded, from the reports app's domain event."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.utils import timezone

from revoyure.committee.models import Committee, CommitteeMember, Quality
from revoyure.core import events, hooks
from revoyure.core.models import AuditEntry
from revoyure.core.permissions import Role
from revoyure.organisations.models import Membership
from revoyure.registry import services as registry
from revoyure.registry.models import Tool
from revoyure.reviews import signals
from revoyure.reviews.models import TriggerEvent
from revoyure.webhooks.models import WebhookDelivery
from tests.conftest import Personas
from tests.factories import UserFactory, make_tool
from tests.reports.test_case_helpers import (
    REPORTER_EMAIL,
    REPORTER_NAME,
    advance,
    make_report,
)
from tests.reviews.conftest import put_in_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_use(personas: Personas) -> Tool:
    return put_in_service(
        make_tool(personas.org, personas.delegate, name="Copilot RH", vendor_version="3.1", function="Tri")
    )


def update(tool: Tool, personas: Personas, **changes: Any) -> Tool:
    return registry.update_tool(tool, personas.delegate, changes, "Mise à jour du registre")


# The register ---------------------------------------------------------------------------------------------


def test_a_new_version_of_a_tool_in_use_awaits_the_delegate_s_confirmation(
    personas: Personas, in_use: Tool
) -> None:
    update(in_use, personas, vendor_version="3.2")
    event = TriggerEvent.objects.get()
    latest = in_use.history.order_by("-history_id").first()
    assert (event.kind, event.origin, event.status, event.tool, event.organisation) == (
        "tool_new_version",
        "register",
        "pending",
        in_use,
        personas.org,
    )
    assert event.dedupe_key == f"register:{latest.history_id}"
    assert event.title == "New version of Copilot RH: 3.1 → 3.2"
    assert "3.1 → 3.2" in event.description
    assert event.occurred_on == timezone.localdate()


def test_a_new_function_or_technique_is_a_new_feature(personas: Personas, in_use: Tool) -> None:
    update(in_use, personas, function="Tri et classement des candidatures")
    update(in_use, personas, techniques=["generative"])
    titles = list(TriggerEvent.objects.order_by("pk").values_list("title", "description"))
    assert [t for t, _d in titles] == ["New feature of Copilot RH", "New feature of Copilot RH"]
    assert "Tri et classement" in titles[0][1]
    assert "Generative model" in titles[1][1]


def test_other_changes_make_no_event(personas: Personas, in_use: Tool) -> None:
    update(in_use, personas, purpose="Planifier")
    update(in_use, personas, vendor_version="")  # a version cleared is no new version
    assert not TriggerEvent.objects.exists()


@pytest.mark.parametrize("status", ["project", "withdrawn"])
def test_a_tool_not_in_use_makes_no_event(personas: Personas, status: str) -> None:
    tool = make_tool(personas.org, personas.delegate, name="Projet", vendor_version="1.0")
    Tool.objects.filter(pk=tool.pk).update(status=status)
    tool.refresh_from_db()
    update(tool, personas, vendor_version="2.0")
    assert not TriggerEvent.objects.exists()


def test_a_tool_being_created_makes_no_event(personas: Personas) -> None:
    make_tool(personas.org, personas.delegate, name="Neuf", vendor_version="1.0", status="project")
    assert not TriggerEvent.objects.exists()


def test_the_hook_costs_nothing_for_a_tool_not_in_use(
    personas: Personas, django_assert_num_queries: Any
) -> None:
    tool = make_tool(personas.org, personas.delegate, name="Projet")
    with django_assert_num_queries(0):
        signals.on_tool_changed(tool)


def test_the_hook_costs_one_query_when_nothing_relevant_changed(
    personas: Personas, in_use: Tool, django_assert_num_queries: Any
) -> None:
    update(in_use, personas, purpose="Planifier")
    with django_assert_num_queries(1):
        signals.on_tool_changed(in_use)


def test_the_hook_is_registered_once(personas: Personas) -> None:
    signals.register()
    signals.register()
    assert hooks.tool_changed.count(signals.on_tool_changed) == 1
    assert events.subscribers("report.founded").count(signals.on_report_founded) == 1


def test_a_failure_of_the_review_clause_never_fails_the_register_write(
    personas: Personas, in_use: Tool, monkeypatch: Any, caplog: Any
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(signals.services_events, "create_event", broken)
    with caplog.at_level(logging.ERROR, logger="revoyure.reviews.signals"):
        update(in_use, personas, vendor_version="4.0")
    in_use.refresh_from_db()
    assert in_use.vendor_version == "4.0"
    assert not TriggerEvent.objects.exists()
    assert "Could not record the register event" in caplog.text


def test_the_same_history_row_never_makes_two_events(personas: Personas, in_use: Tool) -> None:
    update(in_use, personas, vendor_version="3.2")
    signals.on_tool_changed(in_use)  # the hook called again for the same write
    assert TriggerEvent.objects.count() == 1


# Founded staff reports ------------------------------------------------------------------------------------


@pytest.fixture
def founded(personas: Personas, in_use: Tool, django_capture_on_commit_callbacks: Any) -> Any:
    """A report by a named employee about the tool, judged founded through the reports app's own service
    (the committee set up as the reports tests do)."""
    committee = Committee.objects.create(organisation=personas.org, delegate=personas.delegate)
    CommitteeMember.objects.create(
        committee=committee, user=personas.staff_rep, full_name="Staff Rep", quality=Quality.STAFF_REP
    )
    reporter = UserFactory(email=REPORTER_EMAIL, full_name=REPORTER_NAME)
    Membership.objects.create(organisation=personas.org, user=reporter, role=Role.EMPLOYEE)
    report = make_report(personas, in_use, reporter=reporter)
    with django_capture_on_commit_callbacks(execute=True):
        advance(report, personas.delegate, "record_finding")
    return report


def test_a_founded_report_becomes_a_confirmed_event_about_its_tool(
    personas: Personas, in_use: Tool, founded: Any
) -> None:
    event = TriggerEvent.objects.get(kind="founded_report")
    assert (event.status, event.origin, event.tool, event.organisation) == (
        "confirmed",
        "report",
        in_use,
        personas.org,
    )
    assert event.dedupe_key == f"report:{founded.pk}"
    assert event.title == "A staff report about Copilot RH was judged founded"
    assert event.created_by is None and event.decided_by is None


def test_nothing_in_the_event_identifies_the_reporter(personas: Personas, founded: Any) -> None:
    event = TriggerEvent.objects.get(kind="founded_report")
    stored = " ".join(
        str(value)
        for value in TriggerEvent.objects.filter(pk=event.pk)
        .values("title", "description", "source", "product", "evidence_url")
        .get()
        .values()
    )
    for secret in (REPORTER_NAME, REPORTER_EMAIL, founded.title, founded.description, founded.reference):
        assert secret not in stored
    assert event.description == "" and not event.evidence_file
    for entry in AuditEntry.objects.filter(object_type="reviews.triggerevent"):
        assert REPORTER_NAME not in str(entry.data) and REPORTER_EMAIL not in str(entry.data)
    for delivery in WebhookDelivery.objects.all():
        assert REPORTER_NAME not in str(delivery.payload)


def test_a_replayed_founded_event_records_nothing_more(personas: Personas, founded: Any) -> None:
    audit = AuditEntry.objects.count()
    assert events.replay("report.founded") == 1
    assert TriggerEvent.objects.filter(kind="founded_report").count() == 1
    assert AuditEntry.objects.count() == audit


def test_a_founded_report_without_a_tool_makes_no_event(
    personas: Personas, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="revoyure.reviews.signals"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        events.publish("report.founded", personas.org.pk, {"report_id": 41, "tool_id": None})
    assert not TriggerEvent.objects.exists()
    assert "names no tool" in caplog.text


def test_a_founded_report_naming_another_organisation_s_tool_makes_no_event(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    theirs = make_tool(personas.other_org, personas.outsider, name="Leur outil")
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("report.founded", personas.org.pk, {"report_id": 42, "tool_id": theirs.pk})
    assert not TriggerEvent.objects.exists()


def test_the_event_date_is_the_finding_s_not_the_report_s(
    personas: Personas, in_use: Tool, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        published = events.publish("report.founded", personas.org.pk, {"report_id": 43, "tool_id": in_use.pk})
    event = TriggerEvent.objects.get()
    assert event.occurred_on == timezone.localdate(published.occurred_at)
    assert event.occurred_on <= timezone.localdate() and event.occurred_on > dt.date(2000, 1, 1)
