"""Helpers shared by the register pages: access with the organisation menu, pagination."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.views import with_menu
from revoyure.organisations.views_helpers import require_methods  # noqa: F401 - used by the register views
from revoyure.registry.access import access_attachment, access_tool, access_vendor
from revoyure.registry.models import Attachment, Tool, Vendor


def tool_context(request: HttpRequest, org: str, tool_id: Any, perm: Perm) -> tuple[OrgAccess, Tool]:
    access, tool = access_tool(request.user, org, tool_id, perm)
    return with_menu(request, access), tool


def attachment_context(
    request: HttpRequest, org: str, attachment_id: Any, perm: Perm
) -> tuple[OrgAccess, Attachment]:
    access, attachment = access_attachment(request.user, org, attachment_id, perm)
    return with_menu(request, access), attachment


def vendor_context(request: HttpRequest, org: str, vendor_id: Any, perm: Perm) -> tuple[OrgAccess, Vendor]:
    access, vendor = access_vendor(request.user, org, vendor_id, perm)
    return with_menu(request, access), vendor


def paginate(queryset: Any, per_page: int, number: Any) -> Page[Any]:
    """A page in SQL (LIMIT/OFFSET). A page number that is not a number, or out of range, is clamped to the
    first or last page rather than refused: a stale link still shows something useful."""
    return Paginator(queryset, per_page).get_page(number)


def is_partial(request: HttpRequest) -> bool:
    """An htmx request that wants only a fragment (not a history restore, which needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # The same address answers a whole page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
