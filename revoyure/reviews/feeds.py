"""The feed watcher: fetch a vendor's or a regulator's RSS/Atom feed and turn its new entries into trigger
events awaiting the delegate's confirmation (issue 6 §2).

Issue 6: « by watching RSS/Atom feeds of vendors and regulators configured per vendor or globally (a
scheduled task fetches them with timeouts, conditional requests and size limits; a new entry matching the
vendor's products becomes an event awaiting the delegate's confirmation) ». The roadmap's external events
are what such feeds publish: « mise à jour publique par le fournisseur de la notice de l'outil », or a
warning « publié sur son site web » by an ethics committee or a regulator such as the CNIL.

How one fetch goes:
- the request goes through `core.outbound.fetch` (public addresses only unless the installation allows
  private ones, a timeout, a cap on the bytes read and an overall deadline), with `If-None-Match` /
  `If-Modified-Since` from what the server sent last time; a 304 means there is nothing to do;
- the body is parsed by feedparser from memory (it is never given a URL or a string it could take for a
  file name); something that is not a feed, or a broken feed with no entry, is recorded as an error;
- each entry (at most `MAX_ENTRIES` per fetch) gets a stable identity (its id, else its link, else a hash
  of its title and date), which makes the event's `dedupe_key`: an entry seen again never makes a second
  event;
- **history window**: only entries dated no earlier than `HISTORY_WINDOW` (30 days) before the feed was
  added are considered, so that adding a feed does not flood the delegate with years of old news; an entry
  without a date counts as today's;
- an entry becomes a *pending* event only if its title or summary names one of the feed's products
  (case-insensitive; every entry when the feed lists no product).

A failed fetch never raises: the error is recorded on the feed (`last_status`, `last_error`) for the
feed pages to show, and the watcher goes on with the next feed."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import feedparser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from revoyure.core import outbound
from revoyure.reviews import services_events
from revoyure.reviews.models import EventOrigin, FeedSource, TriggerEvent

logger = logging.getLogger(__name__)

# Bounds of one fetch. Module constants (tests lower them) rather than settings: nothing here needs to
# differ between installations.
TIMEOUT = 10.0  # seconds to connect and for each read; the whole exchange is bounded at 3x (outbound.py)
MAX_BYTES = 2 * 1024 * 1024  # a feed is a few hundred kB at most; anything larger is refused
MAX_ENTRIES = 200  # entries looked at per fetch (feeds list the newest first)
MAX_REDIRECTS = 3  # each new address is checked again like the first one
HISTORY_WINDOW = dt.timedelta(days=30)
SUMMARY_LENGTH = 2000
USER_AGENT = "Revoyure feed watcher"

STATUS_OK = "ok"
STATUS_NOT_MODIFIED = "not_modified"
STATUS_ERROR = "error"

_REDIRECTS = {301, 302, 303, 307, 308}
_SPACES = re.compile(r"\s+")
_http_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class FetchResult:
    """What one fetch did: its status (ok, not_modified, error), how many events it created, how many
    entries it looked at, and the error for the user (translated) when it failed."""

    status: str
    created: int = 0
    entries: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status != STATUS_ERROR


@dataclass(frozen=True)
class Entry:
    uid: str
    title: str
    link: str
    summary: str
    published: dt.datetime | None


# Fetching -----------------------------------------------------------------------------------------------


def conditional_headers(feed: FeedSource) -> dict[str, str]:
    """The request headers: who asks, what is accepted, and the validators the server sent last time."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
    }
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


def _get(url: str, headers: dict[str, str]) -> tuple[outbound.Response, str]:
    """GET with a few redirects followed by hand: `outbound.fetch` follows none, so that every address
    reached is checked (a public feed must not redirect the platform into its own network)."""
    for _hop in range(MAX_REDIRECTS + 1):
        response = outbound.fetch(
            "GET", url, headers=headers, timeout=TIMEOUT, max_bytes=MAX_BYTES, schemes=("https", "http")
        )
        location = response.headers.get("location")
        if response.status not in _REDIRECTS or not location:
            return response, url
        url = urljoin(url, location)
    raise outbound.OutboundError(_("The feed redirects too many times."))


def fetch_feed(feed: FeedSource, *, now: dt.datetime | None = None) -> FetchResult:
    """Fetch one feed, create the pending events of its new matching entries and record the outcome on the
    feed. Never raises for a network, server or content problem: the error is recorded and returned."""
    now = now or timezone.now()
    try:
        response, final_url = _get(feed.url, conditional_headers(feed))
    except outbound.OutboundError as exc:
        return _record(feed, now, FetchResult(STATUS_ERROR, error=str(exc)))
    if response.status == 304:
        return _record(feed, now, FetchResult(STATUS_NOT_MODIFIED))
    if not 200 <= response.status < 300:
        error = _("The server answered with the HTTP status %(status)d.") % {"status": response.status}
        return _record(feed, now, FetchResult(STATUS_ERROR, error=error))
    try:
        entries = parse_entries(response.body, response.headers.get("content-type", ""), final_url)
    except FeedError as exc:
        return _record(feed, now, FetchResult(STATUS_ERROR, error=str(exc)))
    result = _create_events(feed, entries, now)
    validators: dict[str, str] = {}
    if result.ok:
        # Kept only when every entry was dealt with: after a failure, the next fetch must get the whole
        # feed again instead of a 304 that would skip the entries not turned into events.
        validators = {
            "etag": _bounded(response.headers.get("etag", ""), 300),
            "last_modified": _bounded(response.headers.get("last-modified", ""), 100),
        }
    return _record(feed, now, result, **validators)


def record_failure(feed: FeedSource, now: dt.datetime | None = None) -> FetchResult:
    """Record an unexpected failure (a bug, a lost database connection): the caller has logged the trace."""
    error = _("The feed could not be processed; the details are in the server's log.")
    return _record(feed, now or timezone.now(), FetchResult(STATUS_ERROR, error=error))


def _bounded(value: str, limit: int) -> str:
    # A validator cut short would never match again: drop an oversized one instead.
    return value if len(value) <= limit else ""


def _record(feed: FeedSource, now: dt.datetime, result: FetchResult, **validators: str) -> FetchResult:
    values: dict[str, Any] = {
        "last_fetched_at": now,
        "last_status": result.status,
        "last_error": result.error[:2000],
        **validators,
    }
    # A queryset update of these columns only (the equivalent of save(update_fields=...)): the fetch is
    # bookkeeping, not a change someone made, so it writes no history row every hour; and a feed deleted
    # while it was being fetched is simply not updated.
    FeedSource.objects.filter(pk=feed.pk).update(**values)
    for name, value in values.items():
        setattr(feed, name, value)
    if result.status == STATUS_ERROR:
        logger.info("Feed %s (%s): %s", feed.pk, feed.url, result.error)
    return result


# Parsing ------------------------------------------------------------------------------------------------


class FeedError(Exception):
    """The body is not a usable feed; the message is for the user (translated)."""


def parse_entries(body: bytes, content_type: str = "", url: str = "") -> list[Entry]:
    """The entries of an RSS or Atom document (at most MAX_ENTRIES), or FeedError."""
    try:
        # From a stream: feedparser fetches a str that looks like a URL and opens one that names a file.
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers={"content-type": content_type or "application/xml", "content-location": url},
            sanitize_html=True,
        )
    except Exception as exc:  # a parser bug on hostile input is one more broken feed
        raise FeedError(_("The feed cannot be read.")) from exc
    raw_entries = list(parsed.get("entries") or [])
    if not parsed.get("version"):
        raise FeedError(_("The address does not lead to an RSS or Atom feed."))
    if parsed.get("bozo") and not raw_entries:
        raise FeedError(_("The feed is malformed: %(problem)s") % {"problem": parsed.get("bozo_exception")})
    return [_entry(raw) for raw in raw_entries[:MAX_ENTRIES]]


def _text(value: Any, limit: int) -> str:
    text = _SPACES.sub(" ", html.unescape(strip_tags(str(value or "")))).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _link(value: Any) -> str:
    link = str(value or "").strip()
    if not link or len(link) > 1000:
        return ""
    try:
        _http_url(link)
    except ValidationError:
        return ""
    return link


def _entry(raw: Any) -> Entry:
    title = _text(raw.get("title"), 300)
    link = _link(raw.get("link"))
    summary = _text(raw.get("summary") or raw.get("description"), SUMMARY_LENGTH)
    parsed = raw.get("published_parsed") or raw.get("updated_parsed")
    published: dt.datetime | None = None
    if parsed:
        try:
            # feedparser gives a time.struct_time in UTC.
            year, month, day, hour, minute, second = (int(v) for v in tuple(parsed)[:6])
            published = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
        except (TypeError, ValueError):
            published = None
    uid = str(raw.get("id") or "").strip() or link
    if not uid:
        uid = (
            "title:"
            + hashlib.sha256(f"{title}\n{published.isoformat() if published else ''}".encode()).hexdigest()
        )
    return Entry(uid=uid, title=title, link=link, summary=summary, published=published)


# Events -------------------------------------------------------------------------------------------------


def dedupe_key(feed: FeedSource, entry: Entry) -> str:
    return f"feed:{feed.pk}:{hashlib.sha256(entry.uid.encode('utf-8', 'replace')).hexdigest()}"


def matched_product(keywords: list[str], entry: Entry) -> str | None:
    """The first product of the feed named in the entry's title or summary ("" when the feed watches every
    entry), or None when the entry names none of them."""
    keywords = [k for k in (keywords or []) if isinstance(k, str) and k.strip()]
    if not keywords:
        return ""
    text = f"{entry.title}\n{entry.summary}".casefold()
    for keyword in keywords:
        if keyword.strip().casefold() in text:
            return keyword.strip()
    return None


def _create_events(feed: FeedSource, entries: list[Entry], now: dt.datetime) -> FetchResult:
    oldest = (feed.created_at or now) - HISTORY_WINDOW
    today = timezone.localdate(now)
    candidates: list[tuple[Entry, str, str]] = []
    for entry in entries:
        if entry.published is not None and entry.published < oldest:
            continue
        product = matched_product(feed.product_keywords, entry)
        if product is None:
            continue
        candidates.append((entry, product, dedupe_key(feed, entry)))
    # One query for the entries already turned into events, instead of one per entry.
    known = set(
        TriggerEvent.objects.filter(dedupe_key__in=[key for _e, _p, key in candidates]).values_list(
            "dedupe_key", flat=True
        )
    )
    created = 0
    error = ""
    for entry, product, key in candidates:
        if key in known:
            continue
        occurred_on = min(timezone.localdate(entry.published), today) if entry.published else today
        try:
            _event, was_created = services_events.create_event(
                organisation_id=feed.organisation_id,
                kind=feed.kind,
                origin=EventOrigin.FEED,
                vendor=feed.vendor,
                product=product,
                title=entry.title or entry.link or _("Untitled entry"),
                description=entry.summary,
                source=feed.title,
                evidence_url=entry.link,
                occurred_on=occurred_on,
                dedupe_key=key,
                feed_id=feed.pk,
                confirmed=False,
            )
        except ValidationError as exc:
            # The feed's settings no longer fit its kind (a kind removed from triggers.yaml…): every
            # entry would fail the same way, so the first message is the feed's error.
            error = error or _("An entry could not be recorded: %(problem)s") % {
                "problem": "; ".join(exc.messages)
            }
            continue
        known.add(key)
        created += int(was_created)
    return FetchResult(
        STATUS_ERROR if error else STATUS_OK, created=created, entries=len(entries), error=error
    )


# Claims -------------------------------------------------------------------------------------------------


def claim(feed_id: int, now: dt.datetime, interval: dt.timedelta) -> bool:
    """Take the feed for one fetch if it is active and due: one conditional UPDATE that moves its next fetch
    forward (compare-and-set), so that of two workers only the one whose UPDATE changed the row fetches it
    (on PostgreSQL the second UPDATE waits for the first, then finds the row no longer due)."""
    return bool(
        FeedSource.objects.filter(pk=feed_id, active=True)
        .filter(Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now))
        .update(next_fetch_at=now + interval)
    )
