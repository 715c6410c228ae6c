"""Forms of the webhook pages. They parse the input; the checks that matter (HTTPS, a public address, known
events) are the services' own, whose errors the views put on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from revoyure.webhooks import services
from revoyure.webhooks.models import EventType
from revoyure.webhooks.services import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Address (HTTPS)"),
        max_length=MAX_URL_LENGTH,
        assume_scheme="https",
        help_text=_("The HTTPS address that receives the messages, on a server reachable from the internet."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION_LENGTH,
        help_text=_("What this webhook is for, for example: HR information system."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events sent to this address"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, with_active: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_active:
            self.fields["active"] = forms.BooleanField(
                label=_("Active"),
                required=False,
                help_text=_("An inactive webhook keeps its messages until it is active again."),
            )

    def clean_url(self) -> str:
        # The service's own check, here too so that a refused address is reported with the other errors.
        try:
            return services.clean_url(self.cleaned_data["url"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from exc


class PageForm(forms.Form):
    """The query string of the delivery log."""

    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=10**9)
