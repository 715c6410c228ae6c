"""Forms of the committee pages. The services validate again; these give clear per-field messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.dates import MONTHS as DJANGO_MONTHS
from django.utils.translation import gettext_lazy

from revoyure.committee.models import Meeting, NoteKind, Quality
from revoyure.registry.forms import DateInput
from revoyure.registry.models import Tool, Vendor

# Django's own month names: the same words (and the same French catalogue) as every date in the app.
MONTHS = list(DJANGO_MONTHS.items())


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _people(organisation: Any) -> Any:
    return (
        get_user_model()
        .objects.filter(memberships__organisation=organisation, is_active=True)
        .distinct()
        .order_by("email")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = getattr(obj, "full_name", "")
        return f"{name} <{obj.email}>" if name else str(obj.email)


class SettingsForm(forms.Form):
    delegate = PersonChoiceField(
        label=gettext_lazy("AI delegate"), queryset=None, required=False, empty_label=gettext_lazy("None")
    )
    deputy = PersonChoiceField(
        label=gettext_lazy("Deputy delegate"), queryset=None, required=False, empty_label=gettext_lazy("None")
    )
    reporting_email = forms.EmailField(
        label=gettext_lazy("Generic reporting address"),
        required=False,
        help_text=gettext_lazy("Where employees write to report an abnormal use of an AI tool."),
    )
    public_reporting_enabled = forms.BooleanField(
        label=gettext_lazy("Accept reports through a public link, without an account"), required=False
    )
    strategy = forms.CharField(
        label=gettext_lazy("Strategy for AI systems"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Purposes pursued, why, with which objectives, and whether they are met."),
    )
    annual_meeting_month = forms.TypedChoiceField(
        label=gettext_lazy("Month of the annual meeting"), choices=MONTHS, coerce=int
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = _people(organisation)
        self.fields["delegate"].queryset = people  # type: ignore[attr-defined]
        self.fields["deputy"].queryset = people  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    quality = forms.ChoiceField(label=gettext_lazy("Quality"), choices=Quality.choices)
    affiliation = forms.CharField(label=gettext_lazy("Organisation or body"), max_length=200, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), required=False)
    user = PersonChoiceField(
        label=gettext_lazy("Account in the organisation"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("None (external member)"),
    )
    joined_on = forms.DateField(label=gettext_lazy("Joined on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _people(organisation)  # type: ignore[attr-defined]


class MemberEditForm(MemberForm):
    active = forms.BooleanField(label=gettext_lazy("Active member"), required=False)


class MeetingForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends at"), widget=DateTimeInput(), required=False)
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


ATTENDANCE_CHOICES = [
    ("present", gettext_lazy("Present")),
    ("excused", gettext_lazy("Excused")),
    ("absent", gettext_lazy("Absent")),
]


class MinutesForm(forms.Form):
    """One choice per member (present / excused / absent) and the minutes."""

    minutes = forms.CharField(
        label=gettext_lazy("Minutes"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 10}),
    )

    def __init__(self, *args: Any, meeting: Meeting, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        current = {a.member_id: a for a in meeting.attendance.all()}
        for member in members:
            row = current.get(member.pk)
            initial = "absent"
            if row is not None:
                initial = "present" if row.present else ("excused" if row.excused else "absent")
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=f"{member.full_name} ({member.get_quality_display()})",
                choices=ATTENDANCE_CHOICES,
                initial=initial,
                widget=forms.RadioSelect,
            )

    def attendance(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data[f"member_{m.pk}"] for m in self.members}


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Decision"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.CharField(label=gettext_lazy("Owner"), max_length=200, required=False)
    due_on = forms.DateField(label=gettext_lazy("Due on"), required=False, widget=DateInput())
    tool: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Tool concerned"), queryset=None, required=False, empty_label=gettext_lazy("None")
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tool"].queryset = Tool.objects.filter(organisation=organisation).order_by("name")  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=NoteKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    noted_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    body = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    url = forms.URLField(label=gettext_lazy("Link"), required=False, assume_scheme="https")
    vendor: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Vendor"), queryset=None, required=False, empty_label=gettext_lazy("None")
    )
    tool: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Tool"), queryset=None, required=False, empty_label=gettext_lazy("None")
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tools = Tool.objects.filter(organisation=organisation).order_by("name")
        self.fields["tool"].queryset = tools  # type: ignore[attr-defined]
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")  # type: ignore[attr-defined]


class CommunicationForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 12})
    )
    meeting: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Meeting"), queryset=None, required=False, empty_label=gettext_lazy("None")
    )

    def __init__(self, *args: Any, committee: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(committee=committee)  # type: ignore[attr-defined]
