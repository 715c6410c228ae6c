"""Showing a register record and the differences between two of its versions.

The detail page, the history page and the side-by-side comparison all read values through `display_value`,
so a value looks the same everywhere (choice labels, lists as lists, "—" when empty). Works on a `Tool` and on
its historical records alike: both carry the same attributes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from revoyure.registry.choices import SecurityMeasureType
from revoyure.registry.fields import GROUPS, LIST_CHOICES, READ_ONLY_FIELDS
from revoyure.registry.models import Tool, Vendor

EMPTY = "—"
Display = str | list[str]


@cache
def _choice_labels() -> dict[str, dict[Any, Promise | str]]:
    # Lazy labels, translated when displayed (field_specs() holds labels already turned into text).
    labels: dict[str, dict[Any, Promise | str]] = {}
    for field in Tool._meta.get_fields():
        choices = getattr(field, "flatchoices", None)
        if choices:
            labels[field.name] = dict(choices)
    for name, enum in LIST_CHOICES.items():
        labels[name] = dict(enum.choices)
    return labels


def choice_label(name: str, value: Any) -> str:
    """The label of one value of a choice field (faster than `get_FOO_display` on long lists of tools)."""
    if _is_empty(value):
        return EMPTY
    return str(_choice_labels().get(name, {}).get(value, value))


def field_label(name: str) -> str:
    return capfirst(str(getattr(Tool._meta.get_field(name), "verbose_name", name)))


def raw_value(record: Any, name: str) -> Any:
    """The stored value of a field: the vendor's id rather than the vendor, so nothing is fetched."""
    return getattr(record, "vendor_id" if name == "vendor" else name)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _date(value: dt.date | str) -> str:
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    try:
        return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
    except ValueError:
        return value


def _security_measure(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    kind = str(item.get("type") or "")
    label = dict(SecurityMeasureType.choices).get(kind, kind)
    description = str(item.get("description") or "")
    if not description:
        return str(label)
    return _("%(type)s: %(description)s") % {"type": label, "description": description}


def _training(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    parts = [str(item.get("title") or "")]
    if item.get("audience"):
        parts.append(str(item["audience"]))
    if item.get("date"):
        parts.append(_date(str(item["date"])))
    people = item.get("people_trained")
    if people not in (None, ""):
        count = int(people) if str(people).isdigit() else 0
        parts.append(
            ngettext("%(count)s person trained", "%(count)s people trained", count) % {"count": people}
        )
    return " — ".join(p for p in parts if p)


def display_value(name: str, value: Any, vendor_names: Mapping[int, str] | None = None) -> Display:
    """A value as people read it: a text, or a list of texts for list fields; "—" when empty."""
    if _is_empty(value):
        return EMPTY
    if name == "vendor":
        names = vendor_names or {}
        return names.get(value) or _("Deleted vendor (no. %(id)s)") % {"id": value}
    if name == "security_measures":
        return [_security_measure(item) for item in value] if isinstance(value, list) else str(value)
    if name == "user_trainings":
        return [_training(item) for item in value] if isinstance(value, list) else str(value)
    labels = _choice_labels().get(name)
    if isinstance(value, list):
        return [str(labels.get(item, item)) if labels else str(item) for item in value]
    if labels is not None and value in labels:
        return str(labels[value])
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return _date(value)
    if isinstance(value, Decimal):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if isinstance(value, int):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def vendor_names_for(records: Iterable[Any]) -> dict[int, str]:
    """Names of every vendor the records point at, in one query (none when there is no vendor)."""
    ids = {record.vendor_id for record in records if getattr(record, "vendor_id", None)}
    if not ids:
        return {}
    return dict(Vendor.objects.filter(pk__in=ids).values_list("id", "name"))


# The detail page -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisplayRow:
    name: str
    label: str
    value: Display


@dataclass(frozen=True)
class DisplayGroup:
    letter: str
    title: str
    rows: list[DisplayRow]


def record_groups(
    record: Any, vendor_names: Mapping[int, str], exclude: frozenset[str] = frozenset()
) -> list[DisplayGroup]:
    """The record's fields grouped as the SECOIA format A-L (and the staff transparency texts)."""
    return [
        DisplayGroup(
            group.letter,
            str(group.title),
            [
                DisplayRow(
                    name, field_label(name), display_value(name, raw_value(record, name), vendor_names)
                )
                for name in group.fields
                if name not in exclude
            ],
        )
        for group in GROUPS
    ]


# The history page ----------------------------------------------------------------------------------------

# Fields a version may change; `updated_at` changes with every save and says nothing.
DIFFED_FIELDS: tuple[str, ...] = tuple(
    name for group in GROUPS for name in group.fields if name not in READ_ONLY_FIELDS
)
_FIELD_ORDER = {name: position for position, name in enumerate(DIFFED_FIELDS)}


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: Display
    new: Display


def field_changes(new: Any, old: Any, vendor_names: Mapping[int, str]) -> list[FieldChange]:
    """What changed from the historical record `old` to `new`, in the order of the record's groups."""
    delta = new.diff_against(old, included_fields=DIFFED_FIELDS)
    changes = sorted(delta.changes, key=lambda change: _FIELD_ORDER.get(change.field, len(_FIELD_ORDER)))
    return [
        FieldChange(
            change.field,
            field_label(change.field),
            display_value(change.field, change.old, vendor_names),
            display_value(change.field, change.new, vendor_names),
        )
        for change in changes
    ]


@dataclass(frozen=True)
class VersionEntry:
    record: Any
    number: int
    previous: Any
    changes: list[FieldChange]


def version_entries(
    records: Sequence[Any], older: Any, first_number: int, vendor_names: Mapping[int, str]
) -> list[VersionEntry]:
    """`records` newest first; `older` is the version just before the last of them (None if it is the first).

    `first_number` is the version number of `records[0]` (versions count from 1, oldest first)."""
    entries = []
    for position, record in enumerate(records):
        previous = records[position + 1] if position + 1 < len(records) else older
        changes = field_changes(record, previous, vendor_names) if previous is not None else []
        entries.append(VersionEntry(record, first_number - position, previous, changes))
    return entries


# Side-by-side comparison ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareRow:
    name: str
    label: str
    old: Display
    new: Display
    differs: bool


@dataclass(frozen=True)
class CompareGroup:
    letter: str
    title: str
    rows: list[CompareRow]

    @property
    def differing(self) -> int:
        return sum(1 for row in self.rows if row.differs)


def _same(old: Any, new: Any) -> bool:
    # An empty text and a missing value are the same thing to a reader.
    return (_is_empty(old) and _is_empty(new)) or old == new


def compare_versions(old: Any, new: Any, vendor_names: Mapping[int, str]) -> list[CompareGroup]:
    """Every field of two versions side by side, grouped A-L, each row saying whether it differs."""
    groups = []
    for group in GROUPS:
        rows = []
        for name in group.fields:
            if name in READ_ONLY_FIELDS:
                continue
            old_raw, new_raw = raw_value(old, name), raw_value(new, name)
            rows.append(
                CompareRow(
                    name,
                    field_label(name),
                    display_value(name, old_raw, vendor_names),
                    display_value(name, new_raw, vendor_names),
                    not _same(old_raw, new_raw),
                )
            )
        groups.append(CompareGroup(group.letter, str(group.title), rows))
    return groups
