"""Writing watched feeds: add, change, delete, fetch now (issue 6 §2: « RSS/Atom feeds of vendors and
regulators configured per vendor or globally »).

An organisation's feeds (`organisation` set) are managed by those who manage its review clauses; the
installation's feeds (`organisation` empty) by the platform administrator, and their entries become
installation events, which concern every organisation using the vendor's product. Each write keeps a
history row with its reason and an audit entry. The address is checked like every outbound request
(core/outbound.py): a feed must not make the platform call into its own network."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.core import audit, outbound
from revoyure.organisations.models import Organisation
from revoyure.registry.models import Vendor
from revoyure.reviews import feeds, triggers
from revoyure.reviews.models import FeedSource
from revoyure.reviews.tasks_feeds import FETCH_INTERVAL

MAX_TITLE = 200
MAX_URL = 1000
MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 200
SCHEMES = ("https", "http")


def feed_kinds() -> list[tuple[str, str]]:
    """The kinds of event a feed can bring: the external trigger kinds that list "feed" among their
    origins (triggers.yaml)."""
    return triggers.choices(origin="feed")


def clean_keywords(values: Iterable[Any]) -> list[str]:
    """The products watched, trimmed, without blanks or case-insensitive repeats, in the order given."""
    seen: set[str] = set()
    keywords: list[str] = []
    for value in values or []:
        keyword = str(value or "").strip()
        if keyword and keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            keywords.append(keyword)
    return keywords


def _validate(
    *, title: Any, url: Any, kind: Any, vendor: Vendor | None, product_keywords: Any
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = str(title or "").strip()
    if not title:
        errors["title"] = _("Give the feed a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("At most %(count)d characters.") % {"count": MAX_TITLE}
    url = str(url or "").strip()
    if not url:
        errors["url"] = _("Give the feed's address.")
    elif len(url) > MAX_URL:
        errors["url"] = _("At most %(count)d characters.") % {"count": MAX_URL}
    else:
        try:
            URLValidator(schemes=list(SCHEMES))(url)
            # Resolving the host takes a moment: done here, before any transaction is open.
            outbound.check_url(url, schemes=SCHEMES)
        except ValidationError:
            errors["url"] = _("Enter a valid address starting with https:// or http://.")
        except outbound.OutboundError as exc:
            errors["url"] = str(exc)
    trigger = triggers.get(str(kind or ""))
    if trigger is None or "feed" not in trigger.origins:
        errors["kind"] = _("Choose a kind of event that can come from a feed.")
    elif trigger.concerns == "vendor" and vendor is None:
        # Without a vendor such an event could not be matched to any tool (services_events._check).
        errors["vendor"] = _("Name the vendor whose feed this is: events of this kind concern a vendor.")
    keywords = clean_keywords(product_keywords if isinstance(product_keywords, list | tuple) else [])
    if len(keywords) > MAX_KEYWORDS:
        errors["product_keywords"] = _("At most %(count)d products.") % {"count": MAX_KEYWORDS}
    elif any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
        errors["product_keywords"] = _("A product name has at most %(count)d characters.") % {
            "count": MAX_KEYWORD_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    return {"title": title, "url": url, "kind": trigger.id, "vendor": vendor, "product_keywords": keywords}  # type: ignore[union-attr]


def _history(feed: FeedSource, actor: Any, reason: str) -> None:
    feed._history_user = actor if getattr(actor, "pk", None) else None  # type: ignore[attr-defined]
    feed._change_reason = reason  # type: ignore[attr-defined]


def _audit(action: str, actor: Any, feed: FeedSource, **data: Any) -> None:
    audit.record(
        action,
        actor=actor if getattr(actor, "pk", None) else None,
        organisation_id=feed.organisation_id,
        obj=feed,
        data={"title": feed.title, "url": feed.url, **data},
    )


def create_feed(
    *,
    organisation: Organisation | None,
    actor: Any,
    title: str,
    url: str,
    kind: str,
    vendor: Vendor | None = None,
    product_keywords: Iterable[str] = (),
    active: bool = True,
) -> FeedSource:
    """Add a watched feed: the organisation's, or the installation's when `organisation` is None (the
    platform administrator's). Its first fetch is at the next run of the watcher."""
    fields = _validate(
        title=title, url=url, kind=kind, vendor=vendor, product_keywords=list(product_keywords or [])
    )
    with transaction.atomic():
        feed = FeedSource(organisation=organisation, active=bool(active), **fields)
        _history(feed, actor, _("Feed added"))
        feed.save()
        _audit("review.feed_created", actor, feed, kind=feed.kind, active=feed.active)
    return feed


def update_feed(
    feed: FeedSource,
    actor: Any,
    *,
    title: str,
    url: str,
    kind: str,
    vendor: Vendor | None = None,
    product_keywords: Iterable[str] = (),
    active: bool = True,
) -> FeedSource:
    """Change a feed. A new address forgets what the old one's server sent (its validators and last
    result) and is fetched at the next run."""
    fields = _validate(
        title=title, url=url, kind=kind, vendor=vendor, product_keywords=list(product_keywords or [])
    )
    with transaction.atomic():
        feed = FeedSource.objects.select_for_update().get(pk=feed.pk)
        if fields["url"] != feed.url:
            feed.etag = feed.last_modified = feed.last_status = feed.last_error = ""
            feed.last_fetched_at = feed.next_fetch_at = None
        if active and not feed.active:
            feed.next_fetch_at = None  # a feed switched back on is fetched at the next run
        for name, value in fields.items():
            setattr(feed, name, value)
        feed.active = bool(active)
        _history(feed, actor, _("Feed changed"))
        feed.save()
        _audit("review.feed_changed", actor, feed, kind=feed.kind, active=feed.active)
    return feed


@transaction.atomic
def delete_feed(feed: FeedSource, actor: Any) -> None:
    """Delete a feed. The events it brought stay (they no longer name their feed); its history stays."""
    _history(feed, actor, _("Feed deleted"))
    _audit("review.feed_deleted", actor, feed)
    feed.delete()


def fetch_now(feed: FeedSource, actor: Any) -> feeds.FetchResult:
    """Fetch the feed at once (a person asked). The next scheduled fetch moves an interval forward, so the
    watcher does not fetch it again right after. The request runs outside any transaction: events are
    written one by one by `services_events.create_event`, each idempotent through its dedupe key, so a
    scheduled fetch running at the same moment cannot duplicate them."""
    now = timezone.now()
    FeedSource.objects.filter(pk=feed.pk).update(next_fetch_at=now + FETCH_INTERVAL)
    result = feeds.fetch_feed(feed, now=now)
    _audit("review.feed_fetched", actor, feed, status=result.status, created=result.created)
    return result
