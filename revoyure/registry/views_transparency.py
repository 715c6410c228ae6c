"""The staff transparency page (Code du travail L1222-4): in plain words, each tool in use, what it does, why,
which data, whether it can monitor activity, what it means for staff, their rights and whom to contact.

The public version shows exactly the same content, and only when the organisation has switched it on."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from revoyure.core.permissions import Perm
from revoyure.organisations.models import Organisation
from revoyure.organisations.views import org_context
from revoyure.registry.choices import IN_USE_STATUSES
from revoyure.registry.models import Tool
from revoyure.registry.views_common import require_methods

# What the page shows, and nothing else: the public version must never disclose more than staff see (no
# owner names, no costs, no contracts).
TRANSPARENCY_COLUMNS = (
    "id",
    "name",
    "status",
    "is_ai_system",
    "function",
    "purpose",
    "personal_data",
    "personal_data_categories",
    "can_monitor_activity",
    "monitoring_details",
    "decision_role",
    "staff_impact",
    "staff_contact",
)


def tools_in_use(organisation: Organisation) -> QuerySet[Tool]:
    return (
        Tool.objects.filter(organisation=organisation, status__in=IN_USE_STATUSES)
        .only(*TRANSPARENCY_COLUMNS)
        .order_by("name", "id")
    )


def _context(organisation: Organisation) -> dict[str, Any]:
    return {"organisation": organisation, "tools": tools_in_use(organisation)}


@login_required
@require_methods("GET")
def transparency(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_TRANSPARENCY)
    context = {**_context(access.organisation), "access": access}
    return render(request, "registry/transparency.html", context)


@require_GET
def public_transparency(request: HttpRequest, org: str) -> HttpResponse:
    organisation = Organisation.objects.filter(slug=str(org)[:60], transparency_public=True).first()
    if organisation is None:
        raise Http404
    return render(request, "registry/public_transparency.html", _context(organisation))
