"""Writing trigger events: record one (by hand, API, feed, register, founded report), confirm or reject it.
A confirmed event is fanned out by the task worker (fanout.py) after the commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.core import audit
from revoyure.core.uploads import check_upload
from revoyure.registry.choices import DomainCategory
from revoyure.registry.models import Tool, Vendor
from revoyure.reviews import triggers
from revoyure.reviews.models import EventStatus, TriggerEvent
from revoyure.webhooks import services as webhooks


def _check(
    organisation_id: int | None,
    kind: str,
    origin: str,
    vendor: Vendor | None,
    tool: Tool | None,
    category: str,
) -> None:
    errors: dict[str, str] = {}
    trigger = triggers.get(kind)
    if trigger is None:
        errors["kind"] = _("Unknown kind of event.")
    elif origin not in trigger.origins:
        errors["kind"] = _("This kind of event cannot come from here.")
    if tool is not None and tool.organisation_id != organisation_id:
        errors["tool"] = _("The tool belongs to another organisation.")
    if category and category not in DomainCategory.values:
        errors["category"] = _("Unknown category.")
    if trigger is not None and not errors:
        if trigger.concerns == "vendor" and vendor is None:
            errors["vendor"] = _("Name the vendor whose product is concerned.")
        if trigger.concerns == "tool" and tool is None:
            errors["tool"] = _("Name the tool concerned.")
        if organisation_id is None and trigger.scope != "external":
            errors["kind"] = _("Only external events concern several organisations.")
    if errors:
        raise ValidationError(errors)


def create_event(
    *,
    organisation_id: int | None,
    kind: str,
    origin: str,
    title: str,
    occurred_on: dt.date,
    actor: Any = None,
    confirmed: bool = False,
    description: str = "",
    source: str = "",
    vendor: Vendor | None = None,
    product: str = "",
    category: str = "",
    tool: Tool | None = None,
    evidence_url: str = "",
    evidence_file: Any = None,
    dedupe_key: str | None = None,
    request_fingerprint: str = "",
    feed_id: int | None = None,
) -> tuple[TriggerEvent, bool]:
    """Record an event; returns (event, created). With a `dedupe_key` already used, the existing event is
    returned and nothing is written (a retried API call, a feed entry seen again, a replayed domain event).
    `confirmed` records it as confirmed at once (its author may confirm events, or it needs no
    confirmation: a founded report)."""
    if dedupe_key:
        existing = TriggerEvent.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing, False
    _check(organisation_id, kind, origin, vendor, tool, category)
    if evidence_file is not None:
        try:
            check_upload(evidence_file)
        except ValidationError as exc:
            # Size and real type (from the content), as every other upload; named after our field.
            raise ValidationError({"evidence_file": exc.messages}) from exc
    now = timezone.now()
    event = TriggerEvent(
        organisation_id=organisation_id,
        kind=kind,
        origin=origin,
        status=EventStatus.CONFIRMED if confirmed else EventStatus.PENDING,
        title=(title or "").strip()[:300],
        description=description or "",
        source=(source or "")[:200],
        occurred_on=occurred_on,
        vendor=vendor,
        product=(product or "").strip()[:200],
        category=category or "",
        tool=tool,
        evidence_url=evidence_url or "",
        dedupe_key=dedupe_key or None,
        request_fingerprint=request_fingerprint,
        feed_id=feed_id,
        created_by=actor if getattr(actor, "pk", None) else None,
        decided_by=actor if confirmed and getattr(actor, "pk", None) else None,
        decided_at=now if confirmed else None,
    )
    event.full_clean(
        exclude=["evidence_file", "dedupe_key", "created_by", "decided_by", "feed", "tool", "vendor"]
    )
    try:
        with transaction.atomic():
            if evidence_file is not None:
                event.evidence_file.save(evidence_file.name, evidence_file, save=False)
            event._history_user = actor if getattr(actor, "pk", None) else None  # type: ignore[attr-defined]
            event.save()
            audit.record(
                "review.event_recorded",
                actor=actor,
                organisation_id=organisation_id,
                obj=event,
                data={"kind": kind, "origin": origin, "title": event.title, "confirmed": confirmed},
            )
            if organisation_id is not None:
                webhooks.queue(
                    "review.event_received",
                    organisation_id,
                    event_payload(event),
                    dedupe_key=f"review.event_received:{event.pk}",
                )
            if confirmed:
                _fan_out_on_commit(event.pk)
    except IntegrityError:
        # Two requests with the same key at once: the other one won; answer with its event.
        existing = TriggerEvent.objects.filter(dedupe_key=dedupe_key).first() if dedupe_key else None
        if existing is None:
            raise
        return existing, False
    return event, True


def event_payload(event: TriggerEvent) -> dict[str, Any]:
    return {
        "event_id": event.pk,
        "kind": event.kind,
        "origin": event.origin,
        "status": event.status,
        "title": event.title,
        "occurred_on": event.occurred_on.isoformat(),
        "vendor_id": event.vendor_id,
        "product": event.product,
        "tool_id": event.tool_id,
    }


def _decide(event: TriggerEvent, actor: Any, status: str, note: str) -> TriggerEvent:
    with transaction.atomic():
        # Compare-and-set: only a pending event is decided, once, whoever clicks at the same time.
        changed = TriggerEvent.objects.filter(pk=event.pk, status=EventStatus.PENDING).update(
            status=status, decided_by=actor, decided_at=timezone.now(), decision_note=note or ""
        )
        if not changed:
            raise ValidationError({"status": _("This event was already confirmed or rejected.")})
        event = TriggerEvent.objects.get(pk=event.pk)
        TriggerEvent.history.bulk_history_create(
            [event],
            update=True,
            default_user=actor if getattr(actor, "pk", None) else None,
            default_change_reason=note or str(EventStatus(status).label),
        )
        audit.record(
            f"review.event_{status}",
            actor=actor,
            organisation_id=event.organisation_id,
            obj=event,
            data={"title": event.title, "note": note},
        )
        if status == EventStatus.CONFIRMED:
            _fan_out_on_commit(event.pk)
    return event


def confirm_event(event: TriggerEvent, actor: Any, note: str = "") -> TriggerEvent:
    return _decide(event, actor, EventStatus.CONFIRMED, note)


def reject_event(event: TriggerEvent, actor: Any, note: str = "") -> TriggerEvent:
    return _decide(event, actor, EventStatus.REJECTED, note)


def _fan_out_on_commit(event_id: int) -> None:
    from revoyure.reviews.tasks import fan_out

    transaction.on_commit(lambda: fan_out.enqueue(event_id))
