"""`manage.py qualify`: the qualification engine on the command line.

- `qualify --facts <facts.json> [--at YYYY-MM-DD]` evaluates facts that are not stored (a JSON object of
  fact names and values, docs/schema/facts.schema.json) and prints JSON: the classification and the
  obligations (rule, state, date, responsible, triggering facts, missing facts).
- `qualify <org-slug> [--tool <id>] [--at YYYY-MM-DD]` does the same for stored tools: the organisation's
  own obligations, then one entry per tool. Nothing is stored.
- `qualify --schema [-o file]` prints the JSON Schema of the facts document.

Only the rules that concern the facts are listed; `--all` adds the not applicable ones.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation

from revoyure.organisations.models import Organisation
from revoyure.qualification import engine, services
from revoyure.qualification.facts import all_facts, organisation_facts, parse_facts
from revoyure.qualification.facts_schema import build_schema
from revoyure.qualification.models import ToolQualification
from revoyure.qualification.schemas import evaluation_data, outcomes_data
from revoyure.registry.models import Tool

LANGUAGES = ("fr", "en")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--at: {value!r} is not a date written YYYY-MM-DD") from exc


def _read_facts(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    facts, errors = parse_facts(data)
    if errors:
        lines = "\n".join(f"  {name or '(document)'}: {message}" for name, message in errors.items())
        raise CommandError(f"{path}: {len(errors)} invalid fact(s):\n{lines}")
    return facts


class Command(BaseCommand):
    help = (
        "Evaluate the qualification rules on a facts file or on an organisation's stored tools; print JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", nargs="?", help="slug of the organisation (stored tools)")
        parser.add_argument("--tool", type=int, help="only this tool of the organisation (its id)")
        parser.add_argument("--facts", help="JSON file of facts to evaluate (not stored)")
        parser.add_argument("--at", help="evaluation date, YYYY-MM-DD (default: today)")
        parser.add_argument("--lang", choices=LANGUAGES, default="fr", help="language of the obligations")
        parser.add_argument("--all", action="store_true", help="also list the rules that do not apply")
        parser.add_argument("--schema", action="store_true", help="print the JSON Schema of a facts file")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schema"]:
            self._write(build_schema(), options["output"])
            return
        at = _date(options["at"]) if options["at"] else services.today()
        language, include_all = options["lang"], options["all"]
        if options["facts"]:
            if options["organisation"] or options["tool"] is not None:
                raise CommandError("give either --facts or an organisation, not both")
            facts = _read_facts(Path(options["facts"]))
            with translation.override(language):
                data = evaluation_data(engine.evaluate(facts, at), language, include_all=include_all)
        elif options["organisation"]:
            data = self._stored(options["organisation"], options["tool"], at, language, include_all)
        else:
            raise CommandError("give --facts <file>, an organisation slug, or --schema")
        self._write(data, options["output"])

    def _stored(
        self, slug: str, tool_id: int | None, at: dt.date, language: str, include_all: bool
    ) -> dict[str, Any]:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"no organisation with the slug {slug!r}")
        tools = Tool.objects.filter(organisation=organisation).order_by("pk")
        if tool_id is not None:
            tools = tools.filter(pk=tool_id)
            if not tools.exists():
                raise CommandError(f"the organisation {slug!r} has no tool with the id {tool_id}")
        answers = dict(
            ToolQualification.objects.filter(organisation=organisation).values_list("tool_id", "answers")
        )
        data: dict[str, Any] = {"at": at, "organisation": organisation.slug}
        if tool_id is None:
            own = engine.evaluate(dict(organisation_facts(organisation)), at, scope="organisation")
            data["organisation_obligations"] = outcomes_data(own.outcomes, language, include_all=include_all)
        entries = []
        for tool in tools.iterator(chunk_size=500):
            tool.organisation = organisation
            evaluation = engine.evaluate(all_facts(tool, answers.get(tool.pk, {})), at, scope="tool")
            entries.append(
                {
                    "id": tool.pk,
                    "name": tool.name,
                    **evaluation_data(evaluation, language, include_all=include_all),
                }
            )
        data["tools"] = entries
        return data

    def _write(self, data: dict[str, Any], output: str | None) -> None:
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"could not write {output}: {exc.strerror or exc}") from exc
