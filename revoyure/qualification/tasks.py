"""Background work of the qualification, run by the database-backed worker (`manage.py db_worker`).

Tasks are enqueued inside the transaction that causes them: with django-tasks-db the task row commits
(or rolls back) with the data, so nothing is lost and nothing runs on data that was not written."""

from __future__ import annotations

from django_tasks import task

from revoyure.organisations.models import Organisation
from revoyure.qualification import services


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
