"""The organisation menu. Each app registers its entries in `AppConfig.ready`; a person sees only the
entries their roles allow."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from revoyure.core.permissions import Perm


@dataclass(frozen=True)
class MenuEntry:
    label: Promise
    url_name: str
    perm: Perm
    order: int


MENU: list[MenuEntry] = []


def register(entry: MenuEntry) -> None:
    if entry not in MENU:
        MENU.append(entry)
        MENU.sort(key=lambda e: e.order)


def items_for(org_slug: str, perms: frozenset[Perm], current_path: str) -> list[dict[str, object]]:
    items = []
    for entry in MENU:
        if entry.perm in perms:
            url = reverse(entry.url_name, kwargs={"org": org_slug})
            items.append({"label": entry.label, "url": url, "current": current_path.startswith(url)})
    return items
