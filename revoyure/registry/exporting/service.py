"""One entry point for every export format, used by the command line and the web export page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import IO, Any

from revoyure.organisations.models import Organisation
from revoyure.registry.exporting.formats import export_csv, export_json, export_xlsx
from revoyure.registry.exporting.interop import algoritmeregister_record, atrs_record
from revoyure.registry.exporting.records import iter_tools


@dataclass(frozen=True)
class ExportFormat:
    key: str
    extension: str
    content_type: str
    binary: bool = False


FORMATS: dict[str, ExportFormat] = {
    "json": ExportFormat("json", "json", "application/json"),
    "csv": ExportFormat("csv", "csv", "text/csv; charset=utf-8"),
    "xlsx": ExportFormat(
        "xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", binary=True
    ),
    "algoritmeregister": ExportFormat("algoritmeregister", "json", "application/json"),
    "atrs": ExportFormat("atrs", "json", "application/json"),
}
EXPORT_FORMATS = tuple(FORMATS)
BINARY_FORMATS = frozenset(key for key, fmt in FORMATS.items() if fmt.binary)


def _write_list(stream: IO[str], records: Any) -> None:
    stream.write("[")
    for position, record in enumerate(records):
        stream.write(",\n" if position else "\n")
        stream.write(json.dumps(record, ensure_ascii=False))
    stream.write("\n]\n")


def export_register(organisation: Organisation, fmt: str, stream: IO[Any]) -> None:
    """Write the organisation's register in format `fmt` (a key of FORMATS) to `stream` (bytes for XLSX)."""
    if fmt == "json":
        export_json(organisation, stream)
    elif fmt == "csv":
        export_csv(organisation, stream)
    elif fmt == "xlsx":
        export_xlsx(organisation, stream)
    elif fmt == "algoritmeregister":
        _write_list(stream, (algoritmeregister_record(t, organisation) for t in iter_tools(organisation)))
    elif fmt == "atrs":
        _write_list(stream, (atrs_record(t, organisation) for t in iter_tools(organisation)))
    else:
        raise ValueError(f"unknown export format {fmt!r}")


def file_name(organisation: Organisation, fmt: str) -> str:
    suffix = "" if fmt in ("json", "csv", "xlsx") else f"-{fmt}"
    return f"register-{organisation.slug}{suffix}.{FORMATS[fmt].extension}"
