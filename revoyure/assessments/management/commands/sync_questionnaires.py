from typing import Any

from django.core.management.base import BaseCommand, CommandError

from revoyure.assessments.loading import DefinitionError
from revoyure.assessments.services import sync_definitions


class Command(BaseCommand):
    help = "Register the questionnaire definition files (new versions) in the database."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = sync_definitions()
        except DefinitionError as exc:
            raise CommandError(str(exc)) from exc
        for row in created:
            self.stdout.write(f"registered {row.slug} version {row.version}")
        if not created:
            self.stdout.write("questionnaire definitions up to date")
