"""The trigger kinds of triggers.yaml, loaded and checked once when the app starts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

from revoyure.core.datafiles import read_yaml

PATH = Path(__file__).with_name("triggers.yaml")
SCOPES = {"external", "internal"}
CONCERNS = {"vendor", "tool", "any"}
ORIGINS = {"manual", "api", "feed", "register", "report"}


class TriggerFileError(Exception):
    pass


@dataclass(frozen=True)
class TriggerKind:
    id: str
    scope: str
    concerns: str
    origins: frozenset[str]
    labels: dict[str, str]
    roadmap: str

    @property
    def label(self) -> str:
        language = (get_language() or "fr")[:2]
        return self.labels.get(language) or self.labels["fr"]

    @property
    def external(self) -> bool:
        return self.scope == "external"


def parse(data: object, name: str = PATH.name) -> dict[str, TriggerKind]:
    """Check the content of a triggers file; raise TriggerFileError naming the entry and the problem."""
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("triggers"), list):
        raise TriggerFileError(f"{name}: expected `version: 1` and a list `triggers`")
    kinds: dict[str, TriggerKind] = {}
    for position, item in enumerate(data["triggers"], start=1):
        where = f"{name}: trigger #{position}"
        if not isinstance(item, dict):
            raise TriggerFileError(f"{where}: not a mapping")
        ident = item.get("id")
        if not isinstance(ident, str) or not ident.isidentifier() or len(ident) > 40:
            raise TriggerFileError(f"{where}: `id` must be an identifier of at most 40 characters")
        where = f"{name}: trigger {ident!r}"
        if ident in kinds:
            raise TriggerFileError(f"{where}: duplicate id")
        unknown = set(item) - {"id", "scope", "concerns", "origins", "label", "roadmap"}
        if unknown:
            raise TriggerFileError(f"{where}: unknown keys {sorted(unknown)}")
        if item.get("scope") not in SCOPES:
            raise TriggerFileError(f"{where}: `scope` must be one of {sorted(SCOPES)}")
        if item.get("concerns") not in CONCERNS:
            raise TriggerFileError(f"{where}: `concerns` must be one of {sorted(CONCERNS)}")
        origins = item.get("origins")
        if not isinstance(origins, list) or not origins or not set(origins) <= ORIGINS:
            raise TriggerFileError(f"{where}: `origins` must be a non-empty list among {sorted(ORIGINS)}")
        if "feed" in origins and item["scope"] != "external":
            raise TriggerFileError(f"{where}: only external events come from feeds")
        label = item.get("label")
        if not isinstance(label, dict) or not all(isinstance(label.get(lang), str) for lang in ("fr", "en")):
            raise TriggerFileError(f"{where}: `label` needs a French and an English text")
        if not isinstance(item.get("roadmap"), str):
            raise TriggerFileError(f"{where}: `roadmap` must quote the source")
        kinds[ident] = TriggerKind(
            ident, item["scope"], item["concerns"], frozenset(origins), dict(label), item["roadmap"]
        )
    if not kinds:
        raise TriggerFileError(f"{name}: no trigger")
    return kinds


@cache
def load() -> dict[str, TriggerKind]:
    return parse(read_yaml(PATH, TriggerFileError))


def get(kind: str) -> TriggerKind | None:
    return load().get(kind)


def choices(*, origin: str | None = None, external: bool | None = None) -> list[tuple[str, str]]:
    """(id, label) pairs for forms, in file order."""
    return [
        (k.id, k.label)
        for k in load().values()
        if (origin is None or origin in k.origins) and (external is None or k.external == external)
    ]
