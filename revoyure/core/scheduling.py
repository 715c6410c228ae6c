"""Periodic jobs: named in code, claimed in the database, run by the task worker.

Each app registers its jobs in its `tasks` module (`register("qualification.daily", task, every=...)`);
`manage.py run_scheduler` imports those modules and, at each tick, enqueues the task of every due job.
ENGINEERING.md: "periodic work claims due rows with an atomic compare-and-set so several workers and
schedulers can run at once" — the claim is one conditional UPDATE of the job's `ScheduledJob` row that
moves `next_run_at` forward; only the scheduler whose UPDATE changed the row enqueues the task, in the
same transaction, so a job is never enqueued twice for one due time, whatever the number of schedulers.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from revoyure.core.models import ScheduledJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    task: Any  # a django_tasks Task
    every: dt.timedelta
    at_hour: int | None = None  # local hour of the day the job runs at (daily and longer periods)
    args: tuple[Any, ...] = field(default_factory=tuple)

    def first_run(self, now: dt.datetime) -> dt.datetime:
        """When a job seen for the first time runs: now, or the next time its hour comes."""
        if self.at_hour is None:
            return now
        local = timezone.localtime(now)
        candidate = _at_hour(local.date(), self.at_hour)
        return candidate if candidate >= now else _at_hour(local.date() + dt.timedelta(days=1), self.at_hour)

    def next_run(self, now: dt.datetime) -> dt.datetime:
        """The run after one made at `now`. A late run (the scheduler was stopped) does not shift a daily
        job's hour: it runs again at the usual hour, and runs missed meanwhile are not repeated."""
        if self.at_hour is None:
            return now + self.every
        candidate = _at_hour(timezone.localtime(now + self.every).date(), self.at_hour)
        while candidate <= now:
            candidate = _at_hour(timezone.localtime(candidate).date() + dt.timedelta(days=1), self.at_hour)
        return candidate


def _at_hour(day: dt.date, hour: int) -> dt.datetime:
    # make_aware in the current time zone, so "3 o'clock" stays 3 o'clock across daylight-saving changes.
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


JOBS: dict[str, Job] = {}


def register(
    name: str, task: Any, *, every: dt.timedelta, at_hour: int | None = None, args: tuple[Any, ...] = ()
) -> Job:
    """Declare a periodic job. Registering the same name again replaces it (modules may be re-imported)."""
    if every <= dt.timedelta(0):
        raise ValueError(f"Job {name!r}: the period must be positive")
    if at_hour is not None and not 0 <= at_hour <= 23:
        raise ValueError(f"Job {name!r}: at_hour must be between 0 and 23")
    job = Job(name, task, every, at_hour, tuple(args))
    JOBS[name] = job
    return job


def discover() -> dict[str, Job]:
    """Import each installed app's `tasks` module, where jobs are registered."""
    autodiscover_modules("tasks")
    return JOBS


def _ensure_rows(jobs: dict[str, Job], now: dt.datetime) -> None:
    known = set(ScheduledJob.objects.filter(name__in=list(jobs)).values_list("name", flat=True))
    new = [
        ScheduledJob(name=j.name, next_run_at=j.first_run(now)) for j in jobs.values() if j.name not in known
    ]
    if new:
        # Two schedulers starting together may both try: the unique name makes the second insert a no-op.
        ScheduledJob.objects.bulk_create(new, ignore_conflicts=True)


def run_due(now: dt.datetime | None = None, jobs: dict[str, Job] | None = None) -> list[str]:
    """Enqueue every due job this scheduler manages to claim. Returns the names of the jobs enqueued."""
    jobs = JOBS if jobs is None else jobs
    now = now or timezone.now()
    _ensure_rows(jobs, now)
    due = ScheduledJob.objects.filter(name__in=list(jobs), next_run_at__lte=now).values_list(
        "name", flat=True
    )
    enqueued = []
    for name in list(due):
        job = jobs[name]
        with transaction.atomic():
            # The compare-and-set: the row is still due only if no other scheduler claimed it meanwhile
            # (on PostgreSQL a concurrent UPDATE waits for the first, then re-checks the condition).
            claimed = ScheduledJob.objects.filter(name=name, next_run_at__lte=now).update(
                next_run_at=job.next_run(now), last_run_at=now
            )
            if claimed:
                # Same transaction as the claim: both commit, or neither (the task backend is the database).
                job.task.enqueue(*job.args)
                enqueued.append(name)
        if claimed:
            logger.info("Scheduled job %s enqueued", name)
    return enqueued
