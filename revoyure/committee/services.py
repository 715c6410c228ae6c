"""Writes of the AI committee (issue 5 §1; roadmap measure 6). Each is atomic, keeps the history
(django-simple-history, with a reason) and the audit log, and sends its e-mails after the commit.

Roadmap measure 6: « Réunion annuelle du comité pour faire le point sur la stratégie liée aux systèmes
d'IA, les systèmes déployés dans l'entreprise sur la base du registre des outils d'IA […] et être informé par
le délégué des informations fournisseurs et de l'évolution des réglementations nationales et européennes.
Cette réunion fait l'objet d'une communication partagée avec l'ensemble des collaborateurs. »

Public functions other apps call: `get_or_create_committee`, `is_committee_member` and
`convene_extraordinary_meeting` (the staff reports: « le comité se réunit pour instruire cette demande »)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.committee import calendar
from revoyure.committee.models import (
    Attendance,
    Committee,
    CommitteeMember,
    Communication,
    Decision,
    DelegateNote,
    Meeting,
    MeetingKind,
    MeetingStatus,
    NoteKind,
    Quality,
)
from revoyure.core import audit
from revoyure.organisations.models import Membership, Organisation
from revoyure.registry.models import Tool, Vendor

logger = logging.getLogger(__name__)

MAX_TEXT = 20_000
MAX_TITLE = 200
MEETING_LENGTH = dt.timedelta(hours=2)
ANNUAL_DAY = 15  # the annual meeting is set on the 15th of its month, 14:00 local time; it can be moved
ANNUAL_HOUR = 14
MAX_MEETING_LENGTH = dt.timedelta(days=2)


def today() -> dt.date:
    return timezone.localdate()


def _history(obj: Any, actor: Any, reason: str) -> None:
    obj._history_user = actor if getattr(actor, "pk", None) else None
    obj._change_reason = reason


def _audit(action: str, actor: Any, committee: Committee, obj: Any = None, **data: Any) -> None:
    audit.record(
        action,
        actor=actor if getattr(actor, "pk", None) else None,
        organisation_id=committee.organisation_id,
        obj=obj or committee,
        data={"committee": committee.pk, **data},
    )


def _text(errors: dict[str, str], name: str, value: Any, *, required: bool, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[name] = _("Enter text.")
        return ""
    if required and not text:
        errors[name] = _("This field is required.")
    elif len(text) > limit:
        errors[name] = _("Too long (at most %(max)d characters).") % {"max": limit}
    return text


def _aware(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def base_url() -> str:
    return str(settings.REVOYURE_BASE_URL).rstrip("/")


def meeting_url(meeting: Meeting) -> str:
    path = reverse(
        "committee:meeting",
        kwargs={"org": meeting.committee.organisation.slug, "meeting_id": meeting.pk},
    )
    return base_url() + path


# The committee ------------------------------------------------------------------------------------------


def get_or_create_committee(organisation: Organisation) -> Committee:
    """The organisation's committee, created empty the first time (safe under concurrent calls)."""
    committee = Committee.objects.filter(organisation=organisation).first()
    if committee is not None:
        return committee
    try:
        with transaction.atomic():
            return Committee.objects.create(organisation=organisation)
    except IntegrityError:
        return Committee.objects.get(organisation=organisation)


def _is_org_member(user: Any, organisation_id: int) -> bool:
    return Membership.objects.filter(organisation_id=organisation_id, user=user).exists()


def new_public_token() -> str:
    # 32 random bytes, URL-safe (43 characters): not guessable, fits the 64-character column.
    return secrets.token_urlsafe(32)


@transaction.atomic
def update_settings(
    committee: Committee,
    user: Any,
    *,
    delegate: Any = None,
    deputy: Any = None,
    reporting_email: str = "",
    public_reporting_enabled: bool = False,
    strategy: str = "",
    annual_meeting_month: int = 3,
) -> Committee:
    errors: dict[str, str] = {}
    for name, person in (("delegate", delegate), ("deputy", deputy)):
        if person is not None and not _is_org_member(person, committee.organisation_id):
            errors[name] = _("This person is not a member of the organisation.")
    if delegate is not None and deputy is not None and delegate.pk == deputy.pk:
        errors["deputy"] = _("The deputy must be another person than the delegate.")
    reporting_email = (reporting_email or "").strip()
    if reporting_email:
        try:
            validate_email(reporting_email)
        except ValidationError:
            errors["reporting_email"] = _("Enter a valid e-mail address.")
    strategy = _text(errors, "strategy", strategy, required=False)
    if not isinstance(annual_meeting_month, int) or not 1 <= annual_meeting_month <= 12:
        errors["annual_meeting_month"] = _("Choose a month between 1 and 12.")
    if errors:
        raise ValidationError(errors)
    committee.delegate = delegate
    committee.deputy = deputy
    committee.reporting_email = reporting_email
    committee.strategy = strategy
    committee.annual_meeting_month = annual_meeting_month
    enabled = bool(public_reporting_enabled)
    if enabled and not committee.public_reporting_token:
        committee.public_reporting_token = new_public_token()
    committee.public_reporting_enabled = enabled
    _history(committee, user, _("Committee settings changed"))
    committee.save()
    _audit(
        "committee.settings",
        user,
        committee,
        delegate=getattr(delegate, "pk", None),
        deputy=getattr(deputy, "pk", None),
        public_reporting=enabled,
        month=annual_meeting_month,
    )
    return committee


@transaction.atomic
def regenerate_public_token(committee: Committee, user: Any) -> Committee:
    """A new public reporting link; the old one stops working at once."""
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    committee.public_reporting_token = new_public_token()
    _history(committee, user, _("Public reporting link regenerated"))
    committee.save(update_fields=["public_reporting_token"])
    _audit("committee.public_token_regenerated", user, committee)
    return committee


def is_committee_member(user: Any, organisation: Organisation) -> bool:
    """Whether `user` sits on the organisation's AI committee: an active member recorded with that
    account, or the delegate or deputy."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        Committee.objects.filter(organisation=organisation)
        .filter(
            Q(delegate=user) | Q(deputy=user) | Q(members__user=user, members__active=True),
        )
        .exists()
    )


# Members ------------------------------------------------------------------------------------------------


def _member_fields(committee: Committee, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    full_name = _text(errors, "full_name", data.get("full_name"), required=True, limit=200)
    email = (data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    quality = data.get("quality")
    if quality not in Quality.values:
        errors["quality"] = _("Choose a quality.")
    affiliation = _text(errors, "affiliation", data.get("affiliation"), required=False, limit=200)
    account = data.get("user")
    if account is not None and not _is_org_member(account, committee.organisation_id):
        errors["user"] = _("This person is not a member of the organisation.")
    joined_on = data.get("joined_on")
    if joined_on is not None and not isinstance(joined_on, dt.date):
        errors["joined_on"] = _("Enter a date.")
    if errors:
        raise ValidationError(errors)
    return {
        "full_name": full_name,
        "email": email,
        "quality": quality,
        "affiliation": affiliation,
        "user": account,
        "joined_on": joined_on,
    }


@transaction.atomic
def add_member(committee: Committee, actor: Any, **data: Any) -> CommitteeMember:
    fields = _member_fields(committee, data)
    account = fields["user"]
    if (
        account is not None
        and CommitteeMember.objects.filter(committee=committee, user=account, active=True).exists()
    ):
        raise ValidationError({"user": _("This person is already an active member of the committee.")})
    member = CommitteeMember(committee=committee, **fields)
    _history(member, actor, _("Member added"))
    member.save()
    _audit("committee.member_added", actor, committee, member, quality=member.quality)
    return member


@transaction.atomic
def update_member(member: CommitteeMember, actor: Any, **data: Any) -> CommitteeMember:
    fields = _member_fields(member.committee, data)
    account = fields["user"]
    if (
        account is not None
        and CommitteeMember.objects.filter(committee=member.committee, user=account, active=True)
        .exclude(pk=member.pk)
        .exists()
    ):
        raise ValidationError({"user": _("This person is already an active member of the committee.")})
    for name, value in fields.items():
        setattr(member, name, value)
    if "active" in data:
        member.active = bool(data["active"])
    _history(member, actor, _("Member changed"))
    member.save()
    _audit("committee.member_changed", actor, member.committee, member, active=member.active)
    return member


@transaction.atomic
def deactivate_member(member: CommitteeMember, user: Any) -> CommitteeMember:
    """Members leave the committee but stay in its history, attendance and decisions."""
    if not member.active:
        raise ValidationError(_("This member is already inactive."))
    member.active = False
    _history(member, user, _("Member deactivated"))
    member.save(update_fields=["active"])
    _audit("committee.member_deactivated", user, member.committee, member)
    return member


def member_email(member: CommitteeMember) -> str:
    if member.email:
        return member.email
    if member.user is not None and member.user.is_active:
        return str(member.user.email or "")
    return ""


def invitees(committee: Committee) -> list[tuple[str, str]]:
    """(name, e-mail) of the active members who can be reached, plus the delegate and deputy, once each."""
    seen: set[str] = set()
    people: list[tuple[str, str]] = []
    members = committee.members.filter(active=True).select_related("user")
    for member in members:
        email = member_email(member)
        if email and email.lower() not in seen:
            seen.add(email.lower())
            people.append((member.full_name, email))
    for person in (committee.delegate, committee.deputy):
        if person is not None and person.is_active and person.email and person.email.lower() not in seen:
            seen.add(person.email.lower())
            people.append((getattr(person, "full_name", "") or person.email, person.email))
    return people


# Meetings -----------------------------------------------------------------------------------------------


def _new_uid() -> str:
    host = base_url().split("://", 1)[-1].split("/", 1)[0] or "revoyure"
    return f"{uuid.uuid4()}@{host}"


def _meeting_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = _text(errors, "title", data.get("title"), required=True, limit=MAX_TITLE)
    location = _text(errors, "location", data.get("location"), required=False, limit=200)
    agenda = _text(errors, "agenda", data.get("agenda"), required=False)
    starts_at = _aware(data.get("starts_at"))
    if starts_at is None:
        errors["starts_at"] = _("Enter a date and time.")
    ends_at = _aware(data.get("ends_at")) if data.get("ends_at") is not None else None
    if starts_at is not None:
        if ends_at is None:
            ends_at = starts_at + MEETING_LENGTH
        elif ends_at <= starts_at:
            errors["ends_at"] = _("The meeting must end after it starts.")
        elif ends_at - starts_at > MAX_MEETING_LENGTH:
            errors["ends_at"] = _("A meeting lasts at most two days.")
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "location": location,
        "agenda": agenda,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }


def _send_ics(meeting_id: int, method: str, subject: str, intro: str) -> int:
    """Send the meeting's .ics to every invitee, one message each (addresses stay private). Runs after
    the commit; returns the number of messages sent."""
    meeting = Meeting.objects.select_related("committee__organisation", "committee__delegate").get(
        pk=meeting_id
    )
    people = invitees(meeting.committee)
    if not people:
        return 0
    url = meeting_url(meeting)
    ics = calendar.build_ics(meeting, method, people, url)
    when = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
    body = "\n".join(
        line
        for line in [
            intro,
            "",
            f"{meeting.title}",
            _("When: %(when)s") % {"when": when},
            _("Where: %(place)s") % {"place": meeting.location} if meeting.location else "",
            "",
            meeting.agenda,
            "",
            url,
        ]
    )
    messages = []
    for _name, email in people:
        message = EmailMessage(subject, body, None, [email])
        message.attach("invite.ics", ics, f"text/calendar; method={method}; charset=utf-8")
        messages.append(message)
    try:
        sent = get_connection().send_messages(messages)
    except (smtplib.SMTPException, OSError):
        logger.exception("Invitations for meeting %s could not be sent", meeting_id)
        return 0
    return int(sent or 0)


def _create_meeting(
    committee: Committee, user: Any, kind: str, fields: dict[str, Any], year: int | None = None
) -> Meeting:
    meeting = Meeting(committee=committee, kind=kind, ical_uid=_new_uid(), year=year, **fields)
    _history(meeting, user, _("Meeting planned"))
    meeting.save()
    _audit(
        "committee.meeting_planned",
        user,
        committee,
        meeting,
        kind=kind,
        starts_at=meeting.starts_at.isoformat(),
        year=year,
    )
    return meeting


@transaction.atomic
def create_meeting(
    committee: Committee, user: Any, *, kind: str = MeetingKind.EXTRAORDINARY, **data: Any
) -> Meeting:
    """A meeting planned by hand (extraordinary, or an annual one for a year that has none)."""
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("Unknown kind of meeting.")})
    fields = _meeting_fields(data)
    year = None
    if kind == MeetingKind.ANNUAL:
        year = timezone.localtime(fields["starts_at"]).year
        if Meeting.objects.filter(committee=committee, kind=MeetingKind.ANNUAL, year=year).exists():
            raise ValidationError({"kind": _("The annual meeting of this year already exists.")})
    try:
        with transaction.atomic():
            return _create_meeting(committee, user, kind, fields, year)
    except IntegrityError as exc:
        raise ValidationError({"kind": _("The annual meeting of this year already exists.")}) from exc


@transaction.atomic
def send_invitations(meeting: Meeting, user: Any) -> Meeting:
    """Send the invitation (METHOD:REQUEST) at the meeting's current SEQUENCE."""
    meeting = Meeting.objects.select_for_update().select_related("committee").get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be announced."))
    if not invitees(meeting.committee):
        raise ValidationError(_("No member of the committee has an e-mail address."))
    meeting.invitations_sent_at = timezone.now()
    _history(meeting, user, _("Invitations sent"))
    meeting.save(update_fields=["invitations_sent_at"])
    _audit("committee.meeting_invitations", user, meeting.committee, meeting, sequence=meeting.ical_sequence)
    subject = _("Invitation: %(title)s") % {"title": meeting.title}
    intro = _("You are invited to this meeting of the AI committee.")
    transaction.on_commit(lambda: _send_ics(meeting.pk, calendar.REQUEST, subject, intro))
    return meeting


@transaction.atomic
def convene_extraordinary_meeting(
    committee: Committee, user: Any, *, title: str, starts_at: dt.datetime, agenda: str, subject: str = ""
) -> Meeting:
    """Plan an extraordinary meeting and invite the members at once (for the staff reports: « le comité
    se réunit pour instruire cette demande »). `subject` is added to the agenda."""
    full_agenda = "\n\n".join(part for part in ((subject or "").strip(), (agenda or "").strip()) if part)
    fields = _meeting_fields({"title": title, "starts_at": starts_at, "agenda": full_agenda})
    meeting = _create_meeting(committee, user, MeetingKind.EXTRAORDINARY, fields)
    if invitees(committee):
        send_invitations(meeting, user)
        meeting.refresh_from_db()
    return meeting


@transaction.atomic
def update_meeting(meeting: Meeting, user: Any, **data: Any) -> Meeting:
    """Change a planned meeting. If invitations went out and the time or place changed, an update is sent
    with the same UID and SEQUENCE + 1."""
    meeting = Meeting.objects.select_for_update().select_related("committee").get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be changed."))
    fields = _meeting_fields(data)
    moved = (
        fields["starts_at"] != meeting.starts_at
        or fields["ends_at"] != meeting.ends_at
        or fields["location"] != meeting.location
    )
    changed = moved or fields["title"] != meeting.title or fields["agenda"] != meeting.agenda
    if not changed:
        return meeting
    for name, value in fields.items():
        setattr(meeting, name, value)
    if meeting.kind == MeetingKind.ANNUAL and timezone.localtime(meeting.starts_at).year != meeting.year:
        raise ValidationError({"starts_at": _("The annual meeting must stay in its year.")})
    notify = moved and meeting.invitations_sent_at is not None
    if notify:
        meeting.ical_sequence += 1
        meeting.invitations_sent_at = timezone.now()
    _history(meeting, user, _("Meeting changed"))
    meeting.save()
    _audit(
        "committee.meeting_changed",
        user,
        meeting.committee,
        meeting,
        starts_at=meeting.starts_at.isoformat(),
        sequence=meeting.ical_sequence,
        update_sent=notify,
    )
    if notify:
        subject = _("Updated: %(title)s") % {"title": meeting.title}
        intro = _("The time or place of this meeting of the AI committee has changed.")
        transaction.on_commit(lambda: _send_ics(meeting.pk, calendar.REQUEST, subject, intro))
    return meeting


@transaction.atomic
def cancel_meeting(meeting: Meeting, user: Any) -> Meeting:
    """Cancel a planned meeting; if invitations went out, METHOD:CANCEL with SEQUENCE + 1."""
    meeting = Meeting.objects.select_for_update().select_related("committee").get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    notify = meeting.invitations_sent_at is not None
    if notify:
        meeting.ical_sequence += 1
    _history(meeting, user, _("Meeting cancelled"))
    meeting.save()
    _audit("committee.meeting_cancelled", user, meeting.committee, meeting, sequence=meeting.ical_sequence)
    if notify:
        subject = _("Cancelled: %(title)s") % {"title": meeting.title}
        intro = _("This meeting of the AI committee is cancelled.")
        transaction.on_commit(lambda: _send_ics(meeting.pk, calendar.CANCEL, subject, intro))
    return meeting


@transaction.atomic
def record_attendance(meeting: Meeting, user: Any, attendance: Mapping[int, str], minutes: str) -> Meeting:
    """Attendance per member ("present", "excused" or "absent") and the minutes."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting is cancelled."))
    errors: dict[str, str] = {}
    minutes = _text(errors, "minutes", minutes, required=False, limit=100_000)
    members = {m.pk: m for m in meeting.committee.members.all()}
    for member_id, value in attendance.items():
        if member_id not in members:
            errors["attendance"] = _("A member does not belong to this committee.")
        elif value not in ("present", "excused", "absent"):
            errors["attendance"] = _("Choose present, excused or absent.")
    if errors:
        raise ValidationError(errors)
    existing = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    for member_id, value in attendance.items():
        row = existing.get(member_id) or Attendance(meeting=meeting, member_id=member_id)
        row.present = value == "present"
        row.excused = value == "excused"
        row.save()
    meeting.minutes = minutes
    _history(meeting, user, _("Attendance and minutes recorded"))
    meeting.save(update_fields=["minutes"])
    _audit(
        "committee.meeting_minutes",
        user,
        meeting.committee,
        meeting,
        present=sum(1 for v in attendance.values() if v == "present"),
    )
    return meeting


@transaction.atomic
def mark_held(meeting: Meeting, user: Any) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("committee").get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be marked as held."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("The meeting has not started yet."))
    meeting.status = MeetingStatus.HELD
    _history(meeting, user, _("Meeting held"))
    meeting.save(update_fields=["status"])
    _audit("committee.meeting_held", user, meeting.committee, meeting)
    return meeting


@transaction.atomic
def add_decision(
    meeting: Meeting,
    user: Any,
    *,
    text: str,
    owner: str = "",
    due_on: dt.date | None = None,
    tool: Tool | None = None,
) -> Decision:
    errors: dict[str, str] = {}
    text = _text(errors, "text", text, required=True)
    owner = _text(errors, "owner", owner, required=False, limit=200)
    if due_on is not None and not isinstance(due_on, dt.date):
        errors["due_on"] = _("Enter a date.")
    if tool is not None and tool.organisation_id != meeting.committee.organisation_id:
        errors["tool"] = _("This tool belongs to another organisation.")
    if meeting.status == MeetingStatus.CANCELLED:
        errors["text"] = _("This meeting is cancelled.")
    if errors:
        raise ValidationError(errors)
    decision = Decision(meeting=meeting, text=text, owner=owner, due_on=due_on, tool=tool)
    _history(decision, user, _("Decision recorded"))
    decision.save()
    _audit("committee.decision_added", user, meeting.committee, decision, meeting=meeting.pk)
    return decision


@transaction.atomic
def delete_decision(decision: Decision, user: Any) -> None:
    committee = decision.meeting.committee
    pk, meeting_id = decision.pk, decision.meeting_id
    _history(decision, user, _("Decision deleted"))
    decision.delete()
    _audit(
        "committee.decision_deleted",
        user,
        committee,
        object_type="committee.decision",
        object_id=pk,
        meeting=meeting_id,
    )


# The annual meeting, planned by the daily job ---------------------------------------------------------


def annual_start(committee: Committee, year: int) -> dt.datetime:
    month = committee.annual_meeting_month if 1 <= committee.annual_meeting_month <= 12 else 3
    return timezone.make_aware(dt.datetime.combine(dt.date(year, month, ANNUAL_DAY), dt.time(ANNUAL_HOUR)))


def default_annual_agenda() -> str:
    # The agenda of the roadmap's annual meeting (measure 6).
    return "\n".join(
        [
            _("1. Strategy for AI systems: purposes, objectives, whether they are met or must be reviewed."),
            _(
                "2. Systems deployed, from the register of AI tools, and the register's changes over the year."
            ),
            _("3. New introductions and the consultation or information of the staff representatives."),
            _("4. Vendor information and regulatory news (national and European), by the delegate."),
            _("5. Trainings given and planned (AI Act art. 4)."),
            _("6. Staff reports and their outcomes."),
            _("7. The communication to all staff."),
        ]
    )


def schedule_annual_meeting(committee: Committee, year: int) -> Meeting | None:
    """Create the annual meeting of `year` if there is none. Safe when run twice or concurrently: the
    unique constraint (committee, year) for annual meetings makes the second insert fail, which is
    caught. Returns the meeting created, or None."""
    if Meeting.objects.filter(committee=committee, kind=MeetingKind.ANNUAL, year=year).exists():
        return None
    starts_at = annual_start(committee, year)
    fields = {
        "title": _("Annual meeting of the AI committee %(year)d") % {"year": year},
        "starts_at": starts_at,
        "ends_at": starts_at + MEETING_LENGTH,
        "location": "",
        "agenda": default_annual_agenda(),
    }
    try:
        with transaction.atomic():
            return _create_meeting(committee, None, MeetingKind.ANNUAL, fields, year)
    except IntegrityError:
        return None  # created meanwhile by another run


def schedule_annual_meetings(on: dt.date | None = None) -> int:
    """For each organisation with a committee, the annual meeting of the current year, in its month (the
    job runs daily: from the first day of the month on, it creates the missing meeting)."""
    on = on or today()
    created = 0
    for committee in Committee.objects.select_related("organisation").order_by("pk"):
        if committee.annual_meeting_month > on.month:
            continue
        if schedule_annual_meeting(committee, on.year) is not None:
            created += 1
    return created


# The delegate's notes ----------------------------------------------------------------------------------


def _note_fields(committee: Committee, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in NoteKind.values:
        errors["kind"] = _("Choose vendor information or regulatory news.")
    title = _text(errors, "title", data.get("title"), required=True, limit=MAX_TITLE)
    body = _text(errors, "body", data.get("body"), required=False)
    url = (data.get("url") or "").strip()
    if url and not url.startswith(("http://", "https://")):
        errors["url"] = _("Enter a web address starting with http:// or https://.")
    noted_on = data.get("noted_on")
    if not isinstance(noted_on, dt.date):
        errors["noted_on"] = _("Enter a date.")
    vendor: Vendor | None = data.get("vendor")
    tool: Tool | None = data.get("tool")
    if tool is not None and tool.organisation_id != committee.organisation_id:
        errors["tool"] = _("This tool belongs to another organisation.")
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "title": title,
        "body": body,
        "url": url,
        "noted_on": noted_on,
        "vendor": vendor,
        "tool": tool,
    }


@transaction.atomic
def add_note(committee: Committee, user: Any, **data: Any) -> DelegateNote:
    note = DelegateNote(committee=committee, created_by=user, **_note_fields(committee, data))
    _history(note, user, _("Note recorded"))
    note.save()
    _audit("committee.note_added", user, committee, note, kind=note.kind)
    return note


@transaction.atomic
def update_note(note: DelegateNote, user: Any, **data: Any) -> DelegateNote:
    for name, value in _note_fields(note.committee, data).items():
        setattr(note, name, value)
    _history(note, user, _("Note changed"))
    note.save()
    _audit("committee.note_changed", user, note.committee, note)
    return note


@transaction.atomic
def delete_note(note: DelegateNote, user: Any) -> None:
    committee, pk = note.committee, note.pk
    _history(note, user, _("Note deleted"))
    note.delete()
    _audit("committee.note_deleted", user, committee, object_type="committee.delegatenote", object_id=pk)


# Communications to all staff ---------------------------------------------------------------------------


def draft_from_meeting(meeting: Meeting) -> dict[str, str]:
    """A draft communication from the meeting's decisions, for the delegate to edit."""
    date = timezone.localtime(meeting.starts_at).date().isoformat()
    lines = [
        _("The AI committee met on %(date)s (%(title)s).") % {"date": date, "title": meeting.title},
        "",
    ]
    decisions = list(meeting.decisions.select_related("tool"))
    if decisions:
        lines.append(_("Decisions:"))
        for d in decisions:
            extra = []
            if d.tool is not None:
                extra.append(d.tool.name)
            if d.owner:
                extra.append(d.owner)
            if d.due_on:
                extra.append(d.due_on.isoformat())
            lines.append(f"- {d.text}" + (f" ({'; '.join(extra)})" if extra else ""))
    else:
        lines.append(_("No decision was recorded."))
    committee = meeting.committee
    if committee.reporting_email:
        lines += [
            "",
            _("To report an abnormal use of an AI tool, write to %(email)s.")
            % {"email": committee.reporting_email},
        ]
    return {
        "title": _("After the AI committee meeting of %(date)s") % {"date": date},
        "body": "\n".join(lines),
    }


def _communication_fields(committee: Committee, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = _text(errors, "title", data.get("title"), required=True, limit=MAX_TITLE)
    body = _text(errors, "body", data.get("body"), required=True)
    meeting = data.get("meeting")
    if meeting is not None and meeting.committee_id != committee.pk:
        errors["meeting"] = _("This meeting belongs to another committee.")
    if errors:
        raise ValidationError(errors)
    return {"title": title, "body": body, "meeting": meeting}


@transaction.atomic
def create_communication(committee: Committee, user: Any, **data: Any) -> Communication:
    communication = Communication(
        committee=committee, created_by=user, **_communication_fields(committee, data)
    )
    _history(communication, user, _("Communication drafted"))
    communication.save()
    _audit("committee.communication_drafted", user, committee, communication)
    return communication


@transaction.atomic
def update_communication(communication: Communication, user: Any, **data: Any) -> Communication:
    if communication.published_at is not None:
        raise ValidationError(_("A published communication cannot be changed."))
    for name, value in _communication_fields(communication.committee, data).items():
        setattr(communication, name, value)
    _history(communication, user, _("Communication changed"))
    communication.save()
    _audit("committee.communication_changed", user, communication.committee, communication)
    return communication


def staff_emails(organisation_id: int) -> list[str]:
    return sorted(
        {
            e
            for e in Membership.objects.filter(
                organisation_id=organisation_id, user__is_active=True
            ).values_list("user__email", flat=True)
            if e
        }
    )


def send_communication(communication_id: int) -> int:
    """E-mail a published communication to every member of the organisation, once: the claim is a
    conditional UPDATE of `emailed_at` (only the run that changed the row sends). Returns messages sent."""
    claimed = Communication.objects.filter(
        pk=communication_id, published_at__isnull=False, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return 0
    communication = Communication.objects.select_related("committee__organisation").get(pk=communication_id)
    organisation = communication.committee.organisation
    url = base_url() + reverse("committee:communications", kwargs={"org": organisation.slug})
    body = f"{communication.body}\n\n{url}"
    subject = f"[{organisation.name}] {communication.title}"
    messages = [EmailMessage(subject, body, None, [email]) for email in staff_emails(organisation.pk)]
    if not messages:
        return 0
    try:
        return int(get_connection().send_messages(messages) or 0)
    except (smtplib.SMTPException, OSError):
        logger.exception("Communication %s could not be e-mailed", communication_id)
        return 0


@transaction.atomic
def publish_communication(communication: Communication, user: Any) -> Communication:
    """Publish to the staff page and e-mail everyone after the commit (once)."""
    claimed = Communication.objects.filter(pk=communication.pk, published_at__isnull=True).update(
        published_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(_("This communication is already published."))
    communication.refresh_from_db()
    _history(communication, user, _("Communication published"))
    communication.save(update_fields=["published_at"])
    _audit("committee.communication_published", user, communication.committee, communication)
    pk = communication.pk
    transaction.on_commit(lambda: send_communication(pk))
    return communication


def members_of(committee: Committee, ids: Iterable[int]) -> list[CommitteeMember]:
    return list(committee.members.filter(pk__in=list(ids)))
