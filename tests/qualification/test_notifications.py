"""E-mail notices about obligations: which reminders are owed when, who receives them, one digest per
person, sent once, released for a retry when the mail server fails. Delivered to a real SMTP server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from revoyure.organisations.models import Membership
from revoyure.qualification import notifications
from revoyure.qualification.models import NoticeKind, Obligation, ObligationNotice
from revoyure.qualification.rules import rule_set
from tests.conftest import Personas

TODAY = dt.date(2027, 3, 1)


def at(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC), tick=False)


def obligation(personas: Personas, tool: Any, rule_id: str = "CT-4", **values: Any) -> Obligation:
    defaults = {
        "family": "labour_code",
        "state": "applies",
        "status": "to_do",
        "responsible": "employer",
        "due_on": TODAY + dt.timedelta(days=20),
        "evaluated_at": timezone.now(),
    }
    row, _created = Obligation.objects.update_or_create(
        organisation=personas.org, tool=tool, rule_id=rule_id, defaults={**defaults, **values}
    )
    return row


@pytest.fixture
def tool(tool: Any) -> Any:
    """The shared tool, without the obligations its first evaluation gave it: each test sets its own."""
    Obligation.objects.all().delete()
    return tool


def notices() -> set[tuple[str, str, str]]:
    return set(ObligationNotice.objects.values_list("obligation__rule_id", "kind", "key"))


def recipients_of(inbox: Any) -> list[str]:
    return sorted(str(m["To"]) for m in inbox.messages)


# Queueing the reminders ---------------------------------------------------------------------------------


def test_queueing_twice_creates_the_notices_once(personas: Personas, tool: Any) -> None:
    obligation(personas, tool, "CT-4", due_on=TODAY + dt.timedelta(days=20))
    obligation(personas, tool, "AIA-08", due_on=TODAY - dt.timedelta(days=3))
    notifications.queue_due_notices(TODAY)
    notifications.queue_due_notices(TODAY)
    assert ObligationNotice.objects.count() == 2
    assert notices() == {
        ("CT-4", NoticeKind.APPROACHING, f"{TODAY + dt.timedelta(days=20)}/30"),
        ("AIA-08", NoticeKind.OVERDUE, (TODAY - dt.timedelta(days=3)).isoformat()),
    }


def test_approaching_at_30_then_7_days_then_overdue(personas: Personas, tool: Any) -> None:
    due = TODAY + dt.timedelta(days=40)
    o = obligation(personas, tool, due_on=due)
    for days_before, expected in [
        (31, set()),
        (30, {f"{due}/30"}),
        (8, {f"{due}/30"}),
        (7, {f"{due}/30", f"{due}/7"}),
        (0, {f"{due}/30", f"{due}/7"}),
        (-1, {f"{due}/30", f"{due}/7", due.isoformat()}),
        (-5, {f"{due}/30", f"{due}/7", due.isoformat()}),
    ]:
        day = due - dt.timedelta(days=days_before)
        with at(day):
            notifications.queue_due_notices(timezone.localdate())
        assert set(o.notices.values_list("key", flat=True)) == expected, days_before
    assert set(o.notices.values_list("kind", flat=True)) == {NoticeKind.APPROACHING, NoticeKind.OVERDUE}


def test_a_moved_deadline_owes_new_reminders(personas: Personas, tool: Any) -> None:
    o = obligation(personas, tool, due_on=TODAY + dt.timedelta(days=5))
    notifications.queue_due_notices(TODAY)
    Obligation.objects.filter(pk=o.pk).update(due_on=TODAY + dt.timedelta(days=6))
    notifications.queue_due_notices(TODAY)
    assert sorted(o.notices.values_list("key", flat=True)) == [
        f"{TODAY + dt.timedelta(days=5)}/7",
        f"{TODAY + dt.timedelta(days=6)}/7",
    ]


def test_no_reminder_for_done_lapsed_undated_or_distant_obligations(personas: Personas, tool: Any) -> None:
    obligation(personas, tool, "R-DONE", status="done", due_on=TODAY)
    obligation(personas, tool, "R-NA", status="not_applicable", due_on=TODAY)
    obligation(personas, tool, "R-LAPSED", state="lapsed", due_on=TODAY)
    obligation(personas, tool, "R-CLARIFY", state="to_clarify", due_on=TODAY)
    obligation(personas, tool, "R-NODATE", due_on=None)
    obligation(personas, tool, "R-FAR", due_on=TODAY + dt.timedelta(days=31))
    obligation(personas, tool, "R-NEAR", due_on=TODAY + dt.timedelta(days=2))
    notifications.queue_due_notices(TODAY)
    assert {rule for rule, _kind, _key in notices()} == {"R-NEAR"}


def test_queueing_for_one_organisation_leaves_the_others(personas: Personas, tool: Any) -> None:
    obligation(personas, tool, due_on=TODAY)
    Obligation.objects.create(
        organisation=personas.other_org,
        rule_id="CT-4",
        family="labour_code",
        state="applies",
        responsible="employer",
        due_on=TODAY,
        evaluated_at=timezone.now(),
    )
    notifications.queue_due_notices(TODAY, personas.other_org.pk)
    assert list(ObligationNotice.objects.values_list("organisation_id", flat=True)) == [personas.other_org.pk]


# Sending ------------------------------------------------------------------------------------------------


def queue(o: Obligation, kind: str = NoticeKind.APPEARED, key: str = "") -> ObligationNotice:
    return ObligationNotice.objects.create(
        organisation_id=o.organisation_id, obligation=o, kind=kind, key=key
    )


def test_one_digest_per_responsible_person(personas: Personas, tool: Any, smtp_server: Any) -> None:
    employer = obligation(personas, tool, "CT-4", responsible="employer")
    staff = obligation(personas, tool, "AIA-08", responsible="staff_body", due_on=TODAY)
    queue(employer)
    queue(employer, NoticeKind.APPROACHING, "x/30")
    queue(staff)

    assert notifications.send_pending_notices(personas.org.pk) == 4

    # Delegate: always; admin and management: the employer's duty; staff rep: the staff body's duty.
    assert recipients_of(smtp_server) == [
        "admin@acme.example",
        "delegate@acme.example",
        "manager@acme.example",
        "staff_rep@acme.example",
    ]
    by_person = {str(m["To"]): m for m in smtp_server.messages}
    delegate_text = by_person["delegate@acme.example"].get_body(("plain",)).get_content()
    assert "[CT-4]" in delegate_text and "[AIA-08]" in delegate_text
    assert delegate_text.count("[CT-4]") == 1  # two notices about one obligation: listed once
    assert "Planning assistant" in delegate_text
    assert "http://" in delegate_text and f"/o/{personas.org.slug}/" in delegate_text
    staff_text = by_person["staff_rep@acme.example"].get_body(("plain",)).get_content()
    assert "[AIA-08]" in staff_text and "[CT-4]" not in staff_text
    html = by_person["manager@acme.example"].get_body(("html",)).get_content()
    assert "<table>" in html and "CT-4" in html and "AIA-08" not in html

    rows = {n.obligation.rule_id + n.kind: n for n in ObligationNotice.objects.select_related("obligation")}
    assert all(n.sent_at is not None and n.claimed_by for n in rows.values())
    assert rows["CT-4appeared"].recipients == 3
    assert rows["AIA-08appeared"].recipients == 2

    # Nothing left: a second run sends nothing.
    assert notifications.send_pending_notices(personas.org.pk) == 0
    assert len(smtp_server.messages) == 4


def test_digest_in_the_installation_language(
    personas: Personas, tool: Any, smtp_server: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "fr"
    queue(obligation(personas, tool, "CT-4"))
    notifications.send_pending_notices(personas.org.pk)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    rule = rule_set().by_id["CT-4"]
    assert rule.text("fr") != rule.text("en")
    assert rule.text("fr") in text and rule.title_text("fr") in text  # the rule's own French text


def test_inactive_people_and_other_organisations_are_not_told(
    personas: Personas, tool: Any, smtp_server: Any
) -> None:
    personas.manager.is_active = False
    personas.manager.save()
    Membership.objects.create(organisation=personas.other_org, user=personas.staff_rep, role="delegate")
    queue(obligation(personas, tool, "CT-4"))
    notifications.send_pending_notices(personas.org.pk)
    assert recipients_of(smtp_server) == ["admin@acme.example", "delegate@acme.example"]
    assert notifications.send_pending_notices(personas.other_org.pk) == 0


def test_notices_about_obligations_since_done_are_dropped(
    personas: Personas, tool: Any, smtp_server: Any
) -> None:
    done = obligation(personas, tool, "CT-4", status="done")
    notice = queue(done)
    assert notifications.send_pending_notices(personas.org.pk) == 0
    assert smtp_server.messages == []
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.recipients == 0


def test_a_failed_send_releases_the_claim_for_a_retry(
    personas: Personas, tool: Any, smtp_server: Any, settings: Any
) -> None:
    notice = queue(obligation(personas, tool, "CT-4"))
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = notifications_closed_port()
    assert notifications.send_pending_notices(personas.org.pk) == 0
    notice.refresh_from_db()
    assert notice.sent_at is None and notice.claimed_at is None and notice.claimed_by == ""

    settings.EMAIL_PORT = real_port
    assert notifications.send_pending_notices(personas.org.pk) == 3
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.recipients == 3


def test_a_retry_after_a_partial_failure_reaches_only_the_people_not_reached(
    personas: Personas, tool: Any, smtp_server: Any
) -> None:
    notice = queue(obligation(personas, tool, "CT-4"))
    smtp_server.refused = {personas.manager.email}
    assert notifications.send_pending_notices(personas.org.pk) == 2
    notice.refresh_from_db()
    assert notice.sent_at is None  # released for the person not reached

    smtp_server.refused = set()
    assert notifications.send_pending_notices(personas.org.pk) == 1
    recipients = [m["To"] for m in smtp_server.messages]
    assert sorted(recipients) == sorted({*recipients})  # nobody told twice
    assert personas.manager.email in recipients
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.recipients == 3


def test_a_stale_claim_is_taken_over(personas: Personas, tool: Any, smtp_server: Any) -> None:
    """A worker that died after claiming leaves its notices claimed: after CLAIM_TIMEOUT they are sent."""
    notice = queue(obligation(personas, tool, "CT-4"))
    ObligationNotice.objects.filter(pk=notice.pk).update(claimed_by="dead", claimed_at=timezone.now())
    assert notifications.send_pending_notices(personas.org.pk) == 0
    ObligationNotice.objects.filter(pk=notice.pk).update(
        claimed_at=timezone.now() - notifications.CLAIM_TIMEOUT - dt.timedelta(minutes=1)
    )
    assert notifications.send_pending_notices(personas.org.pk) == 3


def notifications_closed_port() -> int:
    from tests.conftest import _free_port

    return _free_port()  # bound then released: nothing listens there
