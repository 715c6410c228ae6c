"""Forms of the impact-study pages. Labels are lazy; the services validate again (forms are for messages)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from revoyure.organisations.models import Organisation, StaffBody
from revoyure.studies.models import PanelMember, PanelStatus, PanelTest, StudyKind

MAX_TEXT = 10_000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def members_of(organisation: Organisation) -> Any:
    return (
        get_user_model()
        .objects.filter(memberships__organisation=organisation)
        .distinct()
        .order_by("full_name", "email")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.email})"


class StudyCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=StudyKind.choices, widget=forms.RadioSelect)
    with_fria = forms.BooleanField(
        label=_("Add a fundamental rights impact assessment (AI Act art. 27)"), required=False
    )
    with_surveillance = forms.BooleanField(
        label=_("Add a workplace-surveillance proportionality check"), required=False
    )


class AssignForm(forms.Form):
    part = forms.CharField(widget=forms.HiddenInput, max_length=100)
    department = forms.CharField(label=_("Department"), max_length=100, required=False)
    assignee = PersonChoiceField(label=_("Person"), queryset=None, required=False)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members_of(organisation)  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    reviewer = PersonChoiceField(label=_("Reviewer"), queryset=None, required=False)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = members_of(organisation)  # type: ignore[attr-defined]


class SendBackForm(forms.Form):
    part = forms.ChoiceField(label=_("Part to send back"))
    comment = forms.CharField(label=_("Comment for its owner"), widget=forms.Textarea, max_length=MAX_TEXT)

    def __init__(self, *args: Any, parts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].choices = parts  # type: ignore[attr-defined]


class SignOffForm(forms.Form):
    comments = forms.CharField(
        label=_("Comments of the sign-off"), widget=forms.Textarea, max_length=MAX_TEXT, required=False
    )
    confirm = forms.BooleanField(
        label=_("I sign the study off: its result will be written to the register and the qualification")
    )


class DuerpDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Updated on"), widget=DateInput())
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea, required=False, max_length=MAX_TEXT)


class PanelForm(forms.Form):
    objective = forms.CharField(
        label=_("Objective"), widget=forms.Textarea, required=False, max_length=MAX_TEXT
    )
    status = forms.ChoiceField(label=_("Status"), choices=PanelStatus.choices)
    results_summary = forms.CharField(
        label=_("Summary of the results"), widget=forms.Textarea, required=False, max_length=MAX_TEXT
    )


class MemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    member_user = PersonChoiceField(label=_("Account (optional)"), queryset=None, required=False)
    job = forms.CharField(label=_("Job"), max_length=200, required=False)
    department = forms.CharField(label=_("Department or service"), max_length=100, required=False)
    represents = forms.CharField(
        label=_("Represents"),
        max_length=300,
        required=False,
        help_text=_("Which future users this person stands for: site, trade, seniority, disability…"),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_user"].queryset = members_of(organisation)  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    participants: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Participants"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    scenarios = forms.CharField(
        label=_("Scenarios tested"), widget=forms.Textarea, required=False, max_length=MAX_TEXT
    )
    findings = forms.CharField(
        label=_("Findings"), widget=forms.Textarea, required=False, max_length=MAX_TEXT
    )

    def __init__(self, *args: Any, panel: PanelTest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = PanelMember.objects.filter(panel=panel)  # type: ignore[attr-defined]


class ShareForm(forms.Form):
    staff_bodies: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Staff bodies"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff_bodies"].queryset = StaffBody.objects.filter(organisation=organisation)  # type: ignore[attr-defined]


ROWS_HELP_RESPONSIBILITIES = _("One line per responsibility: department | role | person.")
ROWS_HELP_CALENDAR = _("One line per milestone: milestone | date (YYYY-MM-DD) | workload note.")


def rows_to_text(rows: list[dict[str, str]], keys: tuple[str, ...]) -> str:
    return "\n".join(" | ".join(r.get(k, "") for k in keys) for r in rows)


def text_to_rows(text: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > len(keys):
            raise forms.ValidationError(
                _("Too many “|” in the line “%(line)s”."), params={"line": line[:80]}, code="cells"
            )
        cells += [""] * (len(keys) - len(cells))
        rows.append(dict(zip(keys, cells, strict=True)))
    return rows


RESPONSIBILITY_KEYS = ("department", "role", "person")
CALENDAR_KEYS = ("milestone", "date", "workload")


class FramingNoteForm(forms.Form):
    needs = forms.CharField(
        label=_("Needs the project meets"), widget=forms.Textarea, required=False, max_length=MAX_TEXT
    )
    responsibilities = forms.CharField(
        label=_("Responsibilities"),
        widget=forms.Textarea,
        required=False,
        help_text=ROWS_HELP_RESPONSIBILITIES,
        max_length=MAX_TEXT,
    )
    calendar = forms.CharField(
        label=_("Calendar"),
        widget=forms.Textarea,
        required=False,
        help_text=ROWS_HELP_CALENDAR,
        max_length=MAX_TEXT,
    )
    workload_compatibility = forms.CharField(
        label=_("How the calendar fits the workload"),
        widget=forms.Textarea,
        required=False,
        max_length=MAX_TEXT,
    )
    budget = forms.DecimalField(
        label=_("Budget (euros)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    budget_notes = forms.CharField(
        label=_("Budget notes"), widget=forms.Textarea, required=False, max_length=MAX_TEXT
    )

    def clean_responsibilities(self) -> list[dict[str, str]]:
        return text_to_rows(self.cleaned_data["responsibilities"], RESPONSIBILITY_KEYS)

    def clean_calendar(self) -> list[dict[str, str]]:
        return text_to_rows(self.cleaned_data["calendar"], CALENDAR_KEYS)

    @classmethod
    def initial_from(cls, values: dict[str, Any]) -> dict[str, Any]:
        initial = dict(values)
        initial["responsibilities"] = rows_to_text(values.get("responsibilities", []), RESPONSIBILITY_KEYS)
        initial["calendar"] = rows_to_text(values.get("calendar", []), CALENDAR_KEYS)
        return initial


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
