"""The meetings' background work: sending the invitation outbox (notices.py), and the daily job that
schedules minimum-frequency meetings and reminds the owners of measures (periodic.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import task

from revoyure.core import scheduling
from revoyure.reviews import notices, periodic

DAILY_JOB = "reviews.daily"
DAILY_AT_HOUR = 6
NOTICES_PER_TASK = 200
# A failed notice is taken again once its claim is stale; the retry task runs just after that.
RETRY_AFTER = notices.CLAIM_TIMEOUT + dt.timedelta(minutes=1)


@task()
def send_meeting_notices(limit: int = NOTICES_PER_TASK) -> int:
    """Send up to `limit` queued invitations, updates and cancellations; returns how many went out."""
    counts = notices.send_pending(limit)
    if counts[notices.FAILED]:
        send_meeting_notices.using(run_after=timezone.now() + RETRY_AFTER).enqueue(limit)
    return counts[notices.SENT]


def enqueue_pending_notices() -> int:
    """One sending task per batch of notices still waiting (left by a stopped worker, or queued by the
    daily job itself); returns how many tasks were enqueued."""
    pending = notices.pending_count()
    tasks = 0
    for _start in range(0, pending, NOTICES_PER_TASK):
        send_meeting_notices.enqueue(NOTICES_PER_TASK)
        tasks += 1
    return tasks


@task()
def reviews_daily() -> dict[str, Any]:
    """The clause's "meet at least every N months": schedule the periodic meetings that are due, remind
    the owners of measures due within a week or late, and sweep the outbox."""
    scheduled = periodic.schedule_periodic_meetings()
    reminded = periodic.send_measure_reminders()
    return {"scheduled": scheduled, "reminded": reminded, "notice_tasks": enqueue_pending_notices()}


scheduling.register(DAILY_JOB, reviews_daily, every=dt.timedelta(days=1), at_hour=DAILY_AT_HOUR)
