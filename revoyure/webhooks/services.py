"""Queueing webhook deliveries. Every app that emits an event calls `queue` (one fact) or `queue_many`
(thousands at once: the review-meeting fan-out), inside its own transaction; the deliveries are sent by
the task worker after the commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from revoyure.webhooks.models import WebhookDelivery, WebhookEndpoint

BATCH = 1000


def queue(event_type: str, organisation_id: int, payload: dict[str, Any], *, dedupe_key: str = "") -> int:
    return queue_many(event_type, [(organisation_id, dedupe_key, payload)])


def queue_many(event_type: str, items: Iterable[tuple[int, str, dict[str, Any]]]) -> int:
    """Queue one delivery per (organisation, fact) to each active endpoint of that organisation subscribed
    to `event_type`. `items` are (organisation id, dedupe key, payload); a fact already queued for an
    endpoint (same dedupe key) is not queued again. Returns how many deliveries were queued."""
    endpoints: dict[int, list[int]] = {}
    # Endpoints are few (an organisation has a handful at most): read them all and filter in memory,
    # rather than pass ten thousand organisation ids to the database.
    for endpoint_id, organisation_id, events in WebhookEndpoint.objects.filter(active=True).values_list(
        "id", "organisation_id", "events"
    ):
        if event_type in (events or ()):
            endpoints.setdefault(organisation_id, []).append(endpoint_id)
    if not endpoints:
        return 0
    rows = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_type=event_type,
            message_id=f"msg_{uuid.uuid4().hex}",
            dedupe_key=dedupe_key,
            payload={"type": event_type, "organisation_id": organisation_id, "data": payload},
        )
        for organisation_id, dedupe_key, payload in items
        for endpoint_id in endpoints.get(organisation_id, ())
    ]
    if not rows:
        return 0
    WebhookDelivery.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    transaction.on_commit(_enqueue_delivery)
    return len(rows)


def _enqueue_delivery() -> None:
    from revoyure.webhooks.tasks import deliver_due

    deliver_due.enqueue()
