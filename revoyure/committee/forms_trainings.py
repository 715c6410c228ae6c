"""Forms of the training pages. The services validate again; these give clear per-field messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy

from revoyure.committee.models import CommitteeMember, TrainingPlan
from revoyure.committee.services_trainings import (
    EARLIEST,
    LATEST_PLAN,
    MAX_DEPARTMENT,
    MAX_HOURS,
    MAX_NAME,
    MAX_PEOPLE,
    MAX_TEXT,
    MAX_TITLE,
    Person,
    today,
)
from revoyure.organisations.models import Organisation
from revoyure.registry.forms import DateInput
from revoyure.registry.models import Tool


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else str(obj.email)


class ToolChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def members_of(organisation: Organisation) -> Any:
    return (
        get_user_model()
        .objects.filter(memberships__organisation=organisation)
        .distinct()
        .order_by("full_name", "email")
    )


def parse_people(text: str) -> list[Person]:
    """One person per line: "Full name; department" (the department is optional)."""
    people = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _sep, department = line.partition(";")
        people.append(Person(name.strip(), department.strip()))
    return people


def people_text(people: list[Person]) -> str:
    return "\n".join(f"{p.full_name}; {p.department}" if p.department else p.full_name for p in people)


class TrainingForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE)
    topic = forms.CharField(
        label=gettext_lazy("What it covered"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=MAX_TEXT,
    )
    given_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    duration_hours = forms.DecimalField(
        label=gettext_lazy("Duration (hours)"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=MAX_HOURS,
        decimal_places=1,
        max_digits=5,
    )
    trainer = forms.CharField(
        label=gettext_lazy("Given by"),
        required=False,
        max_length=MAX_NAME,
        help_text=gettext_lazy("The trainer, the organisation or the vendor who gave the training."),
    )
    tools = ToolChoiceField(
        label=gettext_lazy("Tools of the register it was about"),
        queryset=Tool.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Part of the committee's training plan"),
        queryset=TrainingPlan.objects.none(),
        required=False,
        empty_label=gettext_lazy("None"),
    )
    members = MemberChoiceField(
        label=gettext_lazy("Members of the organisation trained"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    others = forms.CharField(
        label=gettext_lazy("Other people trained (without an account)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=MAX_PEOPLE * (MAX_NAME + MAX_DEPARTMENT + 3),
        help_text=gettext_lazy(
            'One person per line: "Full name; department or service" (the department is optional).'
        ),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tools"].queryset = Tool.objects.filter(  # type: ignore[attr-defined]
            organisation=organisation
        ).order_by("name", "pk")
        self.fields["plan"].queryset = TrainingPlan.objects.filter(  # type: ignore[attr-defined]
            committee__organisation=organisation
        ).order_by("planned_by", "pk")
        self.fields["members"].queryset = members_of(organisation)  # type: ignore[attr-defined]

    def clean_given_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["given_on"]
        if value > today():
            raise forms.ValidationError(
                gettext_lazy("A training is recorded once given: the date cannot be in the future.")
            )
        if value < EARLIEST:
            raise forms.ValidationError(gettext_lazy("The date is too far in the past."))
        return value

    def clean_others(self) -> list[Person]:
        people = parse_people(self.cleaned_data.get("others") or "")
        for person in people:
            if not person.full_name:
                raise forms.ValidationError(gettext_lazy("A line has a department but no name."))
            if len(person.full_name) > MAX_NAME:
                raise forms.ValidationError(
                    gettext_lazy("A name is too long (at most %(max)d characters).") % {"max": MAX_NAME}
                )
            if len(person.department) > MAX_DEPARTMENT:
                raise forms.ValidationError(
                    gettext_lazy("A department is too long (at most %(max)d characters).")
                    % {"max": MAX_DEPARTMENT}
                )
        if len(people) > MAX_PEOPLE:
            raise forms.ValidationError(
                gettext_lazy("At most %(max)d people per training.") % {"max": MAX_PEOPLE}
            )
        return people

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "members" in data and "others" in data and not data["members"] and not data["others"]:
            self.add_error(
                "members",
                gettext_lazy("Say who was trained: choose members or type the names of other people."),
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "topic": data["topic"],
            "given_on": data["given_on"],
            "duration_hours": data["duration_hours"],
            "trainer": data["trainer"],
            "tools": list(data["tools"]),
            "plan": data["plan"],
            "members": list(data["members"]),
            "others": data["others"],
        }


def training_initial(training: Any) -> dict[str, Any]:
    trainees = list(training.trainees.all())
    return {
        "title": training.title,
        "topic": training.topic,
        "given_on": training.given_on,
        "duration_hours": training.duration_hours,
        "trainer": training.trainer,
        "tools": [t.pk for t in training.tools.all()],
        "plan": training.plan_id,
        "members": [t.user_id for t in trainees if t.user_id is not None],
        "others": people_text([Person(t.full_name, t.department) for t in trainees if t.user_id is None]),
    }


class CommitteeMemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.full_name} — {obj.get_quality_display()}"
        return label if obj.active else f"{label} ({gettext_lazy('no longer active')})"


class TrainingPlanForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE)
    objectives = forms.CharField(
        label=gettext_lazy("Objectives"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=MAX_TEXT,
    )
    planned_by = forms.DateField(label=gettext_lazy("To be done by"), widget=DateInput(), required=False)
    members = CommitteeMemberChoiceField(
        label=gettext_lazy("Committee members to train"),
        queryset=CommitteeMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self, *args: Any, organisation: Organisation, plan: TrainingPlan | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        members = CommitteeMember.objects.filter(committee__organisation=organisation)
        # Active members, and any member already in the plan (who may have left the committee since).
        if plan is not None:
            members = members.filter(active=True) | members.filter(training_plans=plan)
        else:
            members = members.filter(active=True)
        self.fields["members"].queryset = members.distinct().order_by(  # type: ignore[attr-defined]
            "full_name", "pk"
        )

    def clean_planned_by(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("planned_by")
        if value is not None and not EARLIEST <= value <= LATEST_PLAN:
            raise forms.ValidationError(gettext_lazy("Enter a plausible date."))
        return value


def plan_initial(plan: TrainingPlan) -> dict[str, Any]:
    return {
        "title": plan.title,
        "objectives": plan.objectives,
        "planned_by": plan.planned_by,
        "members": [m.pk for m in plan.members.all()],
    }


class TrainingFilterForm(forms.Form):
    """The list's filters (GET). Bad values give a 400 with the form's message."""

    tool = forms.ModelChoiceField(
        label=gettext_lazy("Tool"),
        queryset=Tool.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    person = forms.ModelChoiceField(
        label=gettext_lazy("Person"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=gettext_lazy("Everyone"),
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), required=False, min_value=EARLIEST.year, max_value=LATEST_PLAN.year
    )

    def __init__(
        self, *args: Any, organisation: Organisation, years: list[int], people: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        tool_field: Any = self.fields["tool"]
        tool_field.queryset = Tool.objects.filter(organisation=organisation).order_by("name", "pk")
        tool_field.label_from_instance = lambda t: t.name
        person_field: Any = self.fields["person"]
        person_field.queryset = people
        person_field.label_from_instance = lambda u: u.full_name or u.email
        # A select of the years that have trainings; any plausible year is accepted (an empty result).
        self.fields["year"].widget = forms.Select(
            choices=[("", gettext_lazy("All")), *((y, str(y)) for y in years)]
        )
