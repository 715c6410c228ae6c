"""Sending the review meetings' invitations, updates and cancellations (issue 6 §3).

Issue 6 §3: "Invitations by e-mail with an iCalendar file; updates and cancellations update the calendar
entry."
Every write that concerns the invitees (scheduling, a new time or place, a cancellation) queues a
`MeetingNotice` in its own transaction; this module is the outbox's sender, run by the task worker.

Exactly once, whatever the number of workers: a worker claims a batch of unsent notices with one
conditional UPDATE that writes its own token (a compare-and-set on `claimed_at`, re-checked on each row by
the database when two workers race), then reads back the rows carrying its token. A claim older than
`CLAIM_TIMEOUT` is considered abandoned (a worker that died) and may be taken again. A failed send keeps
the notice (attempts, last error) for a later try.

The participants are resolved from the clause when a notice goes out (the clause is « une série de
rendez-vous connus de tous à l'avance » between the actors it names): the members of its staff bodies who
have an account with an e-mail address, the AI committee's members if the clause includes it, and the
people it names; one `ReviewParticipant` per address, existing rows kept (attendance is recorded on them).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from revoyure.committee import services as committee_services
from revoyure.committee.models import Committee
from revoyure.core import ical
from revoyure.organisations.models import StaffBodyMember
from revoyure.reviews.models import (
    MeetingNotice,
    MeetingStatus,
    NoticeKind,
    ReviewMeeting,
    ReviewParticipant,
)

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 10
ATTACHMENT_NAME = "invite.ics"
MAX_ERROR = 2000


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str
    user_id: int | None
    capacity: str


def base_url() -> str:
    return str(settings.REVOYURE_BASE_URL).rstrip("/")


def meeting_url(meeting: ReviewMeeting) -> str:
    return base_url() + reverse(
        "reviews:meeting_detail",
        kwargs={"org": meeting.organisation.slug, "review_meeting_id": meeting.pk},
    )


# Participants ---------------------------------------------------------------------------------------------


def clause_invitees(meeting: ReviewMeeting) -> list[Invitee]:
    """Who the clause invites, once per e-mail address (case-insensitive), in a stable order: staff bodies,
    then the AI committee, then the people the clause names."""
    clause = meeting.clause
    seen: set[str] = set()
    people: list[Invitee] = []

    def add(name: str, email: str, user_id: int | None, capacity: str) -> None:
        email = (email or "").strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            people.append(Invitee((name or email)[:200], email, user_id, capacity[:200]))

    with translation.override(settings.LANGUAGE_CODE):  # stored, and read by everyone
        seats = (
            StaffBodyMember.objects.filter(
                staff_body__in=clause.staff_bodies.all(), user__is_active=True, user__isnull=False
            )
            .exclude(user__email="")
            .select_related("user", "staff_body")
            .order_by("staff_body__kind", "staff_body__name", "full_name", "pk")
        )
        for seat in seats:
            account = seat.user
            if account is None:  # excluded by the query; for the type checker
                continue
            body = str(seat.staff_body)
            capacity = f"{body} — {seat.mandate}" if seat.mandate else body
            add(seat.full_name or account.display_name, account.email, account.pk, capacity)
        if clause.include_committee:
            committee = (
                Committee.objects.filter(organisation_id=meeting.organisation_id)
                .select_related("delegate", "deputy")
                .first()
            )
            if committee is not None:
                for name, email in committee_services.invitees(committee):
                    add(name, email, None, _("AI committee"))
        for user in clause.participants.filter(is_active=True).exclude(email="").order_by("email"):
            add(user.display_name, user.email, user.pk, _("Named in the review clause"))
    return people


def ensure_participants(meeting: ReviewMeeting) -> list[ReviewParticipant]:
    """Add the clause's invitees who are not participants yet; existing rows (and their attendance) stay.
    Safe when two workers do it at once: the unique (meeting, e-mail) makes the second insert a no-op."""
    known = {p.email.lower() for p in ReviewParticipant.objects.filter(meeting=meeting) if p.email}
    new = [
        ReviewParticipant(meeting=meeting, name=i.name, email=i.email, user_id=i.user_id, capacity=i.capacity)
        for i in clause_invitees(meeting)
        if i.email.lower() not in known
    ]
    if new:
        ReviewParticipant.objects.bulk_create(new, ignore_conflicts=True)
    return list(ReviewParticipant.objects.filter(meeting=meeting).order_by("name", "pk"))


# The calendar file -----------------------------------------------------------------------------------------


def organizer(meeting: ReviewMeeting) -> ical.Person:
    """The organisation's AI delegate when there is one (answers reach a person), else the sender address."""
    committee = (
        Committee.objects.filter(organisation_id=meeting.organisation_id).select_related("delegate").first()
    )
    delegate = committee.delegate if committee is not None else None
    if delegate is not None and delegate.is_active and delegate.email:
        return ical.Person(meeting.organisation.name, str(delegate.email))
    return ical.Person(meeting.organisation.name, ical.default_organizer_email())


def meeting_ics(
    meeting: ReviewMeeting,
    method: str,
    sequence: int | None = None,
    participants: list[ReviewParticipant] | None = None,
) -> bytes:
    """The meeting's .ics at `sequence` (by default its current one), same UID for its whole life."""
    if participants is None:
        participants = list(ReviewParticipant.objects.filter(meeting=meeting).order_by("name", "pk"))
    url = meeting_url(meeting)
    description = f"{meeting.agenda}\n\n{url}" if meeting.agenda else url
    return ical.build(
        uid=meeting.ical_uid,
        sequence=meeting.ical_sequence if sequence is None else sequence,
        method=method,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=meeting.title,
        location=meeting.location,
        description=description,
        organizer=organizer(meeting),
        attendees=[ical.Person(p.name, p.email) for p in participants if p.email],
        prodid="-//Revoyure//Review meetings//FR",
    )


# The outbox --------------------------------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    return Q(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    )


def claim(limit: int, now: dt.datetime | None = None) -> tuple[str, list[MeetingNotice]]:
    """Claim up to `limit` notices for this worker: (its token, the notices it now holds)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    limit = max(1, min(int(limit), 1000))
    with transaction.atomic():
        candidates = MeetingNotice.objects.filter(_claimable(now)).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            # Concurrent workers take different rows instead of queueing behind each other.
            candidates = candidates.select_for_update(skip_locked=True)
        # The conditions are repeated on the UPDATE itself: a row another worker claimed meanwhile no
        # longer matches them when the database re-checks it, so it is never claimed twice.
        MeetingNotice.objects.filter(_claimable(now), pk__in=candidates.values("pk")[:limit]).update(
            claimed_by=token, claimed_at=now
        )
    notices = list(MeetingNotice.objects.filter(claimed_by=token, sent_at__isnull=True).order_by("pk"))
    return token, notices


def _finish(notice: MeetingNotice, token: str, *, note: str = "", tried: bool = True) -> bool:
    """Mark the notice done, if this worker still holds it."""
    changes: dict[str, Any] = {"sent_at": timezone.now(), "last_error": note[:MAX_ERROR]}
    if tried:
        changes["attempts"] = F("attempts") + 1
    return bool(MeetingNotice.objects.filter(pk=notice.pk, claimed_by=token).update(**changes))


def _fail(notice: MeetingNotice, token: str, error: str) -> None:
    # The claim's time stays: the notice is taken again once the claim is stale (a pause before the retry).
    MeetingNotice.objects.filter(pk=notice.pk, claimed_by=token).update(
        claimed_by="", attempts=F("attempts") + 1, last_error=error[:MAX_ERROR]
    )


def _skip_reason(notice: MeetingNotice, meeting: ReviewMeeting, token: str) -> str:
    """Why this notice need not go out, or "" (it must)."""
    newer = MeetingNotice.objects.filter(meeting=meeting, sequence__gt=notice.sequence).exists()
    if newer:
        # A later update or the cancellation carries the meeting's current state: only it is sent.
        return "superseded by a later notice"
    if notice.kind == NoticeKind.REQUEST and meeting.status != MeetingStatus.PLANNED:
        return "the meeting is no longer planned"
    if notice.kind == NoticeKind.CANCEL and meeting.invitations_sent_at is None:
        # An invitation tried before (some messages may have gone out) or being sent by another worker
        # right now must be cancelled; one never tried, nor held by another worker, need not.
        in_flight = Q(sent_at__isnull=True, claimed_at__isnull=False) & ~Q(claimed_by__in=("", token))
        attempted = MeetingNotice.objects.filter(
            Q(attempts__gt=0) | in_flight, meeting=meeting, kind=NoticeKind.REQUEST
        )
        if not attempted.exists():
            return "nobody was invited"
    return ""


def _mail_texts(meeting: ReviewMeeting, notice: MeetingNotice, url: str) -> tuple[str, str]:
    kind = "invitation" if notice.sequence == 0 else "update"
    if notice.kind == NoticeKind.CANCEL:
        kind = "cancel"
    context = {
        "meeting": meeting,
        "kind": kind,
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": timezone.localtime(meeting.ends_at),
        "tools": list(meeting.tools.order_by("name").values_list("name", flat=True)),
        "event": meeting.event,
        "url": url,
    }
    # The installation's language: the invitees' own languages are not known (agenda.py says why).
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("reviews/mail/notice_subject.txt", context).split())
        body = render_to_string("reviews/mail/notice.txt", context)
    return subject, body


SENT, SKIPPED, FAILED = "sent", "skipped", "failed"


def send_notice(notice: MeetingNotice, token: str) -> str:
    """Send one claimed notice to every participant, one message each (addresses stay private). Returns
    SENT, SKIPPED (nothing to send, the notice is done) or FAILED (kept for a retry). A refused address
    does not stop the others (retrying would not help it); a server that cannot be reached does."""
    meeting = (
        ReviewMeeting.objects.select_related("organisation", "clause", "event")
        .filter(pk=notice.meeting_id)
        .first()
    )
    if meeting is None:
        _finish(notice, token, note="the meeting no longer exists", tried=False)
        return SKIPPED
    skip = _skip_reason(notice, meeting, token)
    if skip:
        _finish(notice, token, note=skip, tried=False)
        return SKIPPED
    participants = [p for p in ensure_participants(meeting) if p.email]
    if not participants:
        _finish(notice, token, note="no participant has an e-mail address", tried=False)
        return SKIPPED
    method = ical.CANCEL if notice.kind == NoticeKind.CANCEL else ical.REQUEST
    url = meeting_url(meeting)
    ics = meeting_ics(meeting, method, notice.sequence, participants)
    subject, body = _mail_texts(meeting, notice, url)
    refused: list[str] = []
    sent = 0
    try:
        with get_connection() as mail:
            for person in participants:
                message = EmailMessage(subject, body, None, [person.email], connection=mail)
                message.attach(ATTACHMENT_NAME, ics, ical.content_type(method))
                try:
                    sent += int(mail.send_messages([message]) or 0)
                except smtplib.SMTPRecipientsRefused:
                    refused.append(person.email)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("Notice %s of review meeting %s not sent: %s", notice.pk, meeting.pk, exc)
        _fail(notice, token, f"{type(exc).__name__}: {exc}")
        return FAILED
    note = ("refused: " + ", ".join(refused)) if refused else ""
    if _finish(notice, token, note=note) and sent and notice.kind == NoticeKind.REQUEST:
        ReviewMeeting.objects.filter(pk=meeting.pk).update(invitations_sent_at=timezone.now())
    return SENT if sent else SKIPPED


def send_pending(limit: int = 200) -> dict[str, int]:
    """Claim and send up to `limit` notices; how many were sent, skipped and failed."""
    token, notices = claim(limit)
    counts = {SENT: 0, SKIPPED: 0, FAILED: 0}
    for notice in notices:
        try:
            outcome = send_notice(notice, token)
        except Exception as exc:  # one broken meeting must not stop the batch; it is retried later
            logger.exception("Notice %s could not be processed", notice.pk)
            _fail(notice, token, f"{type(exc).__name__}: {exc}")
            outcome = FAILED
        counts[outcome] += 1
    return counts


def pending_count() -> int:
    return MeetingNotice.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).count()
