"""Small helpers shared by the organisation pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess, access_organisation, int_id

M = TypeVar("M", bound=Model)


def get_in_organisation(queryset: QuerySet[M], access: OrgAccess, pk: Any) -> M:
    """The object `pk` of `queryset` if it belongs to the organisation of `access`, else 404."""
    return get_in(queryset.filter(organisation=access.organisation), pk)


def get_in(queryset: QuerySet[M], pk: Any) -> M:
    """The object `pk` of `queryset` (already narrowed to a checked parent: a committee, a consultation,
    a panel…), else 404; a malformed id is a 404 too."""
    obj = queryset.filter(pk=int_id(pk)).first()
    if obj is None:
        raise Http404
    return obj


def confirm(
    request: HttpRequest,
    access: OrgAccess | None,
    *,
    title: str,
    message: str,
    button: str,
    cancel_url: str,
    status: int = 200,
) -> HttpResponse:
    """The page that asks before a destructive action; usable without JavaScript. With no `button`, it
    only explains why the action cannot be done."""
    return render(
        request,
        "organisations/confirm.html",
        {"access": access, "title": title, "message": message, "button": button, "cancel_url": cancel_url},
        status=status,
    )


class BadPage(ValueError):
    pass


def paginate(object_list: Any, page_number: int | None, per_page: int) -> Page:
    """The requested page; a page past the end is an error for the caller to answer with a 400."""
    paginator = Paginator(object_list, per_page)
    try:
        return paginator.page(page_number or 1)
    except EmptyPage as exc:
        raise BadPage(
            ngettext(
                "This page does not exist (there is %(count)d page).",
                "This page does not exist (there are %(count)d pages).",
                paginator.num_pages,
            )
            % {"count": paginator.num_pages}
        ) from exc


def bad_query(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "core/error.html", {"title": _("Bad request"), "message": message}, status=400)


def posted(request: HttpRequest) -> Any:
    """The submitted data, or None for a GET. An empty POST still binds the form (`posted(request)`
    would show an empty submission as a fresh form instead of refusing it)."""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def saved(
    request: HttpRequest,
    form: Any,
    write: Callable[[dict[str, Any]], Any],
    put_errors: Callable[[Any, ValidationError], None] | None = None,
) -> bool:
    """The usual form page: True when the form was POSTed valid and `write(cleaned_data)` (a service)
    succeeded; a ValidationError from the service is put on the form (by `put_errors`, by default
    `organisations.forms.apply_errors`), which the page shows again with `form_status(request)` (400 after
    a POST)."""
    from revoyure.organisations.forms import apply_errors

    if request.method != "POST" or not form.is_valid():
        return False
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        (put_errors or apply_errors)(form, exc)
        return False
    return True


def form_status(request: HttpRequest) -> int:
    """A form page shown again after a POST is a refused submission."""
    return 400 if request.method == "POST" else 200


def confirmed(request: HttpRequest) -> bool:
    """A destructive action runs only on the confirmation page's own submission, never on any POST."""
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def refuse_writes(request: HttpRequest) -> HttpResponse | None:
    """For read-only pages: the answer to any method but GET/HEAD (after the access check, so that an
    outsider still gets 404)."""
    if request.method in ("GET", "HEAD"):
        return None
    return HttpResponseNotAllowed(["GET", "HEAD"])


def require_methods(*methods: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Like Django's `require_http_methods`, for organisation pages: a wrong method answers 405 to members
    only; anyone else gets the 404 the page itself would give, so an address reveals nothing to outsiders."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method not in methods:
                access_organisation(request.user, kwargs["org"], Perm.VIEW_TRANSPARENCY)
                return HttpResponseNotAllowed(methods)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
