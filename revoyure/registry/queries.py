"""Reading the register: the one filter/sort/search used by the web list, the API and the exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import IntegerField, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest

from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool
from revoyure.registry.search import apply_search

# Sort keys offered to users, mapped to ORDER BY clauses (the id makes pagination stable).
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "status": ("status", "name", "id"),
    "risk": ("highest_risk_level", "name", "id"),
    "-risk": ("-highest_risk_level", "name", "id"),
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class ToolFilters:
    """Already validated filter values (by a form or an API schema). Empty means 'any'."""

    status: str = ""
    domain_category: str = ""
    risk: int | None = None
    vendor: int | None = None
    is_ai_system: str = ""
    can_monitor_activity: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT


def tools_of(organisation: Organisation) -> QuerySet[Tool]:
    zero = Value(0, output_field=IntegerField())
    return (
        Tool.objects.filter(organisation=organisation)
        .select_related("vendor")
        .annotate(
            highest_risk_level=Greatest(
                Coalesce("risk_fundamental_rights", zero),
                Coalesce("risk_health", zero),
                Coalesce("risk_safety", zero),
            )
        )
    )


def filter_tools(queryset: QuerySet[Tool], filters: ToolFilters) -> QuerySet[Tool]:
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.domain_category:
        queryset = queryset.filter(domain_category=filters.domain_category)
    if filters.risk is not None:
        queryset = queryset.filter(**{"highest_risk_level": filters.risk})  # an annotation (tools_of)
    if filters.vendor is not None:
        queryset = queryset.filter(vendor_id=filters.vendor)
    if filters.is_ai_system:
        queryset = queryset.filter(is_ai_system=filters.is_ai_system)
    if filters.can_monitor_activity:
        queryset = queryset.filter(can_monitor_activity=filters.can_monitor_activity)
    queryset = apply_search(queryset, filters.q)
    return queryset.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def list_tools(organisation: Organisation, filters: ToolFilters | None = None) -> QuerySet[Tool]:
    return filter_tools(tools_of(organisation), filters or ToolFilters())
