"""Forms of the qualification pages: one answer of the questionnaire, an obligation's status, the
dashboard filters. Answer widgets follow the fact's type; "I don't know" is always one of the answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from revoyure.qualification.facts import BOOL, DATE, ENUM, INT, SET, Fact
from revoyure.qualification.models import ObligationState, ObligationStatus, Responsible
from revoyure.qualification.questionnaire import Question
from revoyure.qualification.rules import FAMILY_FILES

UNKNOWN = "unknown"
MAX_TEXT = 5000
FAMILIES = {
    "ai_act": _("EU AI Act"),
    "gdpr": _("GDPR"),
    "labour_code": _("Code du travail"),
    "public_service": _("Public service"),
}


class AnswerForm(forms.Form):
    """One question: `answer` (and `unknown` for dates and numbers). `value()` gives the JSON value that
    `services.record_answers` takes, None for "I don't know"."""

    def __init__(self, question: Question, *args: Any, language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        fact = question.fact
        label = question.in_language("text", language)
        help_text = question.in_language("help", language)
        dont_know = (UNKNOWN, _("I don't know"))
        if fact.type == BOOL:
            self.fields["answer"] = forms.ChoiceField(
                label=label,
                help_text=help_text,
                choices=[("yes", _("Yes")), ("no", _("No")), dont_know],
                widget=forms.RadioSelect,
            )
        elif fact.type == ENUM:
            self.fields["answer"] = forms.ChoiceField(
                label=label,
                help_text=help_text,
                choices=[*((v, str(lbl)) for v, lbl in fact.choices), dont_know],
                widget=forms.RadioSelect,
            )
        elif fact.type == SET:
            self.fields["answer"] = forms.MultipleChoiceField(
                label=label,
                help_text=help_text,
                required=False,
                choices=[*((v, str(lbl)) for v, lbl in fact.choices), dont_know],
                widget=forms.CheckboxSelectMultiple,
            )
        elif fact.type in (DATE, INT):
            field: forms.Field = (
                forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
                if fact.type == DATE
                else forms.IntegerField(min_value=0, max_value=1000, required=False)
            )
            field.label, field.help_text = label, help_text
            self.fields["answer"] = field
            self.fields["unknown"] = forms.BooleanField(label=_("I don't know"), required=False)
        else:  # pragma: no cover - facts.py has no other type
            raise ValueError(fact.type)

    @classmethod
    def initial_for(cls, fact: Fact, value: Any, answered: bool) -> dict[str, Any]:
        """The form's initial data from the current value of the fact (None: "I don't know" only if it
        was answered so; an unanswered question starts empty)."""
        if value is None:
            if not answered:
                return {}
            return (
                {"unknown": True}
                if fact.type in (DATE, INT)
                else {"answer": [UNKNOWN] if fact.type == SET else UNKNOWN}
            )
        if fact.type == BOOL:
            return {"answer": "yes" if value else "no"}
        if fact.type == SET:
            return {"answer": sorted(value)}
        return {"answer": value}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        fact = self.question.fact
        answer = data.get("answer")
        if fact.type == SET and answer is not None and UNKNOWN in answer and len(answer) > 1:
            self.add_error("answer", _("Choose “I don't know” alone, or only the groups you know."))
        if fact.type in (DATE, INT) and "answer" not in self.errors:
            unknown = data.get("unknown")
            if answer is None and not unknown:
                self.add_error(
                    "answer",
                    _("Give a date or tick “I don't know”.")
                    if fact.type == DATE
                    else _("Give a number or tick “I don't know”."),
                )
            elif answer is not None and unknown:
                self.add_error("unknown", _("Give an answer or tick “I don't know”, not both."))
        return data

    def value(self) -> Any:
        fact = self.question.fact
        answer = self.cleaned_data.get("answer")
        if fact.type == BOOL:
            return {"yes": True, "no": False}.get(str(answer))
        if fact.type == ENUM:
            return None if answer == UNKNOWN else answer
        if fact.type == SET:
            return None if UNKNOWN in (answer or []) else sorted(answer or [])
        if self.cleaned_data.get("unknown") or answer is None:
            return None
        return answer.isoformat() if isinstance(answer, dt.date) else answer


class ObligationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ObligationStatus.choices, widget=forms.RadioSelect)
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when it is done: a document, a date, a decision."),
    )
    status_reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when it does not apply: say why."),
    )


def _with_any(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, read from the query string. Unknown values make the form invalid (400)."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=_with_any([c for c in ObligationState.choices if c[0] != ObligationState.LAPSED]),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_with_any(ObligationStatus.choices))
    family = forms.ChoiceField(
        label=_("Family of rules"),
        required=False,
        choices=_with_any([(f, FAMILIES[f]) for f in FAMILY_FILES if f in FAMILIES]),
    )
    responsible = forms.ChoiceField(
        label=_("Responsible"), required=False, choices=_with_any(Responsible.choices)
    )
    tool = forms.CharField(label=_("Tool name contains"), required=False, max_length=200)

    def clean_tool(self) -> str:
        value: str = self.cleaned_data.get("tool") or ""
        if "\x00" in value:
            raise ValidationError(_("The text contains a character that is not allowed."))
        return value.strip()


def parse_month(value: Any, today: dt.date) -> dt.date:
    """`YYYY-MM` as the first day of that month; the current month when absent. ValueError otherwise."""
    if value in (None, ""):
        return today.replace(day=1)
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        raise ValueError(value)
    year, month = int(value[:4]), int(value[5:])
    if not 1900 <= year <= 2200:
        raise ValueError(value)
    return dt.date(year, month, 1)
