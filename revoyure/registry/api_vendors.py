"""API: vendors. They are shared by every organisation of the installation, but reached through an
organisation (`/organisations/{slug}/vendors…`) so that the caller's access and role are checked there."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from revoyure.core.api import paginate, problem_responses
from revoyure.core.permissions import Perm
from revoyure.organisations.api import api_auth, caller
from revoyure.registry import services
from revoyure.registry.access import access_vendor
from revoyure.registry.models import Vendor, VendorNote
from revoyure.registry.schemas import VendorCreateIn, VendorDetailOut, VendorPage, VendorPatchIn, VendorQuery

router = Router(tags=["vendors"])

_READ_ERRORS = problem_responses(401, 403, 404, 422)
_WRITE_ERRORS = problem_responses(400, 401, 403, 404, 415, 422)
_VENDOR_OUT_FIELDS = (
    "id",
    "name",
    "country",
    "in_eu",
    "alert_contact_email",
    "website",
    "description",
    "created_at",
)


def vendor_data(vendor: Vendor) -> dict[str, Any]:
    return {name: getattr(vendor, name) for name in _VENDOR_OUT_FIELDS}


def _vendor_detail(vendor: Vendor, organisation_id: int) -> dict[str, Any]:
    note = VendorNote.objects.filter(vendor=vendor, organisation_id=organisation_id).values_list(
        "text", flat=True
    )
    return {**vendor_data(vendor), "note": note.first() or ""}


@router.get(
    "/organisations/{slug}/vendors",
    response={200: VendorPage, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REGISTER),
    summary="List the shared vendors",
)
def list_vendors(request: HttpRequest, slug: str, filters: Query[VendorQuery]) -> dict[str, Any]:
    vendors = Vendor.objects.order_by("name", "id")
    if filters.q:
        vendors = vendors.filter(name__icontains=filters.q)
    return paginate(request, vendors, filters, vendor_data)


@router.post(
    "/organisations/{slug}/vendors",
    response={201: VendorDetailOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.EDIT_REGISTER),
    summary="Register a vendor",
)
def create_vendor(request: HttpRequest, slug: str, payload: VendorCreateIn) -> Status[dict[str, Any]]:
    who = caller(request)
    organisation = who.organisation_access.organisation
    values = payload.model_dump(exclude_unset=True)
    reason = values.pop("reason", "")
    vendor = services.create_vendor(who.user, values, organisation_id=organisation.pk, reason=reason)
    return Status(201, _vendor_detail(vendor, organisation.pk))


@router.get(
    "/organisations/{slug}/vendors/{vendor_id}",
    response={200: VendorDetailOut, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REGISTER),
    summary="Read a vendor (with the organisation's own note)",
)
def get_vendor(request: HttpRequest, slug: str, vendor_id: int) -> dict[str, Any]:
    who = caller(request)
    access, vendor = access_vendor(who.user, slug, vendor_id, Perm.VIEW_REGISTER, token_roles=who.token_roles)
    return _vendor_detail(vendor, access.organisation.pk)


@router.patch(
    "/organisations/{slug}/vendors/{vendor_id}",
    response={200: VendorDetailOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.EDIT_REGISTER),
    summary="Change a vendor (reason required)",
)
def update_vendor(request: HttpRequest, slug: str, vendor_id: int, payload: VendorPatchIn) -> dict[str, Any]:
    who = caller(request)
    access, vendor = access_vendor(who.user, slug, vendor_id, Perm.EDIT_REGISTER, token_roles=who.token_roles)
    values = payload.model_dump(exclude_unset=True)
    reason = values.pop("reason", "")
    vendor = services.update_vendor(vendor, who.user, values, reason, organisation_id=access.organisation.pk)
    return _vendor_detail(vendor, access.organisation.pk)
