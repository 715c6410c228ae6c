"""Views shared by every page: error pages, the minimal reference view used by the benchmark."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def ping(request: HttpRequest) -> HttpResponse:
    """The smallest view behind the full middleware stack: the benchmark's reference."""
    return HttpResponse("ok", content_type="text/plain")


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"title": title, "status": status, "detail": message},
            status=status,
            content_type="application/problem+json",
        )
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 403, _("Access refused"), _("Your role does not allow this action."))


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 404, _("Page not found"), _("This page does not exist or you cannot see it."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request, 500, _("Server error"), _("Something went wrong on our side. Please try again later.")
    )


def ratelimited(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(
        request, 429, _("Too many attempts"), _("Too many attempts. Wait a few minutes and try again.")
    )
