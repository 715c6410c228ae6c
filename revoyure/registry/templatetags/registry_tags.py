"""Template helpers of the register pages."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

from revoyure.registry.choices import RiskLevel
from revoyure.registry.diff import Display, choice_label

register = template.Library()


@register.filter
def show_value(value: Display) -> SafeString:
    """A value from `registry.diff.display_value`: a list as a list, a text as escaped text."""
    if isinstance(value, list):
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((item,) for item in value)))
    return SafeString(conditional_escape(value))


# Lazy labels, translated when shown.
_RISK_LABELS = dict(RiskLevel.choices)


@register.filter
def risk_label(level: int | None) -> str:
    """The label of a risk level (0 or None: not assessed, shown as "—")."""
    if not level:
        return "—"
    return str(_RISK_LABELS.get(level, level))


@register.filter
def label(value: object, field_name: str) -> str:
    """`{{ tool.status|label:"status" }}`: the label of a choice of the register record."""
    return choice_label(field_name, value)
