"""The review clause's background work: the fan-out of a confirmed event, and the invitations' outbox."""

from __future__ import annotations

from django_tasks import task

from revoyure.reviews import fanout


@task()
def fan_out(event_id: int) -> int:
    return fanout.fan_out_event(event_id)


@task()
def send_meeting_notices(limit: int = 200) -> int:
    return 0  # the sender comes with the meetings (notices.py)
