"""`access_*` helpers for register objects. Every view and endpoint of the registry goes through them."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess, access_organisation, int_id
from revoyure.registry.models import Attachment, Tool, Vendor


def access_tool(
    user: Any,
    org_slug: str,
    tool_id: Any,
    perm: Perm = Perm.VIEW_REGISTER,
    *,
    token_roles: frozenset[str] | None = None,
) -> tuple[OrgAccess, Tool]:
    access = access_organisation(user, org_slug, perm, token_roles=token_roles)
    tool = (
        Tool.objects.select_related("vendor")
        .filter(organisation=access.organisation, pk=int_id(tool_id))
        .first()
    )
    if tool is None:
        raise Http404
    tool.organisation = access.organisation  # already loaded by the access check: no second join
    return access, tool


def access_attachment(
    user: Any,
    org_slug: str,
    attachment_id: Any,
    perm: Perm = Perm.VIEW_REGISTER,
    *,
    token_roles: frozenset[str] | None = None,
) -> tuple[OrgAccess, Attachment]:
    access = access_organisation(user, org_slug, perm, token_roles=token_roles)
    attachment = (
        Attachment.objects.select_related("tool")
        .filter(organisation=access.organisation, pk=int_id(attachment_id))
        .first()
    )
    if attachment is None:
        raise Http404
    return access, attachment


def access_vendor(
    user: Any,
    org_slug: str,
    vendor_id: Any,
    perm: Perm = Perm.VIEW_REGISTER,
    *,
    token_roles: frozenset[str] | None = None,
) -> tuple[OrgAccess, Vendor]:
    """Vendors are shared by the installation; a member of any organisation may see them."""
    access = access_organisation(user, org_slug, perm, token_roles=token_roles)
    vendor = Vendor.objects.filter(pk=int_id(vendor_id)).first()
    if vendor is None:
        raise Http404
    return access, vendor
