"""The import itself: validate every row, then write all of them in one transaction, or nothing.

The command line and the web import both come here. Validation runs once over the whole file and keeps
only names (for duplicates) and vendor names; the write reads the file again and inserts in batches, so
memory stays flat with the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from revoyure.core import audit, hooks
from revoyure.organisations.models import Organisation
from revoyure.registry import services
from revoyure.registry.fields import field_specs
from revoyure.registry.importing.bulk import ToolWriter
from revoyure.registry.importing.convert import convert_row
from revoyure.registry.importing.errors import ImportFileError, RowError
from revoyure.registry.importing.mapping import resolve_mapping
from revoyure.registry.importing.readers import Table, open_table
from revoyure.registry.models import Tool, Vendor

_FIELD_ORDER = {spec.name: position for position, spec in enumerate(field_specs())}


@dataclass(frozen=True)
class SourceRow:
    """One row to import: its number in the file and its cells by register field."""

    number: int
    values: dict[str, Any]
    error: str = ""


@dataclass
class MappedRows:
    """The rows of a table as register fields; can be read several times (each read re-reads the file)."""

    table: Table
    mapping: dict[str, str]

    def __iter__(self) -> Iterator[SourceRow]:
        items = list(self.mapping.items())
        for raw in self.table.rows():
            yield SourceRow(raw.number, {name: raw.cells.get(column) for name, column in items}, raw.error)


@dataclass
class PreparedImport:
    table: Table
    mapping: dict[str, str]
    rows: MappedRows
    warnings: list[str]


def prepare_import(
    path: Path,
    *,
    fmt: str | None = None,
    name: str = "",
    mapping: dict[str, str | None] | None = None,
    auto: bool = True,
) -> PreparedImport:
    """Open the file and settle the mapping; raises ImportFileError when either is impossible."""
    table = open_table(path, fmt, name)
    resolved, notes = resolve_mapping(table.columns, mapping, auto=auto)
    return PreparedImport(table, resolved, MappedRows(table, resolved), [*table.warnings, *notes])


@dataclass
class ImportReport:
    source_name: str
    total: int = 0
    valid: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    vendor_names: list[str] = field(default_factory=list)
    new_vendors: list[str] = field(default_factory=list)
    preview: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    @property
    def invalid_rows(self) -> int:
        return len({error.row for error in self.errors})


class ImportRejected(Exception):
    """At least one row is invalid: nothing was written. The report lists every problem."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{report.invalid_rows} invalid row(s)")
        self.report = report


def _vendors_by_key(names: Iterable[str]) -> dict[str, Vendor]:
    wanted = {name.lower() for name in names}
    if not wanted:
        return {}
    # Vendors are shared by the installation and few; one query, compared in Python (case-insensitive).
    return {
        v.name.lower(): v for v in Vendor.objects.only("id", "name").iterator() if v.name.lower() in wanted
    }


def validate_records(
    organisation: Organisation, rows: Iterable[SourceRow], *, source_name: str = "", preview_size: int = 0
) -> ImportReport:
    """Check every row as the import would write it; writes nothing."""
    report = ImportReport(source_name)
    existing = set(Tool.objects.filter(organisation=organisation).values_list("name", flat=True))
    first_row_of: dict[str, int] = {}
    vendor_names: dict[str, str] = {}
    for row in rows:
        report.total += 1
        if row.error:
            report.errors.append(RowError(row.number, "", row.error))
            continue
        values, errors = convert_row(row.values)
        vendor = values.pop("vendor", None)
        try:
            # Names are checked below in memory: no query per row.
            services.build_tool(organisation, values, check_unique=False, only_given=True)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault("" if name == NON_FIELD_ERRORS else name, " ".join(messages))
        tool_name = values.get("name")
        if tool_name and "name" not in errors:
            if tool_name in existing:
                errors["name"] = _("a tool named “%(name)s” already exists in this organisation") % {
                    "name": tool_name
                }
            elif tool_name in first_row_of:
                errors["name"] = _("the name “%(name)s” is already used in row %(row)d of this file") % {
                    "name": tool_name,
                    "row": first_row_of[tool_name],
                }
            else:
                first_row_of[tool_name] = row.number
        if errors:
            for name in sorted(errors, key=lambda n: _FIELD_ORDER.get(n, -1)):
                report.errors.append(RowError(row.number, name, errors[name]))
            continue
        report.valid += 1
        if vendor:
            vendor_names.setdefault(vendor.lower(), vendor)
        if len(report.preview) < preview_size:
            report.preview.append((row.number, {**values, **({"vendor": vendor} if vendor else {})}))
    report.vendor_names = list(vendor_names.values())
    known = _vendors_by_key(report.vendor_names)
    report.new_vendors = sorted(name for key, name in vendor_names.items() if key not in known)
    return report


def _vendor_table(
    actor: Any, organisation: Organisation, names: list[str], reason: str
) -> tuple[dict[str, Vendor], list[str]]:
    """Vendors by lower-cased name, those that do not exist yet created first; and the names created."""
    vendors = _vendors_by_key(names)
    created = []
    for name in names:
        key = name.lower()
        if key not in vendors:
            found = services.find_vendor(name)
            if found is None:
                found = services.create_vendor(
                    actor, {"name": name}, organisation_id=organisation.pk, reason=reason
                )
                created.append(found.name)
            vendors[key] = found
    return vendors, created


def _write(organisation: Organisation, actor: Any, rows: Iterable[SourceRow], report: ImportReport) -> int:
    reason = _("Imported from %(file)s") % {"file": report.source_name}
    vendors, report.new_vendors = _vendor_table(actor, organisation, report.vendor_names, reason)
    writer = ToolWriter(actor, reason)
    for row in rows:
        values, errors = convert_row(row.values)
        if errors or row.error:
            raise ImportFileError(_("The file changed during the import; nothing was imported."))
        vendor_name = values.pop("vendor", None)
        tool = Tool(organisation=organisation, **values)
        if vendor_name:
            vendor = vendors.get(vendor_name.lower())
            if vendor is None:
                raise ImportFileError(_("The file changed during the import; nothing was imported."))
            tool.vendor = vendor
        services.refresh_search_document(tool)
        writer.add(tool)
    writer.flush()
    return writer.count


def import_records(
    organisation: Organisation,
    actor: Any,
    rows: Iterable[SourceRow],
    source_name: str,
    *,
    dry_run: bool = False,
    warnings: list[str] | None = None,
) -> ImportReport:
    """Import `rows` into the organisation's register: every row is validated first; if any is invalid,
    nothing is written and ImportRejected carries the report of every problem. `rows` is read twice
    (validation, then writing), so pass a list or a `MappedRows`, not a one-shot iterator."""
    if iter(rows) is rows:  # a one-shot iterator: keep its rows for the second pass
        rows = list(rows)
    report = validate_records(organisation, rows, source_name=source_name)
    report.warnings = list(warnings or [])
    if report.total == 0:
        raise ImportFileError(_("The file contains no records."))
    if report.errors:
        raise ImportRejected(report)
    if dry_run:
        return report
    try:
        with transaction.atomic():
            report.imported = _write(organisation, actor, rows, report)
            audit.record(
                "register.imported",
                actor=actor,
                organisation_id=organisation.pk,
                object_type="registry.tool",
                data={"count": report.imported, "file": source_name, "vendors_created": report.new_vendors},
            )
            hooks.fire(hooks.tools_imported, organisation.pk)
    except ValidationError as exc:  # a vendor the validation found acceptable was refused at creation
        raise ImportFileError(*exc.messages) from exc
    except IntegrityError as exc:
        # Another person registered one of these names between the validation and the write.
        raise ImportFileError(
            _("A tool with one of these names was registered meanwhile; nothing was imported. Try again.")
        ) from exc
    return report
