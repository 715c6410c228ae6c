"""Staff reports (signalements) and their case workflow (roadmap measure 6; issue 5 §3–4).

« En cas d'événement majeur constaté sur le système ou d'un signalement sur le fonctionnement du système IA
[...] sur demande d'un salarié qui a constaté des usages anormaux (via une adresse mail générique), le comité
se réunit pour instruire cette demande. Une expertise du système est réalisée, par exemple dans un « bac à
sable d'acceptabilité », avec les données actuelles du système pour essayer de reproduire le cas ou déceler
des cas similaires. En cas de signalement fondé, le comité mandate le délégué pour alerter officiellement le
fournisseur [...]. Le comité se réunira à nouveau pour valider le déploiement de ce nouveau système (suite à
une nouvelle consultation ou a minima informations des représentants du personnel). Le comité via le
délégué en informera le ou les salariés et après sa validation, cette demande sera clôturée et archivée. »

Privacy by construction: an anonymous report stores no account, no IP address, no user agent and no exact
time (only the day it was received); the `Report` has no django-simple-history table (its rows would carry
the exact time); its history is the list of `CaseStep`s, each dated and attributed to the committee member
who took it. The reporter's follow-up code is stored only as a SHA-256 hash."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from revoyure.committee.models import Meeting
from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool, Vendor


class Channel(models.TextChoices):
    WEB = "web", _("Form (member)")
    PUBLIC = "public", _("Public link")
    EMAIL = "email", _("E-mail to the generic address")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    INSTRUCTING = "instructing", _("Committee convened, instructing")
    EXPERTISE = "expertise", _("Expertise in the acceptability sandbox")
    FOUNDED = "founded", _("Founded")
    UNFOUNDED = "unfounded", _("Unfounded")
    VENDOR_ALERTED = "vendor_alerted", _("Vendor formally alerted")
    VENDOR_CORRECTED = "vendor_corrected", _("Correction by the vendor recorded")
    REVALIDATED = "revalidated", _("Corrected system re-validated by the committee")
    REPORTER_INFORMED = "reporter_informed", _("Reporter informed")
    CLOSED = "closed", _("Closed and archived")


class SeriousKind(models.TextChoices):
    # AI Act art. 73(2)–(4): 15 days; 10 days in the event of a death; 2 days for a widespread
    # infringement or a serious incident affecting critical infrastructure.
    GENERAL = "general", _("Serious incident (15 days)")
    DEATH = "death", _("Death of a person (10 days)")
    WIDESPREAD = "widespread", _("Widespread infringement or critical infrastructure (2 days)")


class Report(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff_reports")
    reference = models.CharField(_("reference"), max_length=20)
    tool = models.ForeignKey(
        Tool, on_delete=models.SET_NULL, null=True, blank=True, related_name="staff_reports"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"))
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True)
    # The day only, never the time: an exact time could be matched with badge or connection logs.
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    followup_code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    founded = models.BooleanField(_("founded"), null=True, blank=True)
    finding_reasons = models.TextField(_("reasons"), blank=True)
    suspension_suggested = models.BooleanField(_("suspension of use suggested"), default=False)
    vendor_correction = models.TextField(_("correction made by the vendor"), blank=True)
    corrected_on = models.DateField(_("corrected on"), null=True, blank=True)
    revalidation_meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "after the staff representatives are consulted or at least informed"
    staff_reps_involvement = models.CharField(_("staff representatives"), max_length=20, blank=True)
    revalidated_on = models.DateField(_("re-validated on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Serious incident (AI Act art. 73), marked by the delegate.
    serious_incident = models.BooleanField(_("serious incident"), default=False)
    serious_kind = models.CharField(
        _("kind of serious incident"), max_length=20, choices=SeriousKind.choices, blank=True
    )
    aware_on = models.DateField(_("date of awareness"), null=True, blank=True)
    serious_deadline = models.DateField(_("notification deadline"), null=True, blank=True)
    authority_notified_on = models.DateField(_("authority notified on"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff report")
        verbose_name_plural = _("staff reports")
        ordering = ("-received_on", "-pk")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="unique_report_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"


class CaseStep(models.Model):
    """One step of the case, dated and attributed: the report's history (append-only)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, blank=True)
    kind = models.CharField(max_length=40)  # e.g. "status", "message", "access_added", "serious_incident"
    at = models.DateTimeField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("at", "pk")

    def __str__(self) -> str:
        return f"{self.report} / {self.kind}"


class Expertise(models.Model):
    """The reproduction in the acceptability sandbox with the system's current data."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="expertise")
    sandbox = models.TextField(_("sandbox and data used"), blank=True)
    steps = models.TextField(_("steps followed"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    similar_cases = models.TextField(_("similar cases found"), blank=True)
    reproduced = models.BooleanField(_("reproduced"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.report} / expertise"


class VendorAlert(models.Model):
    """The delegate's formal alert to the vendor (AI Act art. 26(5)), a generated letter."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="vendor_alerts")
    vendor = models.ForeignKey(Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recipient_email = models.EmailField(_("sent to"), blank=True)
    letter = models.FileField(upload_to="reports/letters/%Y/", max_length=200)
    sha256 = models.CharField(max_length=64)
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.report} / {self.vendor or self.recipient_email}"


class Message(models.Model):
    """An exchange between the reporter and the committee (the reporter's side dated to the day only)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    from_reporter = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    created_on = models.DateField(_("date"))

    class Meta:
        ordering = ("created_on", "pk")

    def __str__(self) -> str:
        return f"{self.report} / {self.created_on}"


def attachment_path(instance: ReportAttachment, filename: str) -> str:
    # Never the sender's file name: it can identify them.
    return f"reports/{instance.report.organisation_id}/{instance.sha256[:2]}/{instance.sha256}"


class ReportAttachment(models.Model):
    """A file sent with a report or a message, with its identifying metadata removed (EXIF, document
    properties) before it is stored; the original name is not kept."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    from_reporter = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.report} / {self.sha256[:12]}"


class ReportAccess(models.Model):
    """A person the committee or the delegate added to a report (beyond the committee)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="access")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["report", "user"], name="one_access_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.report} / {self.user}"
