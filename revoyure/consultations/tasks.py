"""The consultations' daily job: opinions deemed negative when a deadline passes (R2312-6) and reminders
7 days and 1 day before each deadline.

Both are safe with several schedulers or workers: a body is claimed with a conditional UPDATE
(`... WHERE opinion = ''`), so only one run marks it; a reminder is claimed by inserting its
`ConsultationReminder` row (unique per body and key), so it is sent once."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_tasks import task

from revoyure.consultations import services
from revoyure.consultations.models import (
    BodyConsultation,
    ConsultationReminder,
    ConsultationStatus,
    Opinion,
    Purpose,
)
from revoyure.core import audit, scheduling
from revoyure.core.mail import send_mail_safely
from revoyure.core.permissions import Role
from revoyure.organisations.models import Membership

logger = logging.getLogger(__name__)

DAILY_JOB = "consultations.daily"
DAILY_AT_HOUR = 4
REMINDER_DAYS = (7, 1)
REMINDER_ROLES = (Role.ORG_ADMIN, Role.DELEGATE, Role.MANAGEMENT)


def _pending() -> Q:
    return Q(
        purpose=Purpose.CONSULTATION,
        opinion="",
        deadline__isnull=False,
        consultation__status=ConsultationStatus.OPEN,
    )


def deem_negative(today: dt.date) -> int:
    """Bodies whose deadline has passed without an opinion are deemed to have given a negative one, dated
    the deadline; their consultation closes when every body is complete. Returns the number marked."""
    marked = 0
    for body_id in BodyConsultation.objects.filter(_pending(), deadline__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            body = BodyConsultation.objects.select_related("consultation").get(pk=body_id)
            claimed = BodyConsultation.objects.filter(pk=body_id, opinion="", deadline=body.deadline).update(
                opinion=Opinion.DEEMED_NEGATIVE, opinion_on=body.deadline
            )
            if not claimed:
                continue  # another run got there first, or an opinion was recorded meanwhile
            body.refresh_from_db()
            body._history_user = None  # type: ignore[attr-defined]
            body._change_reason = _("Deadline passed: deemed negative opinion (R2312-6)")  # type: ignore[attr-defined]
            body.save(update_fields=["opinion", "opinion_on"])  # the history row of the change
            audit.record(
                "consultation.deemed_negative",
                organisation_id=body.consultation.organisation_id,
                obj=body,
                data={
                    "consultation": body.consultation_id,
                    "tool": body.consultation.tool_id,
                    "body": body.pk,
                    "deadline": body.deadline.isoformat() if body.deadline else None,
                },
            )
            services.maybe_close(body.consultation, None)
            marked += 1
    return marked


def _key(days: int, deadline: dt.date) -> str:
    return f"{days}d:{deadline.isoformat()}"


def _due_key(today: dt.date, deadline: dt.date) -> str | None:
    """The reminder owed today: the 7-day one from 7 days before until 2 days before (a missed day is
    caught up), the 1-day one the day before and on the day."""
    left = (deadline - today).days
    if 1 < left <= REMINDER_DAYS[0]:
        return _key(REMINDER_DAYS[0], deadline)
    if 0 <= left <= REMINDER_DAYS[1]:
        return _key(REMINDER_DAYS[1], deadline)
    return None


def _recipients(body: BodyConsultation) -> list[str]:
    consultation = body.consultation
    emails = set(
        Membership.objects.filter(
            organisation_id=consultation.organisation_id, role__in=REMINDER_ROLES, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    if consultation.opened_by is not None and consultation.opened_by.is_active:
        emails.add(consultation.opened_by.email)
    return sorted(e for e in emails if e)


def send_reminders(today: dt.date) -> int:
    """Send each reminder owed today once. Returns the number sent."""
    sent = 0
    bodies = BodyConsultation.objects.filter(
        _pending(), deadline__gte=today, deadline__lte=today + dt.timedelta(days=REMINDER_DAYS[0])
    ).select_related(
        "consultation__tool", "consultation__organisation", "consultation__opened_by", "staff_body"
    )
    for body in bodies:
        if body.deadline is None:
            continue
        key = _due_key(today, body.deadline)
        if key is None or ConsultationReminder.objects.filter(body=body, key=key).exists():
            continue
        try:
            with transaction.atomic():
                reminder = ConsultationReminder.objects.create(body=body, key=key)
        except IntegrityError:
            continue  # claimed by a concurrent run
        recipients = _recipients(body)
        consultation = body.consultation
        left = (body.deadline - today).days
        subject = _("Consultation deadline in %(days)d day(s): %(body)s — %(tool)s") % {
            "days": left,
            "body": body.staff_body,
            "tool": consultation.tool.name,
        }
        text = "\n".join(
            [
                _("The opinion of the %(body)s on “%(subject)s” is due on %(date)s (%(basis)s).")
                % {
                    "body": body.staff_body,
                    "subject": consultation.subject,
                    "date": body.deadline.isoformat(),
                    "basis": body.deadline_basis,
                },
                _(
                    "Without an opinion by then, the body is deemed to have given a negative opinion (R2312-6)."
                ),
                "",
                services.consultation_url(consultation),
            ]
        )
        if recipients and send_mail_safely(subject, text, recipients):
            ConsultationReminder.objects.filter(pk=reminder.pk).update(
                sent_at=services.timezone.now(), recipients=len(recipients)
            )
            sent += 1
    return sent


def run_daily(today: dt.date | None = None) -> dict[str, int]:
    today = today or services.today()
    return {"deemed_negative": deem_negative(today), "reminders": send_reminders(today)}


@task()
def daily_consultations() -> dict[str, int]:
    return run_daily()


scheduling.register(DAILY_JOB, daily_consultations, every=dt.timedelta(days=1), at_hour=DAILY_AT_HOUR)
