"""Outgoing webhooks: the endpoints an organisation subscribes (create, change, delete, rotate the secret),
queueing deliveries, replaying one and sending a test.

Every app that emits an event calls `queue` (one fact) or `queue_many` (thousands at once: the
review-meeting fan-out), inside its own transaction; the deliveries are sent by the task worker after the
commit (`delivery.py`). The signing secret is generated here, returned once to the caller and never written
to the history or the audit log."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.core import audit, outbound
from revoyure.organisations.models import Organisation
from revoyure.webhooks.models import PING, DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint

BATCH = 1000
SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks marker of a secret, not a secret
SECRET_BYTES = 32
MAX_URL_LENGTH = 1000
MAX_DESCRIPTION_LENGTH = 200
# An organisation has a handful of endpoints; the cap keeps every emitted event one small query.
MAX_ENDPOINTS = 20
# Up to this many organisations in one `queue_many`, the endpoints are read for those organisations only;
# beyond, all active endpoints are read at once rather than passing thousands of ids to the database.
_FILTER_ORGANISATIONS_UP_TO = 100


# Queueing -----------------------------------------------------------------------------------------------


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


# Messages whose body carries no time: a staff report's status change must give no timing clue about the
# case (PRODUCT.md §3: "anonymous reporters unlinkable (no IP, no account, no timing clue stored)").
UNTIMED = frozenset({EventType.REPORT_STATUS})


def envelope(event_type: str, organisation_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """The body of a message (Standard Webhooks: type, timestamp, data), plus the organisation."""
    body: dict[str, Any] = {"type": event_type}
    if event_type not in UNTIMED:
        body["timestamp"] = timezone.now().isoformat()
    body["organisation_id"] = organisation_id
    body["data"] = data
    return body


def queue(event_type: str, organisation_id: int, payload: dict[str, Any], *, dedupe_key: str = "") -> int:
    """Queue one fact of `organisation_id` to its endpoints subscribed to `event_type` (see `queue_many`)."""
    return queue_many(event_type, [(organisation_id, dedupe_key, payload)])


def queue_many(event_type: str, items: Iterable[tuple[int, str, dict[str, Any]]]) -> int:
    """Queue one delivery per (organisation, fact) to each active endpoint of that organisation subscribed
    to `event_type`. `items` are (organisation id, dedupe key, payload); a fact already queued for an
    endpoint (same dedupe key) is not queued again. Returns how many deliveries were offered for insertion.
    One query when no organisation concerned has an endpoint, which is the common case."""
    items = list(items)
    if not items:
        return 0
    endpoints: dict[int, list[int]] = {}
    active = WebhookEndpoint.objects.filter(active=True)
    organisation_ids = {organisation_id for organisation_id, _key, _payload in items}
    if len(organisation_ids) <= _FILTER_ORGANISATIONS_UP_TO:
        active = active.filter(organisation_id__in=organisation_ids)
    for endpoint_id, organisation_id, events in active.values_list("id", "organisation_id", "events"):
        if event_type in (events or ()):
            endpoints.setdefault(organisation_id, []).append(endpoint_id)
    if not endpoints:
        return 0
    rows = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_type=event_type,
            message_id=new_message_id(),
            dedupe_key=dedupe_key,
            payload=envelope(event_type, organisation_id, payload),
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


# Endpoints ----------------------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def clean_url(url: str) -> str:
    """The endpoint's address, refused unless it is a well-formed https:// address whose host resolves to
    public addresses only (core.outbound: no request into the platform's own network)."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": _("Enter the address of the endpoint.")})
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(
            {"url": _("The address is too long (at most %(max)d characters).") % {"max": MAX_URL_LENGTH}}
        )
    if not url.lower().startswith("https://"):
        raise ValidationError({"url": _("The address must start with https://.")})
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError as exc:
        raise ValidationError(
            {"url": _("Enter a valid address, such as https://example.org/hooks.")}
        ) from exc
    try:
        outbound.check_url(url, schemes=("https",))
    except outbound.OutboundError as exc:
        raise ValidationError({"url": str(exc)}) from exc
    return url


def clean_events(events: Iterable[str]) -> list[str]:
    chosen = set(events or ())
    unknown = chosen - set(EventType.values)
    if unknown:
        raise ValidationError(
            {"events": _("Unknown event: %(event)s.") % {"event": ", ".join(sorted(unknown))}}
        )
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    return [value for value in EventType.values if value in chosen]  # a stable order


def _clean(url: str, description: str, events: Iterable[str]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, check in (("url", lambda: clean_url(url)), ("events", lambda: clean_events(events))):
        try:
            values[name] = check()
        except ValidationError as exc:
            errors.update(exc.error_dict)
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        errors["description"] = _("The description is too long (at most %(max)d characters).") % {
            "max": MAX_DESCRIPTION_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    values["description"] = description
    return values


def _save(endpoint: WebhookEndpoint, actor: Any, reason: str, **kwargs: Any) -> None:
    endpoint._history_user = actor if getattr(actor, "pk", None) else None  # type: ignore[attr-defined]
    endpoint._change_reason = reason  # type: ignore[attr-defined]
    endpoint.save(**kwargs)


def _facts(endpoint: WebhookEndpoint) -> dict[str, Any]:
    # What the audit log keeps of an endpoint: never the secret.
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "active": endpoint.active,
    }


@transaction.atomic
def create_endpoint(
    organisation: Organisation, actor: Any, *, url: str, events: Iterable[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Subscribe an HTTPS endpoint of `organisation` to `events`. Returns the endpoint and its signing
    secret, to show once to the person who created it."""
    values = _clean(url, description, events)
    # Locks the organisation's row, so that two creations at once cannot both pass the cap.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if WebhookEndpoint.objects.filter(organisation=organisation).count() >= MAX_ENDPOINTS:
        raise ValidationError(
            _("An organisation can have at most %(max)d webhooks; delete one first.") % {"max": MAX_ENDPOINTS}
        )
    secret = new_secret()
    endpoint = WebhookEndpoint(
        organisation=organisation,
        secret=secret,
        created_by=actor if getattr(actor, "pk", None) else None,
        **values,
    )
    _save(endpoint, actor, _("Webhook created"))
    audit.record(
        "webhook.created", actor=actor, organisation_id=organisation.pk, obj=endpoint, data=_facts(endpoint)
    )
    return endpoint, secret


@transaction.atomic
def update_endpoint(
    endpoint: WebhookEndpoint,
    actor: Any,
    *,
    url: str,
    events: Iterable[str],
    description: str = "",
    active: bool = True,
) -> WebhookEndpoint:
    """Change an endpoint's address, events, description or whether it is active. Deliveries of an
    inactive endpoint wait, undelivered, until it is active again."""
    values = _clean(url, description, events)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    values["active"] = bool(active)
    changed = sorted(name for name, value in values.items() if getattr(endpoint, name) != value)
    if not changed:
        return endpoint
    for name in changed:
        setattr(endpoint, name, values[name])
    _save(endpoint, actor, _("Webhook changed"), update_fields=changed)
    audit.record(
        "webhook.updated",
        actor=actor,
        organisation_id=endpoint.organisation_id,
        obj=endpoint,
        data={**_facts(endpoint), "fields": changed},
    )
    return endpoint


@transaction.atomic
def delete_endpoint(endpoint: WebhookEndpoint, actor: Any) -> None:
    """Delete an endpoint and its delivery log (the history and the audit log keep that it existed)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    audit.record(
        "webhook.deleted",
        actor=actor,
        organisation_id=endpoint.organisation_id,
        obj=endpoint,
        data={**_facts(endpoint), "deliveries": endpoint.deliveries.count()},
    )
    endpoint._history_user = actor if getattr(actor, "pk", None) else None  # type: ignore[attr-defined]
    endpoint._change_reason = _("Webhook deleted")  # type: ignore[attr-defined]
    endpoint.delete()


@transaction.atomic
def rotate_secret(endpoint: WebhookEndpoint, actor: Any) -> tuple[WebhookEndpoint, str]:
    """Replace the signing secret; messages are signed with the new one from the next attempt on. Returns
    the endpoint and the new secret, to show once."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = new_secret()
    endpoint.secret = secret
    # The history row records when the secret changed; the secret itself is excluded from the history.
    _save(endpoint, actor, _("Signing secret rotated"), update_fields=["secret"])
    audit.record(
        "webhook.secret_rotated",
        actor=actor,
        organisation_id=endpoint.organisation_id,
        obj=endpoint,
        data={"url": endpoint.url},
    )
    return endpoint, secret


def _require_active(endpoint: WebhookEndpoint) -> None:
    if not endpoint.active:
        raise ValidationError(_("This webhook is inactive: activate it first, nothing would be sent."))


@transaction.atomic
def send_test(endpoint: WebhookEndpoint, actor: Any) -> WebhookDelivery:
    """Queue a `ping` message to the endpoint (whatever its events), sent at once by the worker."""
    _require_active(endpoint)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=PING,
        message_id=new_message_id(),
        payload=envelope(PING, endpoint.organisation_id, {"webhook_id": endpoint.pk, "test": True}),
    )
    audit.record(
        "webhook.test_queued",
        actor=actor,
        organisation_id=endpoint.organisation_id,
        obj=endpoint,
        data={"delivery": delivery.pk, "message_id": delivery.message_id},
    )
    transaction.on_commit(_enqueue_delivery)
    return delivery


@transaction.atomic
def replay(delivery: WebhookDelivery, actor: Any) -> WebhookDelivery:
    """Send a message again, as a new delivery: the same body, a new message id (receivers that drop
    duplicate ids accept it), no dedupe key, `replay_of` the original; sent at once by the worker."""
    endpoint = delivery.endpoint
    _require_active(endpoint)
    copy = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=delivery.event_type,
        message_id=new_message_id(),
        payload=delivery.payload,
        replay_of=delivery,
        status=DeliveryStatus.PENDING,
    )
    audit.record(
        "webhook.delivery_replayed",
        actor=actor,
        organisation_id=endpoint.organisation_id,
        obj=copy,
        data={"replay_of": delivery.pk, "message_id": copy.message_id, "event": copy.event_type},
    )
    transaction.on_commit(_enqueue_delivery)
    return copy
