"""The trigger fan-out part of `make bench` (issue 6 §5; PRODUCT.md §4: « one vendor event reaching 10,000
organisations schedules all review meetings and queues all notifications in ≤ 10 s »).

Run in its own process per database (Django is set up once per process): `python -m bench.fanout URL`.
1. Migrates a fresh database and builds BENCH_FANOUT_ORGS (10,000) organisations, each using the vendor's
   product (one tool in service) with an agreement and an active review clause in scope, plus a tenth of
   them with a webhook endpoint subscribed to "review.meeting_scheduled" (building is not timed).
2. Times one confirmed installation event going through `fanout.fan_out_event` — the task the worker runs —
   until everything is committed and queued: the meetings, their tools, their invitation notices (the
   outbox), their history rows, the audit entries, the webhook deliveries, and the sending tasks.
3. The same event again (a second run) must schedule nothing; then a second event is processed by two
   real database workers at once (django-tasks-db's Worker, two threads with their own connections), and
   the counts must show exactly one meeting per organisation and per event.

Prints one JSON line with the figures on its last line (bench.run reads it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
import time
from typing import Any

TARGET_SECONDS = 10.0
DEFAULT_ORGANISATIONS = 10_000
WEBHOOK_EVERY = 10  # one organisation in ten has a webhook endpoint
BATCH = 2000


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revoyure.settings")
    os.environ["DB_CONN_MAX_AGE"] = "0"
    os.environ["DEBUG"] = "false"  # as in production: no SQL kept for the debug page
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(organisations: int) -> Any:
    """The organisations, each with the vendor's tool in service, an agreement and a clause."""
    from revoyure.organisations.models import Agreement, Organisation
    from revoyure.registry.models import Tool, Vendor
    from revoyure.reviews.models import ReviewClause
    from revoyure.webhooks.models import WebhookEndpoint

    vendor = Vendor.objects.create(name="Bench AI Vendor")
    Organisation.objects.bulk_create(
        [Organisation(name=f"Fan-out {i:05d}", slug=f"fanout-{i:05d}") for i in range(organisations)],
        batch_size=BATCH,
    )
    org_ids = list(
        Organisation.objects.filter(slug__startswith="fanout-").order_by("pk").values_list("pk", flat=True)
    )
    Tool.objects.bulk_create(
        [
            Tool(organisation_id=o, name="Assistant Copilot", vendor=vendor, status="in_service")
            for o in org_ids
        ],
        batch_size=BATCH,
    )
    Agreement.objects.bulk_create(
        [
            Agreement(organisation_id=o, title="Accord sur l'IA", signed_on=dt.date(2026, 1, 1))
            for o in org_ids
        ],
        batch_size=BATCH,
    )
    agreements = dict(Agreement.objects.values_list("organisation_id", "pk"))
    ReviewClause.objects.bulk_create(
        [
            ReviewClause(
                organisation_id=o,
                agreement_id=agreements[o],
                title="Clause de revoyure",
                triggers=["vendor_instructions_update", "vendor_post_market_evaluation", "tool_new_version"],
                notice_days=15,
            )
            for o in org_ids
        ],
        batch_size=BATCH,
    )
    WebhookEndpoint.objects.bulk_create(
        [
            WebhookEndpoint(
                organisation_id=o,
                url="https://hooks.example/revoyure",
                events=["review.meeting_scheduled"],
                secret="whsec_YmVuY2g=",  # noqa: S106  (a bench value, never used to sign)
            )
            for o in org_ids[::WEBHOOK_EVERY]
        ],
        batch_size=BATCH,
    )
    return vendor


def confirmed_event(vendor: Any, kind: str, title: str) -> int:
    from revoyure.reviews.services_events import create_event

    # Created pending, then confirmed without the on-commit enqueue, so the timed part is the task itself.
    event, _ = create_event(
        organisation_id=None,
        kind=kind,
        origin="manual",
        title=title,
        occurred_on=dt.date(2026, 11, 20),
        vendor=vendor,
    )
    type(event).objects.filter(pk=event.pk).update(status="confirmed")
    return int(event.pk)


def counts(event_id: int) -> dict[str, int]:
    from django_tasks_db.models import DBTaskResult

    from revoyure.core.models import AuditEntry
    from revoyure.reviews.models import MeetingNotice, ReviewMeeting
    from revoyure.webhooks.models import WebhookDelivery

    meetings = ReviewMeeting.objects.filter(event_id=event_id)
    return {
        "meetings": meetings.count(),
        "distinct_organisations": meetings.values("organisation_id").distinct().count(),
        "meeting_tools": ReviewMeeting.tools.through.objects.filter(reviewmeeting__event_id=event_id).count(),
        "notices": MeetingNotice.objects.filter(meeting__event_id=event_id).count(),
        "history_rows": ReviewMeeting.history.filter(event_id=event_id).count(),
        "audit_entries": AuditEntry.objects.filter(action="review.meeting_scheduled").count(),
        "webhook_deliveries": WebhookDelivery.objects.filter(
            dedupe_key__startswith="review.meeting_scheduled:"
        ).count(),
        "queued_tasks": DBTaskResult.objects.count(),
    }


def _worker(worker_id: str) -> Any:
    from django_tasks_db.management.commands.db_worker import Worker

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


def two_workers(event_id: int) -> tuple[float, list[str]]:
    """Enqueue the fan-out of `event_id` twice and let two real workers take the tasks at once; only the
    fan-out tasks are queued (the sending tasks they enqueue are drained too, without SMTP: the bench has
    no participants with e-mail addresses)."""
    from django.db import connections
    from django_tasks_db.models import DBTaskResult

    from revoyure.reviews.tasks import fan_out
    from revoyure.webhooks.models import WebhookEndpoint

    # The machine has no network: deliveries to hooks.example would only fail. The first event measured
    # the queueing of deliveries; this part measures the workers.
    WebhookEndpoint.objects.all().delete()
    DBTaskResult.objects.all().delete()
    fan_out.enqueue(event_id)
    fan_out.enqueue(event_id)
    errors: list[str] = []
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        try:
            barrier.wait()
            _worker(name).run()
        except BaseException as exc:  # reported, not lost in the thread
            errors.append(repr(exc))
        finally:
            connections.close_all()

    began = time.perf_counter()
    threads = [threading.Thread(target=run, args=(f"bench-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = DBTaskResult.objects.exclude(status="SUCCESSFUL")
    errors += [f"task {r.task_path} {r.status}" for r in failed]
    return time.perf_counter() - began, errors


def main(database_url: str) -> dict[str, Any]:
    _setup(database_url)
    from django.db import connection

    from revoyure.reviews import fanout

    organisations = int(os.environ.get("BENCH_FANOUT_ORGS", DEFAULT_ORGANISATIONS))
    began = time.perf_counter()
    vendor = build(organisations)
    built = time.perf_counter() - began

    first = confirmed_event(vendor, "vendor_instructions_update", "Notice d'utilisation v5")
    began = time.perf_counter()
    scheduled = fanout.fan_out_event(first)  # commits, then enqueues the sending tasks
    seconds = time.perf_counter() - began
    after_first = counts(first)

    began = time.perf_counter()
    again = fanout.fan_out_event(first)
    again_seconds = time.perf_counter() - began
    after_again = counts(first)

    second = confirmed_event(vendor, "vendor_post_market_evaluation", "Évaluation après commercialisation")
    workers_seconds, worker_errors = two_workers(second)
    after_workers = counts(second)

    ok = (
        scheduled == organisations
        and after_first["meetings"] == after_first["distinct_organisations"] == organisations
        and after_first["notices"] == after_first["history_rows"] == organisations
        and again == 0
        and after_again["meetings"] == organisations
        and after_again["notices"] == organisations
        and after_workers["meetings"] == after_workers["distinct_organisations"] == organisations
        and after_workers["notices"] == organisations
        and not worker_errors
    )
    return {
        "database": connection.vendor,
        "organisations": organisations,
        "build_seconds": round(built, 1),
        "seconds": round(seconds, 2),
        "target_met": seconds <= TARGET_SECONDS,
        "scheduled": scheduled,
        "after_first": after_first,
        "same_event_again": {"scheduled": again, "seconds": round(again_seconds, 2), **after_again},
        "two_workers": {"seconds": round(workers_seconds, 2), "errors": worker_errors, **after_workers},
        "no_duplicates": ok,
    }


def report(figures: dict[str, Any], say: Any) -> None:
    if not figures.get("available", True):
        say(f"fan-out on {figures.get('label')}: not available ({figures.get('reason')})")
        return
    first = figures["after_first"]
    say(
        f"fan-out on {figures['database']}: one vendor event × {figures['organisations']} organisations → "
        f"{first['meetings']} meetings, {first['notices']} invitations queued, {first['webhook_deliveries']} "
        f"webhook deliveries, {first['queued_tasks']} tasks in {figures['seconds']:.2f} s "
        f"(≤ {TARGET_SECONDS:.0f} s {'PASS' if figures['target_met'] else 'FAIL'})"
    )
    again, workers = figures["same_event_again"], figures["two_workers"]
    say(
        f"  same event again: {again['scheduled']} new in {again['seconds']:.2f} s; two workers on a second "
        f"event: {workers['meetings']} meetings for {workers['distinct_organisations']} organisations in "
        f"{workers['seconds']:.2f} s; duplicates: {'none' if figures['no_duplicates'] else 'FOUND'}"
    )


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
