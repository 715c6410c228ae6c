"""Pages of the watched feeds: an organisation's (those who see its review clauses read them, those who
manage them write) and the installation's (the platform administrator's only; 404 for anyone else).

Issue 6 §2: « watching RSS/Atom feeds of vendors and regulators configured per vendor or globally ». Views
are thin: a form, a service (services_feeds), a page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.forms import apply_errors
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import (
    bad_query,
    confirm,
    confirmed,
    get_in,
    posted,
    require_methods,
)
from revoyure.reviews import feeds, services_feeds, triggers
from revoyure.reviews.forms_feeds import FeedForm
from revoyure.reviews.models import FeedSource


def _org_feeds(access: OrgAccess) -> QuerySet[FeedSource]:
    return FeedSource.objects.filter(organisation=access.organisation).select_related("vendor")


def _platform_feeds() -> QuerySet[FeedSource]:
    return FeedSource.objects.filter(organisation__isnull=True).select_related("vendor")


def _rows(queryset: QuerySet[FeedSource]) -> list[dict[str, Any]]:
    # The kind's label comes from triggers.yaml (no query): the page costs the same whatever the rows.
    return [
        {"feed": feed, "kind": (triggers.get(feed.kind).label if triggers.get(feed.kind) else feed.kind)}  # type: ignore[union-attr]
        for feed in queryset.order_by("title", "pk")
    ]


def _fetch_message(request: HttpRequest, result: feeds.FetchResult) -> None:
    if result.status == feeds.STATUS_ERROR:
        messages.error(request, _("The feed could not be read: %(error)s") % {"error": result.error})
    elif result.status == feeds.STATUS_NOT_MODIFIED:
        messages.info(request, _("The feed has not changed since it was last read."))
    else:
        messages.success(
            request,
            ngettext(
                "The feed was read: %(count)d new event awaits confirmation.",
                "The feed was read: %(count)d new events await confirmation.",
                result.created,
            )
            % {"count": result.created},
        )


def _save(form: FeedForm, request: HttpRequest, feed: FeedSource | None, organisation: Any) -> bool:
    """Validate the form and call the service; True when saved (errors are on the form otherwise)."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if feed is None:
            services_feeds.create_feed(organisation=organisation, actor=request.user, **data)
        else:
            services_feeds.update_feed(feed, request.user, **data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    return True


# An organisation's feeds --------------------------------------------------------------------------------


def _list_url(access: OrgAccess) -> str:
    return reverse("reviews:feed_list", kwargs={"org": access.organisation.slug})


@login_required
@require_methods("GET", "HEAD")
def feed_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    return render(
        request,
        "reviews/feed_list.html",
        {
            "access": access,
            "rows": _rows(_org_feeds(access)),
            "can_manage": access.can(Perm.MANAGE_REVIEWS),
        },
    )


def _org_form_page(request: HttpRequest, org: str, feed_id: Any = None) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    feed = get_in(_org_feeds(access), feed_id) if feed_id is not None else None
    form = FeedForm(posted(request), initial=FeedForm.initial_for(feed) if feed else None)
    if request.method == "POST" and _save(form, request, feed, access.organisation):
        messages.success(request, _("The feed is saved."))
        return redirect(_list_url(access))
    return render(
        request,
        "reviews/feed_form.html",
        {"access": access, "feed": feed, "form": form, "cancel_url": _list_url(access)},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_methods("GET", "POST")
def feed_new(request: HttpRequest, org: str) -> HttpResponse:
    return _org_form_page(request, org)


@login_required
@require_methods("GET", "POST")
def feed_edit(request: HttpRequest, org: str, feed_id: int) -> HttpResponse:
    return _org_form_page(request, org, feed_id)


@login_required
@require_methods("GET", "POST")
def feed_delete(request: HttpRequest, org: str, feed_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    feed = get_in(_org_feeds(access), feed_id)
    if not confirmed(request):
        return _confirm_delete(request, access, feed, _list_url(access))
    services_feeds.delete_feed(feed, request.user)
    messages.success(request, _("The feed is deleted; the events it brought stay."))
    return redirect(_list_url(access))


@login_required
@require_methods("POST")
def feed_fetch_now(request: HttpRequest, org: str, feed_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    feed = get_in(_org_feeds(access), feed_id)
    if not confirmed(request):  # only the list's own button fetches (never any stray POST)
        return bad_query(request, _("Use the “Fetch now” button of the list of feeds."))
    _fetch_message(request, services_feeds.fetch_now(feed, request.user))
    return redirect(_list_url(access))


def _confirm_delete(
    request: HttpRequest, access: OrgAccess | None, feed: FeedSource, cancel: str
) -> HttpResponse:
    return confirm(
        request,
        access,
        title=_("Delete the feed “%(title)s”?") % {"title": feed.title},
        message=_("It is no longer watched. The events it brought stay, and so does its history."),
        button=_("Delete"),
        cancel_url=cancel,
        status=400 if request.method == "POST" else 200,
    )


# The installation's feeds (platform administrator) ---------------------------------------------------------


def platform_only(*methods: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The page exists only for the platform administrator: anyone else gets 404, whatever the method (a
    405 would tell them the address exists); then a wrong method is a 405."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_superuser:
                raise Http404
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


_PLATFORM_LIST = "reviews:platform_feed_list"


@platform_only("GET", "HEAD")
def platform_feed_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/platform_feed_list.html", {"rows": _rows(_platform_feeds())})


def _platform_form_page(request: HttpRequest, feed_id: Any = None) -> HttpResponse:
    feed = get_in(_platform_feeds(), feed_id) if feed_id is not None else None
    form = FeedForm(posted(request), initial=FeedForm.initial_for(feed) if feed else None)
    if request.method == "POST" and _save(form, request, feed, None):
        messages.success(request, _("The feed is saved."))
        return redirect(_PLATFORM_LIST)
    return render(
        request,
        "reviews/platform_feed_form.html",
        {"feed": feed, "form": form, "cancel_url": reverse(_PLATFORM_LIST)},
        status=400 if form.is_bound else 200,
    )


@platform_only("GET", "POST")
def platform_feed_new(request: HttpRequest) -> HttpResponse:
    return _platform_form_page(request)


@platform_only("GET", "POST")
def platform_feed_edit(request: HttpRequest, feed_id: int) -> HttpResponse:
    return _platform_form_page(request, feed_id)


@platform_only("GET", "POST")
def platform_feed_delete(request: HttpRequest, feed_id: int) -> HttpResponse:
    feed = get_in(_platform_feeds(), feed_id)
    if not confirmed(request):
        return _confirm_delete(request, None, feed, reverse(_PLATFORM_LIST))
    services_feeds.delete_feed(feed, request.user)
    messages.success(request, _("The feed is deleted; the events it brought stay."))
    return redirect(_PLATFORM_LIST)


@platform_only("POST")
def platform_feed_fetch_now(request: HttpRequest, feed_id: int) -> HttpResponse:
    feed = get_in(_platform_feeds(), feed_id)
    if not confirmed(request):
        return bad_query(request, _("Use the “Fetch now” button of the list of feeds."))
    _fetch_message(request, services_feeds.fetch_now(feed, request.user))
    return redirect(_PLATFORM_LIST)
