"""`manage.py run_scheduler [--once] [--interval N]`: enqueue the periodic jobs when they are due.

The jobs run in the task worker (`manage.py db_worker`); this command only decides when. Several
schedulers may run at once (one per server): each due job is claimed by exactly one of them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.db.utils import OperationalError

from revoyure.core import scheduling


class Command(BaseCommand):
    help = "Enqueue the periodic jobs (daily re-evaluation, reminders…) when they are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Check once, then exit (for cron).")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="Seconds between checks (default: 60)."
        )

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        if interval <= 0:
            raise CommandError("--interval must be positive")
        jobs = scheduling.discover()
        if options["verbosity"] >= 1:
            self.stdout.write("Scheduled jobs: " + (", ".join(sorted(jobs)) or "none"))
        while True:
            close_old_connections()
            try:
                for name in scheduling.run_due():
                    if options["verbosity"] >= 1:
                        self.stdout.write(f"enqueued {name}")
            except OperationalError as exc:
                # A database briefly unavailable or locked: the job stays due and is claimed next time.
                if once:
                    raise
                self.stderr.write(f"scheduler check failed, will retry: {exc}")
            if once:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
