"""Two real database workers at once, each in its own thread and connection: every message is sent once."""

from __future__ import annotations

from collections import Counter

import pytest
from django_tasks_db.models import DBTaskResult

from revoyure.webhooks import services
from revoyure.webhooks.models import WebhookDelivery
from tests.conftest import Personas
from tests.webhooks.conftest import delivery_tasks, make_endpoint
from tests.webhooks.receiver import Receiver
from tests.worker_support import run_workers


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_deliver_each_message_once(personas: Personas, receiver: Receiver) -> None:
    make_endpoint(personas.org, receiver.url)
    make_endpoint(personas.org, receiver.url + "/second")
    DBTaskResult.objects.all().delete()
    receiver.delay = 0.02  # long enough for the two workers to overlap
    # Autocommit: each queue commits and enqueues its own delivery run, so both workers find runs to take.
    services.queue_many("tool.changed", [(personas.org.pk, f"tool:{i}", {"tool_id": i}) for i in range(12)])
    for _ in range(3):
        services.queue("obligation.due", personas.org.pk, {"rule_id": "CT-4"})
    assert len(delivery_tasks()) == 4

    assert run_workers(2) == []

    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    workers = {w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids}
    assert workers == {"w0", "w1"}  # both took runs: the deliveries were shared, not serialised
    deliveries = WebhookDelivery.objects.all()
    assert len(deliveries) == 30
    assert {d.status for d in deliveries} == {"succeeded"}
    assert {d.attempts for d in deliveries} == {1}
    sent = Counter(r.headers["webhook-id"] for r in receiver.requests)
    assert len(sent) == 30 and set(sent.values()) == {1}
    assert set(sent) == {d.message_id for d in deliveries}
