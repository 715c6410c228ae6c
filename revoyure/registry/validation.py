"""Validation of the register's structured values, shared by forms, the API and the importer.

Every error names the field and is translated; nothing here writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from revoyure.registry.fields import LIST_CHOICES, SECURITY_MEASURE_TYPES

MAX_LIST_ITEMS = 100
MAX_ITEM_TEXT = 2000


def clean_choice_list(name: str, value: Any) -> list[str]:
    allowed = {str(v) for v in LIST_CHOICES[name].values}
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError({name: _("Expected a list of values.")})
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise ValidationError(
            {
                name: _("Unknown value(s): %(values)s. Allowed: %(allowed)s.")
                % {"values": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
            }
        )
    return list(dict.fromkeys(value))


def _text(name: str, item: dict[str, Any], key: str, required: bool = False) -> str:
    raw = item.get(key, "")
    if raw is None:
        raw = ""
    if not isinstance(raw, str | int | float):
        raise ValidationError({name: _("“%(key)s” must be text.") % {"key": key}})
    text = str(raw).strip()
    if required and not text:
        raise ValidationError({name: _("“%(key)s” is required in each entry.") % {"key": key}})
    if len(text) > MAX_ITEM_TEXT:
        raise ValidationError(
            {
                name: _("“%(key)s” is too long (at most %(max)d characters).")
                % {"key": key, "max": MAX_ITEM_TEXT}
            }
        )
    return text


def _entries(name: str, value: Any) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationError({name: _("Expected a list of entries.")})
    if len(value) > MAX_LIST_ITEMS:
        raise ValidationError({name: _("At most %(max)d entries.") % {"max": MAX_LIST_ITEMS}})
    return value


def clean_security_measures(value: Any) -> list[dict[str, str]]:
    allowed = {str(v) for v in SECURITY_MEASURE_TYPES.values}
    cleaned = []
    for item in _entries("security_measures", value):
        kind = _text("security_measures", item, "type") or "other"
        if kind not in allowed:
            raise ValidationError(
                {
                    "security_measures": _("Unknown measure type “%(type)s”. Allowed: %(allowed)s.")
                    % {"type": kind, "allowed": ", ".join(sorted(allowed))}
                }
            )
        cleaned.append({"type": kind, "description": _text("security_measures", item, "description", True)})
    return cleaned


def clean_user_trainings(value: Any) -> list[dict[str, Any]]:
    cleaned = []
    for item in _entries("user_trainings", value):
        date_text = _text("user_trainings", item, "date")
        if date_text:
            try:
                date_text = dt.date.fromisoformat(date_text).isoformat()
            except ValueError as exc:
                raise ValidationError(
                    {"user_trainings": _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": date_text}}
                ) from exc
        people = item.get("people_trained")
        if people in (None, ""):
            people = None
        else:
            try:
                people = int(people)
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    {"user_trainings": _("The number of people trained must be a whole number.")}
                ) from exc
            if people < 0:
                raise ValidationError(
                    {"user_trainings": _("The number of people trained cannot be negative.")}
                )
        cleaned.append(
            {
                "title": _text("user_trainings", item, "title", True),
                "audience": _text("user_trainings", item, "audience"),
                "date": date_text,
                "people_trained": people,
            }
        )
    return cleaned


STRUCTURED_CLEANERS = {
    "security_measures": clean_security_measures,
    "user_trainings": clean_user_trainings,
}
