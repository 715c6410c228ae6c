"""Every write to the register goes through these functions (ENGINEERING.md, "Where logic lives").

Each one is atomic, validates, writes the history with its mandatory reason and the audit entry, and
leaves side effects to `transaction.on_commit`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.core import audit, hooks
from revoyure.core.uploads import check_upload
from revoyure.organisations.models import Organisation
from revoyure.registry.choices import STATUS_TRANSITIONS, ToolStatus
from revoyure.registry.fields import LIST_CHOICES, READ_ONLY_FIELDS, STATUS_FIELDS, importable_field_names
from revoyure.registry.models import Attachment, Tool, Vendor, VendorNote
from revoyure.registry.search import SEARCHED_FIELDS, build_document
from revoyure.registry.validation import STRUCTURED_CLEANERS, clean_choice_list

MAX_REASON_LENGTH = 2000

# Status gates: later capabilities (qualification, consultation) register a function that returns a
# refusal message, or None, for a tool about to enter a status. Web, API and import all pass here.
StatusGate = Callable[[Tool, str], str | None]
STATUS_GATES: list[StatusGate] = []

_STATUS_DATE_FIELD = {
    ToolStatus.PILOT: "pilot_started_on",
    ToolStatus.IN_SERVICE: "in_service_on",
    ToolStatus.SUSPENDED: "suspended_on",
    ToolStatus.WITHDRAWN: "withdrawn_on",
}


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you make this change: the reason is kept in the history.")}
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("The reason is too long (at most %(max)d characters).") % {"max": MAX_REASON_LENGTH}}
        )
    return reason


def refresh_search_document(tool: Tool) -> None:
    """Recompute `tool.search_document` (also used by the importer, which writes in bulk)."""
    values = [str(getattr(tool, f) or "") for f in SEARCHED_FIELDS]
    if tool.vendor_id:
        values.append(tool.vendor.name)  # type: ignore[union-attr]
    tool.search_document = build_document(values)


_refresh_search_document = refresh_search_document


def _clean_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    for name in LIST_CHOICES:
        if name in cleaned:
            cleaned[name] = clean_choice_list(name, cleaned[name])
    for name, cleaner in STRUCTURED_CLEANERS.items():
        if name in cleaned:
            cleaned[name] = cleaner(cleaned[name])
    return cleaned


def _validate(tool: Tool, *, check_unique: bool = True, only: Iterable[str] | None = None) -> None:
    # Model validation gives translated, per-field messages; the uniqueness of the name is checked here so
    # the message names the field instead of surfacing an IntegrityError.
    exclude = ["organisation", "search_document"]
    if only is not None:  # fields left at their defaults are valid: the importer skips them for speed
        given = {*only, "name"}
        exclude += [f.name for f in Tool._meta.concrete_fields if f.name not in given]
    tool.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    if not check_unique:  # the caller (the importer) checks names in memory, without a query per row
        return
    duplicate = Tool.objects.filter(organisation_id=tool.organisation_id, name=tool.name).exclude(pk=tool.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("A tool with this name already exists in this organisation.")})


def _save_with_history(tool: Tool, actor: Any, reason: str, **save_kwargs: Any) -> None:
    tool._change_reason = reason  # type: ignore[attr-defined]  # read by django-simple-history
    tool._history_user = actor  # type: ignore[attr-defined]
    try:
        tool.save(**save_kwargs)
    except IntegrityError as exc:  # a concurrent writer took the name between the check and the save
        raise ValidationError(
            {"name": _("A tool with this name already exists in this organisation.")}
        ) from exc


def build_tool(
    organisation: Organisation, values: dict[str, Any], *, check_unique: bool = True, only_given: bool = False
) -> Tool:
    """An unsaved, validated tool (used by create_tool and by the importer's validation pass).

    The importer checks names in memory (`check_unique=False`) and validates only the fields it sets
    (`only_given=True`); both save work on each of thousands of rows."""
    unknown = set(values) - set(importable_field_names())
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    tool = Tool(organisation=organisation, **_clean_values(values))
    _validate(tool, check_unique=check_unique, only=values if only_given else None)
    if tool.status != ToolStatus.PROJECT:  # a tool registered (or imported) as already in use obeys the gates
        for gate in STATUS_GATES:
            refusal = gate(tool, tool.status)
            if refusal:
                raise ValidationError({"status": refusal})
    return tool


@transaction.atomic
def create_tool(
    organisation: Organisation, actor: Any, values: dict[str, Any], reason: str = "", *, source: str = "web"
) -> Tool:
    """Register a new tool. `values` are register fields (see registry.fields)."""
    reason = (reason or "").strip() or _("Tool registered")
    tool = build_tool(organisation, values)
    _refresh_search_document(tool)
    _save_with_history(tool, actor, reason)
    audit.record(
        "tool.created",
        actor=actor,
        organisation_id=organisation.pk,
        obj=tool,
        data={"name": tool.name, "reason": reason, "source": source},
    )
    hooks.fire(hooks.tool_changed, tool)
    return tool


@transaction.atomic
def update_tool(tool: Tool, actor: Any, changes: dict[str, Any], reason: str, *, source: str = "web") -> Tool:
    """Change register fields of a tool; `reason` is mandatory and kept in the history."""
    reason = _require_reason(reason)
    forbidden = set(changes) & (READ_ONLY_FIELDS | STATUS_FIELDS | {"organisation", "id"})
    if forbidden:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(forbidden)})
    unknown = set(changes) - set(importable_field_names())
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    changes = _clean_values(changes)
    changed = {}
    for name, value in changes.items():
        old = getattr(tool, f"{name}_id" if name == "vendor" else name)
        new = value.pk if name == "vendor" and value is not None else value
        if old != new:
            changed[name] = True
            setattr(tool, name, value)
    if not changed:
        return tool
    _validate(tool)
    _refresh_search_document(tool)
    _save_with_history(tool, actor, reason)
    audit.record(
        "tool.updated",
        actor=actor,
        organisation_id=tool.organisation_id,
        obj=tool,
        data={"fields": sorted(changed), "reason": reason, "source": source},
    )
    hooks.fire(hooks.tool_changed, tool)
    return tool


@transaction.atomic
def record_in_history(tool: Tool, actor: Any, reason: str, *, source: str = "review") -> Tool:
    """Add a version to the tool's history that changes no field but says why: a fact about the tool
    decided elsewhere (the outcome of a review meeting) is kept where the tool's story is told. The
    history page shows it as a version with its reason and "no field changed"."""
    reason = _require_reason(reason)
    # The current values, so the new version copies the record exactly and shows no spurious change.
    current = Tool.objects.get(pk=tool.pk)
    Tool.history.bulk_history_create(
        [current],
        update=True,
        default_user=actor if getattr(actor, "pk", None) else None,
        default_change_reason=reason,
        default_date=timezone.now(),
    )
    audit.record(
        "tool.history_noted",
        actor=actor,
        organisation_id=current.organisation_id,
        obj=current,
        data={"reason": reason, "source": source},
    )
    return current


def allowed_next_statuses(tool: Tool) -> list[str]:
    return sorted(STATUS_TRANSITIONS.get(tool.status, set()))


@transaction.atomic
def change_status(
    tool: Tool, actor: Any, new_status: str, reason: str, *, on: dt.date | None = None, source: str = "web"
) -> Tool:
    """Move a tool along its lifecycle, record the date, and obey every registered status gate."""
    reason = _require_reason(reason)
    if new_status not in ToolStatus.values:
        raise ValidationError({"status": _("Unknown status “%(status)s”.") % {"status": new_status}})
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    if new_status not in STATUS_TRANSITIONS[tool.status]:
        raise ValidationError(
            {
                "status": _("A tool cannot go from “%(old)s” to “%(new)s”.")
                % {"old": ToolStatus(tool.status).label, "new": ToolStatus(new_status).label}
            }
        )
    for gate in STATUS_GATES:
        refusal = gate(tool, new_status)
        if refusal:
            raise ValidationError({"status": refusal})
    old_status = tool.status
    tool.status = new_status
    date_field = _STATUS_DATE_FIELD.get(ToolStatus(new_status))
    if date_field:
        setattr(tool, date_field, on or timezone.localdate())
    _save_with_history(tool, actor, reason)
    audit.record(
        "tool.status_changed",
        actor=actor,
        organisation_id=tool.organisation_id,
        obj=tool,
        data={"from": old_status, "to": new_status, "reason": reason, "source": source},
    )
    hooks.fire(hooks.tool_changed, tool)
    return tool


# Vendors -------------------------------------------------------------------------------------------------

VENDOR_FIELDS = ("name", "country", "in_eu", "alert_contact_email", "website", "description")


def find_vendor(name: str) -> Vendor | None:
    return Vendor.objects.filter(name__iexact=name.strip()).first()


@transaction.atomic
def create_vendor(
    actor: Any, values: dict[str, Any], *, organisation_id: int | None = None, reason: str = ""
) -> Vendor:
    unknown = set(values) - set(VENDOR_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    vendor = Vendor(**values)
    vendor.full_clean(validate_unique=False, validate_constraints=False)
    if find_vendor(vendor.name):
        raise ValidationError({"name": _("A vendor with this name already exists.")})
    vendor._change_reason = reason or _("Vendor registered")  # type: ignore[attr-defined]
    vendor._history_user = actor  # type: ignore[attr-defined]
    vendor.save()
    audit.record(
        "vendor.created", actor=actor, organisation_id=organisation_id, obj=vendor, data={"name": vendor.name}
    )
    return vendor


def get_or_create_vendor(actor: Any, name: str, *, organisation_id: int | None = None) -> Vendor:
    return find_vendor(name) or create_vendor(actor, {"name": name.strip()}, organisation_id=organisation_id)


@transaction.atomic
def update_vendor(
    vendor: Vendor, actor: Any, changes: dict[str, Any], reason: str, *, organisation_id: int | None = None
) -> Vendor:
    reason = _require_reason(reason)
    unknown = set(changes) - set(VENDOR_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(vendor, name, value)
    vendor.full_clean(validate_unique=False, validate_constraints=False)
    other = find_vendor(vendor.name)
    if other and other.pk != vendor.pk:
        raise ValidationError({"name": _("A vendor with this name already exists.")})
    vendor._change_reason = reason  # type: ignore[attr-defined]
    vendor._history_user = actor  # type: ignore[attr-defined]
    vendor.save()
    audit.record(
        "vendor.updated",
        actor=actor,
        organisation_id=organisation_id,
        obj=vendor,
        data={"fields": sorted(changes), "reason": reason},
    )
    return vendor


@transaction.atomic
def update_vendor_note(vendor: Vendor, organisation: Organisation, actor: Any, text: str) -> VendorNote:
    note, _created = VendorNote.objects.get_or_create(vendor=vendor, organisation=organisation)
    note.text = text
    note._history_user = actor  # type: ignore[attr-defined]
    note.save()
    audit.record(
        "vendor.note_updated",
        actor=actor,
        organisation_id=organisation.pk,
        obj=note,
        data={"vendor": vendor.pk},
    )
    return note


# Attachments ---------------------------------------------------------------------------------------------


@transaction.atomic
def add_attachment(
    organisation: Organisation,
    actor: Any,
    upload: UploadedFile,
    *,
    title: str,
    kind: str,
    tool: Tool | None = None,
) -> Attachment:
    """Store an uploaded file after checking its size and its real type (from its content)."""
    content_type = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        organisation=organisation,
        tool=tool,
        kind=kind,
        title=(title or upload.name or "").strip()[:300],
        original_name=(upload.name or "file")[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.full_clean(exclude=["file"])
    attachment.file.save(attachment.sha256, upload, save=False)
    attachment.save()
    audit.record(
        "attachment.added",
        actor=actor,
        organisation_id=organisation.pk,
        obj=attachment,
        data={
            "tool": tool.pk if tool else None,
            "title": attachment.title,
            "sha256": attachment.sha256,
            "size": attachment.size,
            "content_type": content_type,
        },
    )
    return attachment


@transaction.atomic
def remove_attachment(attachment: Attachment, actor: Any, reason: str) -> None:
    reason = _require_reason(reason)
    audit.record(
        "attachment.removed",
        actor=actor,
        organisation_id=attachment.organisation_id,
        obj=attachment,
        data={
            "tool": attachment.tool_id,
            "title": attachment.title,
            "sha256": attachment.sha256,
            "reason": reason,
        },
    )
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    # Identical content may be shared by another attachment (same hash); delete the file only if unused.
    if not Attachment.objects.filter(file=stored).exists():
        transaction.on_commit(lambda: storage.delete(stored))


def tools_for_import(organisation: Organisation, rows: Iterable[dict[str, Any]]) -> list[Tool]:
    """Validate rows into unsaved tools, without writing (used by dry runs)."""
    return [build_tool(organisation, row) for row in rows]
