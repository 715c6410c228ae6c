"""Impact studies before a tool is deployed or changed (issue 4 §2; PRODUCT.md §2.3; seed 003).

The Occitanie contribution asks for « une étude d'impact avant la mise en place ou la modification de tout
outil numérique » made by the departments concerned, a « note de cadrage présentant les responsabilités des
directions concernées [...], le calendrier du projet qui devra être cohérent avec la charge de travail des
agents », and a « test et évaluation partagée avec la F3SCT avant lancement [...] par un panel représentatif
d'utilisateurs ». One `ImpactStudy` carries all three for one tool and one project (a new tool or a change).
The answers themselves live in the questionnaire engine (`assessments.Response`)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from revoyure.assessments.models import Response
from revoyure.organisations.models import Organisation, StaffBody
from revoyure.registry.models import Tool


class StudyKind(models.TextChoices):
    NEW_TOOL = "new_tool", _("New tool")
    CHANGE = "change", _("Change to a tool in use")


class StudyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    IN_REVIEW = "in_review", _("In review")
    SIGNED_OFF = "signed_off", _("Signed off")


class ImpactStudy(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="impact_studies")
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="impact_studies")
    kind = models.CharField(_("kind"), max_length=20, choices=StudyKind.choices, default=StudyKind.NEW_TOOL)
    title = models.CharField(_("title"), max_length=200)
    # The working-conditions impact study (definition "working-conditions-impact"), in parts per department.
    response = models.OneToOneField(Response, on_delete=models.PROTECT, related_name="impact_study")
    # Optional companions on the same engine: the FRIA (AI Act art. 27) and the surveillance check.
    fria_response = models.OneToOneField(
        Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="fria_of_study"
    )
    surveillance_response = models.OneToOneField(
        Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveillance_of_study"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=StudyStatus.choices, default=StudyStatus.IN_PROGRESS
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_comments = models.TextField(_("review comments"), blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off on"), null=True, blank=True)
    # Set at sign-off from the answers: does the project change working conditions (CT-2, CT-11 / R4121-2)?
    changes_working_conditions = models.BooleanField(null=True, blank=True)
    # What the sign-off wrote (studies/feeds.yaml): {"register": {field: value}, "facts": {fact: value},
    # "levels": {...}}, shown on the study page and read by the consultation dossier.
    results = models.JSONField(_("results"), default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("impact study")
        verbose_name_plural = _("impact studies")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return self.title


class PanelStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    TESTING = "testing", _("Testing")
    COMPLETED = "completed", _("Completed")


class PanelTest(models.Model):
    """The test by a representative panel of future users, before launch (seed 003)."""

    study = models.OneToOneField(ImpactStudy, on_delete=models.CASCADE, related_name="panel")
    objective = models.TextField(_("objective"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PanelStatus.choices, default=PanelStatus.PLANNED
    )
    results_summary = models.TextField(_("summary of the results"), blank=True)
    shared_at = models.DateTimeField(_("shared on"), null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shared_with = models.ManyToManyField(
        StaffBody, blank=True, related_name="+", verbose_name=_("shared with")
    )

    history = HistoricalRecords(m2m_fields=[shared_with])

    class Meta:
        verbose_name = _("panel test")
        verbose_name_plural = _("panel tests")

    def __str__(self) -> str:
        return str(self.study)


class PanelMember(models.Model):
    panel = models.ForeignKey(PanelTest, on_delete=models.CASCADE, related_name="members")
    full_name = models.CharField(_("full name"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    job = models.CharField(_("job"), max_length=200, blank=True)
    department = models.CharField(_("department or service"), max_length=100, blank=True)
    # Why this person: which future users they stand for (site, trade, age, disability, seniority…).
    represents = models.CharField(_("represents"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        ordering = ("full_name", "pk")

    def __str__(self) -> str:
        return self.full_name


class PanelSession(models.Model):
    panel = models.ForeignKey(PanelTest, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    participants = models.ManyToManyField(PanelMember, blank=True, related_name="sessions")
    scenarios = models.TextField(_("scenarios tested"), blank=True)
    findings = models.TextField(_("findings"), blank=True)

    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = _("test session")
        verbose_name_plural = _("test sessions")
        ordering = ("held_on", "pk")

    def __str__(self) -> str:
        return f"{self.panel} — {self.held_on}"


class PanelEvaluation(models.Model):
    """One panel member's evaluation: a response to the "panel-evaluation" questionnaire."""

    panel = models.ForeignKey(PanelTest, on_delete=models.CASCADE, related_name="evaluations")
    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="evaluations")
    response = models.OneToOneField(Response, on_delete=models.PROTECT, related_name="panel_evaluation")

    class Meta:
        verbose_name = _("panel evaluation")
        verbose_name_plural = _("panel evaluations")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["panel", "member"], name="one_evaluation_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.panel} / {self.member}"


class FramingNote(models.Model):
    """The project contract / framing note: who does what, a calendar compatible with the workload, the
    budget; generated as a document from the study and presented to the staff body."""

    study = models.OneToOneField(ImpactStudy, on_delete=models.CASCADE, related_name="framing_note")
    needs = models.TextField(_("needs the project meets"), blank=True)
    # [{"department": ..., "role": ..., "person": ...}]: maître d'ouvrage, maître d'œuvre, prevention…
    responsibilities = models.JSONField(_("responsibilities"), default=list, blank=True)
    # [{"milestone": ..., "date": "YYYY-MM-DD", "workload": ...}]
    calendar = models.JSONField(_("calendar"), default=list, blank=True)
    workload_compatibility = models.TextField(_("how the calendar fits the workload"), blank=True)
    budget = models.DecimalField(_("budget (euros)"), max_digits=12, decimal_places=2, null=True, blank=True)
    budget_notes = models.TextField(_("budget notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("framing note")
        verbose_name_plural = _("framing notes")

    def __str__(self) -> str:
        return str(self.study)


class DuerpUpdate(models.Model):
    """A due update of the occupational risk assessment document (DUERP, R4121-2 2°: « lors de toute
    décision d'aménagement important modifiant les conditions de santé et de sécurité ou les conditions de
    travail »): the prevention owner is reminded until it is recorded as done."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="duerp_updates")
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="duerp_updates")
    study = models.ForeignKey(
        ImpactStudy, on_delete=models.SET_NULL, null=True, blank=True, related_name="duerp_updates"
    )
    reason = models.TextField(_("reason"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prevention owner"),
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(default=0)
    done_on = models.DateField(_("updated on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("risk assessment update")
        verbose_name_plural = _("risk assessment updates")
        ordering = ("done_on", "-requested_at")

    def __str__(self) -> str:
        return f"{self.tool} — {self.requested_at:%Y-%m-%d}"
