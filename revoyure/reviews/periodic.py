"""The daily work of the review clauses: minimum-frequency meetings and reminders of measures.

A clause may require a meeting "at least every N months" even when no event occurred (issue 6 §3:
"minimum-frequency meetings are scheduled when no event occurred"). Each day, for every active clause with
`minimum_frequency_months`, if no meeting of the clause (whatever its reason, unless cancelled) started
within the last N months and none is planned, a meeting is scheduled with the periodic agenda, its
invitation queued. Its `period_due_on` (the last meeting's date, or the clause's creation date, plus N
months) is unique per clause: two schedulers or workers running the job at once insert it once.

The measures decided at a meeting are followed until done (the roadmap's fourth point: « caler le suivi de
la mise en place de ces mesures »): an open measure due within a week, or late, is reminded to its owner by e-mail
at most once every 7 days, the reminder claimed by a compare-and-set on `last_reminded_on`."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from revoyure.consultations.deadlines import add_months
from revoyure.core import audit
from revoyure.core.mail import send_mail_safely
from revoyure.organisations.models import Membership
from revoyure.registry.models import Tool
from revoyure.reviews import agenda, fanout, notices
from revoyure.reviews.matching import ClauseRow, ToolRow, in_scope
from revoyure.reviews.models import (
    Measure,
    MeasureStatus,
    MeetingNotice,
    MeetingReason,
    MeetingStatus,
    NoticeKind,
    ReviewClause,
    ReviewMeeting,
)
from revoyure.webhooks import services as webhooks

logger = logging.getLogger(__name__)

BATCH = 1000
REMINDER_WINDOW = dt.timedelta(days=7)  # due within a week, or late
REMINDER_EVERY = dt.timedelta(days=7)


# Minimum-frequency meetings ---------------------------------------------------------------------------------


def due_on(last: dt.date, months: int) -> dt.date:
    """`last` plus `months` months, clamped to the end of the month (31 January + 1 month: 28/29 February)."""
    return add_months(last, months)


def _scope_tools(clauses: list[ClauseRow]) -> dict[int, tuple[int, ...]]:
    """The tools in use in each clause's scope (the meeting's concerned tools)."""
    org_ids = {c.organisation_id for c in clauses}
    tools: dict[int, list[ToolRow]] = {}
    for org_list in _chunks(sorted(org_ids)):
        for row in Tool.objects.filter(organisation_id__in=org_list, status__in=fanout.IN_USE).values_list(
            "id", "organisation_id", "domain_category"
        ):
            tools.setdefault(row[1], []).append(ToolRow(*row))
    named: dict[int, set[int]] = {}
    through = ReviewClause.tools.through
    for clause_list in _chunks([c.id for c in clauses if c.scope == "tools"]):
        for clause_id, tool_id in through.objects.filter(reviewclause_id__in=clause_list).values_list(
            "reviewclause_id", "tool_id"
        ):
            named.setdefault(clause_id, set()).add(tool_id)
    return {c.id: tuple(sorted(in_scope(c, tools.get(c.organisation_id, ()), named))) for c in clauses}


def _chunks(values: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


def due_clauses(now: dt.datetime) -> list[tuple[ClauseRow, dt.date]]:
    """The active clauses that need a minimum-frequency meeting now, with the date it was due by."""
    today = timezone.localdate(now)
    rows = list(
        ReviewClause.objects.filter(active=True, minimum_frequency_months__gt=0).values_list(
            "id",
            "organisation_id",
            "scope",
            "categories",
            "notice_days",
            "title",
            "minimum_frequency_months",
            "created_at",
        )
    )
    if not rows:
        return []
    ids = [row[0] for row in rows]
    last_started: dict[int, dt.datetime] = {}
    planned: set[int] = set()
    cancelled_dues: set[tuple[int, dt.date | None]] = set()
    for id_list in _chunks(ids):
        meetings = ReviewMeeting.objects.filter(clause_id__in=id_list).exclude(status=MeetingStatus.CANCELLED)
        for clause_id, last, planned_count in (
            meetings.order_by()
            .values("clause_id")
            .annotate(
                last=Max("starts_at", filter=Q(starts_at__lte=now)),
                planned=Count("id", filter=Q(status=MeetingStatus.PLANNED)),
            )
            .values_list("clause_id", "last", "planned")
        ):
            if last is not None:
                last_started[clause_id] = last
            if planned_count:
                planned.add(clause_id)
        cancelled_dues.update(
            ReviewMeeting.objects.filter(
                clause_id__in=id_list, reason=MeetingReason.PERIODIC, status=MeetingStatus.CANCELLED
            ).values_list("clause_id", "period_due_on")
        )
    due = []
    for clause_id, org_id, scope, categories, notice_days, title, months, created_at in rows:
        if clause_id in planned:
            continue
        last = last_started.get(clause_id)
        last_day = timezone.localdate(last) if last is not None else timezone.localdate(created_at)
        required_by = due_on(last_day, months or 0)
        if required_by > today:
            continue  # a meeting started within the last N months (or the clause is younger than that)
        if (clause_id, required_by) in cancelled_dues:
            # The meeting due then was cancelled, yet the clause still requires one: a new one, due today.
            required_by = today
        due.append(
            (
                ClauseRow(clause_id, org_id, scope, tuple(categories or ()), (), notice_days, title),
                required_by,
            )
        )
    return due


def schedule_periodic_meetings(now: dt.datetime | None = None) -> int:
    """Schedule the minimum-frequency meetings that are due; returns how many this run created. The
    invitations are queued as notices (the daily job enqueues their sending)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        due = due_clauses(now)
        if not due:
            return 0
        text = agenda.periodic_agenda()
        slot_of = {c.notice_days: agenda.meeting_slot(today, c.notice_days) for c, _due in due}
        ReviewMeeting.objects.bulk_create(
            [
                ReviewMeeting(
                    organisation_id=clause.organisation_id,
                    clause_id=clause.id,
                    reason=MeetingReason.PERIODIC,
                    period_due_on=required_by,
                    title=agenda.periodic_title(clause.title),
                    starts_at=slot_of[clause.notice_days][0],
                    ends_at=slot_of[clause.notice_days][1],
                    agenda=text,
                    ical_uid=f"review-{uuid.uuid4()}@revoyure",
                )
                for clause, required_by in due
            ],
            batch_size=BATCH,
            ignore_conflicts=True,  # the unique (clause, period_due_on): another run inserted it first
        )
        new = _new_meetings([(c.id, required_by) for c, required_by in due])
        if not new:
            return 0
        clauses = {c.id: c for c, _due in due}
        tools_of = _scope_tools([clauses[m.clause_id] for m in new])
        _write_companions(new, tools_of, now)
    logger.info("%d minimum-frequency review meetings scheduled", len(new))
    return len(new)


def _new_meetings(keys: list[tuple[int, dt.date]]) -> list[ReviewMeeting]:
    """The periodic meetings of `keys` that have no history row yet: those this run inserted (a run that
    lost the race finds the winner's meetings already with their history, committed with them)."""
    history = ReviewMeeting.history.model
    wanted = set(keys)
    new: list[ReviewMeeting] = []
    for clause_list in _chunks(sorted({k[0] for k in keys})):
        meetings = ReviewMeeting.objects.filter(
            clause_id__in=clause_list, reason=MeetingReason.PERIODIC
        ).exclude(
            pk__in=history.objects.filter(clause_id__in=clause_list, reason=MeetingReason.PERIODIC).values(
                "id"
            )
        )
        new.extend(m for m in meetings if (m.clause_id, m.period_due_on) in wanted)
    return new


def _write_companions(
    new: list[ReviewMeeting], tools_of: dict[int, tuple[int, ...]], now: dt.datetime
) -> None:
    through = ReviewMeeting.tools.through
    through.objects.bulk_create(
        [through(reviewmeeting_id=m.pk, tool_id=t) for m in new for t in tools_of.get(m.clause_id, ())],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    MeetingNotice.objects.bulk_create(
        [MeetingNotice(meeting_id=m.pk, kind=NoticeKind.REQUEST, sequence=0) for m in new],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    ReviewMeeting.history.bulk_history_create(
        new, batch_size=BATCH, default_change_reason="Scheduled by the minimum frequency", default_date=now
    )
    audit.record_many(
        [
            {
                "action": "review.meeting_scheduled",
                "organisation_id": m.organisation_id,
                "object_type": "reviews.reviewmeeting",
                "object_id": m.pk,
                "data": {
                    "reason": MeetingReason.PERIODIC,
                    "clause": m.clause_id,
                    "due_on": m.period_due_on,
                    "starts_at": m.starts_at,
                },
            }
            for m in new
        ]
    )
    webhooks.queue_many(
        "review.meeting_scheduled",
        [
            (
                m.organisation_id,
                f"review.meeting_scheduled:{m.pk}",
                fanout.meeting_payload(m, None, tools_of.get(m.clause_id, ())),
            )
            for m in new
        ],
    )


# Reminders of measures ---------------------------------------------------------------------------------------


def reminder_filter(today: dt.date) -> Q:
    """Open measures due within a week or late, with an owner, not reminded in the last 7 days."""
    return (
        Q(status=MeasureStatus.OPEN, owner__isnull=False, due_on__isnull=False)
        & Q(due_on__lte=today + REMINDER_WINDOW)
        & (Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lte=today - REMINDER_EVERY))
    )


def _reachable() -> Q:
    # The owner must still be an active member of the organisation with an address to write to.
    member = Membership.objects.filter(
        organisation_id=OuterRef("organisation_id"), user_id=OuterRef("owner_id")
    )
    return Q(Exists(member), owner__is_active=True) & ~Q(owner__email="")


def send_measure_reminder(measure_id: int, today: dt.date) -> bool:
    """Remind one measure's owner if it is due, claiming the reminder first: of two workers, only the one
    whose UPDATE changed `last_reminded_on` sends it. A mail that could not go out gives the claim back."""
    measure = (
        Measure.objects.filter(reminder_filter(today), _reachable(), pk=measure_id)
        .select_related("owner", "meeting", "organisation", "tool")
        .first()
    )
    if measure is None:
        return False
    previous = measure.last_reminded_on
    same = Q(last_reminded_on=previous) if previous is not None else Q(last_reminded_on__isnull=True)
    claimed = Measure.objects.filter(reminder_filter(today), same, pk=measure_id).update(
        last_reminded_on=today
    )
    if not claimed:
        return False
    if _mail_reminder(measure, today):
        return True
    Measure.objects.filter(pk=measure_id, last_reminded_on=today).update(last_reminded_on=previous)
    return False


def _mail_reminder(measure: Measure, today: dt.date) -> bool:
    url = notices.base_url() + reverse(
        "reviews:measure_done", kwargs={"org": measure.organisation.slug, "measure_id": measure.pk}
    )
    context: dict[str, Any] = {
        "measure": measure,
        "late": measure.due_on is not None and measure.due_on < today,
        "url": url,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("reviews/mail/measure_reminder_subject.txt", context).split())
        body = render_to_string("reviews/mail/measure_reminder.txt", context)
    return send_mail_safely(subject, body, [measure.owner.email])  # type: ignore[union-attr]


def send_measure_reminders(today: dt.date | None = None) -> int:
    """Send every reminder due today; returns how many went out."""
    today = today or timezone.localdate()
    ids = list(
        Measure.objects.filter(reminder_filter(today), _reachable())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if send_measure_reminder(pk, today))
