"""Forms of the trigger-event pages: the list's filters, entering an event by hand, confirming or rejecting
one. They parse and check input; `services_events` writes (and checks again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from revoyure.registry.choices import DomainCategory
from revoyure.registry.forms import DateInput
from revoyure.registry.models import Tool, Vendor
from revoyure.registry.services import find_vendor
from revoyure.reviews import triggers
from revoyure.reviews.models import EventStatus

MAX_NOTE_LENGTH = 2000


class EventFilterForm(forms.Form):
    """The query string of an event list: status, kind, page."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind of event"), required=False)
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=10**9)

    def __init__(self, *args: Any, external_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status: Any = self.fields["status"]
        status.choices = [("", _("Any status")), *EventStatus.choices]
        kind: Any = self.fields["kind"]
        kind.choices = [("", _("Any kind")), *triggers.choices(external=True if external_only else None)]

    def problems(self) -> str:
        """The errors as one sentence, for the 400 page of a bad query string."""
        return " ".join(
            f"{self.fields[name].label or name}: {' '.join(str(e) for e in errors)}"
            for name, errors in self.errors.items()
        )


class VendorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ToolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class EventForm(forms.Form):
    """An event entered by hand: in an organisation (`tools` given) or for the whole installation by the
    platform administrator (`tools` None: no tool field, and a choice to confirm it at once)."""

    kind = forms.ChoiceField(label=_("Kind of event"))
    title = forms.CharField(label=_("Title"), max_length=300)
    occurred_on = forms.DateField(
        label=_("Date of the event"),
        widget=DateInput(),
        help_text=_("When the vendor, the regulator or the person published or said it."),
    )
    source = forms.CharField(
        label=_("Source (who published it)"),
        max_length=200,
        required=False,
        help_text=_("For example: the vendor's release notes, the CNIL, the AI delegate, the DPO."),
    )
    description = forms.CharField(
        label=_("Description"), max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    vendor = VendorChoiceField(
        label=_("Vendor concerned"), queryset=Vendor.objects.none(), required=False, empty_label=_("None")
    )
    vendor_name = forms.CharField(
        label=_("…or the vendor's name"),
        max_length=200,
        required=False,
        help_text=_("A vendor of the register that is not in the list above."),
    )
    product = forms.CharField(
        label=_("Product concerned"),
        max_length=200,
        required=False,
        help_text=_("Leave empty if the event concerns every product of the vendor."),
    )
    category = forms.ChoiceField(
        label=_("Category of tools concerned"),
        required=False,
        choices=[("", _("None")), *DomainCategory.choices],
        help_text=_("For a regulator's warning about a kind of tool."),
    )
    tool = ToolChoiceField(
        label=_("Tool concerned"), queryset=Tool.objects.none(), required=False, empty_label=_("None")
    )
    evidence_url = forms.URLField(
        label=_("Evidence (link)"), max_length=1000, required=False, assume_scheme="https"
    )
    evidence_file = forms.FileField(
        label=_("Evidence (file)"),
        required=False,
        help_text=_("PDF, office documents, images or plain text."),
    )
    confirm_now = forms.BooleanField(
        label=_("Confirm it now (the review meetings are scheduled at once)"), required=False, initial=True
    )

    def __init__(
        self,
        *args: Any,
        kinds: list[tuple[str, str]],
        vendors: QuerySet[Vendor],
        tools: QuerySet[Tool] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        kind: Any = self.fields["kind"]
        kind.choices = [("", _("Choose…")), *kinds]
        vendor: Any = self.fields["vendor"]
        vendor.queryset = vendors
        if tools is None:
            # An installation event names no tool (a tool is one organisation's); the platform
            # administrator decides whether it is confirmed at once.
            del self.fields["tool"]
        else:
            tool: Any = self.fields["tool"]
            tool.queryset = tools
            # In an organisation, the author's role decides (Perm.CONFIRM_EVENTS).
            del self.fields["confirm_now"]

    def clean_title(self) -> str:
        return str(self.cleaned_data.get("title") or "").strip()

    def clean_occurred_on(self) -> Any:
        value = self.cleaned_data.get("occurred_on")
        if value is not None and value > timezone.localdate():
            raise ValidationError(_("The date of the event cannot be in the future."))
        return value

    def clean_evidence_url(self) -> str:
        value = str(self.cleaned_data.get("evidence_url") or "")
        if value and not value.lower().startswith(("https://", "http://")):
            raise ValidationError(_("Enter a web address (https://…)."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = str(data.get("vendor_name") or "").strip()
        if name:
            found = find_vendor(name)
            if found is None:
                # An event about a vendor nobody registered would reach no tool: say so rather than
                # create a vendor in the installation's shared list.
                self.add_error(
                    "vendor_name",
                    _("No vendor of this name is in the register: no tool would be concerned."),
                )
            elif data.get("vendor") is not None and data["vendor"].pk != found.pk:
                self.add_error("vendor_name", _("Choose the vendor in the list or name it, not both."))
            else:
                data["vendor"] = found
        return data


class DecisionForm(forms.Form):
    """The note of the person who confirms or rejects an event."""

    note = forms.CharField(
        label=_("Note on the decision"),
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; kept with the event and in its history."),
    )
