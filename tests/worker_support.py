"""The real database worker of django-tasks-db, run inside tests: several workers at once, each in its own
thread and connection (`run_workers`), or one in the test's own transaction (`run_workers_inline`)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import OperationalError, connection, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def worker(worker_id: str) -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def _wait_if_locked(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """Test-only stand-in for SQLite's busy timeout. The test database is in memory in shared-cache mode
    (how Django lets threads share it), where a lock held by another connection fails at once with
    "database table is locked" instead of waiting `timeout` seconds as the file database of a real
    installation does. With `transaction_mode = IMMEDIATE` (settings), every transaction takes the write
    lock when it begins, so waiting here serialises the writers without any risk of deadlock."""
    for _attempt in range(2000):
        try:
            return execute(sql, params, many, context)
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.005)
    return execute(sql, params, many, context)


def run_workers(count: int) -> list[BaseException]:
    """Run `count` workers at once, each in its own thread with its own database connection, until the
    queue is empty. (`manage.py db_worker` installs signal handlers, which only the main thread may do,
    so the threads run its `Worker` directly — the same loop the command runs.)"""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            if connection.vendor == "sqlite":
                with connection.execute_wrapper(_wait_if_locked):
                    worker(f"w{i}").run()
            else:
                worker(f"w{i}").run()
        except BaseException as exc:  # reported to the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.fixture
def run_workers_inline(monkeypatch: Any) -> Any:
    """One worker in the test's own thread and transaction (for tests that are not transactional). The
    worker closes connections it finds inside a transaction between tasks — here, the test's own."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def run() -> int:
        before = DBTaskResult.objects.filter(status="SUCCESSFUL").count()
        worker("inline").run()
        failed = DBTaskResult.objects.filter(status="FAILED")
        assert not failed.exists(), list(failed.values_list("traceback", flat=True))
        return int(DBTaskResult.objects.filter(status="SUCCESSFUL").count() - before)

    return run
