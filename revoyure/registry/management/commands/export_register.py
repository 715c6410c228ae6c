"""`manage.py export_register <org-slug> --format json|csv|xlsx|algoritmeregister|atrs [-o file]`.

Writes to standard output unless `-o` is given (XLSX needs `-o`). CSV is UTF-8 with a byte-order mark and
comma-separated. `--schema` prints the JSON Schema of the JSON export instead.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from revoyure.organisations.models import Organisation
from revoyure.registry.exporting.schema import build_schema
from revoyure.registry.exporting.service import BINARY_FORMATS, EXPORT_FORMATS, export_register


class Command(BaseCommand):
    help = "Export an organisation's register as JSON, CSV, XLSX, Algoritmeregister v1.0 or ATRS tier 1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", nargs="?", help="slug of the organisation")
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="json")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument("--schema", action="store_true", help="print the JSON Schema of the JSON export")

    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options["output"] else None
        if options["schema"]:
            text = json.dumps(build_schema(), ensure_ascii=False, indent=2) + "\n"
            if output:
                output.write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        if not options["organisation"]:
            raise CommandError("give the slug of the organisation to export")
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation with the slug {options['organisation']!r}")
        fmt = options["format"]
        if fmt in BINARY_FORMATS and output is None:
            raise CommandError(f"the {fmt} format is binary: give a file with -o")
        try:
            if fmt in BINARY_FORMATS:
                with output.open("wb") as binary:  # type: ignore[union-attr]
                    export_register(organisation, fmt, binary)
            elif output:
                with output.open("w", encoding="utf-8", newline="") as text_stream:
                    export_register(organisation, fmt, text_stream)
            else:
                buffer = io.StringIO()
                export_register(organisation, fmt, buffer)
                self.stdout.write(buffer.getvalue(), ending="")
        except OSError as exc:
            raise CommandError(f"could not write {output}: {exc.strerror or exc}") from exc
