"""The feed watcher job (feeds.py): every hour, fetch each active feed that is due.

Issue 6 §2: « a scheduled task fetches them with timeouts, conditional requests and size limits ». Several
workers may run the job at once (two schedulers, a late run meeting the next one): each feed is claimed by
a compare-and-set on `next_fetch_at` before it is fetched (`feeds.claim`), so no feed is fetched twice at
the same time, and a feed entry seen twice never makes two events (the events' dedupe keys)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from revoyure.core import scheduling
from revoyure.reviews import feeds
from revoyure.reviews.models import FeedSource

logger = logging.getLogger(__name__)

JOB = "reviews.feeds"
JOB_EVERY = dt.timedelta(hours=1)
# A little less than the job's period: a feed fetched at 10:00:05 is due again when the 11:00 run starts,
# instead of being skipped to 12:00 because the run started a few seconds earlier than the last one.
FETCH_INTERVAL = dt.timedelta(minutes=55)
# Bound on one run; feeds left over stay due and are taken by the next run (or another worker).
MAX_FEEDS_PER_RUN = 500


def due_feed_ids(now: dt.datetime) -> list[int]:
    """Active feeds whose next fetch is due, never-fetched first, then the longest waiting."""
    return list(
        FeedSource.objects.filter(active=True)
        .filter(Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now))
        .order_by(F("next_fetch_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:MAX_FEEDS_PER_RUN]
    )


def watch(now: dt.datetime | None = None) -> int:
    """Claim and fetch the due feeds one by one; returns how many this run fetched. A feed's failure is
    recorded on it (fetch_feed) and never stops the run."""
    fetched = 0
    for feed_id in due_feed_ids(now or timezone.now()):
        # The time of each claim, not of the run's start: a long run must not claim with a stale clock.
        claimed_at = now or timezone.now()
        if not feeds.claim(feed_id, claimed_at, FETCH_INTERVAL):
            continue  # another worker has it, or it was deactivated meanwhile
        feed = FeedSource.objects.select_related("vendor").filter(pk=feed_id).first()
        if feed is None:
            continue
        try:
            feeds.fetch_feed(feed)
        except Exception:  # a bug on one feed must not stop the others; it is logged with its trace
            logger.exception("Feed %s could not be processed", feed_id)
            try:
                feeds.record_failure(feed)
            except Exception:  # the database itself failing: nothing more to record, the run goes on
                logger.exception("The failure of feed %s could not be recorded", feed_id)
            continue
        fetched += 1
    return fetched


@task()
def watch_feeds() -> int:
    return watch()


scheduling.register(JOB, watch_feeds, every=JOB_EVERY)
