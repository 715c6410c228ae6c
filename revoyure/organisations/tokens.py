"""Personal API tokens: scoped to one organisation and one role, stored only as a SHA-256 hash.

The raw token is shown once, when it is created; afterwards only its short prefix identifies it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.core import audit
from revoyure.organisations.access import roles_of
from revoyure.organisations.models import ApiToken, Organisation

TOKEN_PREFIX = "rvy_"  # noqa: S105 - the public marker of our tokens, not a secret
# What is kept in clear to recognise a token in a list: the fixed prefix and 8 random characters.
DISPLAY_PREFIX_LENGTH = 12
MAX_NAME_LENGTH = 100
# Writing `last_used_at` on every request would turn each API read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
_MAX_RAW_LENGTH = 200


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def create_token(organisation: Organisation, user: Any, *, name: str, role: str) -> tuple[ApiToken, str]:
    """Create a token for `user` in `organisation` acting with `role`, one of the roles the person holds
    there. Returns the token and its raw value, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the token a name, to recognise it later.")
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = _("The name is too long (at most %(max)d characters).") % {"max": MAX_NAME_LENGTH}
    if role not in roles_of(user, organisation):
        errors["role"] = _("Choose one of the roles you hold in this organisation.")
    if errors:
        raise ValidationError(errors)
    raw = generate_token()
    token = ApiToken.objects.create(
        user=user,
        organisation=organisation,
        role=role,
        name=name,
        prefix=raw[:DISPLAY_PREFIX_LENGTH],
        token_hash=hash_token(raw),
    )
    audit.record(
        "api_token.created",
        actor=user,
        organisation_id=organisation.pk,
        obj=token,
        data={"name": name, "role": role, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, actor: Any) -> ApiToken:
    """Revoke `token` for good. Revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        "api_token.revoked",
        actor=actor,
        organisation_id=token.organisation_id,
        obj=token,
        data={"name": token.name, "prefix": token.prefix},
    )
    return token


_AUTHENTICATED_COLUMNS = (
    "user_id",
    "organisation_id",
    "role",
    "name",
    "prefix",
    "last_used_at",
    "user__email",
    "user__full_name",
    "user__is_active",
    "organisation__slug",
    "organisation__name",
)


def authenticate_token(raw: Any) -> ApiToken | None:
    """The non-revoked token whose SHA-256 matches `raw`, with its user and organisation, or None.

    Tokens of deactivated accounts do not authenticate. `last_used_at` is written at most once a minute.
    """
    if not isinstance(raw, str) or not raw.startswith(TOKEN_PREFIX) or len(raw) > _MAX_RAW_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user", "organisation")
        # Every API request comes through here: read what the callers use, not the whole organisation.
        .only(*_AUTHENTICATED_COLUMNS)
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def list_tokens(organisation: Organisation, user: Any) -> list[ApiToken]:
    return list(ApiToken.objects.filter(organisation=organisation, user=user).order_by("-created_at", "-pk"))
