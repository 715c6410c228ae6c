"""Organisation pages, the home page and the helper every organisation page uses to check access and
fill the menu."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from revoyure.core import navigation
from revoyure.core.permissions import Perm, has_permission
from revoyure.organisations.access import OrgAccess, access_organisation, organisations_of, roles_of
from revoyure.organisations.models import Organisation
from revoyure.organisations.views_helpers import require_methods


def with_menu(request: HttpRequest, access: OrgAccess) -> OrgAccess:
    """Fill the organisation menu (read by `core.context_processors.navigation`) for a checked access."""
    annotated: Any = request
    annotated.nav_organisation = access.organisation
    annotated.nav_items = navigation.items_for(access.organisation.slug, access.perms, request.path)
    return access


def org_context(request: HttpRequest, slug: str, perm: Perm) -> OrgAccess:
    """Check access (404 for outsiders, 403 for members without `perm`) and fill the organisation menu.
    Anonymous visitors are sent to the login page by `login_required` on each view."""
    return with_menu(request, access_organisation(request.user, slug, perm))


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    organisations = organisations_of(request.user)
    if len(organisations) == 1:
        return _start_page(request, organisations[0])
    return render(request, "organisations/home.html", {"organisations": organisations})


def _start_page(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    # An employee starts on the transparency page, not the register (core.permissions.MATRIX).
    if has_permission(roles_of(request.user, organisation), Perm.VIEW_REGISTER):
        return redirect("registry:tool_list", org=organisation.slug)
    return redirect("registry:transparency", org=organisation.slug)


@require_methods("GET", "HEAD")
@login_required
def organisation_start(request: HttpRequest, org: str) -> HttpResponse:
    """`/o/<org>/`: where a member of the organisation starts."""
    access = access_organisation(request.user, org, Perm.VIEW_TRANSPARENCY)
    return _start_page(request, access.organisation)
