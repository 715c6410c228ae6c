"""The scheduler of periodic jobs (`core.scheduling`, `manage.py run_scheduler`): due jobs are claimed with
an atomic compare-and-set, so a job is enqueued once per due time even with several schedulers running."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django_tasks_db.models import DBTaskResult

from revoyure.core import scheduling
from revoyure.core.models import ScheduledJob
from revoyure.qualification import tasks

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def queued(path_end: str) -> int:
    return DBTaskResult.objects.filter(task_path__endswith=path_end).count()


@pytest.fixture
def jobs() -> dict[str, scheduling.Job]:
    job = scheduling.Job("test.daily", tasks.daily_qualification, dt.timedelta(days=1), at_hour=3)
    hourly = scheduling.Job("test.hourly", tasks.send_notices, dt.timedelta(hours=1), args=(0,))
    return {job.name: job, hourly.name: hourly}


def test_first_sight_creates_the_rows_and_runs_when_due(db: Any, jobs: dict[str, Any]) -> None:
    now = paris(2027, 5, 10, 14, 0)
    assert scheduling.run_due(now, jobs) == ["test.hourly"]  # no hour: runs at once
    rows = {j.name: j for j in ScheduledJob.objects.all()}
    assert rows["test.daily"].next_run_at == paris(2027, 5, 11, 3, 0)  # the next 3 o'clock
    assert rows["test.daily"].last_run_at is None
    assert rows["test.hourly"].next_run_at == now + dt.timedelta(hours=1)
    assert rows["test.hourly"].last_run_at == now
    assert queued("send_notices") == 1

    # Same time again: nothing is due any more.
    assert scheduling.run_due(now + dt.timedelta(minutes=5), jobs) == []
    assert scheduling.run_due(paris(2027, 5, 11, 3, 0), jobs) == ["test.daily", "test.hourly"]
    assert queued("daily_qualification") == 1 and queued("send_notices") == 2
    assert ScheduledJob.objects.get(name="test.daily").next_run_at == paris(2027, 5, 12, 3, 0)


def test_a_late_daily_run_keeps_its_hour_and_is_not_repeated(db: Any, jobs: dict[str, Any]) -> None:
    daily = {"test.daily": jobs["test.daily"]}
    scheduling.run_due(paris(2027, 5, 10, 1, 0), daily)
    # The scheduler was stopped for three days: one run, then back to 3 o'clock.
    assert scheduling.run_due(paris(2027, 5, 13, 16, 30), daily) == ["test.daily"]
    assert ScheduledJob.objects.get(name="test.daily").next_run_at == paris(2027, 5, 14, 3, 0)
    assert queued("daily_qualification") == 1


def test_daylight_saving_change_keeps_local_hour(db: Any, jobs: dict[str, Any]) -> None:
    daily = {"test.daily": jobs["test.daily"]}
    scheduling.run_due(paris(2027, 3, 27, 1, 0), daily)  # the night before summer time
    assert scheduling.run_due(paris(2027, 3, 27, 3, 0), daily) == ["test.daily"]
    next_run = ScheduledJob.objects.get(name="test.daily").next_run_at
    assert next_run.astimezone(PARIS) == paris(2027, 3, 28, 3, 0)
    assert next_run - paris(2027, 3, 27, 3, 0) == dt.timedelta(hours=23)


def test_register_validates_and_the_qualification_registers_its_daily_job() -> None:
    with pytest.raises(ValueError, match="positive"):
        scheduling.register("bad", tasks.send_notices, every=dt.timedelta(0))
    with pytest.raises(ValueError, match="at_hour"):
        scheduling.register("bad", tasks.send_notices, every=dt.timedelta(days=1), at_hour=24)
    job = scheduling.discover()[tasks.DAILY_JOB]
    assert job.task is tasks.daily_qualification
    assert job.every == dt.timedelta(days=1) and job.at_hour == tasks.DAILY_AT_HOUR


@pytest.mark.django_db(transaction=True)  # the command closes stale connections, as a long process must
def test_run_scheduler_once_enqueues_the_daily_job_once() -> None:
    # At 04:00, after the first sight at 02:00 set the next run to 03:00.
    with time_machine.travel(paris(2027, 5, 10, 2, 0), tick=False):
        call_command("run_scheduler", "--once", verbosity=0)
    assert queued("daily_qualification") == 0
    with time_machine.travel(paris(2027, 5, 10, 4, 0), tick=False):
        call_command("run_scheduler", "--once", verbosity=0)
        call_command("run_scheduler", "--once", verbosity=0)
    assert queued("daily_qualification") == 1


def _wait_if_locked(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    # See tests/qualification/test_tasks.py: SQLite's busy timeout, for the shared-cache test database.
    for _attempt in range(2000):
        try:
            return execute(sql, params, many, context)
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.005)
    return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
def test_concurrent_schedulers_enqueue_a_due_job_once(jobs: dict[str, Any]) -> None:
    count = 4
    now = paris(2027, 5, 10, 14, 0)
    hourly = {"test.hourly": jobs["test.hourly"]}
    start = threading.Barrier(count)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            start.wait()
            if connection.vendor == "sqlite":
                with connection.execute_wrapper(_wait_if_locked):
                    results.append(scheduling.run_due(now, hourly))
            else:
                results.append(scheduling.run_due(now, hourly))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    for round_ in range(3):  # first sight, then two later due times
        results.clear()
        threads = [threading.Thread(target=scheduler) for _ in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(results) == [[], [], [], ["test.hourly"]], round_
        assert queued("send_notices") == round_ + 1
        now += dt.timedelta(hours=1)
    assert ScheduledJob.objects.count() == 1
