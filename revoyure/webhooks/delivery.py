"""Sending webhook deliveries, in the task worker.

Each message is signed as the Standard Webhooks specification says (HMAC-SHA256 of "id.timestamp.body"
with the endpoint's secret, headers `webhook-id`, `webhook-timestamp`, `webhook-signature`; see
docs/WEBHOOKS.md) and POSTed to the endpoint through `core.outbound` (HTTPS, public addresses only, timeouts,
a cap on the answer read).

ENGINEERING.md: "periodic work claims due rows with an atomic compare-and-set so several workers and
schedulers can run at once". A worker claims one due delivery with one conditional UPDATE that moves its
`next_attempt_at` past the lease and stamps a fresh token: a second worker's UPDATE no longer matches, so no
message is sent twice at once; the outcome is recorded only by the holder of the token. A worker that dies
mid-send leaves the delivery due again when the lease ends (the hourly `webhooks.retry` job picks it up).

A 2xx answer is a success; anything else (another status, a refused address, a timeout, an answer too
large) is retried after 1 min, 5 min, 30 min, 2 h and 12 h, then the delivery is failed (6 attempts). The
retry is a task enqueued with `run_after`, in the same transaction as the outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from revoyure.core import outbound
from revoyure.webhooks.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)

BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT = 10.0  # seconds to connect and for each read; the whole exchange is bounded at 3x (core.outbound)
# Longer than the longest exchange core.outbound allows (3 x TIMEOUT): a live claim never expires.
LEASE = dt.timedelta(minutes=5)
MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 1000
USER_AGENT = "Revoyure-Webhooks/1.0"
# Deliveries looked at per query, and attempts per task run (the run enqueues its continuation).
CLAIM_BATCH = 20
RUN_LIMIT = 200

OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


def _due(now: dt.datetime) -> Q:
    return Q(status__in=OPEN) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def due_deliveries(now: dt.datetime | None = None) -> QuerySet[WebhookDelivery]:
    """Deliveries waiting to be sent now. Those of an inactive endpoint wait until it is active again."""
    return WebhookDelivery.objects.filter(_due(now or timezone.now()), endpoint__active=True)


def body_of(delivery: WebhookDelivery) -> str:
    return json.dumps(delivery.payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def signed_headers(secret: str, message_id: str, body: str, at: dt.datetime) -> dict[str, str]:
    """The headers of one attempt: a new timestamp (and so a new signature) each time, the same id."""
    at = at.astimezone(dt.UTC)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def next_attempt_after(attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after `attempts` failed attempts, or None to give up. Rounded up to the minute so
    that retries falling in the same minute share one task."""
    if attempts >= MAX_ATTEMPTS:
        return None
    at = now + BACKOFF[max(attempts, 1) - 1]
    whole = at.replace(second=0, microsecond=0)
    return whole if whole == at else whole + dt.timedelta(minutes=1)


def claim(delivery_id: int) -> str | None:
    """Take one due delivery for this worker (the compare-and-set). Returns the claim token, or None when
    another worker took it first or it is no longer due."""
    now = timezone.now()
    token = secrets.token_hex(16)
    claimed = WebhookDelivery.objects.filter(_due(now), pk=delivery_id).update(
        claim_token=token, next_attempt_at=now + LEASE, attempts=F("attempts") + 1
    )
    return token if claimed else None


def attempt(delivery_id: int, token: str, scheduled: set[dt.datetime] | None = None) -> str | None:
    """Send a claimed delivery once and record the outcome. Returns the new status, or None when the claim
    was lost (the endpoint deleted meanwhile, or the lease ended)."""
    delivery = (
        WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id, claim_token=token).first()
    )
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    started = timezone.now()
    status_code: int | None = None
    excerpt = ""
    error = ""
    headers: dict[str, str] = {}
    try:
        body = body_of(delivery)
        headers = signed_headers(endpoint.secret, delivery.message_id, body, started)
        response = outbound.fetch(
            "POST",
            endpoint.url,
            headers=headers,
            content=body.encode("utf-8"),
            timeout=TIMEOUT,
            max_bytes=MAX_RESPONSE_BYTES,
            schemes=("https",),
        )
    except outbound.OutboundError as exc:
        error = str(exc)
    except Exception as exc:  # a broken secret or payload must end as a recorded failure, not a lost claim
        logger.exception("Webhook delivery %s failed unexpectedly", delivery_id)
        error = _("Unexpected error: %(error)s") % {"error": type(exc).__name__}
    else:
        status_code = response.status
        excerpt = response.body.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
        if not 200 <= status_code < 300:
            error = _("The endpoint answered with the status %(status)d.") % {"status": status_code}
    finished = timezone.now()
    if status_code is not None and 200 <= status_code < 300:
        status, next_at = DeliveryStatus.SUCCEEDED, None
    else:
        next_at = next_attempt_after(delivery.attempts, finished)
        status = DeliveryStatus.RETRYING if next_at else DeliveryStatus.FAILED
    with transaction.atomic():
        recorded = WebhookDelivery.objects.filter(pk=delivery_id, claim_token=token).update(
            status=status,
            next_attempt_at=next_at,
            last_attempt_at=started,
            response_status=status_code,
            response_excerpt=excerpt,
            error=error[:2000],
            request_headers={k: v for k, v in headers.items() if k != "webhook-signature"},
            claim_token="",
        )
        if recorded and next_at is not None:
            schedule_retry(next_at, scheduled)
    return status if recorded else None


def schedule_retry(at: dt.datetime, scheduled: set[dt.datetime] | None = None) -> None:
    """Enqueue a delivery run for `at` (once per run and minute: retries due together share it)."""
    from revoyure.webhooks.tasks import deliver_due

    if scheduled is not None:
        if at in scheduled:
            return
        scheduled.add(at)
    deliver_due.using(run_after=at).enqueue()


def deliver_due_now(limit: int = RUN_LIMIT) -> int:
    """Claim and send due deliveries, up to `limit` attempts; when more are due, enqueue the next run.
    Returns the number of attempts made."""
    attempted = 0
    scheduled: set[dt.datetime] = set()
    while attempted < limit:
        ids = list(due_deliveries().order_by("pk").values_list("pk", flat=True)[:CLAIM_BATCH])
        if not ids:
            break
        claimed_any = False
        for delivery_id in ids:
            token = claim(delivery_id)
            if token is None:
                continue  # another worker has it
            claimed_any = True
            attempt(delivery_id, token, scheduled)
            attempted += 1
            if attempted >= limit:
                break
        if not claimed_any:
            break  # every candidate was taken by other workers, which carry on
    if attempted >= limit and due_deliveries().exists():
        _enqueue_continuation()
    return attempted


def _enqueue_continuation() -> None:
    from revoyure.webhooks.tasks import deliver_due

    deliver_due.enqueue()


def retry_if_due() -> bool:
    """The hourly safety net: enqueue a delivery run if deliveries are due (a run lost with a worker, a
    claim whose worker died). Returns whether one was enqueued."""
    if not due_deliveries().exists():
        return False
    _enqueue_continuation()
    return True


def describe(delivery: WebhookDelivery) -> dict[str, Any]:
    """What the delivery log shows of a delivery's last attempt."""
    return {
        "headers": sorted(delivery.request_headers.items())
        if isinstance(delivery.request_headers, dict)
        else [],
        "body": json.dumps(delivery.payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
    }
