"""The review clause's API (issue 6 §2): recording an event idempotently with the client's key, listing and
reading events, and reading the review meetings with their measures."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from revoyure.core.models import AuditEntry
from revoyure.reviews import fanout
from revoyure.reviews.models import Measure, ReviewMeeting, TriggerEvent
from revoyure.reviews.services_events import create_event
from tests.api_support import API, READ_ONLY, ApiClient, assert_problem, token_client
from tests.conftest import Personas
from tests.factories import make_tool
from tests.reviews.conftest import make_clause, put_in_service

pytestmark = pytest.mark.django_db

EVENTS = "/organisations/acme/review-events"
MEETINGS = "/organisations/acme/review-meetings"
YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def body(**values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "dpo_annual_report",
        "title": "Rapport annuel du DPO 2026",
        "occurred_on": YESTERDAY.isoformat(),
        "source": "DPO",
        "description": "Collecte de données de géolocalisation des itinérants.",
    }
    data.update(values)
    return data


def post_event(client: ApiClient, data: Any, key: str | None = "key-1", path: str = EVENTS) -> Any:
    headers = dict(client.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.client.post(API + path, json.dumps(data), content_type="application/json", headers=headers)


def written() -> tuple[int, int]:
    return TriggerEvent.objects.count(), AuditEntry.objects.count()


# Recording an event ---------------------------------------------------------------------------------------


def test_the_delegate_s_event_is_confirmed_and_schedules_a_meeting(
    personas: Personas,
    tool: Any,
    run_workers_inline: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    put_in_service(tool)
    make_clause(personas.org)
    client = token_client(personas, "delegate")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, body(tool_id=tool.pk))
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["origin"], data["scope"], data["kind"]) == (
        "confirmed",
        "api",
        "organisation",
        "dpo_annual_report",
    )
    event = TriggerEvent.objects.get(pk=data["id"])
    assert event.dedupe_key == f"api:{personas.org.pk}:key-1" and len(event.request_fingerprint) == 64
    run_workers_inline()
    meeting = ReviewMeeting.objects.get()
    again = client.get(f"{EVENTS}/{event.pk}").json()
    assert again["meeting_ids"] == [meeting.pk]
    listed = client.get(MEETINGS).json()
    assert [m["id"] for m in listed["items"]] == [meeting.pk]
    assert listed["items"][0]["event_id"] == event.pk
    assert listed["items"][0]["tool_ids"] == [tool.pk]


def test_the_manager_s_event_awaits_confirmation(personas: Personas) -> None:
    response = post_event(token_client(personas, "manager"), body())
    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_the_same_key_and_body_again_returns_the_same_event(personas: Personas) -> None:
    client = token_client(personas, "delegate")
    first = post_event(client, body())
    before = written()
    # The same request again, its fields in another order and a default spelled out.
    second = post_event(client, dict(reversed(list(body(product="").items()))))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert written() == before


def test_the_same_key_with_another_body_is_a_409(personas: Personas) -> None:
    client = token_client(personas, "delegate")
    assert post_event(client, body()).status_code == 201
    before = written()
    response = post_event(client, body(title="Un autre événement"))
    problem = assert_problem(response, 409)
    assert "Idempotency-Key" in problem["detail"]
    assert written() == before


def test_a_key_belongs_to_one_organisation(personas: Personas) -> None:
    ours = post_event(token_client(personas, "delegate"), body())
    theirs = post_event(token_client(personas, "outsider"), body(), path="/organisations/other/review-events")
    assert (ours.status_code, theirs.status_code) == (201, 201)
    assert ours.json()["id"] != theirs.json()["id"]


@pytest.mark.parametrize("key", [None, "", "x" * 101, "tab\tinside"])
def test_a_missing_or_malformed_key_is_refused(personas: Personas, key: str | None) -> None:
    response = post_event(token_client(personas, "delegate"), body(), key=key)
    assert_problem(response, 422, "Idempotency-Key")
    assert not TriggerEvent.objects.exists()


def test_a_key_of_100_printable_characters_is_accepted(personas: Personas) -> None:
    key = "A-z 0~9!" + "k" * 92
    response = post_event(token_client(personas, "delegate"), body(), key=key)
    assert response.status_code == 201
    assert TriggerEvent.objects.get().dedupe_key == f"api:{personas.org.pk}:{key}"


@pytest.mark.parametrize(
    "values, field",
    [
        ({"kind": "no_such_kind"}, "kind"),
        ({"kind": "founded_report"}, "kind"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"occurred_on": "2026-02-31"}, "occurred_on"),
        ({"occurred_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}, "occurred_on"),
        ({"kind": "vendor_instructions_update"}, "vendor_id"),
        ({"kind": "vendor_instructions_update", "vendor_id": 999999}, "vendor_id"),
        ({"kind": "vendor_instructions_update", "vendor_name": "Nobody Inc."}, "vendor_name"),
        ({"kind": "tool_new_version"}, "tool_id"),
        ({"tool_id": 2**63}, "tool_id"),
        ({"category": "astrology"}, "category"),
        ({"evidence_url": "ftp://files.example/x"}, "evidence_url"),
        ({"evidence_url": "not a url"}, "evidence_url"),
        ({"source": "nul\x00byte"}, "source"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_bodies_are_refused_and_nothing_is_written(
    personas: Personas, values: dict[str, Any], field: str
) -> None:
    before = written()
    response = post_event(token_client(personas, "delegate"), body(**values))
    assert_problem(response, 422, field)
    assert written() == before


def test_a_tool_of_another_organisation_is_refused(personas: Personas) -> None:
    theirs = make_tool(personas.other_org, personas.outsider, name="Their tool")
    response = post_event(
        token_client(personas, "delegate"), body(kind="tool_new_version", tool_id=theirs.pk)
    )
    assert_problem(response, 422, "tool_id")
    assert not TriggerEvent.objects.exists()


def test_a_body_that_is_not_json_is_refused(personas: Personas) -> None:
    client = token_client(personas, "delegate")
    response = client.client.post(
        API + EVENTS,
        b"\x00\xff{not json",
        content_type="application/json",
        headers={**client.headers, "Idempotency-Key": "k"},
    )
    assert response.status_code == 400
    assert not TriggerEvent.objects.exists()


def test_a_vendor_named_or_given_by_id(personas: Personas, vendor: Any, vendor_tools: Any) -> None:
    client = token_client(personas, "delegate")
    by_name = post_event(
        client,
        body(kind="vendor_instructions_update", vendor_name="ACME AI CORP", product="Copilot"),
        key="a",
    )
    by_id = post_event(client, body(kind="vendor_post_market_evaluation", vendor_id=vendor.pk), key="b")
    assert (by_name.status_code, by_id.status_code) == (201, 201)
    assert by_name.json()["vendor_id"] == vendor.pk == by_id.json()["vendor_id"]
    assert by_name.json()["vendor_name"] == "Acme AI Corp"


# Permissions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*READ_ONLY, "employee"])
def test_roles_without_the_right_cannot_record(personas: Personas, who: str) -> None:
    response = post_event(token_client(personas, who), body())
    assert response.status_code == 403
    assert not TriggerEvent.objects.exists()


def test_an_outsider_token_gets_404(personas: Personas) -> None:
    event, _ = create_event(
        organisation_id=personas.org.pk,
        kind="delegate_signal",
        origin="manual",
        title="Signal",
        occurred_on=YESTERDAY,
    )
    client = token_client(personas, "outsider")
    assert post_event(client, body()).status_code == 404
    assert client.get(EVENTS).status_code == 404
    assert client.get(f"{EVENTS}/{event.pk}").status_code == 404
    assert client.get(MEETINGS).status_code == 404
    # Through its own organisation, the event does not exist either.
    assert client.get(f"/organisations/other/review-events/{event.pk}").status_code == 404
    assert TriggerEvent.objects.count() == 1


def test_an_employee_cannot_read_events_or_meetings(personas: Personas) -> None:
    client = token_client(personas, "employee")
    assert client.get(EVENTS).status_code == 403
    assert client.get(MEETINGS).status_code == 403


# Reading events -------------------------------------------------------------------------------------------


def test_the_list_holds_the_installation_s_events_that_reached_the_organisation(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    ours_clause = make_clause(personas.org)
    make_clause(personas.other_org)
    reached, _ = create_event(
        organisation_id=None,
        kind="vendor_instructions_update",
        origin="manual",
        title="Notice v5",
        occurred_on=YESTERDAY,
        vendor=vendor,
    )
    TriggerEvent.objects.filter(pk=reached.pk).update(status="confirmed")
    assert fanout.fan_out_event(reached.pk) == 2
    create_event(
        organisation_id=None,
        kind="authority_warning",
        origin="manual",
        title="Avertissement non diffusé",
        occurred_on=YESTERDAY,
    )
    own, _ = create_event(
        organisation_id=personas.org.pk,
        kind="delegate_signal",
        origin="manual",
        title="Signal",
        occurred_on=YESTERDAY - dt.timedelta(days=3),
    )
    page = token_client(personas, "staff_rep").get(EVENTS).json()
    assert [item["id"] for item in page["items"]] == [reached.pk, own.pk]
    installation = page["items"][0]
    assert installation["scope"] == "installation"
    # Only this organisation's meeting, not the other one's.
    assert installation["meeting_ids"] == [ReviewMeeting.objects.get(event=reached, clause=ours_clause).pk]


def test_the_list_filters_and_pages(personas: Personas) -> None:
    for i in range(3):
        create_event(
            organisation_id=personas.org.pk,
            kind="delegate_signal",
            origin="manual",
            title=f"Signal {i}",
            occurred_on=YESTERDAY - dt.timedelta(days=i),
            confirmed=i == 0,
        )
    client = token_client(personas, "delegate")
    page = client.get(EVENTS, {"status": "pending", "limit": 1}).json()
    assert page["count"] == 2 and len(page["items"]) == 1 and page["next"]
    assert client.get(EVENTS, {"kind": "dpo_annual_report"}).json()["count"] == 0
    assert_problem(client.get(EVENTS, {"status": "lost"}), 422, "status")
    assert_problem(client.get(EVENTS, {"limit": 0}), 422, "limit")


def test_an_unknown_event_is_404(personas: Personas) -> None:
    client = token_client(personas, "delegate")
    assert client.get(f"{EVENTS}/999999").status_code == 404
    assert client.get(f"{EVENTS}/{2**64}").status_code in (404, 422)


def test_the_event_list_makes_the_same_number_of_queries_whatever_the_rows(
    personas: Personas, vendor: Any, vendor_tools: Any, django_assert_max_num_queries: Any
) -> None:
    make_clause(personas.org)
    client = token_client(personas, "staff_rep")

    def add(n: int) -> None:
        for i in range(n):
            event, _ = create_event(
                organisation_id=None,
                kind="vendor_instructions_update",
                origin="manual",
                title=f"Notice {i}",
                occurred_on=YESTERDAY,
                vendor=vendor,
                confirmed=False,
            )
            TriggerEvent.objects.filter(pk=event.pk).update(status="confirmed")
            fanout.fan_out_event(event.pk)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(EVENTS).status_code == 200
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(EVENTS).json()["count"] == 14


# Reading meetings -----------------------------------------------------------------------------------------


@pytest.fixture
def meeting(personas: Personas, vendor: Any, vendor_tools: Any) -> ReviewMeeting:
    make_clause(personas.org)
    make_clause(personas.other_org)
    event, _ = create_event(
        organisation_id=None,
        kind="vendor_instructions_update",
        origin="manual",
        title="Notice v5",
        occurred_on=YESTERDAY,
        vendor=vendor,
    )
    TriggerEvent.objects.filter(pk=event.pk).update(status="confirmed")
    fanout.fan_out_event(event.pk)
    ours = ReviewMeeting.objects.get(organisation=personas.org)
    Measure.objects.create(
        organisation=personas.org,
        meeting=ours,
        text="Former les managers",
        owner=personas.manager,
        due_on=dt.date(2027, 1, 31),
    )
    Measure.objects.create(
        organisation=personas.org, meeting=ours, text="Revoir la notice", owner_name="Prestataire"
    )
    return ours


def test_a_meeting_with_its_agenda_tools_and_measures(
    personas: Personas, meeting: ReviewMeeting, vendor_tools: Any
) -> None:
    data = token_client(personas, "committee").get(f"{MEETINGS}/{meeting.pk}").json()
    assert data["title"] == meeting.title and data["status"] == "planned" and data["reason"] == "event"
    assert data["clause_id"] == meeting.clause_id and data["event_id"] == meeting.event_id
    assert data["tool_ids"] == [vendor_tools[0].pk]
    assert data["agenda"].startswith("1. ")
    assert [(m["owner_name"], m["due_on"], m["status"]) for m in data["measures"]] == [
        ("Manager", "2027-01-31", "open"),
        ("Prestataire", None, "open"),
    ]


def test_another_organisation_s_meeting_is_404(personas: Personas, meeting: ReviewMeeting) -> None:
    theirs = ReviewMeeting.objects.get(organisation=personas.other_org)
    client = token_client(personas, "delegate")
    assert client.get(f"{MEETINGS}/{theirs.pk}").status_code == 404
    assert [m["id"] for m in client.get(MEETINGS).json()["items"]] == [meeting.pk]


def test_the_meetings_filter_by_status_and_event(personas: Personas, meeting: ReviewMeeting) -> None:
    client = token_client(personas, "delegate")
    assert client.get(MEETINGS, {"status": "planned"}).json()["count"] == 1
    assert client.get(MEETINGS, {"status": "held"}).json()["count"] == 0
    assert client.get(MEETINGS, {"event_id": meeting.event_id}).json()["count"] == 1
    assert client.get(MEETINGS, {"event_id": meeting.event_id + 1}).json()["count"] == 0
    assert_problem(client.get(MEETINGS, {"status": "nope"}), 422, "status")


def test_the_meeting_list_makes_the_same_number_of_queries_whatever_the_rows(
    personas: Personas, vendor: Any, django_assert_max_num_queries: Any
) -> None:
    client = token_client(personas, "staff_rep")
    tools = [
        put_in_service(make_tool(personas.org, personas.delegate, name=f"Outil {i}", vendor=vendor))
        for i in range(2)
    ]

    def add(n: int) -> None:
        for _i in range(n):
            make_clause(personas.org, scope="tools", tools=tools)
            event, _ = create_event(
                organisation_id=personas.org.pk,
                kind="delegate_signal",
                origin="manual",
                title="Signal",
                occurred_on=YESTERDAY,
            )
            TriggerEvent.objects.filter(pk=event.pk).update(status="confirmed")
            fanout.fan_out_event(event.pk)
            for meeting in ReviewMeeting.objects.filter(event=event):
                Measure.objects.create(
                    organisation=personas.org, meeting=meeting, text="Mesure", owner=personas.manager
                )

    add(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(MEETINGS).status_code == 200
    add(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(MEETINGS).json()
    assert page["count"] >= 7
    assert all(item["measures"] for item in page["items"])
