"""Forms of the web import: the upload and the column mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from revoyure.registry.fields import GROUPS, field_specs, importable_field_names

FORMAT_CHOICES = [("", _("Automatic (from the file)")), ("csv", "CSV"), ("xlsx", "XLSX"), ("json", "JSON")]
FIELD_PREFIX = "map_"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Register file (CSV, XLSX or JSON)"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.REVOYURE_IMPORT_MAX_BYTES
        if (upload.size or 0) > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload


class MappingForm(forms.Form):
    """One select per importable register field, offering the file's columns."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not imported —")), *((column, column) for column in columns)]
        importable = set(importable_field_names())
        for spec in field_specs():
            if spec.name in importable:
                self.fields[FIELD_PREFIX + spec.name] = forms.ChoiceField(
                    label=capfirst(str(spec.label)),
                    choices=choices,
                    required=spec.required,
                    error_messages={"required": _("Choose the column that gives the system name.")},
                )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The selects grouped as on the record page (groups A to L, then T)."""
        grouped = []
        for group in GROUPS:
            bound = [self[FIELD_PREFIX + name] for name in group.fields if FIELD_PREFIX + name in self.fields]
            if bound:
                grouped.append((f"{group.letter}. {group.title}", bound))
        return grouped

    def mapping(self) -> dict[str, str | None]:
        return {
            key.removeprefix(FIELD_PREFIX): (value or None)
            for key, value in self.cleaned_data.items()
            if key.startswith(FIELD_PREFIX)
        }


def initial_mapping(token: str, suggestion: dict[str, str]) -> dict[str, str]:
    return {"token": token, **{FIELD_PREFIX + name: column for name, column in suggestion.items()}}
