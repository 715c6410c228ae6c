"""Sending webhook deliveries through the task worker."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_due() -> int:
    return 0  # the delivery itself comes with the webhooks capability (signing, retries, log)
