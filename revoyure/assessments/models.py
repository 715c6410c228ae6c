"""Stored questionnaires: the registered definition versions, the responses, who owns which section,
and the answers (with their history)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from revoyure.assessments.loading import Definition, parsed, text_in
from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool


class QuestionnaireDefinition(models.Model):
    """One version of one questionnaire definition, as registered from its data file or imported by an
    organisation (SurveyJS). Never changed once written: responses point to the exact version they were
    answered with."""

    # None: shipped with Revoyure, seen by everyone; set: imported by that organisation, seen only by it.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questionnaire_definitions",
        verbose_name=_("organisation"),
    )
    slug = models.SlugField(_("identifier"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    title = models.JSONField(_("title"), default=dict)  # {"fr": ..., "en": ...}
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    registered_at = models.DateTimeField(auto_now_add=True)
    # What an import could not carry over (`surveyjs.Problem` as dicts: path, name, construct, message).
    import_report = models.JSONField(_("import report"), default=list, blank=True)

    class Meta:
        verbose_name = _("questionnaire definition")
        verbose_name_plural = _("questionnaire definitions")
        ordering = ("slug", "-version")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["slug", "version"], name="unique_questionnaire_version"),
        ]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"

    @property
    def parsed(self) -> Definition:
        return parsed(self.content, self.sha256)

    def title_in(self, language: str) -> str:
        return text_in(self.title, language) if self.title else self.slug

    @property
    def shipped(self) -> bool:
        return self.organisation_id is None


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Response(models.Model):
    """One filling-in of a questionnaire by an organisation, about a tool or not."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    tool = models.ForeignKey(
        Tool, on_delete=models.CASCADE, null=True, blank=True, related_name="questionnaire_responses"
    )
    # A definition with responses cannot be deleted, except with its organisation (which takes the
    # responses along: RESTRICT, unlike PROTECT, allows that).
    definition = models.ForeignKey(
        QuestionnaireDefinition, on_delete=models.RESTRICT, related_name="responses"
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The scores at submission (engine.ScoreResult.as_dict), kept as they were.
    result = models.JSONField(default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return self.title

    def answer_map(self) -> dict[str, Any]:
        return dict(self.answers.values_list("question_id", "value"))


class SectionStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DONE = "done", _("Done")


class SectionAssignment(models.Model):
    """Who answers one section of a response (several respondents, each owning sections)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="assignments")
    section_id = models.CharField(_("section"), max_length=60)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    department = models.CharField(_("department"), max_length=100, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=SectionStatus.choices, default=SectionStatus.TODO
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("section assignment")
        verbose_name_plural = _("section assignments")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["response", "section_id"], name="unique_section_per_response"),
        ]

    def __str__(self) -> str:
        return f"{self.response} / {self.section_id}"


class Answer(models.Model):
    """One answer; its history keeps every earlier value and who gave it."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(_("question"), max_length=60)
    value = models.JSONField(_("value"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["response", "question_id"], name="unique_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.response} / {self.question_id}"


from revoyure.assessments.models_pia import PiaImport  # noqa: E402,F401
