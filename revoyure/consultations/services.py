"""Writes of the consultation procedure. Each is atomic, keeps the history (django-simple-history) and the
audit log, and leaves e-mails to after the commit.

The deadlines are recomputed on every change that can move them (information date, expert, bodies,
agreement), and the facts that CT-4 reads (`sys.consultation_info_date`, `sys.expert_appointed`,
`sys.expertise_central_and_establishment`) are written through the qualification's `record_answers`, so
the obligations page shows the same deadline."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from revoyure.consultations import deadlines
from revoyure.consultations.models import (
    BodyConsultation,
    Consultation,
    ConsultationDocument,
    ConsultationStatus,
    DocumentKind,
    Opinion,
    Purpose,
)
from revoyure.core import audit
from revoyure.core.uploads import check_upload
from revoyure.organisations.models import Agreement, StaffBody
from revoyure.registry.models import Tool

logger = logging.getLogger(__name__)

MAX_TEXT = 10_000
MAX_SUBJECT = 300
GIVEN_OPINIONS = (Opinion.FAVOURABLE, Opinion.RESERVATIONS, Opinion.UNFAVOURABLE)


def today() -> dt.date:
    return timezone.localdate()


def _history(obj: Any, actor: Any, reason: str) -> None:
    obj._history_user = actor
    obj._change_reason = reason


def _audit(action: str, actor: Any, consultation: Consultation, obj: Any = None, **data: Any) -> None:
    audit.record(
        action,
        actor=actor,
        organisation_id=consultation.organisation_id,
        obj=obj or consultation,
        data={"consultation": consultation.pk, "tool": consultation.tool_id, **data},
    )


def _require_open(consultation: Consultation) -> None:
    if consultation.status != ConsultationStatus.OPEN:
        raise ValidationError(_("This consultation is closed."))


def _check_date(name: str, value: Any, *, not_before: dt.date | None = None, label: str = "") -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError({name: _("Enter a date.")})
    if value > today():
        raise ValidationError({name: _("The date cannot be in the future.")})
    if not_before is not None and value < not_before:
        raise ValidationError(
            {name: _("The date cannot be before %(what)s (%(date)s).") % {"what": label, "date": not_before}}
        )
    return value


# Opening -------------------------------------------------------------------------------------------------


@transaction.atomic
def open_consultation(
    tool: Tool,
    user: Any,
    *,
    subject: str,
    staff_bodies: Iterable[StaffBody],
    study: Any = None,
    agreement: Agreement | None = None,
    agreed_period_days: int | None = None,
    purposes: dict[int, str] | None = None,
) -> Consultation:
    """Open the procedure for `tool` with one `BodyConsultation` per staff body (purpose "consultation"
    unless `purposes` maps the body's id to "information")."""
    errors: dict[str, str] = {}
    subject = (subject or "").strip()
    if not subject:
        errors["subject"] = _("Give the subject of the consultation.")
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = _("The subject is too long (at most %(max)d characters).") % {"max": MAX_SUBJECT}
    bodies = list(staff_bodies)
    if not bodies:
        errors["staff_bodies"] = _("Choose at least one staff body.")
    elif any(b.organisation_id != tool.organisation_id for b in bodies):
        errors["staff_bodies"] = _("A staff body belongs to another organisation.")
    elif len({b.pk for b in bodies}) != len(bodies):
        errors["staff_bodies"] = _("A staff body is chosen twice.")
    purposes = purposes or {}
    if any(p not in Purpose.values for p in purposes.values()):
        errors["staff_bodies"] = _("Unknown purpose.")
    if study is not None and study.tool_id != tool.pk:
        errors["study"] = _("The impact study is about another tool.")
    if agreement is not None and agreement.organisation_id != tool.organisation_id:
        errors["agreement"] = _("The agreement belongs to another organisation.")
    if agreed_period_days is not None:
        if agreement is None:
            errors["agreement"] = _("Choose the agreement that sets this period.")
        problem = deadlines.agreed_period_error(agreed_period_days)
        if problem:
            errors["agreed_period_days"] = problem
    if errors:
        raise ValidationError(errors)
    consultation = Consultation(
        organisation_id=tool.organisation_id,
        tool=tool,
        study=study,
        subject=subject,
        agreement=agreement,
        agreed_period_days=agreed_period_days,
        opened_by=user,
    )
    _history(consultation, user, _("Consultation opened"))
    consultation.save()
    for staff_body in bodies:
        body = BodyConsultation(
            consultation=consultation,
            staff_body=staff_body,
            purpose=purposes.get(staff_body.pk, Purpose.CONSULTATION),
        )
        _history(body, user, _("Consultation opened"))
        body.save()
    recompute(consultation, user)
    _audit(
        "consultation.opened",
        user,
        consultation,
        subject=subject,
        bodies=[b.pk for b in bodies],
        agreed_period_days=agreed_period_days,
    )
    return consultation


@transaction.atomic
def add_body(
    consultation: Consultation, user: Any, staff_body: StaffBody, purpose: str = Purpose.CONSULTATION
) -> BodyConsultation:
    """Add a staff body; a closed consultation reopens, since that body has not given its opinion."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if staff_body.organisation_id != consultation.organisation_id:
        raise ValidationError({"staff_body": _("The staff body belongs to another organisation.")})
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if consultation.bodies.filter(staff_body=staff_body).exists():
        raise ValidationError({"staff_body": _("This staff body is already part of the consultation.")})
    body = BodyConsultation(consultation=consultation, staff_body=staff_body, purpose=purpose)
    _history(body, user, _("Staff body added"))
    body.save()
    if consultation.status == ConsultationStatus.CLOSED:
        consultation.status = ConsultationStatus.OPEN
        consultation.closed_at = None
        _history(consultation, user, _("Reopened: a staff body was added"))
        consultation.save(update_fields=["status", "closed_at"])
    recompute(consultation, user)
    _audit("consultation.body_added", user, consultation, body=body.pk, staff_body=staff_body.pk)
    return body


@transaction.atomic
def remove_body(body: BodyConsultation, user: Any) -> None:
    consultation = Consultation.objects.select_for_update().get(pk=body.consultation_id)
    _require_open(consultation)
    body = BodyConsultation.objects.get(pk=body.pk)
    if body.opinion:
        raise ValidationError(_("A staff body that has given its opinion cannot be removed."))
    if consultation.bodies.count() == 1:
        raise ValidationError(_("A consultation needs at least one staff body."))
    _audit("consultation.body_removed", user, consultation, body=body.pk, staff_body=body.staff_body_id)
    _history(body, user, _("Staff body removed"))
    body.delete()
    recompute(consultation, user)
    maybe_close(consultation, user)


# Deadlines and facts -------------------------------------------------------------------------------------


def recompute(consultation: Consultation, user: Any) -> None:
    """Recompute every body's deadline (they depend on each other: experts, central and establishment
    levels) and write the facts CT-4 reads. Call inside the writer's transaction."""
    bodies = list(consultation.bodies.select_related("staff_body").order_by("pk"))
    facts = [
        deadlines.BodyFacts(
            kind=b.staff_body.kind,
            informed_on=b.informed_on,
            has_expert=bool(b.expert_name),
            consulted=b.purpose == Purpose.CONSULTATION,
        )
        for b in bodies
    ]
    agreement = consultation.agreement.title if consultation.agreement_id else ""  # type: ignore[union-attr]
    results = deadlines.compute(
        facts, agreed_period_days=consultation.agreed_period_days, agreement=agreement
    )
    for body, result in zip(bodies, results, strict=True):
        basis = result.basis[:200]
        if (body.deadline, body.deadline_basis) != (result.date, basis):
            body.deadline, body.deadline_basis = result.date, basis
            _history(body, user, _("Deadline recomputed"))
            body.save(update_fields=["deadline", "deadline_basis"])
    _record_facts(consultation, bodies, user)


def _record_facts(consultation: Consultation, bodies: list[BodyConsultation], user: Any) -> None:
    from revoyure.qualification.services import get_answers, record_answers

    cse = [
        b
        for b in bodies
        if b.staff_body.kind in deadlines.STATUTORY_KINDS and b.purpose == Purpose.CONSULTATION
    ]
    if not cse:
        return
    informed = [b.informed_on for b in cse if b.informed_on]
    kinds = {b.staff_body.kind for b in cse}
    experts = [b for b in cse if b.expert_name]
    facts: dict[str, Any] = {
        "sys.consultation_info_date": min(informed).isoformat() if informed else None,
        "sys.expert_appointed": bool(experts),
        "sys.expertise_central_and_establishment": bool(experts)
        and ({deadlines.CENTRAL_CSE, deadlines.ESTABLISHMENT_CSE} <= kinds or len(experts) > 1),
    }
    tool = Tool.objects.get(pk=consultation.tool_id)
    stored = get_answers(tool)
    changed = {k: v for k, v in facts.items() if stored.get(k, "absent") != v}
    if changed:
        record_answers(tool, user, changed, reason=_("Consultation of the staff bodies"))


# The procedure -------------------------------------------------------------------------------------------


def _locked_body(body: BodyConsultation) -> tuple[Consultation, BodyConsultation]:
    consultation = Consultation.objects.select_for_update().get(pk=body.consultation_id)
    _require_open(consultation)
    return consultation, BodyConsultation.objects.select_related("staff_body").get(pk=body.pk)


@transaction.atomic
def record_information(body: BodyConsultation, user: Any, informed_on: dt.date) -> BodyConsultation:
    """The day the body had the information (documents given or put in the BDESE): the period runs from it."""
    consultation, body = _locked_body(body)
    _check_date("informed_on", informed_on)
    if body.opinion_on and informed_on > body.opinion_on:
        raise ValidationError({"informed_on": _("The information date cannot be after the opinion.")})
    old = body.informed_on
    body.informed_on = informed_on
    _history(body, user, _("Information date recorded"))
    body.save(update_fields=["informed_on"])
    recompute(consultation, user)
    _audit(
        "consultation.informed",
        user,
        consultation,
        body,
        body=body.pk,
        informed_on=informed_on.isoformat(),
        before=old.isoformat() if old else None,
    )
    maybe_close(consultation, user)
    body.refresh_from_db()
    return body


@transaction.atomic
def appoint_expert(body: BodyConsultation, user: Any, name: str, appointed_on: dt.date) -> BodyConsultation:
    """The body appointed an expert (L2315-94 2°, CT-5): the period becomes 2 (or 3) months."""
    consultation, body = _locked_body(body)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"expert_name": _("Give the expert's name.")})
    if len(name) > 200:
        raise ValidationError({"expert_name": _("The name is too long (at most 200 characters).")})
    if body.purpose != Purpose.CONSULTATION:
        raise ValidationError({"expert_name": _("A body that is only informed does not appoint an expert.")})
    if body.opinion:
        raise ValidationError({"expert_name": _("The opinion is already recorded.")})
    _check_date("expert_appointed_on", appointed_on, not_before=body.informed_on, label=_("the information"))
    body.expert_name, body.expert_appointed_on = name, appointed_on
    _history(body, user, _("Expert appointed"))
    body.save(update_fields=["expert_name", "expert_appointed_on"])
    recompute(consultation, user)
    _audit(
        "consultation.expert_appointed",
        user,
        consultation,
        body,
        body=body.pk,
        appointed_on=appointed_on.isoformat(),
    )
    body.refresh_from_db()
    return body


def _count(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 100_000:
        raise ValidationError({name: _("Enter a whole number, zero or more.")})
    return value


@transaction.atomic
def record_opinion(
    body: BodyConsultation,
    user: Any,
    opinion: str,
    text: str = "",
    *,
    votes_for: int | None = None,
    votes_against: int | None = None,
    abstentions: int | None = None,
    opinion_on: dt.date,
) -> BodyConsultation:
    """The body's opinion. "Deemed negative" is never recorded by hand: the daily job sets it when the
    deadline passes (R2312-6)."""
    consultation, body = _locked_body(body)
    if opinion not in GIVEN_OPINIONS:
        raise ValidationError(
            {"opinion": _("Choose favourable, favourable with reservations or unfavourable.")}
        )
    if body.purpose != Purpose.CONSULTATION:
        raise ValidationError({"opinion": _("This body is only informed: it gives no opinion.")})
    if body.opinion == Opinion.DEEMED_NEGATIVE:
        raise ValidationError(
            {"opinion": _("The deadline has passed: the body is deemed to have given a negative opinion.")}
        )
    if body.opinion:
        raise ValidationError({"opinion": _("The opinion is already recorded.")})
    if body.informed_on is None:
        raise ValidationError({"opinion_on": _("Record the information date first: the opinion follows it.")})
    _check_date("opinion_on", opinion_on, not_before=body.informed_on, label=_("the information"))
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {"opinion_text": _("The text is too long (at most %(max)d characters).") % {"max": MAX_TEXT}}
        )
    body.votes_for = _count("votes_for", votes_for)
    body.votes_against = _count("votes_against", votes_against)
    body.abstentions = _count("abstentions", abstentions)
    body.opinion, body.opinion_text, body.opinion_on = opinion, text, opinion_on
    body.opinion_recorded_by = user
    _history(body, user, _("Opinion recorded"))
    body.save()
    _audit(
        "consultation.opinion_recorded",
        user,
        consultation,
        body,
        body=body.pk,
        opinion=opinion,
        opinion_on=opinion_on.isoformat(),
        votes=[body.votes_for, body.votes_against, body.abstentions],
    )
    maybe_close(consultation, user)
    body.refresh_from_db()
    return body


def maybe_close(consultation: Consultation, user: Any) -> bool:
    """Close the consultation when every body is complete. Call inside the writer's transaction."""
    consultation.refresh_from_db(fields=["status"])
    if consultation.status != ConsultationStatus.OPEN:
        return False
    bodies = list(consultation.bodies.all())
    if not bodies or not all(b.is_complete for b in bodies):
        return False
    updated = Consultation.objects.filter(pk=consultation.pk, status=ConsultationStatus.OPEN).update(
        status=ConsultationStatus.CLOSED, closed_at=timezone.now()
    )
    if not updated:
        return False
    consultation.refresh_from_db()
    _history(consultation, user, _("Every staff body has given its opinion"))
    consultation.save(update_fields=["status", "closed_at"])  # one history row for the closing
    _audit("consultation.closed", user, consultation)
    return True


# Documents -----------------------------------------------------------------------------------------------


def _store_document(
    consultation: Consultation,
    user: Any,
    *,
    kind: str,
    title: str,
    content: Any,
    content_type: str,
    size: int,
    sha256: str,
) -> ConsultationDocument:
    document = ConsultationDocument(
        consultation=consultation,
        kind=kind,
        title=title[:300],
        content_type=content_type,
        size=size,
        sha256=sha256,
        created_by=user,
    )
    document.file.save(sha256, content, save=False)
    document.save()
    _audit(
        "consultation.document_added",
        user,
        consultation,
        document,
        kind=kind,
        title=document.title,
        sha256=sha256,
        size=size,
    )
    return document


@transaction.atomic
def add_document(
    consultation: Consultation, user: Any, upload: UploadedFile, title: str = ""
) -> ConsultationDocument:
    """An attachment, checked like the register's (size, type from the content)."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    title = (title or upload.name or "").strip()
    if len(title) > 300:
        raise ValidationError({"title": _("The title is too long (at most 300 characters).")})
    content_type = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return _store_document(
        consultation,
        user,
        kind=DocumentKind.ATTACHMENT,
        title=title or _("Attachment"),
        content=upload,
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
    )


@transaction.atomic
def generate_dossier(consultation: Consultation, user: Any) -> ConsultationDocument:
    """The information dossier PDF: the tool, its qualification, the impact study, the panel results and
    the framing note."""
    from revoyure.consultations.dossier import render_dossier

    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    pdf = render_dossier(consultation)
    sha256 = hashlib.sha256(pdf).hexdigest()
    title = _("Information dossier — %(tool)s — %(date)s") % {
        "tool": consultation.tool.name,
        "date": today().isoformat(),
    }
    return _store_document(
        consultation,
        user,
        kind=DocumentKind.DOSSIER,
        title=title,
        content=ContentFile(pdf),
        content_type="application/pdf",
        size=len(pdf),
        sha256=sha256,
    )


MAX_MAIL_ATTACHMENTS_BYTES = 15 * 1024 * 1024


@transaction.atomic
def send_documents(
    body: BodyConsultation, user: Any, documents: Iterable[ConsultationDocument]
) -> BodyConsultation:
    """Give the documents to the body: recorded on it, e-mailed (after the commit) to its members who have
    an account. The information date is today if none was recorded: the period starts when the information
    is given (R2312-5)."""
    consultation, body = _locked_body(body)
    documents = list(documents)
    if not documents:
        raise ValidationError({"documents": _("Choose at least one document.")})
    if any(d.consultation_id != consultation.pk for d in documents):
        raise ValidationError({"documents": _("A document belongs to another consultation.")})
    body.documents.add(*documents)
    body.documents_sent_at = timezone.now()
    fields = ["documents_sent_at"]
    if body.informed_on is None:
        body.informed_on = today()
        fields.append("informed_on")
    _history(body, user, _("Documents sent"))
    body.save(update_fields=fields)
    recompute(consultation, user)
    _audit(
        "consultation.documents_sent",
        user,
        consultation,
        body,
        body=body.pk,
        documents=[d.pk for d in documents],
        informed_on=body.informed_on.isoformat() if body.informed_on else None,
    )
    recipients = sorted(
        {
            m.user.email
            for m in body.staff_body.members.select_related("user")
            if m.user is not None and m.user.is_active and m.user.email
        }
    )
    if recipients:
        ids = [d.pk for d in documents]
        transaction.on_commit(lambda: _mail_documents(body.pk, ids, recipients))
    maybe_close(consultation, user)
    body.refresh_from_db()
    return body


_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "text/plain": ".txt",
    "application/zip": ".zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}


def download_name(document: ConsultationDocument) -> str:
    """A safe file name from the title (never the uploader's), with the extension of the detected type."""
    stem = slugify(document.title)[:80] or f"document-{document.pk}"
    return stem + _EXTENSIONS.get(document.content_type, "")


def consultation_url(consultation: Consultation) -> str:
    path = reverse(
        "consultations:detail",
        kwargs={"org": consultation.organisation.slug, "consultation_id": consultation.pk},
    )
    return settings.REVOYURE_BASE_URL.rstrip("/") + path


def _mail_documents(body_id: int, document_ids: list[int], recipients: list[str]) -> bool:
    body = BodyConsultation.objects.select_related(
        "consultation__tool", "consultation__organisation", "staff_body"
    ).get(pk=body_id)
    consultation = body.consultation
    subject = _("Information of the %(body)s: %(subject)s") % {
        "body": body.staff_body,
        "subject": consultation.subject,
    }
    lines = [
        _("The %(organisation)s sends the %(body)s the documents of the consultation on the tool “%(tool)s”.")
        % {
            "organisation": consultation.organisation.name,
            "body": body.staff_body,
            "tool": consultation.tool.name,
        },
        "",
        _("Information date: %(date)s.") % {"date": body.informed_on},
    ]
    if body.deadline:
        lines.append(
            _("Deadline for the opinion: %(date)s (%(basis)s).")
            % {"date": body.deadline, "basis": body.deadline_basis}
        )
    lines += ["", consultation_url(consultation)]
    message = EmailMessage(subject, "\n".join(lines), None, recipients)
    total = 0
    for document in ConsultationDocument.objects.filter(pk__in=document_ids).order_by("pk"):
        if total + document.size > MAX_MAIL_ATTACHMENTS_BYTES:
            continue  # too large for e-mail: the link above gives it
        with document.file.open("rb") as handle:
            content = handle.read()
        total += len(content)
        message.attach(download_name(document), content, document.content_type)
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("Documents of consultation %s could not be e-mailed", consultation.pk)
        return False
    return True


def translation_language() -> str:
    from django.utils import translation

    return (translation.get_language() or "fr")[:2]
