"""`manage.py create_organisation <slug> --name "<name>" [--legal-form ...] [--admin-email ...]`:
create an organisation from a script."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_slug
from django.urls import reverse

from revoyure.organisations import services
from revoyure.organisations.models import LegalForm


class Command(BaseCommand):
    help = "Create an organisation and, with --admin-email, invite its first administrator by e-mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="short name used in addresses, e.g. acme")
        parser.add_argument("--name", required=True, help="the organisation's name")
        parser.add_argument(
            "--legal-form",
            default=LegalForm.PRIVATE_COMPANY,
            choices=LegalForm.values,
            help="legal form (default: %(default)s)",
        )
        parser.add_argument(
            "--admin-email", default="", help="e-mail of the first administrator, who is invited"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        name = options["name"].strip()
        try:
            validate_slug(slug)
        except ValidationError as exc:
            raise CommandError(f"invalid slug {slug!r}: use lower-case letters, digits and hyphens") from exc
        if slug != slug.lower():
            raise CommandError(f"invalid slug {slug!r}: use lower-case letters, digits and hyphens")
        try:
            organisation, invitation = services.create_organisation_with_admin(
                None,
                name=name,
                slug=slug,
                legal_form=options["legal_form"],
                admin_email=options["admin_email"],
            )
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc
        self.stdout.write(
            f"created organisation {organisation.slug!r} ({organisation.name}, "
            f"{organisation.get_legal_form_display()})"
        )
        if invitation is not None:
            item, token = invitation
            link = settings.REVOYURE_BASE_URL.rstrip("/") + reverse(
                "organisations:accept_invitation", args=[token]
            )
            self.stdout.write(f"invited {item.email} as organisation administrator; invitation link: {link}")


def _describe(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in exc.message_dict.items()
        )
    return " ".join(str(m) for m in exc.messages)
