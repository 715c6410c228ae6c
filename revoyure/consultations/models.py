"""Consultation of the staff bodies before a tool is deployed or changed (issue 4 §3; legal-rules CT-2 to
CT-6, CT-13, FP-2 to FP-4, AIA-08).

A `Consultation` is the procedure for one project on one tool (usually one impact study); it concerns one
or more staff bodies (CSE, central and establishment CSE, CSSCT; CST/CSA and F3SCT/FS in public service),
each followed in a `BodyConsultation`: when it was informed, with which documents, its deadline, its
expert and its opinion. The procedure is closed once every body has given its opinion (or is deemed to
have given a negative one); only then does the go-live gate let the tool move to pilot or in service."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from revoyure.organisations.models import Agreement, Organisation, StaffBody
from revoyure.registry.models import Tool
from revoyure.studies.models import ImpactStudy


class ConsultationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Consultation(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="consultations")
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="consultations")
    study = models.ForeignKey(
        ImpactStudy, on_delete=models.SET_NULL, null=True, blank=True, related_name="consultations"
    )
    subject = models.CharField(_("subject"), max_length=300)
    # "Un accord [...] peut fixer d'autres délais" (L2312-16, R2312-5): the agreement and its period in days.
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreement"),
    )
    agreed_period_days = models.PositiveIntegerField(
        _("period set by the agreement (days)"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ConsultationStatus.choices, default=ConsultationStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ("-opened_at", "-pk")

    def __str__(self) -> str:
        return self.subject


class Purpose(models.TextChoices):
    # CT-3 al. 1 and 2 ask only to inform; L2312-8 and L2312-38 al. 3 to inform and consult.
    CONSULTATION = "consultation", _("Information and consultation")
    INFORMATION = "information", _("Information only")


class Opinion(models.TextChoices):
    FAVOURABLE = "favourable", _("Favourable")
    RESERVATIONS = "reservations", _("Favourable with reservations")
    UNFAVOURABLE = "unfavourable", _("Unfavourable")
    # R2312-6: when the period ends without an opinion, the body "est réputé avoir été consulté et avoir
    # rendu un avis négatif".
    DEEMED_NEGATIVE = "deemed_negative", _("Deemed negative (deadline passed)")


class BodyConsultation(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="bodies")
    staff_body = models.ForeignKey(StaffBody, on_delete=models.PROTECT, related_name="consultations")
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.CONSULTATION
    )
    # The day the body had the information (documents sent or put in the BDESE): the period runs from it.
    informed_on = models.DateField(_("information date"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_basis = models.CharField(max_length=200, blank=True)  # why that deadline, for the page
    expert_name = models.CharField(_("appointed expert"), max_length=200, blank=True)
    expert_appointed_on = models.DateField(_("expert appointed on"), null=True, blank=True)
    opinion = models.CharField(_("opinion"), max_length=20, choices=Opinion.choices, blank=True)
    opinion_text = models.TextField(_("text of the opinion"), blank=True)
    votes_for = models.PositiveIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("votes against"), null=True, blank=True)
    abstentions = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)
    opinion_on = models.DateField(_("opinion date"), null=True, blank=True)
    opinion_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    documents: models.ManyToManyField = models.ManyToManyField(
        "ConsultationDocument", blank=True, related_name="sent_to"
    )
    documents_sent_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[documents])

    class Meta:
        verbose_name = _("staff body consultation")
        verbose_name_plural = _("staff body consultations")
        ordering = ("staff_body__kind", "pk")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["consultation", "staff_body"], name="one_body_per_consultation"),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["deadline", "opinion"])]

    def __str__(self) -> str:
        return f"{self.consultation} — {self.staff_body}"

    @property
    def is_complete(self) -> bool:
        """An opinion is recorded (or deemed), or, for information only, the body has been informed."""
        if self.purpose == Purpose.INFORMATION:
            return self.informed_on is not None
        return bool(self.opinion)


class DocumentKind(models.TextChoices):
    ATTACHMENT = "attachment", _("Attachment")
    DOSSIER = "dossier", _("Information dossier (generated)")


def document_path(instance: ConsultationDocument, filename: str) -> str:
    # The stored name never reuses the uploader's file name (kept only as the title).
    return f"consultations/{instance.consultation.organisation_id}/{instance.sha256[:2]}/{instance.sha256}"


class ConsultationDocument(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(upload_to=document_path, max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consultation document")
        verbose_name_plural = _("consultation documents")
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return self.title


class ConsultationReminder(models.Model):
    """A reminder owed before a body's deadline; unique per body and key, so it is sent once even when
    several schedulers or workers run."""

    body = models.ForeignKey(BodyConsultation, on_delete=models.CASCADE, related_name="reminders")
    key = models.CharField(max_length=40)  # e.g. "7d:2027-01-12": days before and the deadline it is about
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["body", "key"], name="one_reminder_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.body_id} {self.key}"
