"""Sending deliveries to a local HTTPS receiver through the real database worker: Standard Webhooks
signatures, retries with backoff scheduled as tasks, giving up, replay, slow and refused endpoints, the
claim, and the hourly safety net."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from revoyure.core import scheduling
from revoyure.webhooks import delivery, services, tasks
from revoyure.webhooks.models import WebhookDelivery
from tests.conftest import Personas
from tests.webhooks.conftest import delivery_tasks, make_endpoint
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 3, 1, 9, 0, 0, tzinfo=dt.UTC)


def at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def queue_one(personas: Personas, data: dict[str, Any] | None = None) -> WebhookDelivery:
    services.queue("tool.changed", personas.org.pk, data or {"tool_id": 7, "name": "Planning"})
    return WebhookDelivery.objects.latest("pk")


def test_it_signs_each_message_so_that_the_receiver_can_verify_it(
    personas: Personas, receiver: Receiver, run_workers_inline: Any
) -> None:
    _endpoint, secret = make_endpoint(personas.org, receiver.url)
    sent = queue_one(personas, {"tool_id": 7, "name": "Planning élargi"})
    with at(START):
        delivery.deliver_due_now()
        [request] = receiver.requests
        payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "tool.changed"
    assert payload["data"] == {"tool_id": 7, "name": "Planning élargi"}
    assert payload["organisation_id"] == personas.org.pk
    assert request.headers["webhook-id"] == sent.message_id
    assert request.headers["webhook-timestamp"] == str(int(START.timestamp()))
    assert request.headers["content-type"] == "application/json"
    sent.refresh_from_db()
    assert sent.status == "succeeded" and sent.attempts == 1 and sent.response_status == 200
    assert sent.response_excerpt == '{"ok": true}'
    assert sent.last_attempt_at == START


def test_the_signature_fails_with_another_secret(personas: Personas, receiver: Receiver) -> None:
    make_endpoint(personas.org, receiver.url)
    queue_one(personas)
    with at(START):
        delivery.deliver_due_now()
        [request] = receiver.requests
        with pytest.raises(WebhookVerificationError):
            Webhook(services.new_secret()).verify(request.body, request.headers)
        tampered = request.body.replace(b"Planning", b"Planninf")
        with pytest.raises(WebhookVerificationError):
            Webhook(_secret_of(personas)).verify(tampered, request.headers)


def _secret_of(personas: Personas) -> str:
    return personas.org.webhooks.get().secret


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body(
    personas: Personas, receiver: Receiver
) -> None:
    import hashlib
    import hmac

    _endpoint, secret = make_endpoint(personas.org, receiver.url)
    queue_one(personas)
    with at(START):
        delivery.deliver_due_now()
    [request] = receiver.requests
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = (
        f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode() + request.body
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert request.headers["webhook-signature"] == f"v1,{expected}"


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secret = services.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != services.new_secret()


def test_a_failed_attempt_is_retried_a_minute_later_by_a_scheduled_task(
    personas: Personas, receiver: Receiver, run_workers_inline: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_endpoint(personas.org, receiver.url)
    receiver.statuses = [500]
    DBTaskResult.objects.all().delete()
    with at(START):
        with django_capture_on_commit_callbacks(execute=True):
            sent = queue_one(personas)
        assert len(delivery_tasks()) == 1  # queueing enqueued a delivery run
        assert run_workers_inline() == 1
    sent.refresh_from_db()
    assert sent.status == "retrying" and sent.attempts == 1 and sent.response_status == 500
    assert sent.error
    assert sent.next_attempt_at is not None
    assert dt.timedelta(minutes=1) <= sent.next_attempt_at - START < dt.timedelta(minutes=2)
    [retry] = [t for t in delivery_tasks() if t.status == "READY"]
    assert retry.run_after == sent.next_attempt_at
    with at(START + dt.timedelta(seconds=30)):
        assert run_workers_inline() == 0  # not yet: the retry waits for its time
    assert len(receiver.requests) == 1
    with at(sent.next_attempt_at):
        assert run_workers_inline() == 1
    sent.refresh_from_db()
    assert sent.status == "succeeded" and sent.attempts == 2 and sent.response_status == 200
    assert sent.error == "" and sent.next_attempt_at is None
    assert [r.headers["webhook-id"] for r in receiver.requests] == [sent.message_id] * 2


def test_the_backoff_grows_then_the_delivery_fails_after_six_attempts(
    personas: Personas, receiver: Receiver
) -> None:
    make_endpoint(personas.org, receiver.url)
    receiver.statuses = [503] * 10
    sent = queue_one(personas)
    now = START
    gaps = []
    for _ in range(delivery.MAX_ATTEMPTS):
        with at(now):
            assert delivery.deliver_due_now() == 1
        sent.refresh_from_db()
        if sent.next_attempt_at is None:
            break
        gaps.append(sent.next_attempt_at - now)
        now = sent.next_attempt_at
    assert sent.status == "failed" and sent.attempts == 6 and sent.next_attempt_at is None
    assert [round(g.total_seconds() / 60) for g in gaps] == [1, 5, 30, 120, 720]
    with at(now + dt.timedelta(days=2)):
        assert delivery.deliver_due_now() == 0
    assert len(receiver.requests) == 6


def test_a_slow_endpoint_is_a_failed_attempt(
    personas: Personas, receiver: Receiver, monkeypatch: Any
) -> None:
    monkeypatch.setattr(delivery, "TIMEOUT", 0.3)
    receiver.delay = 1.5
    make_endpoint(personas.org, receiver.url)
    sent = queue_one(personas)
    delivery.deliver_due_now()
    sent.refresh_from_db()
    assert sent.status == "retrying" and sent.response_status is None
    assert "in time" in sent.error


def test_the_response_excerpt_is_cut_at_a_thousand_characters(personas: Personas, receiver: Receiver) -> None:
    receiver.answer = b"x" * 5000
    make_endpoint(personas.org, receiver.url)
    sent = queue_one(personas)
    delivery.deliver_due_now()
    sent.refresh_from_db()
    assert sent.status == "succeeded" and sent.response_excerpt == "x" * 1000


def test_an_answer_over_64_kib_is_a_failed_attempt(personas: Personas, receiver: Receiver) -> None:
    receiver.answer = b"x" * (65 * 1024)
    make_endpoint(personas.org, receiver.url)
    sent = queue_one(personas)
    delivery.deliver_due_now()
    sent.refresh_from_db()
    assert sent.status == "retrying" and "64" in sent.error


def test_the_log_keeps_the_headers_sent_without_the_signature(personas: Personas, receiver: Receiver) -> None:
    make_endpoint(personas.org, receiver.url)
    sent = queue_one(personas)
    delivery.deliver_due_now()
    sent.refresh_from_db()
    assert sent.request_headers["webhook-id"] == sent.message_id
    assert "webhook-timestamp" in sent.request_headers
    assert "webhook-signature" not in sent.request_headers


def test_a_replay_is_a_new_delivery_with_a_new_id_delivered_again(
    personas: Personas, receiver: Receiver, run_workers_inline: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _endpoint, secret = make_endpoint(personas.org, receiver.url)
    sent = queue_one(personas)
    delivery.deliver_due_now()
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.replay(sent, personas.admin)
    assert copy.pk != sent.pk and copy.message_id != sent.message_id
    assert copy.replay_of == sent and copy.dedupe_key == "" and copy.payload == sent.payload
    assert copy.status == "pending"
    run_workers_inline()
    copy.refresh_from_db()
    assert copy.status == "succeeded"
    first, second = receiver.requests
    assert second.headers["webhook-id"] == copy.message_id
    assert Webhook(secret).verify(second.body, second.headers) == json.loads(first.body)


def test_a_queued_fact_is_delivered_once_even_if_queued_twice(personas: Personas, receiver: Receiver) -> None:
    make_endpoint(personas.org, receiver.url)
    services.queue("tool.changed", personas.org.pk, {"tool_id": 1}, dedupe_key="tool:1:v2")
    services.queue("tool.changed", personas.org.pk, {"tool_id": 1}, dedupe_key="tool:1:v2")
    assert WebhookDelivery.objects.count() == 1


def test_only_subscribed_active_endpoints_of_the_organisation_receive(
    personas: Personas, receiver: Receiver
) -> None:
    subscribed, _ = make_endpoint(personas.org, receiver.url, ["tool.changed"])
    make_endpoint(personas.org, receiver.url + "/other", ["obligation.due"])
    make_endpoint(personas.other_org, receiver.url + "/theirs", ["tool.changed"])
    inactive, _ = make_endpoint(personas.org, receiver.url + "/off", ["tool.changed"])
    services.update_endpoint(inactive, None, url=inactive.url, events=inactive.events, active=False)
    services.queue("tool.changed", personas.org.pk, {"tool_id": 1})
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [subscribed.pk]


def test_deliveries_of_an_inactive_endpoint_wait(personas: Personas, receiver: Receiver) -> None:
    endpoint, _ = make_endpoint(personas.org, receiver.url)
    sent = queue_one(personas)
    services.update_endpoint(endpoint, None, url=endpoint.url, events=endpoint.events, active=False)
    assert delivery.deliver_due_now() == 0
    services.update_endpoint(endpoint, None, url=endpoint.url, events=endpoint.events, active=True)
    assert delivery.deliver_due_now() == 1
    sent.refresh_from_db()
    assert sent.status == "succeeded"


def test_a_claimed_delivery_cannot_be_claimed_again(personas: Personas, receiver: Receiver) -> None:
    make_endpoint(personas.org, receiver.url)
    sent = queue_one(personas)
    token = delivery.claim(sent.pk)
    assert token is not None
    assert delivery.claim(sent.pk) is None  # a second worker loses the compare-and-set
    assert delivery.deliver_due_now() == 0
    assert delivery.attempt(sent.pk, "not-the-token") is None  # only the holder records the outcome
    assert delivery.attempt(sent.pk, token) == "succeeded"
    assert len(receiver.requests) == 1


def test_a_claim_whose_worker_died_is_taken_again_after_the_lease(
    personas: Personas, receiver: Receiver
) -> None:
    make_endpoint(personas.org, receiver.url)
    with at(START):
        sent = queue_one(personas)
        assert delivery.claim(sent.pk) is not None  # and the worker never comes back
    with at(START + delivery.LEASE - dt.timedelta(seconds=1)):
        assert delivery.deliver_due_now() == 0
    with at(START + delivery.LEASE):
        assert delivery.deliver_due_now() == 1
    sent.refresh_from_db()
    assert sent.status == "succeeded" and sent.attempts == 2


def test_the_hourly_job_enqueues_a_run_only_when_deliveries_are_due(
    personas: Personas, receiver: Receiver
) -> None:
    assert scheduling.JOBS[tasks.RETRY_JOB].task is tasks.retry_due
    assert scheduling.JOBS[tasks.RETRY_JOB].every == dt.timedelta(hours=1)
    make_endpoint(personas.org, receiver.url)
    DBTaskResult.objects.all().delete()
    assert delivery.retry_if_due() is False
    assert delivery_tasks() == []
    queue_one(personas)  # its own run is enqueued on commit, which this test never reaches: lost
    assert delivery.retry_if_due() is True
    assert len(delivery_tasks()) == 1


def test_a_run_stops_at_its_limit_and_enqueues_its_continuation(
    personas: Personas, receiver: Receiver
) -> None:
    make_endpoint(personas.org, receiver.url)
    for i in range(3):
        services.queue("tool.changed", personas.org.pk, {"tool_id": i})
    DBTaskResult.objects.all().delete()
    assert delivery.deliver_due_now(limit=2) == 2
    assert len(delivery_tasks()) == 1
    assert delivery.deliver_due_now(limit=2) == 1
    assert len(delivery_tasks()) == 1


def test_a_private_address_is_refused_when_sending(
    personas: Personas, receiver: Receiver, settings: Any
) -> None:
    make_endpoint(personas.org, receiver.url)
    sent = queue_one(personas)
    settings.OUTBOUND_ALLOW_PRIVATE = False  # the installation forbids private addresses since
    delivery.deliver_due_now()
    sent.refresh_from_db()
    assert sent.status == "retrying" and "private" in sent.error
    assert receiver.requests == []


def test_a_test_message_is_a_ping_delivery(personas: Personas, receiver: Receiver) -> None:
    endpoint, secret = make_endpoint(personas.org, receiver.url, ["obligation.due"])
    ping = services.send_test(endpoint, personas.admin)
    delivery.deliver_due_now()
    ping.refresh_from_db()
    assert ping.event_type == "ping" and ping.status == "succeeded"
    [request] = receiver.requests
    body = Webhook(secret).verify(request.body, request.headers)
    assert body["type"] == "ping" and body["data"] == {"webhook_id": endpoint.pk, "test": True}
