import json
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from revoyure.assessments.loading import DefinitionError, parse_definition
from revoyure.assessments.surveyjs import import_surveyjs


class Command(BaseCommand):
    help = "Convert a SurveyJS JSON survey into a questionnaire definition file (YAML)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # `--version` is the definition's version here, not Django's own version flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--id", required=True, dest="slug", help="identifier of the definition (slug)")
        parser.add_argument("--version", type=int, default=1, dest="def_version")
        parser.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
        parser.add_argument("--strict", action="store_true", help="fail when anything is not supported")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = json.loads(options["file"].read_text(encoding="utf-8-sig"))
            definition, problems = import_surveyjs(data, options["slug"], options["def_version"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        for problem in problems:
            self.stderr.write(f"not imported: {problem}")
        if problems and options["strict"]:
            raise CommandError(f"{len(problems)} unsupported construct(s); nothing written (--strict)")
        try:
            parse_definition(definition, options["slug"])
        except DefinitionError as exc:
            raise CommandError(f"the converted definition is not valid: {exc}") from exc
        text = yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=110)
        header = f"# Imported from SurveyJS ({options['file'].name}); {len(problems)} problem(s) reported.\n"
        if options["output"]:
            options["output"].write_text(header + text, encoding="utf-8")
            self.stdout.write(f"wrote {options['output']}")
        else:
            self.stdout.write(header + text)
