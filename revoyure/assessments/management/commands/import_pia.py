from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from revoyure.assessments.services_pia import import_pia
from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool


class Command(BaseCommand):
    help = "Import a DPIA exported (JSON) from the CNIL's PIA tool and link it as the tool's DPIA."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", help="slug of the organisation")
        parser.add_argument("tool_id", help="id of the tool in the register")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation “{options['organisation']}”")
        tool_id = str(options["tool_id"])
        tool = (
            Tool.objects.filter(organisation=organisation, pk=int(tool_id)).first()
            if tool_id.isdigit()
            else None
        )
        if tool is None:
            raise CommandError(f"no tool {tool_id} in {organisation.slug}")
        path: Path = options["file"]
        try:
            with path.open("rb") as handle:
                pia = import_pia(tool, None, handle, path.name, source_name="command")
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        except ValidationError as exc:
            raise CommandError(f"{path}: {' '.join(exc.messages)}") from exc
        self.stdout.write(
            f"imported “{pia.name}” (id {pia.pk}) as the DPIA of {tool.name}: {pia.get_absolute_url()}"
        )
