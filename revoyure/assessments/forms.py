"""Forms of the questionnaire pages. The section form is built from the definition: one field per visible
question, named by its stable id; the values are checked again by the engine when saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, gettext_lazy

from revoyure.assessments import engine
from revoyure.assessments.loading import Question, text_in
from revoyure.assessments.models import QuestionnaireDefinition, Response, ResponseStatus
from revoyure.assessments.services import SURVEYJS_MAX_BYTES, SURVEYJS_MAX_NAME
from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool

ACTIONS = ("save", "complete", "reopen")


class ResponseFilterForm(forms.Form):
    """The list's query string; a wrong value is an error (400)."""

    tool = forms.ModelChoiceField(
        label=gettext_lazy("Tool"), queryset=Tool.objects.none(), required=False, empty_label=None
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tool_field: Any = self.fields["tool"]
        tool_field.queryset = (
            Tool.objects.filter(organisation=organisation).only("pk", "name").order_by("name")
        )
        tool_field.choices = [("", gettext_lazy("Any tool")), *tool_field.choices]
        status_field: Any = self.fields["status"]
        status_field.choices = [("", gettext_lazy("Any status")), *ResponseStatus.choices]


def definition_label(definition: QuestionnaireDefinition, language: str) -> str:
    if definition.organisation_id is None:
        return f"{definition.title_in(language)} (v{definition.version})"
    return gettext("%(title)s (v%(version)d, imported)") % {
        "title": definition.title_in(language),
        "version": definition.version,
    }


class ResponseCreateForm(forms.Form):
    definition = forms.TypedChoiceField(label=gettext_lazy("Questionnaire"), coerce=int)
    tool = forms.ModelChoiceField(
        label=gettext_lazy("Tool concerned"),
        queryset=Tool.objects.none(),
        required=False,
        empty_label=gettext_lazy("No tool"),
        help_text=gettext_lazy("Optional. Files answered in the questionnaire are attached to this tool."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)

    def __init__(
        self,
        *args: Any,
        organisation: Organisation,
        definitions: list[QuestionnaireDefinition],
        language: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definitions = {d.pk: d for d in definitions}
        definition_field: Any = self.fields["definition"]
        definition_field.choices = [(d.pk, definition_label(d, language)) for d in definitions]
        tool_field: Any = self.fields["tool"]
        tool_field.queryset = (
            Tool.objects.filter(organisation=organisation).only("pk", "name").order_by("name")
        )

    def clean_definition(self) -> QuestionnaireDefinition:
        return self.definitions[self.cleaned_data["definition"]]


class SurveyJSImportForm(forms.Form):
    """Upload of a SurveyJS questionnaire; the content is checked by `services.import_surveyjs_definition`."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=SURVEYJS_MAX_NAME,
        help_text=gettext_lazy(
            "Used for the questionnaire's identifier (and its title when the file has none). Importing "
            "again under the same name publishes a new version; responses keep the version they started on."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("SurveyJS JSON file"),
        help_text=gettext_lazy("The survey's JSON, as saved from SurveyJS Creator (at most 2 MB)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > SURVEYJS_MAX_BYTES:
            raise forms.ValidationError(
                gettext("The file is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(SURVEYJS_MAX_BYTES)}
            )
        return upload


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Person"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=gettext_lazy("Nobody yet"),
    )
    department = forms.CharField(label=gettext_lazy("Department"), max_length=100, required=False)
    due_on = forms.DateField(
        label=gettext_lazy("Due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("YYYY-MM-DD"),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee: Any = self.fields["assignee"]
        assignee.queryset = (
            get_user_model()
            .objects.filter(memberships__organisation=organisation, is_active=True)
            .distinct()
            .order_by("full_name", "email")
        )
        assignee.label_from_instance = lambda user: f"{user.full_name or user.email} <{user.email}>"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The page always posts the three fields (possibly empty, to clear them); a post without them is
        # not this form, and must not silently clear an assignment.
        if self.is_bound and any(self.add_prefix(name) not in self.data for name in self.fields):
            raise forms.ValidationError(gettext_lazy("Give the person, the department and the due date."))
        return data


class CompareForm(forms.Form):
    a = forms.ModelChoiceField(label=gettext_lazy("Before"), queryset=Response.objects.none())
    b = forms.ModelChoiceField(label=gettext_lazy("After"), queryset=Response.objects.none())
    all = forms.BooleanField(label=gettext_lazy("Also show the unchanged answers"), required=False)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = (
            Response.objects.filter(organisation=organisation)
            .select_related("definition")
            .defer("definition__content", "result")
            .order_by("-created_at", "-pk")
        )
        for name in ("a", "b"):
            field: Any = self.fields[name]
            field.queryset = queryset
            field.label_from_instance = lambda r: (
                f"{r.title} — {r.definition.slug} v{r.definition.version} ({r.get_status_display()})"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        a, b = data.get("a"), data.get("b")
        if a is not None and b is not None:
            if a.pk == b.pk:
                raise forms.ValidationError(gettext_lazy("Choose two different responses."))
            if a.definition.slug != b.definition.slug:
                raise forms.ValidationError(
                    gettext_lazy(
                        "The two responses answer different questionnaires: they cannot be compared."
                    )
                )
        return data


# The section form -----------------------------------------------------------------------------------------


def _help(question: Question, language: str) -> str:
    return text_in(question.help, language) if question.help else ""


def question_field(question: Question, language: str) -> forms.Field:
    label = text_in(question.text, language)
    common: dict[str, Any] = {"label": label, "required": False, "help_text": _help(question, language)}
    if question.type == "single_choice":
        return forms.ChoiceField(
            choices=[(c.value, text_in(c.label, language)) for c in question.choices],
            widget=forms.RadioSelect,
            **common,
        )
    if question.type == "multiple_choice":
        return forms.MultipleChoiceField(
            choices=[(c.value, text_in(c.label, language)) for c in question.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if question.type == "scale":
        labels = {v: text_in(lb, language) for v, lb in question.labels}
        low, high = int(question.min or 0), int(question.max or 0)
        return forms.ChoiceField(
            choices=[(str(v), f"{v} — {labels[v]}" if v in labels else str(v)) for v in range(low, high + 1)],
            widget=forms.RadioSelect,
            **common,
        )
    if question.type == "number":
        attrs = {"inputmode": "decimal"}
        return forms.CharField(max_length=50, widget=forms.TextInput(attrs=attrs), strip=True, **common)
    if question.type == "date":
        return forms.CharField(
            max_length=10, widget=forms.DateInput(attrs={"type": "date"}), strip=True, **common
        )
    if question.type == "text":
        return forms.CharField(
            max_length=engine.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}), strip=False, **common
        )
    return forms.FileField(**common)


def _initial(question: Question, value: Any) -> Any:
    if engine.is_empty(value):
        return None
    if question.type == "scale":
        return str(value)
    if question.type == "file":
        return None
    return value


class SectionForm(forms.Form):
    """The visible questions of one section; `values()` gives what to pass to `services.save_answers`."""

    def __init__(
        self, *args: Any, questions: list[Question], answers: dict[str, Any], language: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.file_questions: list[Question] = []
        for q in questions:
            field = question_field(q, language)
            field.initial = _initial(q, answers.get(q.id))
            self.fields[q.id] = field
            if q.type == "file":
                self.file_questions.append(q)
                self.fields[f"{q.id}__clear"] = forms.BooleanField(
                    label=gettext_lazy("Remove the file"), required=False
                )

    def values(self) -> dict[str, Any]:
        """The posted answers, files excepted (they are stored first, see the section view)."""
        out: dict[str, Any] = {}
        for q in self.questions:
            if q.type == "file":
                if self.cleaned_data.get(f"{q.id}__clear"):
                    out[q.id] = None
                continue
            value = self.cleaned_data.get(q.id)
            if q.type == "multiple_choice":
                out[q.id] = list(value or [])
            elif value in ("", None):
                out[q.id] = None
            else:
                out[q.id] = value
        return out

    def rows(self) -> list[dict[str, Any]]:
        """Question and bound field pairs, for the template."""
        return [
            {
                "question": q,
                "field": self[q.id],
                "clear": self[f"{q.id}__clear"] if q.type == "file" else None,
            }
            for q in self.questions
        ]
