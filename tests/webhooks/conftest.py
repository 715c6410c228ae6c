"""Shared fixtures of the webhook tests: the local HTTPS receiver (trusted through the test CA, private
addresses allowed for it only) and endpoints created through the service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from revoyure.organisations.models import Organisation
from revoyure.webhooks import services
from revoyure.webhooks.models import EventType, WebhookEndpoint
from tests.reviews.conftest import vendor, vendor_tools  # noqa: F401  (fixtures for the meeting emitter)
from tests.webhooks.receiver import Receiver

ALL_EVENTS = list(EventType.values)


@pytest.fixture
def receiver(settings: Any, tmp_path: Any) -> Iterator[Receiver]:
    server = Receiver(tmp_path).start()
    settings.OUTBOUND_CA_BUNDLE = str(server.ca_file)
    settings.OUTBOUND_ALLOW_PRIVATE = True
    try:
        yield server
    finally:
        server.stop()


def make_endpoint(
    organisation: Organisation, url: str, events: list[str] | None = None, actor: Any = None
) -> tuple[WebhookEndpoint, str]:
    return services.create_endpoint(organisation, actor, url=url, events=events or ALL_EVENTS)


def delivery_tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path="revoyure.webhooks.tasks.deliver_due").order_by("enqueued_at")
    )
