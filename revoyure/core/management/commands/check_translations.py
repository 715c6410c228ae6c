"""Fail when a user-facing string has no French translation.

For each app with a `locale/` folder: extract the strings again (makemessages), then read the French
catalogue and report every entry that is untranslated or fuzzy. Compiles the catalogues when complete.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def app_locale_dirs() -> list[Path]:
    return sorted(p for p in (Path(settings.BASE_DIR) / "revoyure").glob("*/locale") if p.is_dir())


class Command(BaseCommand):
    help = "Extract translatable strings and fail if any French translation is missing or fuzzy."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-extract", action="store_true", help="only read the catalogues")

    def handle(self, *args: Any, **options: Any) -> None:
        problems: list[str] = []
        cwd = os.getcwd()
        for locale_dir in app_locale_dirs():
            app_dir = locale_dir.parent
            if not options["no_extract"]:
                os.chdir(app_dir)
                try:
                    call_command(
                        "makemessages",
                        locale=["fr"],
                        no_obsolete=True,
                        verbosity=0,
                        ignore_patterns=["tests/*"],
                    )
                finally:
                    os.chdir(cwd)
            po_path = locale_dir / "fr" / "LC_MESSAGES" / "django.po"
            if not po_path.exists():
                continue
            catalogue = polib.pofile(str(po_path))
            for entry in catalogue:
                if entry.obsolete:
                    continue
                if not entry.translated() or "fuzzy" in entry.flags:
                    where = entry.occurrences[0][0] if entry.occurrences else "?"
                    problems.append(f"{po_path.relative_to(settings.BASE_DIR)}: {entry.msgid!r} ({where})")
        if problems:
            raise CommandError("Missing French translations:\n  " + "\n  ".join(problems))
        for locale_dir in app_locale_dirs():
            os.chdir(locale_dir.parent)
            try:
                call_command("compilemessages", verbosity=0)
            finally:
                os.chdir(cwd)
        self.stdout.write("translations complete")
