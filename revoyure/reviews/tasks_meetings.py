"""The meetings' background work: sending the invitation outbox, measure reminders, minimum-frequency
meetings."""

from __future__ import annotations

from django_tasks import task


@task()
def send_meeting_notices(limit: int = 200) -> int:
    return 0  # placeholder: the sender comes with notices.py
