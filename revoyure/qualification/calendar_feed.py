"""Private iCalendar feeds of an organisation's obligations (issue 3 §3: "an iCalendar feed (private URL
with a token)").

A feed belongs to one person in one organisation. Its token is in the URL, shown once when the feed is
created; only its SHA-256 is stored (like the API tokens of `organisations.tokens`). A calendar program
fetches the URL without logging in, so each fetch checks again that the person is active, still a member
and still allowed to see the obligations: losing the role closes the feed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from revoyure.core import audit
from revoyure.core.permissions import Perm, has_permission
from revoyure.organisations.access import roles_of
from revoyure.organisations.models import Organisation
from revoyure.organisations.tokens import hash_token
from revoyure.qualification.models import CalendarFeed, Obligation, ObligationState, ObligationStatus
from revoyure.qualification.notifications import obligation_url
from revoyure.qualification.rules import rule_set

TOKEN_PREFIX = "rvc_"  # noqa: S105 - the public marker of calendar tokens, not a secret
_MAX_RAW_LENGTH = 200
MAX_FEEDS_PER_PERSON = 20
SHORT_TEXT = 80
_SHOWN_STATES = (ObligationState.APPLIES, ObligationState.UPCOMING)


class FeedLimitReached(Exception):
    pass


def feed_path(raw: str) -> str:
    from django.urls import reverse

    return reverse("qualification_feed:ical", kwargs={"token": raw})


def feed_url(raw: str) -> str:
    return str(settings.REVOYURE_BASE_URL).rstrip("/") + feed_path(raw)


@transaction.atomic
def create_feed(organisation: Organisation, user: Any) -> tuple[CalendarFeed, str]:
    """A new feed for `user`; returns it and its raw token, which is not stored and cannot be shown again."""
    active = CalendarFeed.objects.filter(organisation=organisation, user=user, revoked_at__isnull=True)
    if active.count() >= MAX_FEEDS_PER_PERSON:
        raise FeedLimitReached
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(organisation=organisation, user=user, token_hash=hash_token(raw))
    audit.record("calendar_feed.created", actor=user, organisation_id=organisation.pk, obj=feed)
    return feed, raw


@transaction.atomic
def revoke_feed(feed: CalendarFeed, actor: Any) -> CalendarFeed:
    """Revoke a feed for good; revoking a revoked feed changes nothing."""
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        audit.record("calendar_feed.revoked", actor=actor, organisation_id=feed.organisation_id, obj=feed)
    return feed


def list_feeds(organisation: Organisation, user: Any) -> list[CalendarFeed]:
    return list(
        CalendarFeed.objects.filter(organisation=organisation, user=user).order_by("-created_at", "-pk")
    )


def find_feed(raw: Any) -> CalendarFeed | None:
    """The live feed whose token is `raw`, if its owner may still see the organisation's obligations."""
    if not isinstance(raw, str) or not raw.startswith(TOKEN_PREFIX) or len(raw) > _MAX_RAW_LENGTH:
        return None
    feed = (
        CalendarFeed.objects.select_related("organisation", "user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    if not has_permission(roles_of(feed.user, feed.organisation), Perm.VIEW_OBLIGATIONS):
        return None
    return feed


def feed_obligations(organisation: Organisation) -> list[Obligation]:
    return list(
        Obligation.objects.filter(
            organisation=organisation,
            due_on__isnull=False,
            state__in=_SHOWN_STATES,
            status=ObligationStatus.TO_DO,
        )
        .select_related("tool")
        .order_by("due_on", "rule_id", "pk")
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_TEXT else text[: SHORT_TEXT - 1].rstrip() + "…"


def build_calendar(organisation: Organisation, *, now: dt.datetime | None = None) -> bytes:
    """The iCalendar document: one all-day event per dated obligation still to do."""
    now = now or timezone.now()
    rules = rule_set().by_id
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", "-//Revoyure//Obligations//FR")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("Obligations of %(name)s") % {"name": organisation.name})
        for o in feed_obligations(organisation):
            rule = rules.get(o.rule_id)
            title = rule.title_text(language) if rule else o.rule_id
            text = rule.text(language) if rule else ""
            article = rule.article if rule else ""
            where = o.tool.name if o.tool_id and o.tool else organisation.name
            url = obligation_url(organisation, o)
            lines = [
                text,
                _("Article: %(article)s") % {"article": article},
                _("State: %(state)s") % {"state": o.get_state_display()},
                _("Responsible: %(who)s") % {"who": o.get_responsible_display()},
                url,
            ]
            event = Event()
            # Stable across fetches, so a calendar program updates the event instead of adding one.
            event.add("uid", f"obligation-{o.pk}@revoyure")
            event.add("dtstamp", now)
            event.add("dtstart", o.due_on)
            event.add("dtend", o.due_on + dt.timedelta(days=1))  # type: ignore[operator]
            event.add("summary", f"[{o.rule_id}] {where} — {_short(title)}")
            event.add("description", "\n".join(line for line in lines if line))
            event.add("url", url)
            event.add("transp", "TRANSPARENT")  # an all-day reminder does not make anyone busy
            calendar.add_component(event)
    return bytes(calendar.to_ical())
