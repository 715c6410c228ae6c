"""Stored results of the qualification: a tool's questionnaire answers and classification, the
obligations the rules give it (with their user-managed status), the e-mail notices about them and the
private calendar feeds."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool


class ToolQualification(models.Model):
    """The facts of a tool that the register record does not hold (answers of the qualification
    questionnaire) and the classification computed at the last evaluation."""

    tool = models.OneToOneField(Tool, on_delete=models.CASCADE, related_name="qualification")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # {fact name: JSON value or null for "I don't know"}; every fact answered in the questionnaire is
    # here, including those also written to the register record, so "not asked" and "don't know" differ.
    answers = models.JSONField(default=dict, blank=True)
    classification = models.JSONField(default=dict, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["classification", "evaluated_at"])

    class Meta:
        verbose_name = _("tool qualification")

    def __str__(self) -> str:
        return str(self.tool)


class ObligationState(models.TextChoices):
    """What the rules say (recomputed at each evaluation)."""

    APPLIES = "applies", _("Applies")
    UPCOMING = "upcoming", _("Applies from a later date")
    LEGACY = "legacy", _("Not applicable to a system already in service (art. 111(2))")
    TO_CLARIFY = "to_clarify", _("To clarify")
    LAPSED = "lapsed", _("No longer applies")


class ObligationStatus(models.TextChoices):
    """What the organisation has done (set by people)."""

    TO_DO = "to_do", _("To do")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Responsible(models.TextChoices):
    EMPLOYER = "employer", _("Employer")
    DEPLOYER = "deployer", _("Deployer")
    PROVIDER = "provider", _("Provider")
    CONTROLLER = "controller", _("Data controller")
    PUBLIC_DEPLOYER = "public_deployer", _("Public deployer")
    STAFF_BODY = "staff_body", _("Staff body")
    SIGNATORIES = "signatories", _("Signatories of the agreement")


class Obligation(models.Model):
    """One rule's outcome for one tool (or for the organisation itself, `tool` empty)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="obligations")
    tool = models.ForeignKey(
        Tool, on_delete=models.CASCADE, null=True, blank=True, related_name="obligations"
    )
    rule_id = models.CharField(_("rule"), max_length=20)
    family = models.CharField(max_length=20)
    state = models.CharField(_("state"), max_length=20, choices=ObligationState.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ObligationStatus.choices, default=ObligationStatus.TO_DO
    )
    evidence = models.TextField(_("evidence"), blank=True)
    status_reason = models.TextField(_("reason"), blank=True)
    responsible = models.CharField(_("responsible"), max_length=20, choices=Responsible.choices)
    due_on = models.DateField(_("date"), null=True, blank=True)
    applies_from = models.DateField(_("applies from"), null=True, blank=True)
    # [[fact, JSON value], …]: the facts that decided the condition, shown as "why it applies".
    because = models.JSONField(default=list, blank=True)
    # [fact, …]: the unknown facts that keep a "to clarify" obligation undecided.
    missing = models.JSONField(default=list, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    evaluated_at = models.DateTimeField()
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["evaluated_at", "because", "missing"])

    class Meta:
        ordering: ClassVar[list[str]] = ["due_on", "rule_id"]
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["organisation", "tool", "rule_id"],
                condition=Q(tool__isnull=False),
                name="one_obligation_per_tool_rule",
            ),
            models.UniqueConstraint(
                fields=["organisation", "rule_id"],
                condition=Q(tool__isnull=True),
                name="one_obligation_per_org_rule",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["organisation", "state", "status", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} — {self.tool or self.organisation}"


class NoticeKind(models.TextChoices):
    APPEARED = "appeared", _("New obligation")
    APPROACHING = "approaching", _("Date approaching")
    OVERDUE = "overdue", _("Overdue")


class ObligationNotice(models.Model):
    """An e-mail notice owed about an obligation. The unique (obligation, kind, key) row is the
    idempotency key: queueing twice creates nothing, and a worker sends only the rows it claimed with an
    atomic update, so several workers never send the same notice twice."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    key = models.CharField(max_length=40, blank=True)  # e.g. the due date a reminder is about
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["obligation", "kind", "key"], name="one_notice_per_event"),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["organisation", "claimed_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.obligation_id}"


class NoticeDelivery(models.Model):
    """One person reached by one notice. A digest that failed for some people is retried for them only:
    the people already reached are not told twice."""

    notice = models.ForeignKey(ObligationNotice, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["notice", "user"], name="one_delivery_per_notice_and_person"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.user_id}"


class CalendarFeed(models.Model):
    """A private iCalendar URL of one person's view of one organisation's obligations. Only the token's
    SHA-256 is stored; the URL is shown once."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")

    def __str__(self) -> str:
        return f"{self.user} / {self.organisation}"
