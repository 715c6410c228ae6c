"""From one confirmed event to the review meetings of every organisation concerned (issue 6 §3, §5).

One vendor release can concern thousands of organisations, so the work is a handful of set-based queries
and bulk inserts in one transaction, not a loop of services: read the concerned tools and the active
clauses, match them in memory (matching.py), insert the meetings, their tools, their invitation notices
(the outbox the task worker sends), their history rows, one audit entry each and the webhook deliveries.

Exactly once, whatever the number of workers: the event is claimed by a compare-and-set on
`fanned_out_at` inside the same transaction (a second worker's UPDATE waits for the first to commit, then
finds the event done), and the unique constraints (clause, event) of meetings, (meeting, kind, sequence) of
notices and (endpoint, fact) of deliveries make any repeat a no-op; only meetings without a history row yet
are counted as new, so history, audit and notifications are written once."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from revoyure.core import audit
from revoyure.registry.choices import ToolStatus
from revoyure.registry.models import Tool
from revoyure.reviews import agenda, triggers
from revoyure.reviews.matching import ClauseRow, Match, ToolRow, match_clauses
from revoyure.reviews.models import (
    ClauseScope,
    EventStatus,
    MeetingNotice,
    MeetingReason,
    NoticeKind,
    ReviewClause,
    ReviewMeeting,
    TriggerEvent,
)
from revoyure.webhooks import services as webhooks

logger = logging.getLogger(__name__)

# "a tool in use": a vendor's update or a regulator's warning matters to the tools being used or tried.
IN_USE = (ToolStatus.PILOT, ToolStatus.IN_SERVICE, ToolStatus.SUSPENDED)
BATCH = 1000
NOTICES_PER_TASK = 200


def concerned_tools(event: TriggerEvent) -> QuerySet[Tool] | None:
    """The tools the event names, or None when it names none (it concerns the clauses' whole scope)."""
    if event.tool_id:
        return Tool.objects.filter(pk=event.tool_id).exclude(status=ToolStatus.WITHDRAWN)
    if event.vendor_id:
        tools = Tool.objects.filter(vendor_id=event.vendor_id, status__in=IN_USE)
        if event.product:
            # Until the shared product catalogue (PRODUCT.md §2.11) links tools to products, a product is
            # recognised in the tool's name or in its "version / edition of the vendor's product".
            tools = tools.filter(
                Q(name__icontains=event.product) | Q(vendor_version__icontains=event.product)
            )
    elif event.category:
        tools = Tool.objects.filter(domain_category=event.category, status__in=IN_USE)
    else:
        return None
    if event.organisation_id:
        tools = tools.filter(organisation_id=event.organisation_id)
    return tools


def find_matches(event: TriggerEvent) -> list[Match]:
    tools_qs = concerned_tools(event)
    clauses_qs = ReviewClause.objects.filter(active=True)
    if event.organisation_id:
        clauses_qs = clauses_qs.filter(organisation_id=event.organisation_id)
    elif tools_qs is not None:
        clauses_qs = clauses_qs.filter(organisation_id__in=tools_qs.values("organisation_id"))
    clauses = [
        ClauseRow(row[0], row[1], row[2], tuple(row[3] or ()), tuple(row[4] or ()), row[5], row[6])
        for row in clauses_qs.values_list(
            "id", "organisation_id", "scope", "categories", "triggers", "notice_days", "title"
        ).iterator(chunk_size=2000)
        if event.kind in (row[4] or ())
    ]
    if not clauses:
        return []
    tools = None
    if tools_qs is not None:
        tools = [
            ToolRow(*row)
            for row in tools_qs.values_list("id", "organisation_id", "domain_category").iterator(
                chunk_size=2000
            )
        ]
    clause_tools: dict[int, set[int]] = {}
    named_scope = [c.id for c in clauses if c.scope == ClauseScope.TOOLS]
    through = ReviewClause.tools.through
    for start in range(0, len(named_scope), BATCH):
        for clause_id, tool_id in through.objects.filter(
            reviewclause_id__in=named_scope[start : start + BATCH]
        ).values_list("reviewclause_id", "tool_id"):
            clause_tools.setdefault(clause_id, set()).add(tool_id)
    return match_clauses(event.kind, clauses, tools, clause_tools)


def fan_out_event(event_id: int) -> int:
    """Schedule the review meetings of a confirmed event; returns how many meetings this run created
    (0 when another run already did it)."""
    with transaction.atomic():
        now = timezone.now()
        claimed = TriggerEvent.objects.filter(
            pk=event_id, status=EventStatus.CONFIRMED, fanned_out_at__isnull=True
        ).update(fan_out_claimed_at=now)
        if not claimed:
            return 0
        event = TriggerEvent.objects.get(pk=event_id)
        matches = find_matches(event)
        created = _schedule(event, matches, now)
        TriggerEvent.objects.filter(pk=event_id).update(
            fanned_out_at=timezone.now(), meetings_scheduled=event.meetings_scheduled + len(created)
        )
    if created:
        _enqueue_notices(len(created))
    logger.info("Event %s: %d review meetings scheduled", event_id, len(created))
    return len(created)


def _schedule(event: TriggerEvent, matches: list[Match], now: Any) -> list[ReviewMeeting]:
    if not matches:
        return []
    kind = triggers.get(event.kind)
    summary = " — ".join(filter(None, [kind.label if kind else "", event.source]))
    title = agenda.event_title(event.title)
    text = agenda.event_agenda(event.title, summary)
    start_day = timezone.localdate(now)
    ReviewMeeting.objects.bulk_create(
        [
            ReviewMeeting(
                organisation_id=m.clause.organisation_id,
                clause_id=m.clause.id,
                event_id=event.pk,
                reason=MeetingReason.EVENT,
                title=title,
                starts_at=(slot := agenda.meeting_slot(start_day, m.clause.notice_days))[0],
                ends_at=slot[1],
                agenda=text,
                ical_uid=f"review-{uuid.uuid4()}@revoyure",
            )
            for m in matches
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    history = ReviewMeeting.history.model
    new = list(
        ReviewMeeting.objects.filter(event_id=event.pk).exclude(
            pk__in=history.objects.filter(event_id=event.pk).values("id")
        )
    )
    if not new:
        return []
    tools_of = {m.clause.id: m.tool_ids for m in matches}
    through = ReviewMeeting.tools.through
    through.objects.bulk_create(
        [
            through(reviewmeeting_id=meeting.pk, tool_id=t)
            for meeting in new
            for t in tools_of.get(meeting.clause_id, ())
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    _queue_first_notices(event.pk, now)
    _copy_into_history(event.pk, now)
    audit.record_many(
        [
            {
                "action": "review.meeting_scheduled",
                "organisation_id": meeting.organisation_id,
                "object_type": "reviews.reviewmeeting",
                "object_id": meeting.pk,
                "data": {"event": event.pk, "clause": meeting.clause_id, "starts_at": meeting.starts_at},
            }
            for meeting in new
        ]
    )
    if event.organisation_id is None:
        # An installation event is "received" by each organisation it reaches (an organisation's own event
        # was announced when it was recorded, services_events.create_event).
        from revoyure.reviews.services_events import event_payload

        payload = event_payload(event)
        webhooks.queue_many(
            "review.event_received",
            [
                (organisation_id, f"review.event_received:{event.pk}", payload)
                for organisation_id in sorted({meeting.organisation_id for meeting in new})
            ],
        )
    webhooks.queue_many(
        "review.meeting_scheduled",
        [
            (
                meeting.organisation_id,
                f"review.meeting_scheduled:{meeting.pk}",
                meeting_payload(meeting, event, tools_of.get(meeting.clause_id, ())),
            )
            for meeting in new
        ],
    )
    return new


def _queue_first_notices(event_id: int, now: Any) -> None:
    """One invitation notice (sequence 0) per meeting of the event that has none, in one INSERT … SELECT:
    at ten thousand meetings, building the rows in Python costs more than everything else together."""
    notice, meeting = MeetingNotice._meta.db_table, ReviewMeeting._meta.db_table
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            # Identifiers come from the models' metadata, values are parameters.
            f"INSERT INTO {q(notice)} (meeting_id, kind, sequence, created_at, claimed_by, claimed_at, sent_at, "  # noqa: S608
            f"attempts, last_error) SELECT m.id, %s, 0, %s, '', NULL, NULL, 0, '' FROM {q(meeting)} m "
            f"WHERE m.event_id = %s AND NOT EXISTS (SELECT 1 FROM {q(notice)} n WHERE n.meeting_id = m.id "
            f"AND n.kind = %s AND n.sequence = 0)",
            [NoticeKind.REQUEST, connection.ops.adapt_datetimefield_value(now), event_id, NoticeKind.REQUEST],
        )


def _copy_into_history(event_id: int, now: Any) -> None:
    """The creation row of django-simple-history ("+") for each meeting of the event that has none, copied
    by the database (INSERT … SELECT over the model's own columns) instead of `bulk_history_create`, which
    builds every row in Python."""
    history = ReviewMeeting.history.model
    q = connection.ops.quote_name
    columns = [q(f.column) for f in ReviewMeeting._meta.concrete_fields]
    listed = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            # Identifiers come from the models' metadata, values are parameters.
            f"INSERT INTO {q(history._meta.db_table)} ({listed}, history_date, history_change_reason, "  # noqa: S608
            f"history_type, history_user_id) SELECT {', '.join(f'm.{c}' for c in columns)}, %s, %s, '+', NULL "
            f"FROM {q(ReviewMeeting._meta.db_table)} m WHERE m.event_id = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {q(history._meta.db_table)} h WHERE h.id = m.id)",
            [connection.ops.adapt_datetimefield_value(now), "Scheduled by a trigger event", event_id],
        )


def meeting_payload(
    meeting: ReviewMeeting, event: TriggerEvent | None, tool_ids: tuple[int, ...]
) -> dict[str, Any]:
    return {
        "meeting_id": meeting.pk,
        "clause_id": meeting.clause_id,
        "event_id": event.pk if event else None,
        "event_kind": event.kind if event else None,
        "reason": meeting.reason,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "tool_ids": list(tool_ids),
    }


def _enqueue_notices(count: int) -> None:
    """One sending task per batch of notices: each claims its batch by compare-and-set, so several workers
    share the work and none sends a notice twice."""
    from revoyure.reviews.tasks_meetings import send_meeting_notices

    def enqueue() -> None:
        for _ in range(0, count, NOTICES_PER_TASK):
            send_meeting_notices.enqueue(NOTICES_PER_TASK)

    transaction.on_commit(enqueue)
