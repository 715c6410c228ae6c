"""API plumbing shared by every router: the NinjaAPI factory and errors as JSON problem details
(RFC 9457) that name each invalid field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

PROBLEM = "application/problem+json"


def problem(api: NinjaAPI, request: HttpRequest, status: int, title: str, detail: str = "",
            errors: list[dict[str, str]] | None = None) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM
    return response


def _django_errors(exc: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [{"field": field, "message": " ".join(str(m) for e in errs for m in e.messages)}
                for field, errs in exc.error_dict.items()]
    return [{"field": "", "message": " ".join(str(m) for m in exc.messages)}]


def _ninja_errors(exc: NinjaValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        errors.append({"field": ".".join(loc), "message": str(err.get("msg", _("Invalid value.")))})
    return errors


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Revoyure API",
        version="1",
        description="Register of AI systems and digital work tools, and what follows from it.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        urls_namespace="api",
    )

    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return problem(api, request, 422, _("Invalid data"), _("Some fields are invalid."), _ninja_errors(exc))

    @api.exception_handler(DjangoValidationError)
    def on_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return problem(api, request, 422, _("Invalid data"), _("Some fields are invalid."), _django_errors(exc))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(api, request, 404, _("Not found"))

    @api.exception_handler(PermissionDenied)
    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(api, request, 403, _("Access refused"), _("Your role does not allow this action."))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(api, request, 401, _("Authentication required"),
                           _("Send a personal API token (Authorization: Bearer …) or log in."))
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(api, request, exc.status_code, str(exc))

    return api
