"""API plumbing shared by every router: the NinjaAPI factory, authentication bases, pagination, and errors
as JSON problem details (RFC 9457) that name each invalid field.

Domain apps bring the concrete authentication (tokens belong to `organisations`); nothing here imports a
domain app.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, URLResolver
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError, to_json

PROBLEM = "application/problem+json"
MAX_PAGE_SIZE = 100
# Offsets beyond this are refused rather than sent to the database (SQLite integers overflow at 2**63).
MAX_OFFSET = 1_000_000_000
_PARAM_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
# Body parameters of our endpoints are all called `payload`; it is not part of a field's name.
_BODY_PARAM = "payload"


# Problem details ------------------------------------------------------------------------------------------


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """An error, as RFC 9457 problem details (media type application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


def problem_responses(*statuses: int) -> dict[int, type[Problem]]:
    """Error responses to declare on an operation, so the OpenAPI document lists them."""
    return dict.fromkeys(statuses, Problem)


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
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
        return [
            {"field": field, "message": " ".join(str(m) for e in errs for m in e.messages)}
            for field, errs in exc.error_dict.items()
        ]
    return [{"field": "", "message": " ".join(str(m) for m in exc.messages)}]


def _message(err: dict[str, Any]) -> str:
    """Pydantic's messages are English only; the common ones get a translated sentence."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind in ("date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return _("Enter a date (YYYY-MM-DD).")
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return _("Enter a date and time (ISO 8601).")
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"):
        return _("Enter a number.")
    simple = {
        "missing": _("This field is required."),
        "extra_forbidden": _("Unknown field."),
        "string_type": _("Enter text."),
        "list_type": _("Expected a list."),
        "dict_type": _("Expected an object."),
        "model_type": _("Expected an object."),
        "model_attributes_type": _("Expected an object."),
        "json_invalid": _("Malformed JSON."),
        "none_required": _("This field must be empty."),
    }
    if kind in simple:
        return simple[kind]
    with_ctx = {
        "string_too_long": _("Ensure this value has at most %(max_length)s characters."),
        "string_too_short": _("Ensure this value has at least %(min_length)s characters."),
        "too_long": _("Ensure this list has at most %(max_length)s items."),
        "greater_than_equal": _("Ensure this value is greater than or equal to %(ge)s."),
        "greater_than": _("Ensure this value is greater than %(gt)s."),
        "less_than_equal": _("Ensure this value is less than or equal to %(le)s."),
        "less_than": _("Ensure this value is less than %(lt)s."),
        "literal_error": _("Unknown value. Allowed: %(expected)s."),
        "enum": _("Unknown value. Allowed: %(expected)s."),
        "decimal_max_digits": _("Ensure there are no more than %(max_digits)s digits in total."),
        "decimal_max_places": _("Ensure there are no more than %(decimal_places)s decimal places."),
        "decimal_whole_digits": _(
            "Ensure there are no more than %(whole_digits)s digits before the decimal point."
        ),
    }
    if kind in with_ctx:
        try:
            return with_ctx[kind] % {k: str(v) for k, v in ctx.items()}
        except (KeyError, TypeError, ValueError):
            pass
    # Our own validators raise already translated messages; anything else keeps pydantic's text.
    return str(err.get("msg") or _("Invalid value."))


def _ninja_errors(exc: NinjaValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", [])]
        if loc and loc[0] in _PARAM_SOURCES:
            loc = loc[1:]
        if loc and loc[0] == _BODY_PARAM:
            loc = loc[1:]
        field = ".".join(loc)
        message = (
            _("The request body is missing.") if not field and err.get("type") == "missing" else _message(err)
        )
        errors.append({"field": field, "message": message})
    return errors


def reject_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters in text; refuse them as bad input instead of failing later.
    if "\x00" in value:
        raise PydanticCustomError("null_character", _("Null characters are not allowed."))
    return value


Text = Annotated[str, AfterValidator(reject_nul)]


# Request bodies -------------------------------------------------------------------------------------------


class UnsupportedMediaType(Exception):
    pass


class JsonParser(Parser):
    """JSON bodies must say they are JSON; anything else is answered with 415."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        # ninja also calls this with a bare request (no META) for JSON parts of multipart bodies.
        if request.META:
            media_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
            if media_type != "application/json" and not media_type.endswith("+json"):
                raise UnsupportedMediaType(media_type)
        data = json.loads(request.body)
        if not isinstance(data, dict):
            # A list or a string is valid JSON but not an object with fields.
            raise ValueError("expected a JSON object")
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        if data is request.GET:
            # An empty query parameter (a filter left on "any" in an HTML form) means its default.
            parsed = {key: value for key, value in parsed.items() if value not in ("", [])}
        return parsed


def _json_fallback(value: Any) -> Any:
    # Lazy translations and the few types pydantic-core does not know; anything else is a programming error.
    return DjangoJSONEncoder().default(value)


class FastJsonRenderer(JSONRenderer):
    """Encodes with pydantic-core (compiled): a page of 100 tools is encoded several times faster than with
    the standard library's json module. Same output types: ISO dates, decimals as strings, UTF-8."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return to_json(data, fallback=_json_fallback)


class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


# Authentication bases -------------------------------------------------------------------------------------


class BearerTokenAuth(HttpBearer, ABC):
    """`Authorization: Bearer <token>`. A client that sends a token means that token: an unknown or revoked
    one is refused with 401 instead of falling back to the session."""

    openapi_description = "Personal API token: Authorization: Bearer rvy_…"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        result = self.authenticate(request, raw.strip())
        if not result:
            raise AuthenticationError
        return result

    @abstractmethod
    def authenticate(self, request: HttpRequest, token: str) -> Any: ...


class CsrfSessionAuth(APIKeyCookie, ABC):
    """Django's session. Anonymous callers get 401 (not a CSRF refusal); logged-in ones must pass the CSRF
    check on unsafe methods, as a browser form would."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "Django session cookie (browser); unsafe methods need the X-CSRFToken header."

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfFailed
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    @abstractmethod
    def authenticate(self, request: HttpRequest, key: str | None) -> Any: ...


# Pagination -----------------------------------------------------------------------------------------------


class PageQuery(Schema):
    """Paging parameters; query schemas of list operations extend it with their filters."""

    limit: int = Field(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 100).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Number of items to skip.")


def _page_url(request: HttpRequest, offset: int, limit: int) -> str:
    params = request.GET.copy()
    params["offset"] = str(offset)
    params["limit"] = str(limit)
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()


def page_links(request: HttpRequest, page: PageQuery, count: int) -> dict[str, str | None]:
    """The `next` and `previous` addresses of a page (None at either end)."""
    return {
        "next": _page_url(request, page.offset + page.limit, page.limit)
        if page.offset + page.limit < count
        else None,
        "previous": _page_url(request, max(page.offset - page.limit, 0), page.limit)
        if page.offset > 0
        else None,
    }


T = TypeVar("T")


def paginate(
    request: HttpRequest, items: Any, page: PageQuery, serialise: Callable[[Any], T]
) -> dict[str, Any]:
    """`{count, next, previous, items}`: one query for the count and one for the page (for a queryset)."""
    count = len(items) if isinstance(items, Sequence) else items.count()
    rows = items[page.offset : page.offset + page.limit]
    return {"count": count, **page_links(request, page, count), "items": [serialise(row) for row in rows]}


# The API --------------------------------------------------------------------------------------------------

_STATUS_TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Authentication required"),
    403: gettext_lazy("Access refused"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    413: gettext_lazy("Request too large"),
    415: gettext_lazy("Unsupported media type"),
    422: gettext_lazy("Invalid data"),
    429: gettext_lazy("Too many requests"),
}


def _title(status: int) -> str:
    return str(_STATUS_TITLES.get(status, gettext_lazy("Error")))


class RevoyureApi(NinjaAPI):
    """NinjaAPI whose "method not allowed" answers are problem details too, given only to callers who may
    see the resource (an outsider learns nothing from a 405: they get the same 404 as for any other call)."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for entry in urls:
            if (
                isinstance(entry, URLPattern)
                and entry.name not in ("openapi-json", "openapi-view", "api-root")
                and not getattr(entry.callback, "_revoyure_wrapped", False)
            ):
                entry.callback = self._with_problem_405(entry.callback)
        return urls

    def _with_problem_405(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code != 405 or response.get("Content-Type", "").startswith(PROBLEM):
                return response
            refusal = self.authenticate_only(request)
            if refusal is not None:
                return refusal
            allowed = response.get("Allow", "")
            answer = problem(
                self,
                request,
                405,
                _title(405),
                _("This address accepts: %(methods)s.") % {"methods": allowed},
            )
            answer["Allow"] = allowed
            return answer

        wrapped.csrf_exempt = True  # type: ignore[attr-defined]  # ninja's auth checks CSRF itself
        wrapped._revoyure_wrapped = True  # type: ignore[attr-defined]
        return wrapped

    def authenticate_only(self, request: HttpRequest) -> HttpResponse | None:
        """Run the API-level authentication (and the organisation check it makes); a response if refused."""
        callbacks: Sequence[Callable[[HttpRequest], Any]] = (
            self.auth if isinstance(self.auth, Sequence) else []
        )
        for callback in callbacks:
            try:
                result = callback(request)
            except Exception as exc:
                return self.on_exception(request, exc)
            if result:
                return None
        return self.on_exception(request, AuthenticationError())


def build_api(auth: Sequence[Callable[[HttpRequest], Any]] | None = None) -> RevoyureApi:
    # The interactive docs page is off: ninja's Swagger page loads its scripts from a CDN with an inline
    # bootstrap script (and Swagger UI applies inline styles), which our strict CSP forbids. The OpenAPI
    # document itself is served and can be opened in any OpenAPI viewer.
    api = RevoyureApi(
        title="Revoyure API",
        version="1",
        description="Register of AI systems and digital work tools, and what follows from it. Errors are "
        "problem details (application/problem+json) naming each invalid field.",
        openapi_url="/openapi.json",
        docs_url=None,
        urls_namespace="api",
        parser=JsonParser(),
        renderer=FastJsonRenderer(),
        auth=list(auth) if auth else None,
    )

    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return problem(
            api, request, 422, _("Invalid data"), _("Some fields are invalid."), _ninja_errors(exc)
        )

    @api.exception_handler(DjangoValidationError)
    def on_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return problem(
            api, request, 422, _("Invalid data"), _("Some fields are invalid."), _django_errors(exc)
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(
            api, request, 404, _("Not found"), _("This resource does not exist or you cannot see it.")
        )

    @api.exception_handler(PermissionDenied)
    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(api, request, 403, _("Access refused"), _("Your role does not allow this action."))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            api,
            request,
            401,
            _("Authentication required"),
            _("Send a valid personal API token (Authorization: Bearer …) or log in."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="revoyure"'
        return response

    @api.exception_handler(CsrfFailed)
    def on_csrf(request: HttpRequest, exc: CsrfFailed) -> HttpResponse:
        return problem(
            api,
            request,
            403,
            _("Access refused"),
            _("CSRF check failed: send the X-CSRFToken header, or use an API token."),
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, UnsupportedMediaType):
            return problem(
                api,
                request,
                415,
                _title(415),
                _("Send the request body as application/json."),
                [{"field": "", "message": _("Send the request body as application/json.")}],
            )
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return problem(
                api,
                request,
                400,
                _("Malformed request"),
                _("The request body is not a JSON object."),
                [{"field": "", "message": _("The request body is not a JSON object.")}],
            )
        return problem(api, request, exc.status_code, _title(exc.status_code))

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem(api, request, 413, _title(413), _("The request body is too large."))

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return problem(api, request, 400, _("Bad request"), _("The request could not be understood."))

    @api.exception_handler(MultiPartParserError)
    def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return problem(api, request, 400, _("Malformed request"), _("The multipart body could not be read."))

    return api
