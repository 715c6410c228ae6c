"""The register of AI systems and digital work tools (roadmap measure 5, SECOIA format, groups A–L of
register-record.md), vendors shared across the installation, and attachments."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from revoyure.organisations.models import Organisation
from revoyure.registry.choices import (
    Annex3Point,
    AttachmentKind,
    DecisionRole,
    DomainCategory,
    DpiaStatus,
    OrganisationRole,
    RiskLevel,
    ToolStatus,
    YesNoUnknown,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _yes_no(label: StrOrPromise) -> models.CharField:
    return models.CharField(label, max_length=8, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN)


class Vendor(models.Model):
    """A provider (concepteur). Shared by every organisation of the installation."""

    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=100, blank=True)
    in_eu = _yes_no(_("established in the European Union"))
    alert_contact_email = models.EmailField(_("contact for alerts"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(Lower("name"), name="unique_vendor_name_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class VendorNote(models.Model):
    """What one organisation notes about a shared vendor; other organisations never see it."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="notes")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="vendor_notes")
    text = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vendor note")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["vendor", "organisation"], name="one_note_per_vendor_and_org"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} / {self.organisation}"


class Tool(models.Model):
    """One AI system or digital work tool used (or planned) in an organisation. Glossary: `AISystem`."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tools")

    # A. Description du système
    name = models.CharField(_("system name"), max_length=300)
    system_created_on = models.DateField(_("system creation date"), null=True, blank=True)
    vendor_version = models.CharField(
        _("version / edition of the vendor's product"), max_length=100, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ToolStatus.choices, default=ToolStatus.PROJECT
    )
    pilot_started_on = models.DateField(_("pilot start"), null=True, blank=True)
    in_service_on = models.DateField(_("go-live"), null=True, blank=True)
    suspended_on = models.DateField(_("suspension date"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawal date"), null=True, blank=True)

    # B. Acteurs
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tools",
        verbose_name=_("provider (vendor)"),
    )
    developed_in_house = models.BooleanField(_("developed in-house"), default=False)
    owner_department = models.CharField(_("internal owner: department"), max_length=200, blank=True)
    owner_name = models.CharField(_("internal owner: named person"), max_length=200, blank=True)
    affected_public = models.JSONField(
        _("people affected by the use of the system"), default=list, blank=True
    )
    affected_public_details = models.TextField(_("people affected: details"), blank=True)
    affected_workers_count = models.PositiveIntegerField(
        _("approximate number of workers affected"), null=True, blank=True
    )

    # C. Fonctions, finalités et modalités spécifiques
    function = models.TextField(_("function performed by the system"), blank=True)
    purpose = models.TextField(_("purpose of the system"), blank=True)
    specific_modalities = models.TextField(_("specific modalities"), blank=True)
    domain_category = models.CharField(
        _("domain category"), max_length=40, choices=DomainCategory.choices, default=DomainCategory.OTHER
    )
    techniques = models.JSONField(_("techniques"), default=list, blank=True)
    is_ai_system = _yes_no(_("AI system within the meaning of the AI Act"))

    # D. Niveau de risque estimé
    risk_fundamental_rights = models.PositiveSmallIntegerField(
        _("risk to fundamental rights"), choices=RiskLevel.choices, null=True, blank=True
    )
    risk_fundamental_rights_justification = models.TextField(
        _("risk to fundamental rights: justification"), blank=True
    )
    risk_health = models.PositiveSmallIntegerField(
        _("risk to health"), choices=RiskLevel.choices, null=True, blank=True
    )
    risk_health_justification = models.TextField(_("risk to health: justification"), blank=True)
    risk_safety = models.PositiveSmallIntegerField(
        _("risk to safety"), choices=RiskLevel.choices, null=True, blank=True
    )
    risk_safety_justification = models.TextField(_("risk to safety: justification"), blank=True)

    # E. Mesures d'évaluation de la conformité à la préservation des droits fondamentaux
    rights_civic_measures = models.TextField(_("civic rights: measures"), blank=True)
    rights_civic_evidence = models.TextField(_("civic rights: evidence"), blank=True)
    rights_social_measures = models.TextField(_("social rights: measures"), blank=True)
    rights_social_evidence = models.TextField(_("social rights: evidence"), blank=True)
    rights_data_protection_measures = models.TextField(_("data protection: measures"), blank=True)
    rights_data_protection_evidence = models.TextField(_("data protection: evidence"), blank=True)
    rights_non_discrimination_measures = models.TextField(_("non-discrimination: measures"), blank=True)
    rights_non_discrimination_evidence = models.TextField(_("non-discrimination: evidence"), blank=True)
    rights_freedoms_measures = models.TextField(_("fundamental freedoms: measures"), blank=True)
    rights_freedoms_evidence = models.TextField(_("fundamental freedoms: evidence"), blank=True)

    # F. Mesures de sécurité: [{"type": SecurityMeasureType, "description": str}]
    security_measures = models.JSONField(_("security measures"), default=list, blank=True)

    # G. Formations: [{"title", "audience", "date" (ISO), "people_trained" (int)}]
    user_trainings = models.JSONField(_("trainings given to users"), default=list, blank=True)
    human_oversight_persons = models.TextField(_("persons in charge of human oversight"), blank=True)

    # H. Documentation et code de bonne conduite
    documents_provided = models.TextField(_("documents made available to users"), blank=True)
    code_of_conduct = models.TextField(_("code of good conduct"), blank=True)

    # I. Autres mesures
    other_trust_measures = models.TextField(_("other measures for trustworthy use"), blank=True)

    # J. Data and monitoring
    personal_data = _yes_no(_("processes personal data"))
    personal_data_categories = models.TextField(_("categories of personal data"), blank=True)
    special_category_data = _yes_no(_("special categories of data (GDPR art. 9)"))
    biometric_data = _yes_no(_("biometric data"))
    location_data = _yes_no(_("location data"))
    gdpr_record_reference = models.CharField(
        _("reference in the GDPR record of processing"), max_length=300, blank=True
    )
    dpia_status = models.CharField(
        _("DPIA status"), max_length=20, choices=DpiaStatus.choices, default=DpiaStatus.UNKNOWN
    )
    dpia_link = models.CharField(_("DPIA link or reference"), max_length=500, blank=True)
    data_retention = models.CharField(_("data retention"), max_length=300, blank=True)
    can_monitor_activity = _yes_no(_("can monitor employees' activity (even as a side effect)"))
    monitoring_details = models.TextField(_("monitoring: details"), blank=True)
    logs_kept = _yes_no(_("logs kept under the organisation's control"))
    logs_retention = models.CharField(_("log retention"), max_length=200, blank=True)
    decision_role = models.CharField(
        _("decisions about persons"), max_length=20, choices=DecisionRole.choices, default=DecisionRole.NONE
    )
    legal_or_significant_effects = _yes_no(_("legal or similarly significant effects on persons"))

    # K. Deployment context
    used_at_workplace = _yes_no(_("used at the workplace"))
    new_technology_for_org = _yes_no(_("new technology for the organisation"))
    major_change_working_conditions = _yes_no(_("important change to working conditions, health or safety"))
    number_of_sites = models.PositiveIntegerField(_("number of sites"), null=True, blank=True)
    project_cost = models.DecimalField(
        _("cost of the project (euros)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    environmental_footprint = models.TextField(_("environmental footprint"), blank=True)
    procurement_notes = models.TextField(_("contracts and procurement"), blank=True)

    # L. AI Act facts
    organisation_role = models.CharField(
        _("role of the organisation (AI Act)"),
        max_length=40,
        choices=OrganisationRole.choices,
        default=OrganisationRole.DEPLOYER,
    )
    annex3_point = models.CharField(
        _("Annex III point"), max_length=10, choices=Annex3Point.choices, default=Annex3Point.UNKNOWN
    )
    profiling = _yes_no(_("profiling of natural persons"))
    art6_3_exemption_documented = _yes_no(_("art. 6(3) exemption documented by the provider"))
    registered_in_eu_database = _yes_no(_("registered in the EU database"))
    infers_emotions = _yes_no(_("infers emotions"))
    biometric_categorisation = _yes_no(_("biometric categorisation"))
    generates_public_content = _yes_no(_("generates content shown to the public"))

    # Staff transparency page (Code du travail L1222-4): plain-language text for staff.
    staff_impact = models.TextField(_("what it means for staff (plain language)"), blank=True)
    staff_contact = models.CharField(_("whom staff can contact about this tool"), max_length=300, blank=True)

    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last update of the system record"), auto_now=True)
    # Derived from the text fields by registry.search for accent- and inflection-insensitive search; kept
    # as a column so that a search stays one indexed query on both SQLite and PostgreSQL.
    search_document = models.TextField(editable=False, default="")

    history = HistoricalRecords(excluded_fields=["search_document"])

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("tool")
        verbose_name_plural = _("tools")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unique_tool_name_per_org"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["organisation", "domain_category"]),
            models.Index(fields=["organisation", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def highest_risk(self) -> int | None:
        levels = [lvl for lvl in (self.risk_fundamental_rights, self.risk_health, self.risk_safety) if lvl]
        return max(levels) if levels else None


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never reuses the uploader's file name (kept only as metadata).
    return f"attachments/{instance.organisation_id}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="attachments")
    tool = models.ForeignKey(
        Tool, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(
        _("kind"), max_length=30, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded on"), auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title
