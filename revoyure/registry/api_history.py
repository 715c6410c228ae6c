"""API: a tool's history — every version with its author, date, reason and field-level changes, and any
version as it was."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router

from revoyure.core.api import PageQuery, page_links, problem_responses
from revoyure.core.permissions import Perm
from revoyure.organisations.api import api_auth, caller
from revoyure.registry.access import access_tool
from revoyure.registry.api_tools import tool_data, vendor_ref
from revoyure.registry.models import Vendor
from revoyure.registry.schemas import HistoricalToolOut, HistoryPage

router = Router(tags=["history"])

_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# Bookkeeping columns that are not part of the record a person edits.
_NOT_DIFFED = ["organisation"]


def _user_label(record: Any) -> str | None:
    user = record.history_user
    return getattr(user, "email", None) if user is not None else None


def _entries(records: list[Any], predecessor: Any) -> list[dict[str, Any]]:
    """Each record with its changes against the version before it (`records` newest first; `predecessor`
    is the version just older than the last one, if any)."""
    older = [*records[1:], predecessor]
    diffs = [
        record.diff_against(old, excluded_fields=_NOT_DIFFED) if old is not None else None
        for record, old in zip(records, older, strict=True)
    ]
    vendor_ids = {
        value
        for diff in diffs
        if diff
        for change in diff.changes
        if change.field == "vendor"
        for value in (change.old, change.new)
        if value is not None
    }
    vendors = {v.pk: v for v in Vendor.objects.filter(pk__in=vendor_ids)} if vendor_ids else {}

    def shown(field: str, value: Any) -> Any:
        return vendor_ref(vendors.get(value)) if field == "vendor" and value is not None else value

    return [
        {
            "history_id": record.history_id,
            "date": record.history_date,
            "type": _HISTORY_TYPES.get(record.history_type, "changed"),
            "user": _user_label(record),
            "reason": record.history_change_reason,
            "changes": [
                {"field": c.field, "old": shown(c.field, c.old), "new": shown(c.field, c.new)}
                for c in diff.changes
            ]
            if diff
            else [],
        }
        for record, diff in zip(records, diffs, strict=True)
    ]


@router.get(
    "/organisations/{slug}/tools/{tool_id}/history",
    response={200: HistoryPage, **problem_responses(401, 403, 404, 422)},
    auth=api_auth(Perm.VIEW_REGISTER),
    summary="A tool's versions, newest first, with what changed",
)
def list_tool_history(
    request: HttpRequest, slug: str, tool_id: int, page: Query[PageQuery]
) -> dict[str, Any]:
    who = caller(request)
    _access, tool = access_tool(who.user, slug, tool_id, Perm.VIEW_REGISTER, token_roles=who.token_roles)
    versions = tool.history.select_related("history_user").order_by("-history_date", "-history_id")
    count = versions.count()
    # One more row than the page: the oldest version on the page is compared with the one before it.
    rows = list(versions[page.offset : page.offset + page.limit + 1])
    records, predecessor = rows[: page.limit], (rows[page.limit] if len(rows) > page.limit else None)
    return {"count": count, **page_links(request, page, count), "items": _entries(records, predecessor)}


@router.get(
    "/organisations/{slug}/tools/{tool_id}/history/{history_id}",
    response={200: HistoricalToolOut, **problem_responses(401, 403, 404, 422)},
    auth=api_auth(Perm.VIEW_REGISTER),
    summary="A tool as it was in one version",
)
def get_tool_version(request: HttpRequest, slug: str, tool_id: int, history_id: int) -> dict[str, Any]:
    who = caller(request)
    _access, tool = access_tool(who.user, slug, tool_id, Perm.VIEW_REGISTER, token_roles=who.token_roles)
    if not 0 < history_id < 2**63:
        raise Http404
    record = tool.history.select_related("history_user").filter(history_id=history_id).first()
    if record is None:
        raise Http404
    as_it_was = record.instance
    vendor = Vendor.objects.filter(pk=as_it_was.vendor_id).first() if as_it_was.vendor_id else None
    return {
        **tool_data(as_it_was, slug, vendor=vendor),
        "history_id": record.history_id,
        "history_date": record.history_date,
        "history_user": _user_label(record),
        "history_reason": record.history_change_reason,
    }
