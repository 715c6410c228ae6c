"""Forms of the report intake: the report, the follow-up code, the reporter's message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


ATTACHMENTS_HELP = gettext_lazy(
    "Optional. Images (JPEG, PNG, WebP), PDF, office documents (Word, Excel, PowerPoint, OpenDocument) or "
    "plain text. Their hidden properties (author, dates, location) are removed before they are stored."
)


class ReportForm(forms.Form):
    tool = forms.ModelChoiceField(
        label=gettext_lazy("Which tool is concerned?"),
        queryset=Tool.objects.none(),
        required=False,
        empty_label=gettext_lazy("I don't know / another tool"),
    )
    title = forms.CharField(label=gettext_lazy("In a few words"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("What happened?"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text=gettext_lazy("Describe what you saw, what the tool did and who was affected."),
    )
    occurred_on = forms.DateField(
        label=gettext_lazy("When did it happen?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    attachments = MultipleFileField(label=gettext_lazy("Files"), required=False, help_text=ATTACHMENTS_HELP)
    anonymous = forms.BooleanField(
        label=gettext_lazy("Report anonymously"),
        required=False,
        help_text=gettext_lazy(
            "Your account is not linked to the report. You will get a follow-up code, shown once, to read "
            "the committee's answers and add information."
        ),
    )

    def __init__(self, *args: Any, organisation: Organisation, public: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tool"].queryset = Tool.objects.filter(organisation=organisation).order_by("name")  # type: ignore[attr-defined]
        if public:
            # Through the public link a report is always anonymous.
            del self.fields["anonymous"]

    def clean_occurred_on(self) -> Any:
        value = self.cleaned_data.get("occurred_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(gettext_lazy("The date cannot be in the future."))
        return value


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Follow-up code"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        help_text=gettext_lazy("The code you received when you sent your report, e.g. ABCD-EFGH-…"),
    )


class ReporterMessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Add information"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        required=False,
    )
    attachments = MultipleFileField(label=gettext_lazy("Files"), required=False, help_text=ATTACHMENTS_HELP)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            raise forms.ValidationError(gettext_lazy("Write a message or attach a file."))
        return data
