"""Background work of the qualification, run by the database-backed worker (`manage.py db_worker`).

Tasks are enqueued inside the transaction that causes them: with django-tasks-db the task row commits
(or rolls back) with the data, so nothing is lost and nothing runs on data that was not written.

The daily job (issue 3 §3: "re-evaluation … daily (dates pass)") is registered here and enqueued by
`manage.py run_scheduler`."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from revoyure.core import scheduling
from revoyure.organisations.models import Organisation
from revoyure.qualification import services

DAILY_JOB = "qualification.daily"
DAILY_AT_HOUR = 3  # local time: before people start work, after the day's date has changed


@task()
def reevaluate_organisation_task(organisation_id: int) -> int:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:  # deleted meanwhile
        return 0
    return services.reevaluate_organisation(organisation)


@task()
def send_notices(organisation_id: int) -> int:
    from revoyure.qualification import notifications

    return notifications.send_pending_notices(organisation_id)


@task()
def daily_organisation(organisation_id: int) -> int:
    """One organisation's daily pass: re-evaluate (dates pass, so "upcoming" becomes "applies" and
    deadlines move; new obligations queue their own notices), then queue the reminders owed today, computed
    on the fresh obligations, then send. Returns the number of reminders owed."""
    from revoyure.qualification import notifications

    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return 0
    services.reevaluate_organisation(organisation)
    owed = notifications.queue_due_notices(services.today(), organisation_id)
    if notifications.organisations_with_pending_notices(organisation_id):
        send_notices.enqueue(organisation_id)
    return owed


@task()
def daily_qualification() -> int:
    """Fan the daily pass out, one task per organisation, so that workers share it and one failing
    organisation does not stop the others. Returns the number of organisations."""
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    for organisation_id in ids:
        daily_organisation.enqueue(organisation_id)
    return len(ids)


scheduling.register(DAILY_JOB, daily_qualification, every=dt.timedelta(days=1), at_hour=DAILY_AT_HOUR)
