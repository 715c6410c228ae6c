"""Forms of the review meetings and measures. They parse the input; the services validate again and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from revoyure.committee.forms import DateTimeInput, PersonChoiceField
from revoyure.registry.forms import DateInput
from revoyure.registry.models import Tool
from revoyure.reviews.models import MeetingOutcome, MeetingStatus

MAX_PAGE = 10**9
ATTENDANCE_CHOICES = [
    ("present", gettext_lazy("Present")),
    ("excused", gettext_lazy("Excused")),
    ("absent", gettext_lazy("Absent")),
]


def members(organisation: Any) -> QuerySet[Any]:
    """The organisation's active members, who may own a measure."""
    return (
        get_user_model()
        .objects.filter(memberships__organisation=organisation, is_active=True)
        .distinct()
        .order_by("email")
    )


class MeetingFilterForm(forms.Form):
    """The query string of the meetings page."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *MeetingStatus.choices],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


MEASURE_STATES = [
    ("", gettext_lazy("All")),
    ("open", gettext_lazy("Open")),
    ("late", gettext_lazy("Late")),
    ("done", gettext_lazy("Done")),
    ("cancelled", gettext_lazy("Cancelled")),
]


class MeasureFilterForm(forms.Form):
    """The query string of the measures page."""

    state = forms.ChoiceField(label=gettext_lazy("State"), required=False, choices=MEASURE_STATES)
    owner = forms.ChoiceField(
        label=gettext_lazy("Owner"),
        required=False,
        choices=[("", gettext_lazy("Anyone")), ("mine", gettext_lazy("Mine"))],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


class MeetingEditForm(forms.Form):
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends at"), widget=DateTimeInput())
    location = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", gettext_lazy("The meeting must end after it starts."))
        return data


class MinutesForm(forms.Form):
    """One choice per participant (present / excused / absent) and the minutes."""

    minutes = forms.CharField(
        label=gettext_lazy("Minutes"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )

    def __init__(self, *args: Any, rows: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Fields are numbered, not named after addresses: an address is not a safe field name.
        self.person_keys: dict[str, str] = {}
        for number, row in enumerate(rows):
            name = f"person_{number}"
            self.person_keys[name] = row["key"]
            label = f"{row['name']} ({row['capacity']})" if row["capacity"] else row["name"]
            self.fields[name] = forms.ChoiceField(
                label=label, choices=ATTENDANCE_CHOICES, initial=row["state"], widget=forms.RadioSelect
            )

    def attendance(self) -> dict[str, str]:
        return {key: self.cleaned_data[name] for name, key in self.person_keys.items()}


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"), choices=MeetingOutcome.choices, widget=forms.RadioSelect
    )
    outcome_text = forms.CharField(
        label=gettext_lazy("Explanation"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Written into the history of each tool concerned."),
    )


class MeasureForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Measure"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = PersonChoiceField(
        label=gettext_lazy("Owner (a member)"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("None"),
    )
    owner_name = forms.CharField(
        label=gettext_lazy("Or the owner's name (not a member)"), max_length=200, required=False
    )
    due_on = forms.DateField(label=gettext_lazy("Due on"), widget=DateInput())
    tool: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Tool concerned"), queryset=None, required=False, empty_label=gettext_lazy("None")
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members(organisation)  # type: ignore[attr-defined]
        tools = Tool.objects.filter(organisation=organisation).order_by("name")
        self.fields["tool"].queryset = tools  # type: ignore[attr-defined]


class MeasureDoneForm(forms.Form):
    done_on = forms.DateField(label=gettext_lazy("Done on"), widget=DateInput())
    note = forms.CharField(
        label=gettext_lazy("How it was done"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MeasureCancelForm(forms.Form):
    confirm = forms.CharField(widget=forms.HiddenInput, initial="yes")
    note = forms.CharField(
        label=gettext_lazy("Why is the measure dropped?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_confirm(self) -> str:
        value = self.cleaned_data.get("confirm")
        if value != "yes":
            raise forms.ValidationError(gettext_lazy("This form was not understood."))
        return value
