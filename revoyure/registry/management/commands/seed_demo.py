from typing import Any

from django.core.management.base import BaseCommand

from revoyure.registry.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo organisation (one account per role) if it is not there yet, and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = seed_demo()
        self.stdout.write(f"Demo organisation: {organisation.name} (/o/{organisation.slug}/register/)")
        self.stdout.write(f"Every demo account uses the password: {DEMO_PASSWORD}")
        self.stdout.write("  plateforme@demo.revoyure.fr  (platform administrator)")
        for email, name, roles in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:<28} {name} — {', '.join(str(r) for r in roles)}")
