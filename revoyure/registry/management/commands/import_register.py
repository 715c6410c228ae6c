"""`manage.py import_register <org-slug> <file> [--format csv|xlsx|json] [--mapping mapping.json] [--dry-run]`
and `manage.py import_register --list-fields`.

All or nothing: when a row is invalid nothing is written and every problem is printed as
`row N, field F: reason` (exit code 1). On success it prints `imported N records`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from revoyure.organisations.models import Organisation
from revoyure.registry.fields import field_specs, importable_field_names
from revoyure.registry.importing.errors import ImportFileError
from revoyure.registry.importing.mapping import load_mapping_file
from revoyure.registry.importing.readers import FORMATS
from revoyure.registry.importing.service import ImportRejected, import_records, prepare_import

_STRUCTURED_ENTRIES = {
    "security_measures": 'JSON list of {"type", "description"}',
    "user_trainings": 'JSON list of {"title", "audience", "date", "people_trained"}',
}


class Command(BaseCommand):
    help = "Import a register (CSV, XLSX or JSON) into an organisation, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", nargs="?", help="slug of the organisation")
        parser.add_argument("file", nargs="?", help="the CSV, XLSX or JSON file")
        parser.add_argument(
            "--format", choices=FORMATS, help="the file's format (default: from its extension)"
        )
        parser.add_argument("--mapping", help="JSON file {register field name: column name}")
        parser.add_argument("--dry-run", action="store_true", help="validate every row, write nothing")
        parser.add_argument("--list-fields", action="store_true", help="print the register fields and exit")

    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        if options["list_fields"]:
            self._list_fields()
            return
        if not options["organisation"] or not options["file"]:
            raise CommandError("give an organisation slug and a file (or --list-fields)")
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation with the slug {options['organisation']!r}")
        path = Path(options["file"])
        try:
            mapping = load_mapping_file(Path(options["mapping"])) if options["mapping"] else None
            prepared = prepare_import(path, fmt=options["format"], name=path.name, mapping=mapping)
            for warning in prepared.warnings:
                self.stderr.write(f"warning: {warning}")
            report = import_records(
                organisation,
                None,
                prepared.rows,
                path.name,
                dry_run=options["dry_run"],
                warnings=prepared.warnings,
            )
        except ImportFileError as exc:
            for message in exc.messages:
                self.stderr.write(f"error: {message}")
            raise CommandError("nothing was imported") from exc
        except ImportRejected as exc:
            for error in exc.report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{exc.report.invalid_rows} invalid row(s) out of {exc.report.total}: nothing was imported"
            ) from exc
        if options["dry_run"]:
            self.stdout.write(f"dry run: {report.valid} records would be imported")
        else:
            self.stdout.write(f"imported {report.imported} records")

    def _list_fields(self) -> None:
        importable = set(importable_field_names())
        specs = [spec for spec in field_specs() if spec.name in importable]
        width = max(len(spec.name) for spec in specs)
        for spec in specs:
            allowed = ", ".join(code for code, _label in spec.choices) or _STRUCTURED_ENTRIES.get(
                spec.name, ""
            )
            kind = "vendor name" if spec.kind == "vendor" else spec.kind
            line = f"{spec.name:<{width}}  {kind:<11}  {'required' if spec.required else 'optional'}"
            self.stdout.write(f"{line}  {allowed}".rstrip())
