"""Sending webhook deliveries through the task worker, and the hourly safety net."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from revoyure.core import scheduling
from revoyure.webhooks import delivery

RETRY_JOB = "webhooks.retry"


@task()
def deliver_due() -> int:
    """Send the deliveries due now (claimed one by one, so several workers share them). Returns the
    number of attempts made."""
    return delivery.deliver_due_now()


@task()
def retry_due() -> bool:
    """Enqueue a delivery run if deliveries are due that no queued run will send."""
    return delivery.retry_if_due()


scheduling.register(RETRY_JOB, retry_due, every=dt.timedelta(hours=1))
