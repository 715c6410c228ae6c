"""`access_*` helpers: lookup and permission check together. A person who is not a member of the
organisation gets a 404, exactly as if it did not exist; a member without the right gets a 403."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from revoyure.core.permissions import Perm, has_permission, permissions_for
from revoyure.organisations.models import Membership, Organisation


def int_id(value: Any) -> int:
    """A database id from the URL, or 404 (never an overflow on the database)."""
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if not 0 < number < 2**63:
        raise Http404
    return number


@dataclass(frozen=True)
class OrgAccess:
    """An organisation together with what the current person may do in it."""

    organisation: Organisation
    roles: frozenset[str]

    def can(self, perm: Perm) -> bool:
        return has_permission(self.roles, perm)

    @property
    def perms(self) -> frozenset[Perm]:
        return permissions_for(self.roles)


def roles_of(user: Any, organisation: Organisation) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True)
    )


def access_organisation(
    user: Any, slug: str, perm: Perm = Perm.VIEW_TRANSPARENCY, *, token_roles: frozenset[str] | None = None
) -> OrgAccess:
    """The organisation `slug` if `user` is a member holding `perm`.

    `token_roles` restricts the roles to those of an API token (a token never grants more than its role).
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404
    # One query for the organisation and the roles: a row per role this person holds there. No row means
    # an unknown organisation or a non-member, which look the same from outside (404).
    memberships = list(
        Membership.objects.filter(user=user, organisation__slug=str(slug)[:60]).select_related("organisation")
    )
    if not memberships:
        raise Http404
    organisation = memberships[0].organisation
    roles = frozenset(membership.role for membership in memberships)
    if token_roles is not None:
        roles = roles & token_roles
    access = OrgAccess(organisation, roles)
    if not access.can(perm):
        raise PermissionDenied
    return access


def organisations_of(user: Any) -> list[Organisation]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Organisation.objects.filter(memberships__user=user).distinct().order_by("name"))
