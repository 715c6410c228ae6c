"""Each trigger kind of triggers.yaml end to end (issue 6 §6: "each trigger kind end to end"): the event is
entered or arrives, is confirmed, and the real task worker schedules the review meeting with the roadmap's
four-point agenda. Also: replays and concurrent workers schedule nothing twice, and a broken triggers file
is refused naming the entry."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from revoyure.core import events
from revoyure.registry import services as registry
from revoyure.registry.models import Tool
from revoyure.reviews import triggers
from revoyure.reviews.models import ReviewMeeting, TriggerEvent
from revoyure.reviews.services_events import create_event
from revoyure.reviews.tasks import fan_out
from tests.conftest import Personas
from tests.factories import UserFactory, make_tool
from tests.reviews.conftest import make_clause, put_in_service
from tests.worker_support import run_workers

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def fan_out_worker(run_workers_inline: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """`act()` runs inside captured on-commit callbacks (so a confirmation enqueues the fan-out), then the
    real worker runs the queued tasks."""

    def run(act: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            result = act()
        run_workers_inline()
        return result

    return run


@pytest.fixture
def platform_client(personas: Personas) -> Any:
    client = personas.client("admin")
    client.force_login(UserFactory(email="root@platform.example", is_superuser=True, is_staff=True))
    return client


def entered(**values: Any) -> dict[str, Any]:
    data = {"title": "Événement", "occurred_on": YESTERDAY.isoformat(), "source": "Source publique"}
    data.update(values)
    return data


def org_url(name: str, personas: Personas, **kwargs: Any) -> str:
    return reverse(f"reviews:{name}", kwargs={"org": personas.org.slug, **kwargs})


def assert_scheduled(meeting: ReviewMeeting, event: TriggerEvent) -> None:
    """A review meeting of the event, with the four points of the roadmap's agenda naming it."""
    assert meeting.event_id == event.pk and meeting.reason == "event" and meeting.status == "planned"
    assert all(f"{n}. " in meeting.agenda for n in (1, 2, 3, 4))
    assert event.title in meeting.agenda
    assert meeting.notices.filter(kind="request", sequence=0).count() == 1
    assert meeting.starts_at > timezone.now()


# External events ------------------------------------------------------------------------------------------


def test_vendor_instructions_update_reaches_every_organisation_using_the_product(
    personas: Personas, vendor: Any, vendor_tools: Any, platform_client: Any, fan_out_worker: Any
) -> None:
    ours, theirs = vendor_tools
    make_clause(personas.org)
    make_clause(personas.other_org)
    response = fan_out_worker(
        lambda: platform_client.post(
            reverse("reviews:platform_event_new"),
            entered(
                kind="vendor_instructions_update",
                title="Notice d'utilisation v5",
                vendor=vendor.pk,
                confirm_now="on",
            ),
        )
    )
    assert response.status_code == 302
    event = TriggerEvent.objects.get()
    meetings = {m.organisation_id: m for m in ReviewMeeting.objects.all()}
    assert set(meetings) == {personas.org.pk, personas.other_org.pk}
    assert list(meetings[personas.org.pk].tools.all()) == [ours]
    assert list(meetings[personas.other_org.pk].tools.all()) == [theirs]
    for meeting in meetings.values():
        assert_scheduled(meeting, event)
    event.refresh_from_db()
    assert event.meetings_scheduled == 2 and event.fanned_out_at is not None


def test_vendor_post_market_evaluation_entered_by_management_then_confirmed(
    personas: Personas, vendor: Any, vendor_tools: Any, fan_out_worker: Any
) -> None:
    make_clause(personas.org)
    make_clause(personas.other_org)
    response = personas.client("manager").post(
        org_url("event_new", personas),
        entered(
            kind="vendor_post_market_evaluation", title="Évaluation post-commercialisation", vendor=vendor.pk
        ),
    )
    assert response.status_code == 302
    event = TriggerEvent.objects.get()
    assert event.status == "pending"
    fan_out_worker(
        lambda: personas.client("delegate").post(
            org_url("event_confirm", personas, event_id=event.pk), {"action": "confirm"}
        )
    )
    # The organisation's own event stays in it, even though the other one uses the vendor too.
    assert_scheduled(ReviewMeeting.objects.get(), event)
    assert ReviewMeeting.objects.get().organisation == personas.org


def test_authority_warning_about_a_category_reaches_the_tools_of_that_category(
    personas: Personas, platform_client: Any, fan_out_worker: Any
) -> None:
    planner = put_in_service(
        make_tool(personas.org, personas.delegate, name="Planificateur", domain_category="scheduling")
    )
    put_in_service(
        make_tool(personas.other_org, personas.outsider, name="Chatbot", domain_category="chatbot")
    )
    make_clause(personas.org, scope="category", categories=["scheduling"])
    make_clause(personas.other_org)
    response = platform_client.post(
        reverse("reviews:platform_event_new"),
        entered(kind="authority_warning", title="Mise en garde de la CNIL", category="scheduling"),
    )
    assert response.status_code == 302
    event = TriggerEvent.objects.get()
    assert event.status == "pending"
    fan_out_worker(
        lambda: platform_client.post(
            reverse("reviews:platform_event_confirm", kwargs={"event_id": event.pk}), {"action": "confirm"}
        )
    )
    meeting = ReviewMeeting.objects.get()
    assert_scheduled(meeting, event)
    assert meeting.organisation == personas.org and list(meeting.tools.all()) == [planner]


def test_authority_warning_naming_nothing_reaches_every_clause_listing_it(
    personas: Personas, platform_client: Any, fan_out_worker: Any
) -> None:
    ours = make_clause(personas.org)
    theirs = make_clause(personas.other_org)
    make_clause(personas.org, title="Sans ce déclencheur", triggers=["dpo_annual_report"])
    fan_out_worker(
        lambda: platform_client.post(
            reverse("reviews:platform_event_new"),
            entered(kind="authority_warning", title="Avis du comité national d'éthique", confirm_now="on"),
        )
    )
    event = TriggerEvent.objects.get()
    meetings = list(ReviewMeeting.objects.order_by("pk"))
    assert {m.clause for m in meetings} == {ours, theirs}
    for meeting in meetings:
        assert_scheduled(meeting, event)


# Internal events ------------------------------------------------------------------------------------------


def test_a_new_version_in_the_register_confirmed_by_the_delegate(
    personas: Personas, fan_out_worker: Any
) -> None:
    tool = put_in_service(make_tool(personas.org, personas.delegate, name="Badgeuse", vendor_version="1.0"))
    make_clause(personas.org, scope="tools", tools=[tool])
    registry.update_tool(tool, personas.delegate, {"vendor_version": "2.0"}, "Version 2 installée")
    event = TriggerEvent.objects.get()
    assert (event.kind, event.status) == ("tool_new_version", "pending")
    response = fan_out_worker(
        lambda: personas.client("delegate").post(
            org_url("event_confirm", personas, event_id=event.pk),
            {"action": "confirm", "note": "Nouvelle version réelle"},
        )
    )
    assert response.status_code == 302
    meeting = ReviewMeeting.objects.get()
    assert_scheduled(meeting, event)
    assert list(meeting.tools.all()) == [tool]


def test_a_delegate_signal_entered_by_the_delegate(
    personas: Personas, tool: Tool, fan_out_worker: Any
) -> None:
    put_in_service(tool)
    make_clause(personas.org)
    response = fan_out_worker(
        lambda: personas.client("delegate").post(
            org_url("event_new", personas),
            entered(kind="delegate_signal", title="Signalement du délégué à la direction"),
        )
    )
    assert response.status_code == 302
    event = TriggerEvent.objects.get()
    assert event.status == "confirmed"
    assert_scheduled(ReviewMeeting.objects.get(), event)


def test_a_dpo_annual_report_entered_by_management_confirmed_by_the_administrator(
    personas: Personas, tool: Tool, fan_out_worker: Any
) -> None:
    make_clause(personas.org)
    personas.client("manager").post(
        org_url("event_new", personas),
        entered(kind="dpo_annual_report", title="Rapport annuel du DPO", source="DPO"),
    )
    event = TriggerEvent.objects.get()
    assert event.status == "pending"
    fan_out_worker(
        lambda: personas.client("admin").post(
            org_url("event_confirm", personas, event_id=event.pk), {"action": "confirm"}
        )
    )
    assert_scheduled(ReviewMeeting.objects.get(), event)


def test_a_founded_report_schedules_a_meeting_and_a_replay_schedules_nothing_more(
    personas: Personas, tool: Tool, fan_out_worker: Any
) -> None:
    put_in_service(tool)
    make_clause(personas.org)

    def publish() -> None:
        with transaction.atomic():
            events.publish("report.founded", personas.org.pk, {"report_id": 7, "tool_id": tool.pk})

    fan_out_worker(publish)
    event = TriggerEvent.objects.get()
    assert (event.kind, event.status) == ("founded_report", "confirmed")
    assert_scheduled(ReviewMeeting.objects.get(), event)
    fan_out_worker(lambda: events.replay("report.founded"))
    assert TriggerEvent.objects.count() == 1 and ReviewMeeting.objects.count() == 1


# Idempotency ----------------------------------------------------------------------------------------------


def test_the_same_event_enqueued_again_schedules_nothing_more(
    personas: Personas, vendor: Any, vendor_tools: Any, run_workers_inline: Any
) -> None:
    make_clause(personas.org)
    event, _ = create_event(
        organisation_id=None,
        kind="vendor_instructions_update",
        origin="manual",
        title="Notice",
        occurred_on=YESTERDAY,
        vendor=vendor,
    )
    TriggerEvent.objects.filter(pk=event.pk).update(status="confirmed")
    fan_out.enqueue(event.pk)
    fan_out.enqueue(event.pk)
    run_workers_inline()
    assert ReviewMeeting.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_confirmed_event_schedule_one_meeting_per_clause(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    clauses = [
        make_clause(personas.org),
        make_clause(personas.org, title="Deuxième clause"),
        make_clause(personas.other_org),
    ]
    event, _ = create_event(
        organisation_id=None,
        kind="vendor_instructions_update",
        origin="manual",
        title="Notice v6",
        occurred_on=YESTERDAY,
        vendor=vendor,
    )
    TriggerEvent.objects.filter(pk=event.pk).update(status="confirmed")
    fan_out.enqueue(event.pk)
    fan_out.enqueue(event.pk)
    errors = run_workers(2)
    assert errors == []
    assert not DBTaskResult.objects.filter(status="FAILED").exists()
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() >= 2
    per_clause = {c.pk: ReviewMeeting.objects.filter(clause=c, event=event).count() for c in clauses}
    assert per_clause == {c.pk: 1 for c in clauses}
    event.refresh_from_db()
    assert event.meetings_scheduled == 3


# The triggers file ----------------------------------------------------------------------------------------

GOOD_ENTRY = {
    "id": "vendor_instructions_update",
    "scope": "external",
    "concerns": "vendor",
    "origins": ["manual", "api", "feed"],
    "label": {"fr": "Notice", "en": "Instructions"},
    "roadmap": "mise à jour publique par le fournisseur de la notice",
}


def test_the_shipped_triggers_file_holds_every_kind_of_the_roadmap() -> None:
    kinds = triggers.load()
    assert set(kinds) == {
        "vendor_instructions_update",
        "vendor_post_market_evaluation",
        "authority_warning",
        "tool_new_version",
        "delegate_signal",
        "dpo_annual_report",
        "founded_report",
    }
    assert {k for k, v in kinds.items() if v.external} == {
        "vendor_instructions_update",
        "vendor_post_market_evaluation",
        "authority_warning",
    }
    assert [k for k, _label in triggers.choices(origin="manual", external=True)] == [
        "vendor_instructions_update",
        "vendor_post_market_evaluation",
        "authority_warning",
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"scope": "outside"}, "`scope`"),
        ({"concerns": "everything"}, "`concerns`"),
        ({"origins": []}, "`origins`"),
        ({"origins": ["manual", "email"]}, "`origins`"),
        ({"label": {"fr": "Notice"}}, "`label`"),
        ({"roadmap": None}, "`roadmap`"),
        ({"colour": "red"}, "unknown keys"),
        ({"scope": "internal"}, "only external events come from feeds"),
    ],
)
def test_a_broken_entry_is_refused_naming_it(change: dict[str, Any], message: str) -> None:
    entry = {**copy.deepcopy(GOOD_ENTRY), **change}
    with pytest.raises(triggers.TriggerFileError) as error:
        triggers.parse({"version": 1, "triggers": [entry]}, "triggers.yaml")
    assert "trigger 'vendor_instructions_update'" in str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"version": 2, "triggers": [GOOD_ENTRY]}, "version: 1"),
        ({"version": 1, "triggers": []}, "no trigger"),
        ({"version": 1, "triggers": [GOOD_ENTRY, GOOD_ENTRY]}, "duplicate id"),
        ({"version": 1, "triggers": ["just a string"]}, "trigger #1: not a mapping"),
        ({"version": 1, "triggers": [{**GOOD_ENTRY, "id": "not an id"}]}, "trigger #1: `id`"),
    ],
)
def test_a_broken_file_is_refused_saying_where(data: dict[str, Any], message: str) -> None:
    with pytest.raises(triggers.TriggerFileError) as error:
        triggers.parse(data, "triggers.yaml")
    assert str(error.value).startswith("triggers.yaml") and message in str(error.value)


def test_the_tool_kinds_name_a_tool_of_the_organisation(personas: Personas) -> None:
    """A kind that concerns a tool cannot be recorded without one (the founded report without a tool is
    skipped for that reason)."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        create_event(
            organisation_id=personas.org.pk,
            kind="founded_report",
            origin="report",
            title="x",
            occurred_on=YESTERDAY,
        )
    assert "tool" in error.value.message_dict
    assert not TriggerEvent.objects.exists()
