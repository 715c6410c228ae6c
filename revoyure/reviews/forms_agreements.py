"""Forms of the agreement and review clause pages. Every choice is narrowed to the organisation: a tool,
staff body or person of another organisation is not a valid choice (the form answers 400, nothing is
written); `services_clauses` checks the same again for any other caller."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from revoyure.organisations.forms import AgreementForm
from revoyure.organisations.models import Organisation, StaffBody
from revoyure.registry.choices import DomainCategory
from revoyure.registry.models import Tool
from revoyure.reviews import triggers
from revoyure.reviews.models import ClauseScope, ReviewClause
from revoyure.reviews.services_clauses import FREQUENCY_RANGE, NOTICE_RANGE, REASON_MAX, TITLE_MAX


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} <{obj.email}>"


def trigger_choices() -> list[tuple[str, Any]]:
    """The trigger kinds of triggers.yaml, each with the roadmap's words under its label, so the parties see
    what they agree to (« Les rendez-vous de revoyure sont déclenchés lorsque l'un des événements suivants
    est réalisé »)."""
    choices: list[tuple[str, Any]] = []
    for ident, label in triggers.choices():
        kind = triggers.get(ident)
        roadmap = kind.roadmap if kind else ""
        # Kinds added by the issue rather than the roadmap quote their source in English: not shown.
        if roadmap and not roadmap.startswith("issue "):
            choices.append((ident, format_html('{}<br><i lang="fr">« {} »</i>', label, roadmap)))
        else:
            choices.append((ident, label))
    return choices


class ClauseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    scope = forms.ChoiceField(
        label=_("Tools concerned"),
        choices=ClauseScope.choices,
        widget=forms.RadioSelect,
        initial=ClauseScope.ALL,
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories of tools"),
        choices=DomainCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("When the clause covers some categories of tools."),
    )
    tools: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Named tools"),
        queryset=Tool.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "When the clause covers named tools of the register. Hold Ctrl (or Cmd) to choose several."
        ),
    )
    triggers = forms.MultipleChoiceField(
        label=_("Trigger events"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A review meeting is scheduled whenever one of these events occurs (the roadmap's words)."
        ),
    )
    minimum_frequency_months = forms.IntegerField(
        label=_("Meet at least every (months)"),
        required=False,
        min_value=FREQUENCY_RANGE[0],
        max_value=FREQUENCY_RANGE[1],
        help_text=_("Optional: a meeting is held at least this often, even when no event occurs."),
    )
    notice_days = forms.IntegerField(
        label=_("Meeting within (days of the event)"),
        min_value=NOTICE_RANGE[0],
        max_value=NOTICE_RANGE[1],
        initial=15,
    )
    include_committee = forms.BooleanField(label=_("The AI committee takes part"), required=False)
    staff_bodies: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Staff bodies"),
        queryset=StaffBody.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participants = PersonChoiceField(
        label=_("Named persons"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Members of the organisation invited by name. Hold Ctrl (or Cmd) to choose several."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the clause's history."),
    )

    def __init__(self, *args: Any, organisation: Organisation, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["tools"].queryset = Tool.objects.filter(organisation=organisation).order_by("name", "pk")  # type: ignore[attr-defined]
        fields["staff_bodies"].queryset = StaffBody.objects.filter(organisation=organisation).order_by(  # type: ignore[attr-defined]
            "kind", "name", "pk"
        )
        fields["participants"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(pk__in=organisation.memberships.values("user_id"))
            .order_by("full_name", "email")
        )
        fields["triggers"].choices = trigger_choices()  # type: ignore[attr-defined]
        if not editing:
            del fields["reason"]

    @staticmethod
    def initial_from(clause: ReviewClause) -> dict[str, Any]:
        return {
            "title": clause.title,
            "scope": clause.scope,
            "categories": list(clause.categories or []),
            "tools": list(clause.tools.values_list("pk", flat=True)),
            "triggers": list(clause.triggers or []),
            "minimum_frequency_months": clause.minimum_frequency_months,
            "notice_days": clause.notice_days,
            "include_committee": clause.include_committee,
            "staff_bodies": list(clause.staff_bodies.values_list("pk", flat=True)),
            "participants": list(clause.participants.values_list("pk", flat=True)),
        }

    def values(self) -> dict[str, Any]:
        """The clause's values for `services_clauses`, without the reason."""
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        for name in ("tools", "staff_bodies", "participants"):
            data[name] = list(data[name])
        return data


class ClauseActiveForm(forms.Form):
    """The deactivate / reactivate buttons. `action` must name what the button does: any other POST to the
    address (a stray or forged one) is refused rather than taken as a click."""

    action = forms.CharField(max_length=20)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, required=False)

    def __init__(self, *args: Any, expected: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_action(self) -> str:
        action = str(self.cleaned_data.get("action") or "")
        if action != self.expected:
            raise forms.ValidationError(_("This form was not understood."))
        return action


class ModelClauseQueryForm(forms.Form):
    """`?clause=<id>` of the model clause page: which of the organisation's clauses to start from."""

    clause = forms.TypedChoiceField(
        label=_("Start from the clause"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, clauses: list[ReviewClause], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.TypedChoiceField = self.fields["clause"]  # type: ignore[assignment]
        field.choices = [("", _("None: the organisation's settings only"))] + [
            (clause.pk, f"{clause.agreement.title} — {clause.title}") for clause in clauses
        ]


class AgreementEditForm(AgreementForm):
    """The agreement's facts; a new document replaces the current one (checked like at creation)."""

    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the agreement's history."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].label = _("Replace the document")
        self.fields["document"].help_text = _(
            "Optional: PDF, office document, image or text file. Leave empty to keep the current document."
        )
