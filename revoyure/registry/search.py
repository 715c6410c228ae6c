"""French full-text search that behaves the same on SQLite and PostgreSQL.

Each tool keeps a `search_document`: its searchable text, lower-cased, without accents, reduced to French
Snowball stems. A query goes through the same normalisation, and every query stem must appear in the
document. An organisation's register is hundreds of rows at most, so this runs on the already filtered
rows and needs no search engine.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from django.db.models import Q, QuerySet

_WORD = re.compile(r"[a-z0-9]+")
_STEMMER = snowballstemmer.stemmer("french")
MAX_QUERY_TERMS = 12
MIN_TRIMMED_STEM = 5

SEARCHED_FIELDS = (
    "name",
    "vendor_version",
    "owner_department",
    "owner_name",
    "function",
    "purpose",
    "specific_modalities",
    "affected_public_details",
    "personal_data_categories",
    "monitoring_details",
    "staff_impact",
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return (
        "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        .replace("œ", "oe")
        .replace("æ", "ae")
    )


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return _fold(_STEMMER.stemWord(word))


def stems(text: str) -> list[str]:
    # Stem the accented word (the French stemmer knows accents), then fold the stem too.
    words = re.findall(r"\w+", text.lower())
    return [s for s in (_stem(w) for w in words) if _WORD.fullmatch(s)]


def build_document(values: list[str]) -> str:
    """A space-delimited list of distinct stems, with spaces around so `contains(' stem')` is a prefix match."""
    seen: dict[str, None] = {}
    for value in values:
        for stem in stems(value or ""):
            seen.setdefault(stem, None)
    return " " + " ".join(seen) + " "


def search_filter(query: str) -> Q:
    terms = stems(query)[:MAX_QUERY_TERMS]
    condition = Q()
    for term in terms:
        term_condition = Q(search_document__contains=f" {term}")
        if len(term) >= MIN_TRIMMED_STEM + 1:
            # Snowball stems verbs and nouns of one family to lengths that differ by a letter
            # ("planifier" → planifi, "planification" → planif): accept the stem one letter shorter.
            term_condition |= Q(search_document__contains=f" {term[:-1]} ")
        condition &= term_condition
    return condition


def apply_search(queryset: QuerySet, query: str) -> QuerySet:
    if not query.strip():
        return queryset
    return queryset.filter(search_filter(query))
