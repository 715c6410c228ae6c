"""The open-data export of an organisation that switched it on: public fields of the tools in use."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any

from revoyure.organisations.models import Organisation
from revoyure.registry.exporting.formats import document_header, write_json_document
from revoyure.registry.exporting.records import (
    PUBLIC_FIELDS,
    UNPUBLISHED_STATUSES,
    cell_text,
    json_value,
    safe_cell,
    tools_of,
)
from revoyure.registry.fields import spec_by_name

OPEN_DATA_FORMAT = "revoyure-open-data"


def public_records(organisation: Organisation) -> Iterator[dict[str, Any]]:
    specs = [spec_by_name()[name] for name in PUBLIC_FIELDS]
    tools = tools_of(organisation).exclude(status__in=UNPUBLISHED_STATUSES)
    for tool in tools.iterator(chunk_size=1000):
        yield {spec.name: json_value(spec, getattr(tool, spec.name)) for spec in specs}


def export_open_data_json(organisation: Organisation, stream: IO[str]) -> None:
    write_json_document(stream, document_header(organisation, OPEN_DATA_FORMAT), public_records(organisation))


def export_open_data_csv(organisation: Organisation, stream: IO[str]) -> None:
    specs = [spec_by_name()[name] for name in PUBLIC_FIELDS]
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(PUBLIC_FIELDS)
    tools = tools_of(organisation).exclude(status__in=UNPUBLISHED_STATUSES)
    for tool in tools.iterator(chunk_size=1000):
        writer.writerow([safe_cell(cell_text(spec, getattr(tool, spec.name))) for spec in specs])
