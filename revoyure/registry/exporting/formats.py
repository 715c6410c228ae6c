"""The register as JSON (our documented format), CSV and XLSX: one column or key per field of
`registry.fields.field_specs()`, so every export re-imports to the same records."""

from __future__ import annotations

import csv
import json
from typing import IO, Any

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from revoyure.organisations.models import Organisation
from revoyure.registry.exporting.records import cell_text, iter_tools, record_of, safe_cell
from revoyure.registry.fields import GROUPS, field_specs

JSON_FORMAT = "revoyure-register"
JSON_VERSION = 1
LEGEND_SHEET = "Légende"


def document_header(organisation: Organisation, document_format: str = JSON_FORMAT) -> dict[str, Any]:
    return {
        "format": document_format,
        "version": JSON_VERSION,
        "organisation": {"slug": organisation.slug, "name": organisation.name},
        "exported_at": timezone.now().isoformat(),
    }


def write_json_document(stream: IO[str], header: dict[str, Any], records: Any) -> None:
    """Write `{...header, "records": [...]}` one record at a time, so a large register is never held whole."""
    head = json.dumps(header, ensure_ascii=False)
    stream.write(head[:-1] + ', "records": [')
    for position, record in enumerate(records):
        stream.write(",\n" if position else "\n")
        stream.write(json.dumps(record, ensure_ascii=False))
    stream.write("\n]}\n")


def export_json(organisation: Organisation, stream: IO[str]) -> None:
    write_json_document(
        stream, document_header(organisation), (record_of(t) for t in iter_tools(organisation))
    )


def export_csv(organisation: Organisation, stream: IO[str]) -> None:
    """UTF-8 with a byte-order mark (so that Excel recognises the encoding), comma-separated, one header row
    of field names. Cells that a spreadsheet would run as formulas start with an apostrophe."""
    specs = field_specs()
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow([spec.name for spec in specs])
    for tool in iter_tools(organisation):
        writer.writerow([safe_cell(cell_text(spec, getattr(tool, spec.name))) for spec in specs])


def _xlsx_value(spec: Any, value: Any) -> Any:
    if value is None:
        return None
    if spec.kind in ("date", "integer", "decimal", "boolean") or (
        spec.kind == "choice" and isinstance(value, int)
    ):
        return value
    if spec.kind == "datetime":
        return value.isoformat()  # spreadsheets cannot hold time zones
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", cell_text(spec, value)))


def export_xlsx(organisation: Organisation, stream: IO[bytes]) -> None:
    """The register on a first sheet (header: field names; dates as dates), a legend with labels after it."""
    specs = field_specs()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Register")
    sheet.append([spec.name for spec in specs])
    for tool in iter_tools(organisation):
        sheet.append([_xlsx_value(spec, getattr(tool, spec.name)) for spec in specs])
    legend = workbook.create_sheet(LEGEND_SHEET)
    legend.append(["field", "libellé", "label", "groupe / group", "type", "valeurs / values"])
    group_titles = {}
    for group in GROUPS:
        with translation.override("fr"):
            group_titles[group.letter] = f"{group.letter}. {group.title}"
    for spec in specs:
        with translation.override("fr"):
            french = str(spec.label)
        with translation.override("en"):
            english = str(spec.label)
        allowed = ", ".join(code for code, _label in spec.choices)
        legend.append([spec.name, french, english, group_titles[spec.group], spec.kind, allowed])
    workbook.save(stream)
