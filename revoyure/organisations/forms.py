"""Forms of the organisation pages. They parse and check input; the writes are done by `services`."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from revoyure.core.permissions import Role
from revoyure.core.uploads import check_upload
from revoyure.organisations.departments import department_code
from revoyure.organisations.models import (
    PUBLIC_LEGAL_FORMS,
    Agreement,
    LegalForm,
    Organisation,
    StaffBody,
)
from revoyure.organisations.services import MAX_REASON_LENGTH, ORGANISATION_FACT_FIELDS

NAF_CODE = re.compile(r"^\d{2}\.\d{2}[A-Z]$")
ACTION_FILTER = re.compile(r"^[a-z0-9_.]{1,80}$")
ROLE_CHOICES = Role.choices


def apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it, else on
    the form as a whole (so the message is never lost)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class OrganisationSettingsForm(forms.ModelForm):
    """The organisation's facts, with the mandatory reason kept in its history."""

    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the organisation's history."),
    )

    class Meta:
        model = Organisation
        fields = ORGANISATION_FACT_FIELDS
        widgets = {"last_duerp_update": DateInput()}
        help_texts = {
            "naf_code": _("Code of the French nomenclature of activities, for example 62.01Z."),
            "department": _("Code or name of the department, for example 31 or Haute-Garonne."),
        }

    def clean_naf_code(self) -> str:
        value = (self.cleaned_data.get("naf_code") or "").strip().upper().replace(" ", "")
        if re.fullmatch(r"\d{4}[A-Z]", value):
            value = f"{value[:2]}.{value[2:]}"
        if value and not NAF_CODE.match(value):
            raise ValidationError(
                _("Enter a NAF code such as 62.01Z (two digits, a dot, two digits, a letter).")
            )
        return value

    def clean_department(self) -> str:
        value = (self.cleaned_data.get("department") or "").strip()
        if not value:
            return ""
        code = department_code(value)
        if code is None:
            raise ValidationError(_("Enter a French department code (such as 31, 2A or 974) or its name."))
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The same rule as at creation: a public legal form is always in the public sector.
        if cleaned.get("legal_form") in PUBLIC_LEGAL_FORMS:
            cleaned["is_public_sector"] = True
        if cleaned.get("public_service_branch") and not cleaned.get("is_public_sector"):
            self.add_error(
                "public_service_branch",
                _("A public-service branch applies only to an organisation of the public sector."),
            )
        if cleaned.get("reached_250_for_12_months") and not cleaned.get("reached_50_for_12_months"):
            self.add_error(
                "reached_50_for_12_months", _("An organisation that reached 250 people has also reached 50.")
            )
        if cleaned.get("reached_50_for_12_months") and not cleaned.get("reached_11_for_12_months"):
            self.add_error(
                "reached_11_for_12_months", _("An organisation that reached 50 people has also reached 11.")
            )
        return cleaned

    def changes(self, original: Organisation) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in ORGANISATION_FACT_FIELDS
            if name in self.cleaned_data and getattr(original, name) != self.cleaned_data[name]
        }


class StaffBodyForm(forms.ModelForm):
    class Meta:
        model = StaffBody
        fields = ("kind", "name", "establishment")


class StaffBodyMemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    mandate = forms.CharField(
        label=_("Mandate"),
        max_length=100,
        required=False,
        help_text=_("For example: elected member, secretary, union representative."),
    )
    user = forms.TypedChoiceField(
        label=_("Linked account (optional)"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = (
            get_user_model()
            .objects.filter(memberships__organisation=organisation)
            .distinct()
            .order_by("full_name", "email")
        )
        self.people = {person.pk: person for person in people}
        self.fields["user"].choices = [("", _("No linked account"))] + [  # type: ignore[attr-defined]
            (pk, f"{person.display_name} <{person.email}>") for pk, person in self.people.items()
        ]

    def linked_user(self) -> Any:
        pk = self.cleaned_data.get("user")
        return self.people.get(pk) if pk is not None else None


class AgreementForm(forms.ModelForm):
    document = forms.FileField(
        label=_("Document"), required=False, help_text=_("PDF, office document, image or text file.")
    )

    class Meta:
        model = Agreement
        fields = ("title", "kind", "signed_on", "parties")
        widgets = {"signed_on": DateInput(), "parties": forms.Textarea(attrs={"rows": 3, "maxlength": 5000})}
        help_texts = {
            "parties": _(
                "One per line: the employer and the unions that signed it, or, for a charter or a unilateral "
                "commitment, who adopted it and who was consulted."
            ),
        }

    def clean_parties(self) -> str:
        parties = self.cleaned_data.get("parties") or ""
        if len(parties) > 5000:
            raise ValidationError(_("Keep the list of parties under 5,000 characters."))
        return str(parties)

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        if document:
            try:
                check_upload(document)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict.get("file", exc.messages)) from exc
        return document


class MemberRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A person can hold several roles."),
        error_messages={"required": _("Choose at least one role.")},
    )
    department = forms.CharField(label=_("Department or service"), max_length=100, required=False)


class InvitationForm(MemberRolesForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    field_order = ("email", "roles", "department")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class AcceptInvitationForm(forms.Form):
    """Creates the account of an invited person who has none."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = get_user_model()(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class PlatformOrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name (in addresses)"),
        max_length=60,
        help_text=_("Lower-case letters, digits and hyphens, for example acme."),
    )
    legal_form = forms.ChoiceField(label=_("Legal form"), choices=LegalForm.choices)
    admin_email = forms.EmailField(
        label=_("E-mail of the first administrator"),
        max_length=254,
        help_text=_("This person receives an invitation as organisation administrator."),
    )

    def clean_slug(self) -> str:
        slug = str(self.cleaned_data["slug"]).lower()
        if Organisation.objects.filter(slug=slug).exists():
            raise ValidationError(_("An organisation with this short name already exists."))
        return slug


class AuditFilterForm(forms.Form):
    """The query string of the audit log page."""

    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9)
    verify = forms.BooleanField(required=False)

    def clean_action(self) -> str:
        action = (self.cleaned_data.get("action") or "").strip()
        if action and not ACTION_FILTER.match(action):
            raise ValidationError(_("Unknown action."))
        return action


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, for example: nightly export.")
    )
    role = forms.ChoiceField(label=_("Role the token acts with"))

    def __init__(self, *args: Any, roles: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field: forms.ChoiceField = self.fields["role"]  # type: ignore[assignment]
        role_field.choices = [(value, label) for value, label in ROLE_CHOICES if value in roles]
