"""The review clause's background work: the fan-out of a confirmed event, the invitations' outbox, and
(in their own modules, imported here so the scheduler finds them) the feed watcher and the meetings' jobs."""

from __future__ import annotations

from django_tasks import task

from revoyure.reviews import fanout
from revoyure.reviews import tasks_feeds as tasks_feeds  # registers the feed job
from revoyure.reviews import tasks_meetings as tasks_meetings  # notices, reminders, periodic


@task()
def fan_out(event_id: int) -> int:
    return fanout.fan_out_event(event_id)
