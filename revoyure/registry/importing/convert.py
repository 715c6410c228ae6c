"""Turning a cell, as people fill spreadsheets in, into a register value.

Accepted: dates as ISO, dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm, a year, Excel serial numbers and
date cells; yes/no/don't know in French and English; choices by code or French or English label, whatever
the case and accents; risk levels by number or label; lists separated by commas or semicolons; numbers
with French or English separators. A value that cannot be understood is reported, never guessed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from revoyure.registry.choices import (
    AffectedPublic,
    Annex3Point,
    DecisionRole,
    DomainCategory,
    DpiaStatus,
    OrganisationRole,
    RiskLevel,
    Technique,
    ToolStatus,
    YesNoUnknown,
)
from revoyure.registry.fields import LIST_CHOICES, FieldSpec, spec_by_name
from revoyure.registry.importing.mapping import fold
from revoyure.registry.models import Tool
from revoyure.registry.validation import STRUCTURED_CLEANERS

MAX_VENDOR_NAME = 200
MAX_INTEGER = 2**31 - 1
EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31

# Usual words, "|"-separated: a cell is compared with them folded (no case, accents or punctuation).
YES_WORDS = "oui|o|yes|y|true|vrai|1|x|ja|si|ok"
NO_WORDS = "non|n|no|false|faux|0|nee|aucun|aucune|none"
UNKNOWN_WORDS = (
    "ne sait pas|je ne sais pas|nsp|inconnu|inconnue|unknown|don't know|dont know|incertain|unsure"
    "|à déterminer|a determiner|tbd|?"
)
# Cells that mean "nothing here" in a date, number or choice column.
PLACEHOLDERS = frozenset({"-", "\u2013", "\u2014", "/", ".", "n/a", "na", "n.a.", "nc", "n.c.", "s.o.", "?"})

# Usual words for choice values, beyond their codes and labels.
VALUE_ALIASES: dict[type[models.Choices], dict[str, str]] = {
    ToolStatus: {
        "project": (
            "projet|en projet|prévu|planifié|planned|en développement|development|in development"
            "|en cours de développement|in ontwikkeling|idée|idea|pre-deployment|conception|design"
        ),
        "pilot": (
            "pilote|en pilote|expérimentation|expérimental|test|en test|testing|beta|beta/pilot|poc"
            "|preuve de concept"
        ),
        "in_service": (
            "en service|en production|production|in production|actif|active|in use|en usage"
            "|utilisé|déployé|deployed|live|opérationnel|in gebruik|operational"
        ),
        "suspended": "suspendu|en pause|paused|on hold|interrompu",
        "withdrawn": (
            "retiré|abandonné|arrêté|décommissionné|retired|decommissioned|buiten gebruik"
            "|out of use|archivé|archived|terminé|ended"
        ),
    },
    YesNoUnknown: {
        "yes": YES_WORDS,
        "no": NO_WORDS,
        "unknown": UNKNOWN_WORDS,
    },
    RiskLevel: {
        "1": "négligeable|negligible",
        "2": "limité|limitée|limited",
        "3": "important|importante|significant|significatif|élevé|high",
        "4": "maximal|maximale|maximum|critique|critical|très élevé|very high",
    },
    DpiaStatus: {
        "done": "faite|fait|réalisée|terminée|completed|oui|yes",
        "in_progress": "en cours",
        "to_do": "à faire|a faire|todo|prévue|planned",
        "not_required": "non requise|non nécessaire|pas nécessaire|non requis|non",
        "unknown": UNKNOWN_WORDS,
    },
    DecisionRole: {
        "none": "aucune|aucune décision|pas de décision|non|no",
        "advisory": "consultatif|consultative|aide à la décision|decision support",
        "decisive": "décisif|décisive|déterminant|déterminante",
        "solely_automated": "automatisé|entièrement automatisé|automatique|fully automated|automated",
    },
    OrganisationRole: {
        "deployer": "déployeur|utilisateur|user",
        "provider_in_house": "développé en interne|interne|in-house|in house",
    },
    Annex3Point: {
        "none": "aucun|aucune|non|no",
        "unknown": UNKNOWN_WORDS,
        "other": "autre",
    },
    DomainCategory: {
        "recruitment": "recrutement|embauche|hiring",
        "performance_evaluation": "évaluation des performances|évaluation|évaluation professionnelle",
        "task_allocation": "allocation des tâches|répartition des tâches|attribution des tâches",
        "activity_monitoring": "surveillance de l'activité|surveillance|contrôle de l'activité|monitoring",
        "scheduling": "planification|planning|plannings|emplois du temps",
        "chatbot": "chatbot|agent conversationnel|assistant conversationnel",
        "generative_assistant": "assistant génératif|IA générative|generative AI",
        "document_processing": "traitement de documents|traitement documentaire|traitement des documents",
        "anomaly_detection": (
            "détection d'anomalies|détection de défauts|contrôle qualité|anomaly detection|defect detection"
        ),
        "predictive_maintenance": "maintenance prédictive",
        "autonomous_machine": "machine autonome|robot|robotique",
        "vision": "vision par ordinateur|computer vision",
        "language": "langage|traitement du langage|nlp|langue",
        "security": "sécurité|cybersécurité|cybersecurity",
        "other": "autre|autres|divers",
    },
    Technique: {
        "machine_learning": "apprentissage automatique|ml|apprentissage statistique",
        "deep_learning": "apprentissage profond|réseau de neurones|réseaux de neurones|neural network",
        "generative": "génératif|modèle génératif|IA générative|llm|generative AI",
        "rules": "règles|système expert|système à base de règles|rule-based|expert system",
        "statistics": "statistiques|statistique",
        "vision": "vision par ordinateur",
        "speech": "parole|reconnaissance vocale|voice recognition",
    },
    AffectedPublic: {
        "employees": "salariés|salarié|employés|personnel|staff|workers|travailleurs",
        "managers": "encadrement|cadres|manager",
        "candidates": "candidats|candidat",
        "agents": "agents|agents publics|fonctionnaires|civil servants",
        "customers": "clients|usagers|customers|users|utilisateurs du service",
        "public": "grand public|citoyens|citizens|public",
    },
}


class ConversionError(ValueError):
    pass


class _Empty:
    """Marks a cell with nothing in it: the field keeps its default."""


EMPTY = _Empty()

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LIST_SEPARATORS = re.compile(r"[,;\n|]")
_NUMBER_JUNK = re.compile("[\\s\u00a0\u202f\u2009'\u2019\u20ac$\u00a3]|eur(?:os?)?", re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?[\d.,]*\d[\d.,]*")
_THOUSANDS_ONLY = re.compile(r"[1-9]\d{0,2}([.,])\d{3}")


def clean_text(raw: Any) -> str:
    """A cell as text: trimmed, control characters dropped, line ends as \\n. Refuses invalid Unicode."""
    if type(raw) is str and raw.isprintable():  # the usual case: nothing to clean but the ends
        return raw.strip()
    if isinstance(raw, bool):
        text = "yes" if raw else "no"
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    elif isinstance(raw, dt.datetime):
        text = raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    elif isinstance(raw, dt.date | dt.time):
        text = raw.isoformat()
    elif isinstance(raw, list | dict):
        raise ConversionError(_("expected text, found a list or an object"))
    else:
        text = str(raw)
    text = text.strip()
    if _SURROGATE.search(text):
        raise ConversionError(_("contains characters that are not valid text"))
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


@lru_cache(maxsize=16384)
def _fold_value(text: str) -> str:
    # The same few values fill a column from top to bottom: fold each once.
    return fold(text)


def _is_placeholder(text: str) -> bool:
    return text.casefold() in PLACEHOLDERS


# Numbers -------------------------------------------------------------------------------------------------


def parse_decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ConversionError(_("expected a number"))
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ConversionError(_("expected a number"))
        return Decimal(str(raw))
    text = _NUMBER_JUNK.sub("", clean_text(raw))
    if not _NUMBER.fullmatch(text):
        raise ConversionError(_("“%(value)s” is not a number") % {"value": clean_text(raw)[:100]})
    if "," in text and "." in text:  # the last one is the decimal separator
        thousands = "," if text.rfind(".") > text.rfind(",") else "."
        text = text.replace(thousands, "").replace(",", ".")
    elif text.count(",") > 1 or text.count(".") > 1 or _THOUSANDS_ONLY.fullmatch(text.lstrip("+-")):
        text = text.replace(",", "").replace(".", "")  # 1,234,567 or 1.500: thousands separators
    else:
        text = text.replace(",", ".")  # 1234,50: the French decimal comma
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ConversionError(_("“%(value)s” is not a number") % {"value": clean_text(raw)[:100]}) from exc


def _integer(raw: Any) -> int:
    number = parse_decimal(raw)
    if number != number.to_integral_value():
        raise ConversionError(_("expected a whole number, found %(value)s") % {"value": number})
    if abs(number) > MAX_INTEGER:
        raise ConversionError(_("the number is too large"))
    return int(number)


# Dates ---------------------------------------------------------------------------------------------------

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME)
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[-/.](\d{4})")
_YEAR = re.compile(r"(\d{4})")
_SERIAL = re.compile(r"\d+(?:[.,]\d+)?")


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _from_number(number: float) -> dt.date | None:
    if 1900 <= number <= 2100 and float(number).is_integer():
        return dt.date(int(number), 1, 1)  # a year on its own
    if 2100 < number <= _EXCEL_MAX_SERIAL:
        return EXCEL_EPOCH + dt.timedelta(days=int(number))  # an Excel serial date
    return None


def parse_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        found = _from_number(raw)
        if found:
            return found
    text = clean_text(raw)
    found = None
    if match := _ISO.fullmatch(text):
        found = _date(int(match[1]), int(match[2]), int(match[3]))
    elif match := _DAY_FIRST.fullmatch(text):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        # French order first; an impossible month means the American order (03/25/2024).
        found = _date(year, month, day) or _date(year, day, month)
    elif match := _YEAR_MONTH.fullmatch(text):
        found = _date(int(match[1]), int(match[2]), 1)
    elif match := _MONTH_YEAR.fullmatch(text):
        found = _date(int(match[2]), int(match[1]), 1)
    elif _YEAR.fullmatch(text) or _SERIAL.fullmatch(text):
        found = _from_number(float(text.replace(",", ".")))
    if found is None or found.year < 1900:
        raise ConversionError(
            _("“%(value)s” is not a date (write it as YYYY-MM-DD or DD/MM/YYYY)") % {"value": text[:100]}
        )
    return found


# Choices -------------------------------------------------------------------------------------------------


def model_field(name: str) -> models.Field:
    field = Tool._meta.get_field(name)
    if not isinstance(field, models.Field):  # pragma: no cover - every register field is a concrete field
        raise TypeError(name)
    return field


def _choices_class(name: str) -> type[models.Choices] | None:
    if name in LIST_CHOICES:
        return LIST_CHOICES[name]
    field = model_field(name)
    for cls in VALUE_ALIASES:
        if field.choices and {str(v) for v, _label in field.choices} == {str(v) for v in cls.values}:
            return cls
    return None


@cache
def _choice_lookup(name: str) -> dict[str, str]:
    """Folded code, labels and usual words → the stored code (as text)."""
    field = model_field(name)
    pairs = list(LIST_CHOICES[name].choices) if name in LIST_CHOICES else list(field.choices or ())
    lookup: dict[str, str] = {}
    for code, _label in pairs:
        lookup.setdefault(fold(code), str(code))
    for language in ("en", "fr"):
        with translation.override(language):
            for code, label in pairs:
                lookup.setdefault(fold(label), str(code))
    cls = _choices_class(name)
    for code, words in (VALUE_ALIASES.get(cls, {}) if cls else {}).items():
        for word in words.split("|"):
            lookup.setdefault(fold(word), code)
    return lookup


def _lookup_choice(name: str, raw: Any) -> str:
    lookup = _choice_lookup(name)
    if isinstance(raw, bool):
        key = "yes" if raw else "no"
    elif isinstance(raw, int | float) and math.isfinite(raw) and float(raw).is_integer():
        key = str(int(raw))
    else:
        text = clean_text(raw)
        key = _fold_value(text)
        if key not in lookup and _NUMBER.fullmatch(text):
            try:
                number = parse_decimal(text)
                if number == number.to_integral_value():
                    key = str(int(number))
            except ConversionError:
                pass
        if not key and text == "?":
            key = fold("unknown")
    code = lookup.get(key)
    if code is None:
        allowed = ", ".join(dict.fromkeys(lookup.values()))
        raise ConversionError(
            _("“%(value)s” is not an allowed value (allowed: %(allowed)s)")
            % {"value": clean_text(raw)[:100], "allowed": allowed}
        )
    return code


# Converters by kind --------------------------------------------------------------------------------------

Converter = Callable[[Any], Any]


def _text_converter(raw: Any) -> Any:
    return clean_text(raw) or EMPTY


def _not_placeholder(raw: Any) -> bool:
    return not (isinstance(raw, str) and _is_placeholder(raw.strip()))


def _date_converter(raw: Any) -> Any:
    return parse_date(raw) if _not_placeholder(raw) else EMPTY


def _integer_converter(raw: Any) -> Any:
    return _integer(raw) if _not_placeholder(raw) else EMPTY


def _decimal_converter(raw: Any) -> Any:
    if not _not_placeholder(raw):
        return EMPTY
    text = clean_text(raw) if isinstance(raw, str) else raw
    return parse_decimal(text)


_YES_KEYS = frozenset(fold(w) for w in YES_WORDS.split("|"))
_NO_KEYS = frozenset(fold(w) for w in NO_WORDS.split("|"))


def _boolean_converter(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw
    if not _not_placeholder(raw):
        return EMPTY
    key = _fold_value(clean_text(raw))
    if key in _YES_KEYS:
        return True
    if key in _NO_KEYS:
        return False
    raise ConversionError(_("“%(value)s” is neither yes nor no") % {"value": clean_text(raw)[:100]})


def _choice_converter(name: str, integer: bool) -> Converter:
    is_yes_no = _choices_class(name) is YesNoUnknown

    def convert(raw: Any) -> Any:
        if isinstance(raw, str) and raw.strip() == "?" and is_yes_no:
            return YesNoUnknown.UNKNOWN.value
        if not _not_placeholder(raw):
            return EMPTY
        code = _lookup_choice(name, raw)
        return int(code) if integer else code

    return convert


def _list_converter(name: str) -> Converter:
    def convert(raw: Any) -> Any:
        if isinstance(raw, list):
            items = raw
        elif isinstance(raw, str):
            items = _LIST_SEPARATORS.split(clean_text(raw))
        else:
            items = [raw]
        codes, unknown = [], []
        for item in items:
            if item is None or (isinstance(item, str) and not item.strip()):
                continue
            if isinstance(item, list | dict):
                raise ConversionError(_("expected a list of values"))
            try:
                codes.append(_lookup_choice(name, item))
            except ConversionError:
                unknown.append(clean_text(item)[:100])
        if unknown:
            allowed = ", ".join(str(v) for v in LIST_CHOICES[name].values)
            raise ConversionError(
                _("unknown value(s): %(values)s (allowed: %(allowed)s)")
                % {"values": ", ".join(unknown), "allowed": allowed}
            )
        return list(dict.fromkeys(codes)) if codes else EMPTY

    return convert


def _sanitise(value: Any, depth: int = 0) -> Any:
    """Entries of a structured list with their texts cleaned like any cell."""
    if depth > 3:
        raise ConversionError(_("the entries are nested too deeply"))
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_sanitise(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _sanitise(v, depth + 1) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        raise ConversionError(_("expected a number"))
    return value


def _structured_converter(name: str) -> Converter:
    plain_entry = "description" if name == "security_measures" else "title"

    def convert(raw: Any) -> Any:
        value = raw
        if isinstance(raw, str):
            text = clean_text(raw)
            if not text:
                return EMPTY
            if text[0] in "[{":
                try:
                    value = json.loads(text)
                except (ValueError, RecursionError) as exc:
                    raise ConversionError(_("the entries are not valid JSON")) from exc
            else:  # plain text in a spreadsheet cell: one entry saying it
                value = [{plain_entry: text}]
        elif not isinstance(raw, list | dict):
            value = [{plain_entry: clean_text(raw)}]
        if isinstance(value, dict):
            value = [value]
        try:
            cleaned = STRUCTURED_CLEANERS[name](_sanitise(value))
        except ValidationError as exc:
            raise ConversionError("; ".join(exc.messages)) from exc
        except (TypeError, ValueError, OverflowError) as exc:
            raise ConversionError(_("the entries could not be read")) from exc
        return cleaned or EMPTY

    return convert


def _vendor_converter(raw: Any) -> Any:
    if isinstance(raw, dict):
        raw = raw.get("name")
        if raw is None:
            return EMPTY
    name = clean_text(raw)
    if not name:
        return EMPTY
    if len(name) > MAX_VENDOR_NAME:
        raise ConversionError(
            _("the vendor name is too long (at most %(max)d characters)") % {"max": MAX_VENDOR_NAME}
        )
    return name


@cache
def converter_for(name: str) -> Converter:
    spec: FieldSpec = spec_by_name()[name]
    if spec.kind == "choice":
        return _choice_converter(name, isinstance(model_field(name), models.IntegerField))
    if spec.kind == "list":
        return _list_converter(name)
    if spec.kind == "structured":
        return _structured_converter(name)
    return {
        "date": _date_converter,
        "integer": _integer_converter,
        "decimal": _decimal_converter,
        "boolean": _boolean_converter,
        "vendor": _vendor_converter,
    }.get(spec.kind, _text_converter)


def _blank(raw: Any) -> bool:
    return raw is None or raw == [] or raw == {} or (isinstance(raw, str) and not raw.strip())


def convert_row(raw_values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Register values of one row (`raw_values`: register field → cell) with empty cells left out, so
    fields keep their defaults, and the conversion errors by field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in raw_values.items():
        if _blank(raw):
            continue
        try:
            value = converter_for(name)(raw)
        except ConversionError as exc:
            errors[name] = str(exc)
            continue
        if value is not EMPTY:
            values[name] = value
    return values, errors
