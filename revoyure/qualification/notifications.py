"""E-mail notices about obligations: queueing the reminders, and sending one digest per person.

Issue 3 §3: "e-mail notifications to the responsible roles when an obligation appears, approaches its date
or becomes overdue". A notice is a row of `ObligationNotice` whose unique (obligation, kind, key) makes
queueing idempotent; sending claims rows with one atomic UPDATE stamped with a fresh token, so two workers
sending for the same organisation never both send a notice.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from revoyure.core.permissions import Role
from revoyure.organisations.models import Membership, Organisation
from revoyure.qualification.models import (
    NoticeDelivery,
    NoticeKind,
    Obligation,
    ObligationNotice,
    ObligationState,
    ObligationStatus,
    Responsible,
)
from revoyure.qualification.rules import rule_set
from revoyure.webhooks import services as webhooks

logger = logging.getLogger(__name__)

APPROACHING_DAYS = (30, 7)  # reminders this many days before the date, the nearest window only
# A claim older than this belongs to a worker that died mid-send: its notices may be claimed again.
CLAIM_TIMEOUT = dt.timedelta(hours=1)

# Who is told about an obligation, by the party the rule makes responsible (PRODUCT.md §3 roles). The AI
# delegate keeps the register and is always told.
_MANAGEMENT = frozenset({Role.MANAGEMENT, Role.ORG_ADMIN})
ROLES_FOR: dict[str, frozenset[str]] = {
    Responsible.EMPLOYER: _MANAGEMENT,
    Responsible.DEPLOYER: _MANAGEMENT,
    Responsible.PROVIDER: _MANAGEMENT,
    Responsible.CONTROLLER: _MANAGEMENT,
    Responsible.PUBLIC_DEPLOYER: _MANAGEMENT,
    Responsible.STAFF_BODY: frozenset({Role.STAFF_REP}),
    Responsible.SIGNATORIES: frozenset({Role.ORG_ADMIN, Role.STAFF_REP}),
}
ALWAYS_TOLD = frozenset({Role.DELEGATE})


def recipient_roles(responsible: str) -> frozenset[str]:
    return ALWAYS_TOLD | ROLES_FOR.get(responsible, _MANAGEMENT)


# Queueing the reminders ---------------------------------------------------------------------------------


def _reminder(obligation: Obligation, today: dt.date) -> tuple[str, str] | None:
    """The (kind, key) of the reminder an obligation owes today, if any. The key names the date (and the
    window), so a moved deadline owes new reminders and an unchanged one never owes the same twice."""
    due = obligation.due_on
    if due is None:
        return None
    if due < today:
        return NoticeKind.OVERDUE, due.isoformat()
    days_left = (due - today).days
    window = min((d for d in APPROACHING_DAYS if days_left <= d), default=None)
    if window is None:
        return None
    return NoticeKind.APPROACHING, f"{due.isoformat()}/{window}"


def queue_due_notices(today: dt.date, organisation_id: int | None = None) -> int:
    """Queue the approaching and overdue reminders owed on `today`. Running it twice queues nothing more.
    Returns the number of obligations looked at that owe a reminder (created or already there)."""
    obligations = Obligation.objects.filter(
        state=ObligationState.APPLIES,
        status=ObligationStatus.TO_DO,
        due_on__lte=today + dt.timedelta(days=max(APPROACHING_DAYS)),
    ).only("id", "organisation_id", "tool_id", "rule_id", "due_on")
    if organisation_id is not None:
        obligations = obligations.filter(organisation_id=organisation_id)
    notices = []
    messages = []
    for obligation in obligations.iterator(chunk_size=1000):
        reminder = _reminder(obligation, today)
        if reminder is not None:
            kind, key = reminder
            notices.append(
                ObligationNotice(
                    organisation_id=obligation.organisation_id, obligation=obligation, kind=kind, key=key
                )
            )
            messages.append(_due_message(obligation, kind, key))
    # The unique (obligation, kind, key) constraint is the idempotency key.
    ObligationNotice.objects.bulk_create(notices, ignore_conflicts=True, batch_size=500)
    # The same reminders as webhook messages (issue 6 §4 "obligation due"), with the same identity as the
    # notice for their dedupe key: a second run the same day queues nothing more.
    webhooks.queue_many("obligation.due", messages)
    return len(notices)


def _due_message(obligation: Obligation, kind: str, key: str) -> tuple[int, str, dict[str, Any]]:
    payload = {
        "obligation_id": obligation.pk,
        "tool_id": obligation.tool_id,
        "rule_id": obligation.rule_id,
        "due_on": obligation.due_on.isoformat() if obligation.due_on else None,
        "reminder": kind,  # approaching or overdue
    }
    return obligation.organisation_id, f"obligation.due:{obligation.pk}:{kind}:{key}", payload


def _claimable(now: dt.datetime) -> Q:
    return Q(sent_at__isnull=True) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))


def organisations_with_pending_notices(organisation_id: int | None = None) -> list[int]:
    pending = ObligationNotice.objects.filter(_claimable(timezone.now()))
    if organisation_id is not None:
        pending = pending.filter(organisation_id=organisation_id)
    return sorted(set(pending.values_list("organisation_id", flat=True)))


# Sending ------------------------------------------------------------------------------------------------


@dataclass
class Recipient:
    email: str
    name: str
    roles: set[str] = field(default_factory=set)


@dataclass
class DigestItem:
    obligation: Obligation
    kinds: list[str]
    rule_title: str
    article: str
    text: str
    tool_name: str
    url: str

    @property
    def kind_labels(self) -> list[str]:
        return [str(NoticeKind(k).label) for k in self.kinds]


_KIND_ORDER: dict[str, int] = {NoticeKind.OVERDUE: 0, NoticeKind.APPROACHING: 1, NoticeKind.APPEARED: 2}


def _base_url() -> str:
    return str(settings.REVOYURE_BASE_URL).rstrip("/")


def obligation_url(organisation: Organisation, obligation: Obligation) -> str:
    path = reverse(
        "qualification:obligation", kwargs={"org": organisation.slug, "obligation_id": obligation.pk}
    )
    return _base_url() + path


def _still_owed(notice: ObligationNotice) -> bool:
    """A notice about an obligation since done, set aside or lapsed is dropped, not sent."""
    o = notice.obligation
    return o.status == ObligationStatus.TO_DO and o.state in (
        ObligationState.APPLIES,
        ObligationState.UPCOMING,
    )


def _recipients(organisation_id: int) -> dict[int, Recipient]:
    people: dict[int, Recipient] = {}
    rows = Membership.objects.filter(organisation_id=organisation_id, user__is_active=True).values_list(
        "user_id", "role", "user__email", "user__full_name"
    )
    for user_id, role, email, name in rows:
        if not email:
            continue
        people.setdefault(user_id, Recipient(email, name)).roles.add(role)
    return people


def _digest_items(
    organisation: Organisation, notices: list[ObligationNotice], language: str
) -> list[DigestItem]:
    rules = rule_set().by_id
    by_obligation: dict[int, list[ObligationNotice]] = defaultdict(list)
    for n in notices:
        by_obligation[n.obligation_id].append(n)
    items = []
    for group in by_obligation.values():
        o = group[0].obligation
        rule = rules.get(o.rule_id)
        items.append(
            DigestItem(
                obligation=o,
                kinds=sorted({n.kind for n in group}, key=lambda k: _KIND_ORDER.get(k, 9)),
                rule_title=rule.title_text(language) if rule else o.rule_id,
                article=rule.article if rule else "",
                text=rule.text(language) if rule else "",
                tool_name=o.tool.name if o.tool_id and o.tool else "",
                url=obligation_url(organisation, o),
            )
        )
    items.sort(
        key=lambda i: (
            _KIND_ORDER.get(i.kinds[0], 9),
            i.obligation.due_on or dt.date.max,
            i.obligation.rule_id,
        )
    )
    return items


def _message(
    organisation: Organisation, person: Recipient, items: list[DigestItem], language: str, connection: Any
) -> Any:
    with translation.override(language):
        context = {
            "organisation": organisation,
            "person": person,
            "items": items,
            "overdue": sum(1 for i in items if NoticeKind.OVERDUE in i.kinds),
            "dashboard_url": _base_url() + reverse("organisations:start", kwargs={"org": organisation.slug}),
        }
        subject = " ".join(render_to_string("qualification/email/digest_subject.txt", context).split())
        body = render_to_string("qualification/email/digest.txt", context)
        html = render_to_string("qualification/email/digest.html", context)
    message = EmailMultiAlternatives(subject, body, None, [person.email], connection=connection)
    message.attach_alternative(html, "text/html")
    return message


def _claim(organisation_id: int) -> list[ObligationNotice]:
    token = secrets.token_hex(16)
    now = timezone.now()
    # One UPDATE claims every claimable notice of the organisation. Another worker running the same
    # statement at the same time either claims them first (ours then matches nothing: on PostgreSQL the
    # second UPDATE waits and re-checks the condition; SQLite writes one at a time) or finds none.
    claimed = ObligationNotice.objects.filter(_claimable(now), organisation_id=organisation_id).update(
        claimed_by=token, claimed_at=now
    )
    if not claimed:
        return []
    return list(
        ObligationNotice.objects.filter(claimed_by=token, sent_at__isnull=True)
        .select_related("obligation", "obligation__tool")
        .order_by("pk")
    )


def send_pending_notices(organisation_id: int) -> int:
    """Send the organisation's pending notices as one digest e-mail per person. Returns the number of
    e-mails sent. Runs in the task worker; e-mails go out synchronously through the configured backend."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return 0
    notices = _claim(organisation_id)
    if not notices:
        return 0
    now = timezone.now()
    dropped = [n.pk for n in notices if not _still_owed(n)]
    if dropped:
        ObligationNotice.objects.filter(pk__in=dropped).update(sent_at=now, recipients=0)
    notices = [n for n in notices if _still_owed(n)]

    people = _recipients(organisation_id)
    # People a notice already reached (an earlier run that failed for someone else) are not told twice.
    reached = set(
        NoticeDelivery.objects.filter(notice__in=[n.pk for n in notices]).values_list("notice_id", "user_id")
    )
    # For each person, the notices about obligations their roles answer for.
    per_person: dict[int, list[ObligationNotice]] = {}
    for user_id, person in people.items():
        mine = [
            n
            for n in notices
            if person.roles & recipient_roles(n.obligation.responsible) and (n.pk, user_id) not in reached
        ]
        if mine:
            per_person[user_id] = mine
    delivered: dict[int, int] = defaultdict(int)  # notice id → people reached
    failed: set[int] = set()
    sent = 0
    language = settings.LANGUAGE_CODE  # the User model holds no language: the installation's language
    connection = get_connection()
    try:
        for user_id, mine in per_person.items():
            person = people[user_id]
            try:
                message = _message(
                    organisation, person, _digest_items(organisation, mine, language), language, connection
                )
                message.send()
            except (smtplib.SMTPException, OSError):
                logger.exception(
                    "Obligation digest to %s (organisation %s) could not be sent",
                    person.email,
                    organisation_id,
                )
                failed.update(n.pk for n in mine)
                continue
            sent += 1
            NoticeDelivery.objects.bulk_create(
                [NoticeDelivery(notice=n, user_id=user_id) for n in mine], ignore_conflicts=True
            )
            for n in mine:
                delivered[n.pk] += 1
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            logger.warning("Closing the SMTP connection failed", exc_info=True)

    earlier: dict[int, int] = defaultdict(int)  # people reached by earlier runs
    for notice_id, _user in reached:
        earlier[notice_id] += 1
    by_count: dict[int, list[int]] = defaultdict(list)
    for n in notices:
        if n.pk not in failed:
            by_count[delivered.get(n.pk, 0) + earlier[n.pk]].append(n.pk)
    sent_at = timezone.now()
    for count, pks in by_count.items():
        ObligationNotice.objects.filter(pk__in=pks).update(sent_at=sent_at, recipients=count)
    if failed:
        # Released, so a later run sends them again, to the people not reached yet (NoticeDelivery).
        ObligationNotice.objects.filter(pk__in=failed, sent_at__isnull=True).update(
            claimed_at=None, claimed_by=""
        )
    return sent
