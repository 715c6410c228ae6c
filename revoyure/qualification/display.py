"""Facts, values, rules and obligations in words, for the qualification pages.

"Why it applies" is the list of facts that decided a rule's condition (`Obligation.because`), shown with
the facts' labels and the choice labels: "Annex III point: 4(a) Recruitment or selection", "Profiling: Yes".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from revoyure.qualification import questionnaire
from revoyure.qualification.facts import BOOL, DATE, ENUM, FACTS, SET
from revoyure.qualification.models import Obligation, ObligationState, ObligationStatus
from revoyure.qualification.rules import Rule, rule_set

VERIFICATION = {
    "verified": gettext_lazy("Verified"),
    "secondary": gettext_lazy("Secondary source"),
    "to_verify": gettext_lazy("To verify"),
}


def language() -> str:
    return (get_language() or "en")[:2]


def _definitions() -> dict[str, dict[str, str]]:
    return {d.fact: d.label for d in rule_set().definitions}


def fact_label(name: str) -> str:
    """The fact's label, starting with a capital; derived facts use their label from definitions.yaml."""
    fact = FACTS.get(name)
    if fact is not None:
        text = str(fact.label)
    else:
        label = _definitions().get(name)
        text = label.get(language(), label["en"]) if label else name
    return text[:1].upper() + text[1:]


def value_text(name: str, value: Any) -> str:
    """A fact's value (as stored in JSON or as the engine gives it) in words."""
    if value is None:
        return _("Not known")
    fact = FACTS.get(name)
    kind = fact.type if fact else (BOOL if isinstance(value, bool) else "")
    if kind == BOOL or isinstance(value, bool):
        return _("Yes") if value else _("No")
    choices = {v: str(label) for v, label in (fact.choices if fact else ())}
    if kind == ENUM:
        return choices.get(value, str(value))
    if kind == SET:
        items = sorted(value) if not isinstance(value, list) else value
        return ", ".join(choices.get(v, str(v)) for v in items) or _("None")
    if kind == DATE or isinstance(value, dt.date):
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return str(value)
        return formats.date_format(day, "DATE_FORMAT")
    return str(value)


@dataclass
class Reason:
    label: str
    value: str


@dataclass
class Missing:
    label: str
    ask_vendor: str  # empty for a fact no questionnaire question fills (an organisation fact)
    question_id: str


@dataclass
class ObligationView:
    obligation: Obligation
    rule: Rule | None
    text: str
    title: str
    verification: str
    to_verify: bool
    overdue: bool
    reasons: list[Reason] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)


def rules_by_id() -> dict[str, Rule]:
    return rule_set().by_id


def reasons(because: list[Any]) -> list[Reason]:
    out = []
    for item in because or []:
        if isinstance(item, list | tuple) and len(item) == 2:
            out.append(Reason(fact_label(str(item[0])), value_text(str(item[0]), item[1])))
    return out


def missing(names: list[Any]) -> list[Missing]:
    lang = language()
    out = []
    for name in names or []:
        q = questionnaire.question_for_fact(str(name))
        out.append(
            Missing(
                label=fact_label(str(name)),
                ask_vendor=q.in_language("ask_vendor", lang) if q else "",
                question_id=q.id if q else "",
            )
        )
    return out


def obligation_view(obligation: Obligation, rules: dict[str, Rule], today: dt.date) -> ObligationView:
    rule = rules.get(obligation.rule_id)
    lang = language()
    verification = rule.verification if rule else ""
    return ObligationView(
        obligation=obligation,
        rule=rule,
        text=rule.text(lang) if rule else "",
        title=rule.title_text(lang) if rule else obligation.rule_id,
        verification=str(VERIFICATION[verification]) if verification in VERIFICATION else "",
        to_verify=verification == "to_verify",
        overdue=is_overdue(obligation, today),
        reasons=reasons(obligation.because),
        missing=missing(obligation.missing),
    )


def is_overdue(obligation: Obligation, today: dt.date) -> bool:
    return (
        obligation.state == ObligationState.APPLIES
        and obligation.status == ObligationStatus.TO_DO
        and obligation.due_on is not None
        and obligation.due_on < today
    )


# The classification ------------------------------------------------------------------------------------

TRI = {"yes": gettext_lazy("Yes"), "no": gettext_lazy("No"), "unclear": gettext_lazy("Unclear")}
ROLES = {
    "deployer": gettext_lazy("Deployer"),
    "provider": gettext_lazy("Provider"),
    "unclear": gettext_lazy("Unclear"),
    "none": gettext_lazy("Not an AI system: no role under the AI Act"),
}
HIGH_RISK_BASIS = {
    "annex3": gettext_lazy("Annex III use, no documented art. 6(3) exemption"),
    "art6_3_exemption": gettext_lazy("Annex III use, but the art. 6(3) exemption is documented"),
    "profiling_override": gettext_lazy(
        "Annex III use with profiling: always high-risk (art. 6(3), last subparagraph)"
    ),
}


def classification_rows(classification: dict[str, Any], rules: dict[str, Rule]) -> dict[str, Any]:
    """The stored classification (`engine.Evaluation.classification`) in words."""
    lang = language()
    c = classification or {}

    def titles(ids: list[str]) -> list[str]:
        return [f"{rid} — {rules[rid].title_text(lang)}" if rid in rules else rid for rid in ids or []]

    role = c.get("role") or {}
    prohibited = []
    for item in c.get("prohibited") or []:
        rule = rules.get(item.get("rule", ""))
        prohibited.append(
            {
                "point": item.get("point", ""),
                "rule": item.get("rule", ""),
                "title": rule.title_text(lang) if rule else "",
                "article": rule.article if rule else "",
                "source": rule.source if rule else "",
                "confirmed": item.get("state") == "applies",
                "upcoming": item.get("state") == "upcoming",
            }
        )
    annex = c.get("annex3_point")
    return {
        "ai_system": str(TRI.get(str(c.get("ai_system")), TRI["unclear"])),
        "role": str(ROLES.get(str(role.get("role")), ROLES["unclear"])),
        "role_basis": role.get("basis", ""),
        "prohibited": prohibited,
        "prohibited_confirmed": any(p["confirmed"] for p in prohibited),
        "annex3_point": value_text("sys.annex3_point", annex) if annex else _("Not known"),
        "high_risk": str(TRI.get(str(c.get("high_risk")), TRI["unclear"])),
        "high_risk_basis": str(HIGH_RISK_BASIS[c["high_risk_basis"]])
        if c.get("high_risk_basis") in HIGH_RISK_BASIS
        else "",
        "transparency": titles(c.get("transparency") or []),
        "gdpr": titles(c.get("gdpr") or []),
        "labour_law": titles(c.get("labour_law") or []),
        "to_clarify": [fact_label(n) for n in c.get("to_clarify") or []],
    }
