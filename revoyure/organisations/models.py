"""Organisations, the people in them and their roles, staff bodies and agreements.

The organisation's facts (legal form, headcount thresholds, staff bodies, agreements) feed the
qualification rules of legal-rules.md §6.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from revoyure.core.permissions import Role


class LegalForm(models.TextChoices):
    PRIVATE_COMPANY = "private_company", _("Private company")
    ASSOCIATION = "association", _("Association")
    PUBLIC_ESTABLISHMENT = "public_establishment", _("Public establishment (EPA / EPIC)")
    STATE_ADMINISTRATION = "state_administration", _("State administration")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    HOSPITAL = "hospital", _("Hospital")


PUBLIC_LEGAL_FORMS = {
    LegalForm.PUBLIC_ESTABLISHMENT,
    LegalForm.STATE_ADMINISTRATION,
    LegalForm.LOCAL_AUTHORITY,
    LegalForm.HOSPITAL,
}


class PublicServiceBranch(models.TextChoices):
    NONE = "", _("Not public service")
    STATE = "etat", _("State civil service (FPE)")
    TERRITORIAL = "territoriale", _("Territorial civil service (FPT)")
    HOSPITAL = "hospitaliere", _("Hospital civil service (FPH)")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name (in addresses)"), max_length=60, unique=True)
    legal_form = models.CharField(
        _("legal form"), max_length=40, choices=LegalForm.choices, default=LegalForm.PRIVATE_COMPANY
    )
    is_public_sector = models.BooleanField(_("public sector"), default=False)
    public_service_branch = models.CharField(
        _("public-service branch"), max_length=20, choices=PublicServiceBranch.choices, blank=True, default=""
    )
    is_public_authority = models.BooleanField(
        _("public authority or body governed by public law"), default=False
    )
    private_providing_public_service = models.BooleanField(
        _("private body providing a public service"), default=False
    )
    headcount = models.PositiveIntegerField(_("headcount (employees or agents)"), default=0)
    reached_11_for_12_months = models.BooleanField(
        _("11 employees reached for 12 consecutive months"), default=False
    )
    reached_50_for_12_months = models.BooleanField(
        _("50 employees reached for 12 consecutive months"), default=False
    )
    reached_250_for_12_months = models.BooleanField(
        _("250 employees reached for 12 consecutive months"), default=False
    )
    naf_code = models.CharField(_("NAF sector code"), max_length=10, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    department = models.CharField(_("French département"), max_length=100, blank=True)
    has_union_section = models.BooleanField(_("representative union section"), default=False)
    has_dpo = models.BooleanField(_("data protection officer appointed"), default=False)
    last_duerp_update = models.DateField(
        _("last update of the occupational risk assessment (DUERP)"), null=True, blank=True
    )
    contact_email = models.EmailField(_("contact for questions about tools (shown to staff)"), blank=True)
    transparency_public = models.BooleanField(_("publish the transparency page publicly"), default=False)
    open_data_enabled = models.BooleanField(
        _("publish an open-data export of the public register"), default=False
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One role of one person in one organisation; a person can hold several (one row per role)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    department = models.CharField(_("department or service"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["organisation", "user", "role"], name="unique_role_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"


class StaffBodyKind(models.TextChoices):
    CSE = "cse", _("CSE (social and economic committee)")
    CENTRAL_CSE = "cse_central", _("Central CSE")
    ESTABLISHMENT_CSE = "cse_establishment", _("Establishment CSE")
    CSSCT = "cssct", _("CSSCT (health, safety and working conditions committee)")
    CST = "cst", _("CST (territorial social committee)")
    CSA = "csa", _("CSA (administration social committee)")
    F3SCT = "f3sct", _("F3SCT (specialised health, safety and working conditions formation)")
    FS = "fs", _("FS (specialised formation)")


class StaffBody(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff_bodies")
    kind = models.CharField(_("kind"), max_length=30, choices=StaffBodyKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    establishment = models.CharField(_("establishment"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["kind", "name"]
        verbose_name = _("staff body")
        verbose_name_plural = _("staff bodies")

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class StaffBodyMember(models.Model):
    staff_body = models.ForeignKey(StaffBody, on_delete=models.CASCADE, related_name="members")
    full_name = models.CharField(_("full name"), max_length=200)
    mandate = models.CharField(_("mandate"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_body_seats",
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["full_name"]
        verbose_name = _("staff body member")
        verbose_name_plural = _("staff body members")

    def __str__(self) -> str:
        return self.full_name


class AgreementKind(models.TextChoices):
    COLLECTIVE = "collective", _("Collective agreement")
    CHARTER = "charter", _("Charter")
    UNILATERAL = "unilateral", _("Unilateral commitment of the employer")


class Agreement(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="agreements")
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=20, choices=AgreementKind.choices, default=AgreementKind.COLLECTIVE
    )
    signed_on = models.DateField(_("date"), null=True, blank=True)
    # The signatories: the employer and the unions (or, for a charter or a unilateral commitment, who
    # adopted it and who was consulted), one per line.
    parties = models.TextField(_("parties"), blank=True)
    document = models.FileField(_("document"), upload_to="agreements/%Y/", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["-signed_on", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    """An e-mailed link that lets a person join an organisation with the given roles."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    roles = models.JSONField(_("roles"), default=list)
    department = models.CharField(_("department or service"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email


class ApiToken(models.Model):
    """A personal API token, scoped to one organisation and one role, stored only as a SHA-256 hash."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
