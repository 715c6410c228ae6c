"""The form of a watched feed (organisation's or installation's). The service validates again, and checks
the address (it must lead to a public host); these give clear per-field messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from revoyure.registry.models import Vendor
from revoyure.reviews import services_feeds
from revoyure.reviews.models import FeedSource


class FeedForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=services_feeds.MAX_TITLE,
        help_text=gettext_lazy("Shown as the source of the events the feed brings."),
    )
    url = forms.URLField(
        label=gettext_lazy("Feed address"),
        max_length=services_feeds.MAX_URL,
        assume_scheme="https",
        help_text=gettext_lazy("The address of an RSS or Atom feed, starting with https:// or http://."),
    )
    vendor = forms.ModelChoiceField(
        label=gettext_lazy("Vendor"),
        queryset=Vendor.objects.order_by("name", "pk"),
        required=False,
        empty_label=gettext_lazy("None (a regulator's or an ethics committee's feed)"),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of event its entries are"), choices=())
    product_keywords = forms.CharField(
        label=gettext_lazy("Products watched"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One product name per line. An entry becomes an event only if its title or summary names one of "
            "them; leave empty to take every entry."
        ),
    )
    active = forms.BooleanField(label=gettext_lazy("Watch this feed"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = services_feeds.feed_kinds()  # type: ignore[attr-defined]

    def clean_product_keywords(self) -> list[str]:
        lines = (self.cleaned_data.get("product_keywords") or "").splitlines()
        keywords = services_feeds.clean_keywords(lines)
        if len(keywords) > services_feeds.MAX_KEYWORDS:
            raise forms.ValidationError(
                gettext_lazy("At most %(count)d products."), params={"count": services_feeds.MAX_KEYWORDS}
            )
        if any(len(k) > services_feeds.MAX_KEYWORD_LENGTH for k in keywords):
            raise forms.ValidationError(
                gettext_lazy("A product name has at most %(count)d characters."),
                params={"count": services_feeds.MAX_KEYWORD_LENGTH},
            )
        return keywords

    @staticmethod
    def initial_for(feed: FeedSource) -> dict[str, Any]:
        return {
            "title": feed.title,
            "url": feed.url,
            "vendor": feed.vendor_id,
            "kind": feed.kind,
            "product_keywords": "\n".join(feed.product_keywords or []),
            "active": feed.active,
        }
