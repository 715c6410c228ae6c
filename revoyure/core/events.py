"""Domain events: a small, stored publish/subscribe between apps (issue 5 §3: "publish it as a domain event
now (a small event record other apps can subscribe to), not as a direct call").

`publish(name, organisation_id, payload)` stores a `DomainEvent` row inside the caller's transaction, and,
once that transaction commits, calls each subscriber of `name` with the event. A subscriber registers in
its `AppConfig.ready` with `subscribe(name, handler)`; it must be idempotent (it may be replayed from the
rows, `replay`). A failing subscriber is logged and does not stop the others: the event is kept.

Names in use: "report.founded" (reports: a staff report judged founded; payload: report_id, tool_id)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from revoyure.core.models import DomainEvent

logger = logging.getLogger(__name__)

Handler = Callable[[DomainEvent], None]
_SUBSCRIBERS: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    if handler not in _SUBSCRIBERS[name]:
        _SUBSCRIBERS[name].append(handler)


def subscribers(name: str) -> list[Handler]:
    return list(_SUBSCRIBERS.get(name, ()))


def _deliver(event: DomainEvent, handlers: Iterable[Handler]) -> None:
    for handler in handlers:
        try:
            handler(event)
        except Exception:  # one subscriber's failure must not lose the event for the others
            logger.exception("Subscriber %r failed on %s", handler, event)


def publish(name: str, organisation_id: int | None, payload: dict[str, Any]) -> DomainEvent:
    """Store the event now; deliver it to the subscribers after the surrounding transaction commits."""
    event = DomainEvent.objects.create(
        name=name, organisation_id=organisation_id, payload=payload, occurred_at=timezone.now()
    )
    transaction.on_commit(lambda: _deliver(event, subscribers(name)))
    return event


def replay(name: str, *, since_id: int = 0) -> int:
    """Deliver the stored events of `name` (after `since_id`) again; returns how many."""
    count = 0
    for event in DomainEvent.objects.filter(name=name, pk__gt=since_id).order_by("pk").iterator():
        _deliver(event, subscribers(name))
        count += 1
    return count
