"""Outgoing webhooks (issue 6 §4): an organisation subscribes an HTTPS endpoint to some events; each
delivery is signed (Standard Webhooks: HMAC-SHA256 of id.timestamp.body), retried with backoff by the task
worker, logged, and can be replayed."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from revoyure.organisations.models import Organisation


class EventType(models.TextChoices):
    TOOL_CHANGED = "tool.changed", _("A tool of the register changed")
    OBLIGATION_DUE = "obligation.due", _("An obligation is due")
    REPORT_STATUS = "report.status_changed", _("A staff report changed status")
    EVENT_RECEIVED = "review.event_received", _("A trigger event was received")
    MEETING_SCHEDULED = "review.meeting_scheduled", _("A review meeting was scheduled")


# The message "send a test" queues: not an event one subscribes to, every endpoint can receive it.
PING = "ping"


class WebhookEndpoint(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("address (HTTPS)"), max_length=1000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Values of EventType.
    events = models.JSONField(_("events"), default=list)
    # "whsec_" + base64 of 32 random bytes (Standard Webhooks); kept to sign, shown once to the admin.
    secret = models.CharField(max_length=100)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ("pk",)
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["organisation", "active"])]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(_("event"), max_length=40)
    # The Standard Webhooks "webhook-id" header: the same on every retry of a message, new on a replay.
    message_id = models.CharField(max_length=64, unique=True)
    # What the message is about ("review.meeting_scheduled:<meeting id>"), unique per endpoint, so queueing
    # the same fact twice (a fan-out run again) delivers it once. Empty for replays.
    dedupe_key = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)
    error = models.TextField(_("error"), blank=True)
    # The headers of the last attempt, without the signature (shown in the delivery log).
    request_headers = models.JSONField(default=dict, blank=True)
    # Set by the worker that claimed the delivery (compare-and-set), so that only it records the outcome.
    claim_token = models.CharField(max_length=32, blank=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-created_at", "-pk")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["endpoint", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="one_delivery_per_fact",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id}"
