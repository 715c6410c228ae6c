"""`manage.py generate_scale_data --organisations N --tools-per-organisation M --versions V [--seed S]`"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from revoyure.registry.scale import BENCH_EMAIL, BENCH_PASSWORD, ScaleDataExists, ScaleParams, generate


class Command(BaseCommand):
    help = (
        "Generate deterministic scale data for the benchmark: organisations with one member per role "
        "(unusable passwords), shared vendors, and tools whose history has the given number of versions. "
        f"One bench user, {BENCH_EMAIL}, is AI delegate of every generated organisation. "
        "Into an empty database only; never on a real installation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisations", type=int, required=True)
        parser.add_argument("--tools-per-organisation", type=int, required=True)
        parser.add_argument("--versions", type=int, default=1, help="history versions per tool (≥ 1)")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "Refusing to generate scale data in production (REVOYURE_ENV=production): it "
                "creates an account whose password is published."
            )
        try:
            params = ScaleParams(
                options["organisations"],
                options["tools_per_organisation"],
                options["versions"],
                options["seed"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        def progress(done: int, total: int) -> None:
            if (
                options["verbosity"] >= 2
                or done == total
                or done % max(1, total // 10) < max(1, total // 100)
            ):
                self.stdout.write(f"  {done}/{total} organisations")

        try:
            report = generate(params, progress if options["verbosity"] >= 1 else None)
        except ScaleDataExists as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"generated {report.organisations} organisations, {report.users} users, "
                f"{report.vendors} vendors, {report.tools} tools and {report.history_rows} history rows "
                f"in {report.seconds} s"
            )
        )
        self.stdout.write(f"bench user: {BENCH_EMAIL} / {BENCH_PASSWORD} (AI delegate of every organisation)")
