"""A tool's history: every version with who, when, why and what changed; two versions side by side."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.registry.diff import compare_versions, vendor_names_for, version_entries
from revoyure.registry.forms import CompareForm
from revoyure.registry.models import Tool
from revoyure.registry.views_common import require_methods, tool_context

VERSIONS_PER_PAGE = 50
_NEWEST_FIRST = ("-history_date", "-history_id")


def _versions(tool: Tool) -> QuerySet[Any]:
    # Only this tool's versions: the tool itself was found through the organisation, so another
    # organisation's history can never be reached from here.
    return tool.history.order_by(*_NEWEST_FIRST)


def _version_choices(tool: Tool) -> list[tuple[int, str]]:
    """(history id, label) of every version, newest first, for the comparison form."""
    rows = list(_versions(tool).values_list("history_id", "history_date"))
    total = len(rows)
    return [
        (
            history_id,
            _("Version %(number)d — %(date)s")
            % {
                "number": total - position,
                "date": formats.date_format(timezone.localtime(date), "SHORT_DATETIME_FORMAT"),
            },
        )
        for position, (history_id, date) in enumerate(rows)
    ]


@login_required
@require_methods("GET")
def tool_history(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.VIEW_REGISTER)
    versions = _versions(tool).select_related("history_user")
    page = Paginator(versions, VERSIONS_PER_PAGE).get_page(request.GET.get("page"))
    offset = (page.number - 1) * VERSIONS_PER_PAGE
    # One more than the page holds: the last version of the page is compared with the one before it.
    fetched = list(versions[offset : offset + VERSIONS_PER_PAGE + 1])
    records, older = (
        fetched[:VERSIONS_PER_PAGE],
        (fetched[VERSIONS_PER_PAGE] if len(fetched) > VERSIONS_PER_PAGE else None),
    )
    entries = version_entries(records, older, page.paginator.count - offset, vendor_names_for(fetched))
    choices = _version_choices(tool)
    initial = {"b": choices[0][0], "a": choices[1][0]} if len(choices) > 1 else {}
    context = {
        "access": access,
        "tool": tool,
        "page": page,
        "entries": entries,
        "compare_form": CompareForm(initial=initial, versions=choices) if len(choices) > 1 else None,
    }
    return render(request, "registry/tool_history.html", context)


def _history_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise Http404 from exc
    if not 0 < number < 2**63:
        raise Http404
    return number


@login_required
@require_methods("GET")
def tool_compare(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.VIEW_REGISTER)
    choices = _version_choices(tool)
    context: dict[str, Any] = {"access": access, "tool": tool}
    raw_a, raw_b = request.GET.get("a", "").strip(), request.GET.get("b", "").strip()
    if not raw_a or not raw_b:
        form = CompareForm(request.GET, versions=choices)
        form.is_valid()  # only to show which version is missing
        return render(request, "registry/tool_compare.html", {**context, "compare_form": form}, status=400)
    wanted = {_history_id(raw_a), _history_id(raw_b)}
    found = {
        record.history_id: record
        for record in _versions(tool).filter(history_id__in=wanted).select_related("history_user")
    }
    if set(found) != wanted:
        raise Http404
    ordered = sorted(found.values(), key=lambda record: (record.history_date, record.history_id))
    old, new = ordered[0], ordered[-1]  # the same version twice compares it with itself
    labels = dict(choices)
    context.update(
        {
            "old": old,
            "new": new,
            "old_label": labels.get(old.history_id, ""),
            "new_label": labels.get(new.history_id, ""),
            "groups": compare_versions(old, new, vendor_names_for([old, new])),
            "compare_form": CompareForm(initial={"a": old.history_id, "b": new.history_id}, versions=choices),
        }
    )
    return render(request, "registry/tool_compare.html", context)
