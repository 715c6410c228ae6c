"""Forms of the consultation pages. The services validate again; these give clear per-field messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from revoyure.consultations.deadlines import agreed_period_error
from revoyure.consultations.models import ConsultationDocument, Opinion, Purpose
from revoyure.organisations.models import Agreement, StaffBody
from revoyure.registry.forms import DateInput


class OpenConsultationForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    staff_bodies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Staff bodies to consult"),
        queryset=StaffBody.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    information_only = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Of these, bodies that are only informed (no opinion due)"),
        queryset=StaffBody.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    study: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Impact study"), queryset=None, required=False, empty_label=gettext_lazy("None")
    )
    agreement = forms.ModelChoiceField(
        label=gettext_lazy("Agreement that sets the period"),
        queryset=Agreement.objects.none(),
        required=False,
        empty_label=gettext_lazy("None: the statutory periods apply"),
    )
    agreed_period_days = forms.IntegerField(
        label=gettext_lazy("Period set by the agreement (days)"),
        required=False,
        min_value=1,
        max_value=366,
        help_text=gettext_lazy("At least 15 days (R2312-5)."),
    )

    def __init__(self, *args: Any, tool: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bodies = StaffBody.objects.filter(organisation_id=tool.organisation_id)
        self.fields["staff_bodies"].queryset = bodies  # type: ignore[attr-defined]
        self.fields["information_only"].queryset = bodies  # type: ignore[attr-defined]
        self.fields["agreement"].queryset = Agreement.objects.filter(  # type: ignore[attr-defined]
            organisation_id=tool.organisation_id
        )
        self.fields["study"].queryset = tool.impact_studies.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        days = data.get("agreed_period_days")
        problem = agreed_period_error(days)
        if problem:
            self.add_error("agreed_period_days", problem)
        elif days is not None and not data.get("agreement"):
            self.add_error("agreement", gettext_lazy("Choose the agreement that sets this period."))
        chosen = set(data.get("staff_bodies") or ())
        if any(b not in chosen for b in data.get("information_only") or ()):
            self.add_error("information_only", gettext_lazy("Tick only bodies chosen above."))
        return data

    def purposes(self) -> dict[int, str]:
        return {b.pk: Purpose.INFORMATION for b in self.cleaned_data.get("information_only") or ()}


class InformationForm(forms.Form):
    informed_on = forms.DateField(label=gettext_lazy("Information date"), widget=DateInput())


class ExpertForm(forms.Form):
    expert_name = forms.CharField(label=gettext_lazy("Expert"), max_length=200)
    expert_appointed_on = forms.DateField(label=gettext_lazy("Appointed on"), widget=DateInput())


class OpinionForm(forms.Form):
    opinion = forms.ChoiceField(
        label=gettext_lazy("Opinion"),
        choices=[(v, label) for v, label in Opinion.choices if v != Opinion.DEEMED_NEGATIVE],
    )
    opinion_on = forms.DateField(label=gettext_lazy("Date of the opinion"), widget=DateInput())
    opinion_text = forms.CharField(
        label=gettext_lazy("Text of the opinion"), widget=forms.Textarea, required=False, max_length=10_000
    )
    votes_for = forms.IntegerField(
        label=gettext_lazy("Votes for"), min_value=0, max_value=100_000, required=False
    )
    votes_against = forms.IntegerField(
        label=gettext_lazy("Votes against"), min_value=0, max_value=100_000, required=False
    )
    abstentions = forms.IntegerField(
        label=gettext_lazy("Abstentions"), min_value=0, max_value=100_000, required=False
    )


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Leave empty to use the file name."),
    )
    file = forms.FileField(
        label=gettext_lazy("File"), help_text=gettext_lazy("PDF, office documents, images or plain text.")
    )


class SendDocumentsForm(forms.Form):
    documents = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Documents to send"),
        queryset=ConsultationDocument.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, consultation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = consultation.documents.all()  # type: ignore[attr-defined]


class AddBodyForm(forms.Form):
    """Add a staff body concerned after the opening (e.g. the establishment CSEs once the project's scope is
    known); the deadlines of the others are recomputed (R2312-6)."""

    staff_body = forms.ModelChoiceField(label=gettext_lazy("Staff body"), queryset=StaffBody.objects.none())
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=Purpose.choices)

    def __init__(self, *args: Any, consultation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["staff_body"]
        field.queryset = StaffBody.objects.filter(organisation_id=consultation.organisation_id).exclude(
            pk__in=consultation.bodies.values("staff_body_id")
        )
