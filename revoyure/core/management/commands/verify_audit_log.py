from typing import Any

from django.core.management.base import BaseCommand, CommandError

from revoyure.core.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain and report whether it is intact and where it breaks."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.intact:
            self.stdout.write(f"audit log intact: {report.checked} entries verified")
            return
        raise CommandError(
            f"audit log broken at entry {report.broken_at}: {report.reason} "
            f"({report.checked} entries verified before it)"
        )
