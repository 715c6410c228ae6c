"""Background work of the impact studies: the DUERP reminders (R4121-2; legal-rules.md CT-11).

The job runs every day; each pending update is reminded at most once every 7 days
(`services.REMINDER_EVERY`), and each reminder is claimed with a compare-and-set update of
`last_reminded_at`, so two schedulers or workers never send the same reminder twice."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from revoyure.core import scheduling
from revoyure.studies import services

DUERP_JOB = "studies.duerp_reminders"
DUERP_AT_HOUR = 8


@task()
def duerp_reminders() -> int:
    return services.send_due_duerp_reminders()


scheduling.register(DUERP_JOB, duerp_reminders, every=dt.timedelta(days=1), at_hour=DUERP_AT_HOUR)
