"""Register pages. (Being built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from revoyure.core.permissions import Perm
from revoyure.organisations.views import org_context


def tool_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REGISTER)
    tools = access.organisation.tools.select_related("vendor").order_by("name")[:50]
    return render(request, "registry/tool_list.html", {"tools": tools, "access": access})
