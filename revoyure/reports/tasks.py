"""The daily job of the staff reports: reminders of the serious-incident deadlines (AI Act art. 73) to the
delegate and the committee members with an account, 5, 2 and 1 day(s) before and when overdue.

Each reminder is sent once: it is recorded as a `CaseStep` of kind "reminder" with its key, checked and
written while the report's row is locked (a no-op UPDATE first, which takes the write lock on SQLite too),
so two runs never both send it."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from revoyure.core import scheduling
from revoyure.core.mail import send_mail_safely
from revoyure.reports import access, services
from revoyure.reports.models import CaseStep, Report

logger = logging.getLogger(__name__)

DAILY_JOB = "reports.serious_incidents"
DAILY_AT_HOUR = 6
REMINDER_DAYS = (5, 2, 1)


def due_key(today: dt.date, deadline: dt.date) -> str | None:
    """The reminder owed today (a missed day is caught up by the next one): "5d" from 5 to 3 days before,
    "2d" 2 days before, "1d" the day before and on the day, "overdue" after."""
    left = (deadline - today).days
    if left < 0:
        return f"overdue:{deadline.isoformat()}"
    if left > REMINDER_DAYS[0]:
        return None
    if left > REMINDER_DAYS[1]:
        days = REMINDER_DAYS[0]
    elif left > REMINDER_DAYS[2]:
        days = REMINDER_DAYS[1]
    else:
        days = REMINDER_DAYS[2]
    return f"{days}d:{deadline.isoformat()}"


def _claim(report_id: int, key: str, recipients: int) -> CaseStep | None:
    with transaction.atomic():
        # Lock the report's row (also on SQLite, where the UPDATE takes the write lock) before checking.
        Report.objects.filter(pk=report_id).update(serious_deadline=F("serious_deadline"))
        Report.objects.select_for_update().filter(pk=report_id).first()
        if CaseStep.objects.filter(report_id=report_id, kind="reminder", data__key=key).exists():
            return None
        return CaseStep.objects.create(
            report_id=report_id,
            kind="reminder",
            at=timezone.now(),
            by=None,
            note="",
            data={"key": key, "recipients": recipients},
        )


def send_serious_reminders(today: dt.date) -> int:
    """Send each reminder owed today once. Returns the number sent."""
    sent = 0
    pending = Report.objects.filter(
        serious_incident=True,
        authority_notified_on__isnull=True,
        serious_deadline__isnull=False,
        serious_deadline__lte=today + dt.timedelta(days=REMINDER_DAYS[0]),
    ).select_related("organisation", "tool")
    for report in pending:
        deadline = report.serious_deadline
        key = due_key(today, deadline) if deadline is not None else None
        if key is None or deadline is None:
            continue
        recipients = access.instructors_emails(report.organisation)
        if _claim(report.pk, key, len(recipients)) is None:
            continue
        left = (deadline - today).days
        if left < 0:
            subject = _("Overdue: serious incident %(ref)s not notified to the authority") % {
                "ref": report.reference
            }
        else:
            subject = _("Serious incident %(ref)s: notify the authority within %(days)d day(s)") % {
                "ref": report.reference,
                "days": left,
            }
        text = "\n".join(
            [
                _(
                    "The serious incident %(ref)s (%(kind)s) must be notified to the market surveillance "
                    "authority by %(date)s (AI Act art. 73)."
                )
                % {
                    "ref": report.reference,
                    "kind": report.get_serious_kind_display(),
                    "date": deadline.isoformat(),
                },
                _("Record the notification on the report once it is made."),
                "",
                services.case_url(report),
            ]
        )
        if recipients and send_mail_safely(subject, text, recipients):
            sent += 1
    return sent


def run_daily(today: dt.date | None = None) -> dict[str, int]:
    return {"reminders": send_serious_reminders(today or services.today())}


@task()
def daily_reports() -> dict[str, int]:
    return run_daily()


scheduling.register(DAILY_JOB, daily_reports, every=dt.timedelta(days=1), at_hour=DAILY_AT_HOUR)
