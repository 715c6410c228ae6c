"""A DPIA made in the CNIL's PIA tool and imported from its JSON export (issue 4 §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from revoyure.assessments.pia import PiaExport
from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool


class PiaImport(models.Model):
    """One imported export, kept as parsed (read-only: a new version of the PIA is a new import)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pia_imports")
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="pia_imports")
    name = models.CharField(_("name"), max_length=200)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    data = models.JSONField(_("parsed export"))  # PiaExport.as_dict()
    # Summary, so lists need not read `data`.
    pia_status = models.IntegerField(_("status in the PIA tool"), null=True, blank=True)
    validated = models.BooleanField(_("validated"), default=False)
    answer_count = models.PositiveIntegerField(default=0)
    measure_count = models.PositiveIntegerField(default=0)
    evaluation_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("imported PIA")
        verbose_name_plural = _("imported PIAs")
        ordering = ("-imported_at", "-pk")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assessments:pia_detail", kwargs={"org": self.organisation.slug, "pia_id": self.pk})

    @property
    def export(self) -> PiaExport:
        return PiaExport.from_dict(self.data)
