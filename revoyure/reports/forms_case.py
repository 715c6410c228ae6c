"""Forms of the case workflow (one per step, checked again by the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy

from revoyure.committee.models import Meeting
from revoyure.reports.models import Report, ReportAccess, ReportStatus, SeriousKind
from revoyure.reports.services import MAX_TEXT, StaffRepsInvolvement


def _text(label: Any, *, required: bool = True, rows: int = 4, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class ConveneForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Date and time of the meeting"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    agenda = _text(gettext_lazy("Agenda"), required=False, rows=3)


_REPRODUCED = (("", gettext_lazy("Not determined")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No")))


class ExpertiseForm(forms.Form):
    sandbox = _text(gettext_lazy("Sandbox and data used"), rows=3)
    steps = _text(gettext_lazy("Steps followed"))
    evidence = _text(gettext_lazy("Evidence"), required=False)
    similar_cases = _text(gettext_lazy("Similar cases found"), required=False, rows=3)
    reproduced = forms.ChoiceField(
        label=gettext_lazy("Was the case reproduced?"), choices=_REPRODUCED, required=False
    )

    def reproduced_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("reproduced") or "")


class FindingForm(forms.Form):
    finding = forms.ChoiceField(
        label=gettext_lazy("Finding"),
        choices=(("founded", gettext_lazy("Founded")), ("unfounded", gettext_lazy("Unfounded"))),
        widget=forms.RadioSelect,
    )
    reasons = _text(gettext_lazy("Reasons"))


class AlertForm(forms.Form):
    recipient_email = forms.EmailField(
        label=gettext_lazy("Vendor's contact address for alerts"),
        help_text=gettext_lazy("The letter (PDF) is sent to this address and kept with the report."),
    )


class CorrectionForm(forms.Form):
    correction = _text(gettext_lazy("Correction made by the vendor"))
    corrected_on = _date(gettext_lazy("Corrected on"))


class RevalidateForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label=gettext_lazy("Committee meeting"), queryset=Meeting.objects.none(), empty_label=None
    )
    staff_reps_involvement = forms.ChoiceField(
        label=gettext_lazy("Staff representatives"),
        choices=(
            (StaffRepsInvolvement.CONSULTED, gettext_lazy("Consulted")),
            (StaffRepsInvolvement.INFORMED, gettext_lazy("Informed")),
        ),
        widget=forms.RadioSelect,
    )
    revalidated_on = _date(gettext_lazy("Re-validated on"))
    note = _text(gettext_lazy("Note"), required=False, rows=2)

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(  # type: ignore[attr-defined]
            committee__organisation_id=report.organisation_id
        ).order_by("-starts_at")


class MessageForm(forms.Form):
    body = _text(gettext_lazy("Message to the reporter"))


class CloseForm(forms.Form):
    note = _text(gettext_lazy("Note"), required=False, rows=2)


class SuspendForm(forms.Form):
    reason = _text(
        gettext_lazy("Reason for the suspension"),
        rows=2,
        help_text=gettext_lazy("Kept in the register's history."),
    )


class AddPersonForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=get_user_model().objects.none())

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        already = ReportAccess.objects.filter(report=report).values("user_id")
        self.fields["person"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(memberships__organisation_id=report.organisation_id, is_active=True)
            .exclude(pk__in=already)
            .distinct()
            .order_by("full_name", "email")
        )
        self.fields["person"].label_from_instance = lambda u: u.full_name or u.email  # type: ignore[attr-defined]


class SeriousForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of serious incident"), choices=SeriousKind.choices)
    aware_on = _date(gettext_lazy("Date of awareness"))


class AuthorityForm(forms.Form):
    notified_on = _date(gettext_lazy("Authority notified on"))


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *ReportStatus.choices],
        required=False,
    )
    tool = forms.IntegerField(label=gettext_lazy("Tool"), required=False, min_value=1, max_value=2**62)
