"""Private calendar feeds: the page where a person creates (token shown once) and revokes their feed
URLs, and the feed itself, fetched by calendar programs without a session."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from revoyure.core.permissions import Perm
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import confirm, confirmed, int_id
from revoyure.qualification import calendar_feed
from revoyure.qualification.models import CalendarFeed


@login_required
def feeds(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_OBLIGATIONS)
    new_url = ""
    error = ""
    if request.method == "POST":
        # Only the page's own button creates a feed: any other submission is refused.
        if request.POST.get("action") != "create":
            error = _("Unknown action.")
        else:
            try:
                _feed, raw = calendar_feed.create_feed(access.organisation, request.user)
            except calendar_feed.FeedLimitReached:
                error = _("You have too many active feeds: revoke one before creating another.")
            else:
                new_url = calendar_feed.feed_url(raw)
    elif request.method not in ("GET", "HEAD"):
        error = _("Unknown action.")
    response = render(
        request,
        "qualification/feeds.html",
        {
            "access": access,
            "new_url": new_url,
            "new_webcal": new_url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
            "error": error,
            "feeds": calendar_feed.list_feeds(access.organisation, request.user),
        },
        status=400 if error else 200,
    )
    if new_url:
        # The URL is in this response only; it is stored as a hash and cannot be shown again.
        response["Cache-Control"] = "no-store"
    return response


@login_required
def feed_revoke(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_OBLIGATIONS)
    # Only the person's own feeds: another person's feed answers 404 like any object one cannot see.
    feed = CalendarFeed.objects.filter(organisation=access.organisation, pk=int_id(pk)).first()
    if feed is None or feed.user_id != request.user.pk:
        raise Http404
    back = reverse("qualification_feed:feeds", kwargs={"org": access.organisation.slug})
    if confirmed(request):
        calendar_feed.revoke_feed(feed, request.user)
        messages.success(request, _("The calendar feed was revoked."))
        return redirect(back)
    return confirm(
        request,
        access,
        title=_("Revoke this calendar feed?"),
        message=_("Calendars that subscribe to it will no longer receive the obligations."),
        button=_("Revoke"),
        cancel_url=back,
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD"])
def ical(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the token is the credential. Unknown, revoked, or whose owner lost access → 404."""
    feed = calendar_feed.find_feed(token)
    if feed is None:
        raise Http404
    response = HttpResponse(
        calendar_feed.build_calendar(feed.organisation), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="obligations.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
