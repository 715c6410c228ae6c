"""The append-only, hash-chained audit log.

Entries keep plain ids and labels rather than foreign keys so that the log outlives the objects it speaks
of and never depends on a domain app.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    pass


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit log is append-only")


class AuditEntry(models.Model):
    created_at = models.DateTimeField(_("date"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects: ClassVar[models.Manager[AuditEntry]] = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["organisation_id", "id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit log is append-only")

    def compute_hash(self) -> str:
        payload = json.dumps(
            {
                "created_at": self.created_at.isoformat(),
                "actor_id": self.actor_id,
                "actor_label": self.actor_label,
                "organisation_id": self.organisation_id,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "data": self.data,
            },
            sort_keys=True,
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
        )
        return hashlib.sha256((self.prev_hash + payload).encode()).hexdigest()


class AuditChainHead(models.Model):
    """A single row locked while an entry is appended, so concurrent writers never fork the chain."""

    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return self.last_hash


class ScheduledJob(models.Model):
    """The next run of one periodic job registered in `core.scheduling`. A scheduler claims a due job
    by moving `next_run_at` forward with a conditional UPDATE; only the one whose UPDATE changed the row
    enqueues the task, so several schedulers can run at once without running a job twice."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    next_run_at = models.DateTimeField(_("next run"))
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return self.name


class DomainEvent(models.Model):
    """Something that happened in one app that others may react to (core/events.py), e.g. a founded staff
    report, which the review clauses consume as a trigger event. Kept, so a subscriber added later (or one
    that failed) can be replayed from the rows."""

    name = models.CharField(max_length=80, db_index=True)  # e.g. "report.founded"
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"
