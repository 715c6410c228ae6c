"""Writing to and verifying the audit log. Every service that writes calls `record`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from revoyure.core.models import GENESIS_HASH, AuditChainHead, AuditEntry


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so the stored value and the hashed value are the same thing.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


def record(
    action: str,
    *,
    actor: Any = None,
    organisation_id: int | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log, chained to the previous one. Must run inside the writer's
    transaction, so the entry exists if and only if the write does."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            created_at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_label=getattr(actor, "email", "") or (str(actor) if actor else ""),
            organisation_id=organisation_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=_jsonable(data or {}),
            prev_hash=head.last_hash,
        )
        entry.hash = entry.compute_hash()
        entry.save()
        head.last_hash = entry.hash
        head.save(update_fields=["last_hash"])
    return entry


def record_many(entries: list[dict[str, Any]], *, actor: Any = None) -> int:
    """Append many entries at once (the review-meeting fan-out writes one per organisation, thousands in one
    event): the chain head is locked once, the hashes are chained in memory and the rows bulk-inserted.
    Each entry is a dict of `record`'s keyword arguments (action, organisation_id, object_type, object_id,
    data)."""
    if not entries:
        return 0
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    actor_label = getattr(actor, "email", "") or (str(actor) if actor else "")
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        prev = head.last_hash
        rows = []
        for item in entries:
            entry = AuditEntry(
                created_at=now,
                actor_id=actor_id,
                actor_label=actor_label,
                organisation_id=item.get("organisation_id"),
                action=item["action"],
                object_type=item.get("object_type", ""),
                object_id=str(item.get("object_id", "")),
                data=_jsonable(item.get("data") or {}),
                prev_hash=prev,
            )
            entry.hash = entry.compute_hash()
            prev = entry.hash
            rows.append(entry)
        AuditEntry.objects.bulk_create(rows, batch_size=1000)
        head.last_hash = prev
        head.save(update_fields=["last_hash"])
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the whole log in id order and recompute every hash."""
    prev = GENESIS_HASH
    checked = 0
    last_id = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size):
        if entry.prev_hash != prev:
            return ChainReport(checked, entry.pk, "previous-hash link does not match the entry before it")
        if entry.compute_hash() != entry.hash:
            return ChainReport(checked, entry.pk, "content does not match its hash (entry altered)")
        prev = entry.hash
        last_id = entry.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return ChainReport(checked, last_id + 1, "entries after this point were removed")
    return ChainReport(checked)
