"""The committee's daily job: plan the annual meeting of each committee.

Roadmap measure 6: « Réunion annuelle du comité pour faire le point sur la stratégie liée aux systèmes
d'IA […] ». From the first day of the committee's chosen month, the job creates the meeting of the current
year if there is none; the unique constraint (committee, year) of annual meetings keeps it idempotent when
schedulers or workers run it twice or at once."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from revoyure.committee import services
from revoyure.core import scheduling

DAILY_JOB = "committee.annual_meetings"
DAILY_AT_HOUR = 5


@task()
def plan_annual_meetings() -> int:
    return services.schedule_annual_meetings()


scheduling.register(DAILY_JOB, plan_annual_meetings, every=dt.timedelta(days=1), at_hour=DAILY_AT_HOUR)
