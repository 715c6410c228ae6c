"""Forms of the register pages. They parse and validate input; the services write."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.forms.utils import flatatt
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from revoyure.organisations.models import Organisation
from revoyure.registry.choices import (
    AffectedPublic,
    AttachmentKind,
    DomainCategory,
    RiskLevel,
    SecurityMeasureType,
    Technique,
    ToolStatus,
    YesNoUnknown,
)
from revoyure.registry.fields import GROUPS, editable_field_names
from revoyure.registry.models import Tool, Vendor
from revoyure.registry.queries import DEFAULT_SORT, SORTS, ToolFilters
from revoyure.registry.services import MAX_REASON_LENGTH, VENDOR_FIELDS
from revoyure.registry.validation import MAX_LIST_ITEMS, clean_security_measures, clean_user_trainings

MAX_QUERY_LENGTH = 200
MAX_NOTE_LENGTH = 20_000


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it, else on top
    (prefixed with the field's name, so the message still says which value is wrong)."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        target = aliases.get(name, name)
        if target in form.fields:
            form.add_error(target, errors)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:
            form.add_error(None, [f"{name}: {message}" for message in errors])


def _reason_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason for the change"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required. Kept in the history so that everyone can follow the decisions."),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # Browsers send and expect ISO dates in a date input, whatever the language of the page.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _escaped(value: Any) -> str:
    # What format_html does to each argument (conditional_escape), without its cost on every option.
    if isinstance(value, Promise):
        value = str(value)
    return str(value.__html__()) if hasattr(value, "__html__") else html.escape(str(value))


class PlainSelect(forms.Select):
    """A select rendered in Python. Django's template widget includes one template per option, which made
    the select of vendors (hundreds of options) the slowest part of the register pages; even its option
    dictionaries (`optgroups`) cost more than the HTML, so the options are written straight from the choices.
    The options of a group are listed flat; only the first matching option is selected, as in Django."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        wanted = self.format_value(value)
        found = False
        options = []
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                group = option_label
            else:
                group = [("" if option_value is None else option_value, option_label)]
            for choice_value, choice_label in group:
                selected = not found and str(choice_value) in wanted
                found |= selected
                options.append(
                    f'<option value="{_escaped(choice_value)}"{" selected" if selected else ""}>'
                    f"{_escaped(choice_label)}</option>"
                )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            SafeString("".join(options)),
        )


def use_plain_selects(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            plain = PlainSelect(attrs=field.widget.attrs)
            plain.choices = field.widget.choices
            plain.is_required = field.widget.is_required
            field.widget = plain


# The list ------------------------------------------------------------------------------------------------

SORT_LABELS = {
    "name": _("Name (A to Z)"),
    "-name": _("Name (Z to A)"),
    "-updated": _("Most recently updated first"),
    "updated": _("Least recently updated first"),
    "status": _("Status"),
    "-risk": _("Highest risk first"),
    "risk": _("Lowest risk first"),
}
NOT_ASSESSED = 0


def _any(choices: Any) -> list[tuple[Any, Any]]:
    return [("", _("Any")), *choices]


class ToolFilterForm(forms.Form):
    """The register list's query string: every parameter is optional; a wrong value is an error (400)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    # Declared with PlainSelect: swapping the widgets in each new form would copy every list of choices again.
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_any(ToolStatus.choices), widget=PlainSelect
    )
    domain_category = forms.ChoiceField(
        label=_("Domain category"), required=False, choices=_any(DomainCategory.choices), widget=PlainSelect
    )
    risk = forms.TypedChoiceField(
        label=_("Highest risk level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_any([(NOT_ASSESSED, _("Not assessed")), *RiskLevel.choices]),
        widget=PlainSelect,
    )
    # The vendors' ids and names only (see __init__): the page does not need them as model instances.
    vendor = forms.TypedChoiceField(
        label=_("Vendor"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]},
        widget=PlainSelect,
    )
    is_ai_system = forms.ChoiceField(
        label=_("AI system"), required=False, choices=_any(YesNoUnknown.choices), widget=PlainSelect
    )
    can_monitor_activity = forms.ChoiceField(
        label=_("Can monitor activity"),
        required=False,
        choices=_any(YesNoUnknown.choices),
        widget=PlainSelect,
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(key, SORT_LABELS.get(key, key)) for key in SORTS],
        widget=PlainSelect,
    )

    def __init__(self, data: Any, organisation: Organisation) -> None:
        super().__init__(data)
        # Only the vendors this organisation uses: the filter offers nothing that gives no result.
        vendor_field = self.fields["vendor"]
        assert isinstance(vendor_field, forms.ChoiceField)  # noqa: S101 - narrows the type for mypy
        vendors = (
            Vendor.objects.filter(tools__organisation=organisation)
            .order_by("name")
            .distinct()
            .values_list("id", "name")
        )
        vendor_field.choices = [("", _("Any")), *vendors]

    def filters(self) -> ToolFilters:
        data = self.cleaned_data
        return ToolFilters(
            status=data.get("status") or "",
            domain_category=data.get("domain_category") or "",
            risk=data.get("risk"),
            vendor=data.get("vendor"),
            is_ai_system=data.get("is_ai_system") or "",
            can_monitor_activity=data.get("can_monitor_activity") or "",
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or DEFAULT_SORT,
        )


# Structured lists as lines of text -----------------------------------------------------------------------

SEPARATOR = "|"


def _lookup_measure_type(text: str) -> str:
    """A measure type from its code or from its label in the language of the page."""
    wanted = text.strip().casefold()
    if not wanted:
        return ""
    for value, label in SecurityMeasureType.choices:
        if wanted in (str(value).casefold(), str(label).casefold()):
            return str(value)
    return text.strip()


def _line_errors(field: str, number: int, error: ValidationError) -> ValidationError:
    messages = (
        error.message_dict.get(field, error.messages) if hasattr(error, "error_dict") else error.messages
    )
    return ValidationError(
        [_("Line %(number)d: %(message)s") % {"number": number, "message": message} for message in messages]
    )


def _lines(text: str) -> list[tuple[int, str]]:
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) > MAX_LIST_ITEMS:
        raise ValidationError(_("At most %(max)d entries.") % {"max": MAX_LIST_ITEMS})
    return lines


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def format_security_measures(entries: Any) -> str:
    if not isinstance(entries, list):
        return ""
    return "\n".join(
        f"{_one_line(e.get('type'))} {SEPARATOR} {_one_line(e.get('description'))}"
        for e in entries
        if isinstance(e, dict)
    )


def parse_security_measures(text: str) -> list[dict[str, Any]]:
    """One measure a line: `type | description`; a line without `|` is a description of type "other"."""
    entries = []
    for number, line in _lines(text):
        kind, separator, description = line.partition(SEPARATOR)
        if not separator:
            kind, description = "", line
        entry = {"type": _lookup_measure_type(kind), "description": description.strip()}
        try:
            entries.extend(clean_security_measures([entry]))
        except ValidationError as exc:
            raise _line_errors("security_measures", number, exc) from exc
    return entries


def format_user_trainings(entries: Any) -> str:
    if not isinstance(entries, list):
        return ""
    lines = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        people = entry.get("people_trained")
        parts = [_one_line(entry.get(key)) for key in ("title", "audience", "date")]
        parts.append("" if people is None else str(people))
        while parts and not parts[-1]:
            parts.pop()
        lines.append(f" {SEPARATOR} ".join(parts))
    return "\n".join(lines)


def _iso_date(text: str) -> str:
    # People in France write 31/12/2025; the register stores ISO dates.
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date().isoformat()  # noqa: DTZ007 - a date, no time
    except ValueError:
        return text


def parse_user_trainings(text: str) -> list[dict[str, Any]]:
    """One training a line: `title | audience | YYYY-MM-DD | number of people trained` (only the title is
    required; later parts may be left out)."""
    entries = []
    for number, line in _lines(text):
        parts = [part.strip() for part in line.split(SEPARATOR)]
        if len(parts) > 4:
            raise ValidationError(
                _("Line %(number)d: expected at most 4 parts separated by “|”.") % {"number": number}
            )
        parts += [""] * (4 - len(parts))
        entry = {
            "title": parts[0],
            "audience": parts[1],
            "date": _iso_date(parts[2]),
            "people_trained": parts[3] or None,
        }
        try:
            entries.extend(clean_user_trainings([entry]))
        except ValidationError as exc:
            raise _line_errors("user_trainings", number, exc) from exc
    return entries


def _help_security() -> str:
    types = "; ".join(f"{value} ({label})" for value, label in SecurityMeasureType.choices)
    return str(
        _(
            "One measure per line: “type | description”. Types: %(types)s. Example: "
            "“cyber | Penetration test every year”."
        )
    ) % {"types": types}


# Creating and editing a tool -----------------------------------------------------------------------------

_STRUCTURED = {
    "security_measures": (format_security_measures, parse_security_measures),
    "user_trainings": (format_user_trainings, parse_user_trainings),
}


def _label(name: str) -> Any:
    # Stays lazy: translated when the form is shown, in the language of the request.
    return capfirst(getattr(Tool._meta.get_field(name), "verbose_name", name))


class ToolForm(forms.ModelForm):
    """The register record, every editable field of groups A-L (status has its own form)."""

    affected_public = forms.MultipleChoiceField(
        label=_label("affected_public"),
        required=False,
        choices=AffectedPublic.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    techniques = forms.MultipleChoiceField(
        label=_label("techniques"),
        required=False,
        choices=Technique.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    security_measures = forms.CharField(
        label=_label("security_measures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    user_trainings = forms.CharField(
        label=_label("user_trainings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One training per line: “title | audience | YYYY-MM-DD | number of people trained”. Only "
            "the title is required. Example: “Using the tool | Planners | 2025-03-14 | 12”."
        ),
    )
    vendor = forms.ModelChoiceField(
        label=_label("vendor"),
        required=False,
        queryset=Vendor.objects.only("id", "name").order_by("name"),
        empty_label=_("None / not known"),
    )
    new_vendor_name = forms.CharField(
        label=_("Or a vendor not in the list: its name"),
        required=False,
        max_length=200,
        help_text=_("The vendor is added to the vendors shared by every organisation of this installation."),
    )

    class Meta:
        model = Tool
        fields = editable_field_names()
        widgets = {"system_created_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["security_measures"].help_text = _help_security()
        use_plain_selects(self)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea) and field.widget.attrs.get("rows") == "10":
                field.widget.attrs["rows"] = "3"  # a long form: short boxes keep each group in view
        for name, (format_entries, _parse) in _STRUCTURED.items():
            self.initial[name] = format_entries(getattr(self.instance, name))

    def _clean_structured(self, name: str) -> list[dict[str, Any]]:
        text = self.cleaned_data.get(name) or ""
        if self.instance.pk and text.strip() == str(self.initial.get(name, "")).strip():
            # Untouched: keep the stored entries exactly (the one-line text form may have simplified them).
            return list(getattr(self.instance, name))
        return _STRUCTURED[name][1](text)

    def clean_security_measures(self) -> list[dict[str, Any]]:
        return self._clean_structured("security_measures")

    def clean_user_trainings(self) -> list[dict[str, Any]]:
        return self._clean_structured("user_trainings")

    def _clean_choice_list(self, name: str) -> list[str]:
        chosen = list(self.cleaned_data.get(name) or [])
        stored = list(getattr(self.instance, name) or [])
        # Same choices as stored: keep the stored order so that nothing shows as changed in the history.
        return stored if set(stored) == set(chosen) else chosen

    def clean_affected_public(self) -> list[str]:
        return self._clean_choice_list("affected_public")

    def clean_techniques(self) -> list[str]:
        return self._clean_choice_list("techniques")

    def clean_new_vendor_name(self) -> str:
        return " ".join((self.cleaned_data.get("new_vendor_name") or "").split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("vendor") and cleaned.get("new_vendor_name"):
            self.add_error("new_vendor_name", _("Choose a vendor in the list or type a new name, not both."))
        return cleaned

    def register_values(self) -> dict[str, Any]:
        """The register fields as the services take them."""
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}

    def fieldsets(self) -> list[dict[str, Any]]:
        """The form's fields grouped as the record's groups A-L, for the template."""
        groups = []
        for group in GROUPS:
            names = [name for name in group.fields if name in self.fields]
            if "vendor" in names:
                names.insert(names.index("vendor") + 1, "new_vendor_name")
            if names:
                groups.append(
                    {"letter": group.letter, "title": group.title, "fields": [self[name] for name in names]}
                )
        return groups


class ToolEditForm(ToolForm):
    reason = _reason_field()
    # When the record was loaded into the form. The whole record is posted back, so a form opened before
    # someone else's change would silently undo it; such a form is refused instead.
    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["loaded_at"] = self._current_version()

    def _current_version(self) -> str:
        return self.instance.updated_at.isoformat() if self.instance.updated_at else ""

    def clean_loaded_at(self) -> str:
        loaded_at = self.cleaned_data.get("loaded_at") or ""
        current = self._current_version()
        if loaded_at and loaded_at != current:
            # Let a second submission knowingly replace the newer version.
            source: Any = self.data
            data = source.copy()  # a QueryDict's copy is mutable
            data[self.add_prefix("loaded_at")] = current
            self.data = data
            self.add_error(
                None,
                _(
                    "Someone changed this record after you opened it. Check the record in "
                    "another tab; send this form again to replace their version with yours."
                ),
            )
        return loaded_at


# Status, attachments -------------------------------------------------------------------------------------


class StatusChangeForm(forms.Form):
    new_status = forms.ChoiceField(label=_("New status"))
    on = forms.DateField(
        label=_("Date of the change"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today."),
    )
    reason = _reason_field()

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ToolStatus.choices)
        status_field = self.fields["new_status"]
        assert isinstance(status_field, forms.ChoiceField)  # noqa: S101 - narrows the type for mypy
        status_field.choices = [(value, labels[value]) for value in allowed]


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=300, required=False, help_text=_("Leave empty to use the file name.")
    )
    kind = forms.ChoiceField(
        label=_("Kind of document"), choices=AttachmentKind.choices, initial=AttachmentKind.OTHER
    )
    file = forms.FileField(
        # No limit on the name's length: the service keeps the first 255 characters as metadata.
        label=_("File"),
        help_text=_("PDF, office documents, images or plain text."),
    )


class RemoveAttachmentForm(forms.Form):
    reason = _reason_field(_("Reason for removing it"))


# History -------------------------------------------------------------------------------------------------


class CompareForm(forms.Form):
    """Two versions of a tool; the choices are that tool's versions only."""

    a = forms.TypedChoiceField(label=_("Version"), coerce=int)
    b = forms.TypedChoiceField(label=_("Compare with version"), coerce=int)

    def __init__(self, *args: Any, versions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("a", "b"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type for mypy
            field.choices = versions


# Vendors -------------------------------------------------------------------------------------------------


class VendorFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Vendor name"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


def _vendor_field(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)  # type: ignore[return-value]  # every vendor field has a form field


class VendorForm(forms.Form):
    """The shared vendor record. A plain form (not a ModelForm) so that the name's uniqueness is checked
    once, by the service, with a message that names the field."""

    def __init__(self, *args: Any, vendor: Vendor, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(vendor, name) for name in VENDOR_FIELDS})
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(Vendor, fields=VENDOR_FIELDS, formfield_callback=_vendor_field)
        )
        self.fields["reason"] = _reason_field()

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in VENDOR_FIELDS if name in self.changed_data}


class VendorNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note of this organisation"),
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Seen only by the members of this organisation who can see the register."),
    )

    def clean_text(self) -> str:
        # An empty note is allowed (it clears the note), but a request without the field is not a form
        # a browser sent: refuse it rather than erase the note.
        if self.add_prefix("text") not in self.data:
            raise ValidationError(_("The note is missing from the request."))
        return str(self.cleaned_data.get("text") or "")
