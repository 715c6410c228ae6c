"""Template context shared by every page: the organisation menu, filled by views through
`request.nav_organisation` and `request.nav_items` (see organisations.views.OrgNavMixin)."""

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {
        "nav_organisation": getattr(request, "nav_organisation", None),
        "nav_items": getattr(request, "nav_items", []),
    }
