"""API: the register's tools (list with the web list's filters, create, read, update with a reason,
change status). Every write goes through `registry.services`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from revoyure.core.api import paginate, problem_responses
from revoyure.core.permissions import Perm
from revoyure.organisations.api import ApiCaller, api_auth, caller
from revoyure.registry import queries, services
from revoyure.registry.access import access_tool
from revoyure.registry.fields import STRUCTURED_LIST_FIELDS
from revoyure.registry.models import Tool, Vendor
from revoyure.registry.schemas import (
    PLAIN_TOOL_FIELDS,
    StatusChangeIn,
    ToolCreateIn,
    ToolOut,
    ToolPage,
    ToolPatchIn,
    ToolQuery,
)

router = Router(tags=["tools"])

_READ_ERRORS = problem_responses(401, 403, 404, 422)
_WRITE_ERRORS = problem_responses(400, 401, 403, 404, 415, 422)


def vendor_ref(vendor: Vendor | None) -> dict[str, Any] | None:
    return {"id": vendor.pk, "name": vendor.name} if vendor is not None else None


_LOADED: Any = object()


def tool_data(tool: Tool, organisation_slug: str, vendor: Vendor | None = _LOADED) -> dict[str, Any]:
    """The API representation of a tool, built from already loaded values: no query for a tool loaded with
    `select_related("vendor")`, or when its `vendor` is given."""
    data = {name: getattr(tool, name) for name in PLAIN_TOOL_FIELDS}
    data["id"] = tool.pk
    data["organisation"] = organisation_slug
    data["created_at"] = tool.created_at
    data["highest_risk"] = tool.highest_risk
    if vendor is _LOADED:
        vendor = tool.vendor if tool.vendor_id else None
    data["vendor"] = vendor_ref(vendor)
    return data


# A page of the list reads plain rows (`values()`), not model instances: for 100 tools of some 80 columns,
# building the instances cost more than the query. `tool_data` gives the same representation from a tool.
_PAGE_COLUMNS = (*PLAIN_TOOL_FIELDS, "id", "created_at", "highest_risk_level", "vendor_id", "vendor__name")


def _page_item(row: dict[str, Any], organisation_slug: str) -> dict[str, Any]:
    vendor_id, vendor_name = row.pop("vendor_id"), row.pop("vendor__name")
    row["vendor"] = {"id": vendor_id, "name": vendor_name} if vendor_id is not None else None
    # `Tool.highest_risk`: the annotation counts a missing level as 0, the API says null.
    row["highest_risk"] = row.pop("highest_risk_level") or None
    row["organisation"] = organisation_slug
    return row


def _write_values(payload: Any) -> dict[str, Any]:
    """The fields the client sent (and only those), as the services expect them."""
    values: dict[str, Any] = payload.model_dump(exclude_unset=True)
    structured = STRUCTURED_LIST_FIELDS & set(values)
    if structured:
        # The structured-list cleaners take JSON values (dates as ISO text), as the importer gives them.
        values.update(payload.model_dump(mode="json", include=structured))
    return values


def _take_vendor(values: dict[str, Any], who: ApiCaller) -> None:
    """Replace `vendor_id` / `vendor_name` by the `vendor` register field. A new name registers a vendor;
    the caller's transaction makes that undone if the tool is refused."""
    sent = "vendor_id" in values or "vendor_name" in values
    vendor_id, vendor_name = values.pop("vendor_id", None), values.pop("vendor_name", None)
    if vendor_id is not None and vendor_name:
        raise ValidationError({"vendor_id": _("Give the vendor by id or by name, not both.")})
    if vendor_id is not None:
        vendor = Vendor.objects.filter(pk=vendor_id).first()
        if vendor is None:
            raise ValidationError({"vendor_id": _("There is no vendor with this id.")})
        values["vendor"] = vendor
    elif vendor_name:
        organisation_id = who.organisation_access.organisation.pk
        try:
            values["vendor"] = services.get_or_create_vendor(
                who.user, vendor_name, organisation_id=organisation_id
            )
        except ValidationError as exc:
            raise ValidationError({"vendor_name": exc.messages}) from exc
    elif sent:  # null or empty: the tool has no vendor
        values["vendor"] = None


@router.get(
    "/organisations/{slug}/tools",
    response={200: ToolPage, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REGISTER),
    summary="List the register's tools",
)
def list_tools(request: HttpRequest, slug: str, filters: Query[ToolQuery]) -> dict[str, Any]:
    """The same filters, sort and French search as the web list; pages of at most 100 tools."""
    organisation = caller(request).organisation_access.organisation
    tool_filters = queries.ToolFilters(
        status=filters.status or "",
        domain_category=filters.domain_category or "",
        risk=filters.risk,
        vendor=filters.vendor,
        is_ai_system=filters.is_ai_system or "",
        can_monitor_activity=filters.can_monitor_activity or "",
        q=filters.q,
        sort=filters.sort,
    )
    rows = queries.list_tools(organisation, tool_filters).values(*_PAGE_COLUMNS)
    return paginate(request, rows, filters, lambda row: _page_item(row, organisation.slug))


@router.post(
    "/organisations/{slug}/tools",
    response={201: ToolOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.EDIT_REGISTER),
    summary="Register a tool",
)
def create_tool(request: HttpRequest, slug: str, payload: ToolCreateIn) -> Status[dict[str, Any]]:
    who = caller(request)
    organisation = who.organisation_access.organisation
    values = _write_values(payload)
    reason = values.pop("reason", "")
    with transaction.atomic():
        _take_vendor(values, who)
        tool = services.create_tool(organisation, who.user, values, reason, source="api")
    return Status(201, tool_data(tool, organisation.slug))


@router.get(
    "/organisations/{slug}/tools/{tool_id}",
    response={200: ToolOut, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REGISTER),
    summary="Read a tool",
)
def get_tool(request: HttpRequest, slug: str, tool_id: int) -> dict[str, Any]:
    who = caller(request)
    _access, tool = access_tool(who.user, slug, tool_id, Perm.VIEW_REGISTER, token_roles=who.token_roles)
    return tool_data(tool, slug)


@router.patch(
    "/organisations/{slug}/tools/{tool_id}",
    response={200: ToolOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.EDIT_REGISTER),
    summary="Change a tool's fields (reason required)",
)
def update_tool(request: HttpRequest, slug: str, tool_id: int, payload: ToolPatchIn) -> dict[str, Any]:
    """Only the fields sent are changed. Status and its dates change through `…/status`."""
    who = caller(request)
    _access, tool = access_tool(who.user, slug, tool_id, Perm.EDIT_REGISTER, token_roles=who.token_roles)
    values = _write_values(payload)
    reason = values.pop("reason", "")
    with transaction.atomic():
        _take_vendor(values, who)
        tool = services.update_tool(tool, who.user, values, reason, source="api")
    return tool_data(tool, slug)


@router.post(
    "/organisations/{slug}/tools/{tool_id}/status",
    response={200: ToolOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.EDIT_REGISTER),
    summary="Change a tool's status (reason required)",
)
def change_status(request: HttpRequest, slug: str, tool_id: int, payload: StatusChangeIn) -> dict[str, Any]:
    """Moves the tool along its lifecycle; every status gate (e.g. a pending consultation) applies."""
    who = caller(request)
    _access, tool = access_tool(who.user, slug, tool_id, Perm.EDIT_REGISTER, token_roles=who.token_roles)
    tool = services.change_status(
        tool, who.user, payload.status, payload.reason, on=payload.date, source="api"
    )
    return tool_data(tool, slug)
