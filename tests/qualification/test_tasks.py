"""The qualification's background work through the real database worker of django-tasks-db: notices sent
exactly once by several concurrent workers, the daily pass, and a fact change that ends as an e-mail
delivered to a real SMTP server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from revoyure.organisations.models import StaffBody
from revoyure.qualification import services, tasks
from revoyure.qualification.models import NoticeKind, Obligation, ObligationNotice, ToolQualification
from revoyure.registry import services as registry_services
from tests.conftest import Personas
from tests.worker_support import run_workers


def obligation(personas: Personas, tool: Any, rule_id: str, **values: Any) -> Obligation:
    defaults = {
        "family": "labour_code",
        "state": "applies",
        "responsible": "employer",
        "due_on": timezone.localdate() + dt.timedelta(days=3),
        "evaluated_at": timezone.now(),
    }
    row, _created = Obligation.objects.update_or_create(
        organisation=personas.org, tool=tool, rule_id=rule_id, defaults={**defaults, **values}
    )
    return row


@pytest.mark.django_db(transaction=True)
def test_several_workers_send_each_notice_exactly_once(
    personas: Personas, tool: Any, smtp_server: Any
) -> None:
    DBTaskResult.objects.all().delete()
    ObligationNotice.objects.all().delete()
    employer = obligation(personas, tool, "CT-4")
    staff = obligation(personas, tool, "AIA-08", responsible="staff_body")
    other_tool = registry_services.create_tool(personas.org, personas.delegate, {"name": "Second"}, "test")
    third = obligation(personas, other_tool, "CT-4")
    for o in (employer, staff, third):
        ObligationNotice.objects.create(organisation=personas.org, obligation=o, kind=NoticeKind.APPEARED)
    ObligationNotice.objects.create(
        organisation=personas.org, obligation=employer, kind=NoticeKind.APPROACHING, key="k/7"
    )
    DBTaskResult.objects.all().delete()  # what creating the second tool queued: only ours below
    for _ in range(6):
        tasks.send_notices.enqueue(personas.org.pk)

    errors = run_workers(3)

    assert errors == []
    results = DBTaskResult.objects.all()
    assert [r.status for r in results] == ["SUCCESSFUL"] * 6
    # Every task ran on one worker, and the work was spread or not, but never repeated.
    assert sum(r.return_value for r in results) == 4  # e-mails sent in total
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        "admin@acme.example",
        "delegate@acme.example",
        "manager@acme.example",
        "staff_rep@acme.example",
    ]
    delegate = next(m for m in smtp_server.messages if m["To"] == "delegate@acme.example")
    text = delegate.get_body(("plain",)).get_content()
    assert text.count("[CT-4]") == 2 and text.count("[AIA-08]") == 1  # one digest with all three
    sent = ObligationNotice.objects.all()
    assert len(sent) == 4 and all(n.sent_at is not None for n in sent)
    assert len({n.claimed_by for n in sent}) == 1  # claimed together, by one worker's single UPDATE


def told_about(rule_id: str, inbox: Any) -> list[str]:
    return sorted(
        str(m["To"]) for m in inbox.messages if f"[{rule_id}]" in m.get_body(("plain",)).get_content()
    )


def _cse_organisation(personas: Personas, tool: Any) -> None:
    """Facts under which CT-4 (consultation of the CSE) applies once the tool is new technology."""
    org = personas.org
    org.headcount = 80
    org.save()
    StaffBody.objects.create(organisation=org, kind="cse", name="CSE")
    ToolQualification.objects.update_or_create(
        tool=tool,
        defaults={"organisation": org, "answers": {"sys.consultation_info_date": "2026-01-31"}},
    )
    services.reevaluate_organisation(org)


@pytest.mark.django_db(transaction=True)
def test_a_fact_change_ends_as_an_e_mail(personas: Personas, tool: Any, smtp_server: Any) -> None:
    _cse_organisation(personas, tool)
    ObligationNotice.objects.all().delete()
    DBTaskResult.objects.all().delete()
    smtp_server.messages.clear()

    registry_services.update_tool(tool, personas.delegate, {"new_technology_for_org": "yes"}, "New to us")

    ct4 = Obligation.objects.get(tool=tool, rule_id="CT-4")
    assert ct4.state == "applies" and ct4.due_on == dt.date(2026, 2, 28)
    notice = ObligationNotice.objects.get(obligation=ct4)
    assert notice.kind == NoticeKind.APPEARED and notice.sent_at is None
    assert smtp_server.messages == []  # nothing is sent by the request itself: the worker sends

    assert run_workers(2) == []

    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.recipients == 3
    # Other rules may have appeared with the same change (and reached other roles): CT-4, the employer's
    # duty, reached the delegate, management and the administrator, in one e-mail each.
    assert told_about("CT-4", smtp_server) == [
        "admin@acme.example",
        "delegate@acme.example",
        "manager@acme.example",
    ]
    assert len(smtp_server.messages) == len({m["To"] for m in smtp_server.messages})


def test_the_daily_pass_reevaluates_and_reminds(
    personas: Personas, tool: Any, smtp_server: Any, run_workers_inline: Any
) -> None:
    """Dates pass: the daily job re-evaluates every organisation and queues and sends the reminders."""
    _cse_organisation(personas, tool)
    registry_services.update_tool(tool, personas.delegate, {"new_technology_for_org": "yes"}, "New to us")
    assert run_workers_inline() >= 1  # the "appeared" e-mails, sent now
    ct4 = Obligation.objects.get(tool=tool, rule_id="CT-4")  # due 2026-02-28
    responsible = ["admin@acme.example", "delegate@acme.example", "manager@acme.example"]

    def daily_pass(day: dt.date) -> list[str]:
        smtp_server.messages.clear()
        DBTaskResult.objects.all().delete()
        with time_machine.travel(dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC), tick=False):
            tasks.daily_qualification.enqueue()
            run_workers_inline()
        return told_about("CT-4", smtp_server)

    assert daily_pass(dt.date(2026, 1, 28)) == []  # 31 days before: nothing owed yet
    assert daily_pass(dt.date(2026, 2, 1)) == responsible  # 27 days before: the 30-day reminder
    assert set(ct4.notices.values_list("kind", "key")) == {
        (NoticeKind.APPEARED, ""),
        (NoticeKind.APPROACHING, "2026-02-28/30"),
    }
    # One task per organisation: the fan-out reached both.
    fanned = DBTaskResult.objects.filter(task_path__endswith="daily_organisation")
    assert sorted(r.task_result.args[0] for r in fanned) == sorted([personas.org.pk, personas.other_org.pk])

    assert daily_pass(dt.date(2026, 2, 21)) == responsible  # 7 days before
    assert daily_pass(dt.date(2026, 2, 22)) == []  # nothing new the next day
    assert daily_pass(dt.date(2026, 3, 2)) == responsible  # overdue
    assert set(ct4.notices.values_list("kind", "key")) == {
        (NoticeKind.APPEARED, ""),
        (NoticeKind.APPROACHING, "2026-02-28/30"),
        (NoticeKind.APPROACHING, "2026-02-28/7"),
        (NoticeKind.OVERDUE, "2026-02-28"),
    }
    assert not ObligationNotice.objects.filter(sent_at__isnull=True).exists()
