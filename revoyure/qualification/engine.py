"""The qualification engine: facts in, classification and obligations out.

Pure functions over plain dicts, so the same code serves the web pages, the API, `manage.py qualify` on
stored and unstored facts, the status gate and the benchmark. Storage is `services.py`'s business.

For each rule the outcome is one of:
- ``applies``: the condition holds and the rule applies at the evaluation date;
- ``upcoming``: the condition holds but the rule applies only from a later date (AI Act art. 113);
- ``legacy``: a high-risk duty that does not reach a system already in service before 2 December 2027
  and not significantly changed since (art. 111(2));
- ``to_clarify``: a fact it depends on is unknown, so the engine does not decide; `missing` lists them;
- ``not_applicable``: the condition does not hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from revoyure.qualification.expressions import explain
from revoyure.qualification.facts import FACTS
from revoyure.qualification.rules import Definition, Rule, RuleSet, rule_set

APPLIES, UPCOMING, LEGACY, TO_CLARIFY, NOT_APPLICABLE = (
    "applies",
    "upcoming",
    "legacy",
    "to_clarify",
    "not_applicable",
)
TRIGGERED = (APPLIES, UPCOMING)

# Art. 111(2) as amended: public authorities must bring legacy high-risk systems into line by this date.
PUBLIC_AUTHORITY_LEGACY_DEADLINE = dt.date(2030, 8, 2)


@dataclass
class Outcome:
    rule: Rule
    state: str
    due: dt.date | None = None
    applies_from: dt.date | None = None
    because: list[tuple[str, Any]] = field(default_factory=list)  # deciding facts and their values
    missing: list[str] = field(default_factory=list)  # unknown facts that keep it undecided

    @property
    def triggered(self) -> bool:
        return self.state in TRIGGERED

    def is_overdue(self, at: dt.date) -> bool:
        return self.state == APPLIES and self.due is not None and self.due < at


@dataclass
class Evaluation:
    at: dt.date
    facts: dict[str, Any]  # given and derived
    outcomes: list[Outcome]

    def outcome(self, rule_id: str) -> Outcome:
        return next(o for o in self.outcomes if o.rule.id == rule_id)

    @property
    def prohibitions(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.rule.effect == "prohibition" and o.state == APPLIES]

    @property
    def classification(self) -> dict[str, Any]:
        f = self.facts
        return {
            "ai_system": _tri(f.get("sys.is_ai_system")),
            "role": _role(f),
            "prohibited": [
                {"rule": o.rule.id, "point": o.rule.prohibited_point, "state": o.state}
                for o in self.outcomes
                if o.rule.effect == "prohibition" and o.state in (APPLIES, UPCOMING, TO_CLARIFY)
            ],
            "annex3_point": f.get("sys.annex3_point"),
            "high_risk": _tri(f.get("sys.high_risk")),
            "high_risk_basis": _high_risk_basis(f),
            "transparency": [o.rule.id for o in self.outcomes if o.rule.id in _ART_50 and o.triggered],
            "gdpr": [o.rule.id for o in self.outcomes if o.rule.family == "gdpr" and o.triggered],
            "labour_law": [
                o.rule.id
                for o in self.outcomes
                if o.rule.family in ("labour_code", "public_service") and o.triggered
            ],
            "to_clarify": sorted({m for o in self.outcomes if o.state == TO_CLARIFY for m in o.missing}),
        }


_ART_50 = {"AIA-14", "AIA-15", "AIA-16", "AIA-17"}


def _tri(value: Any) -> str:
    return "unclear" if value is None else ("yes" if value else "no")


def _role(f: dict[str, Any]) -> dict[str, Any]:
    if f.get("sys.is_ai_system") is False:
        return {"role": "none", "basis": ""}
    if f.get("sys.provider_by_art25"):
        return {"role": "provider", "basis": "art. 25(1)"}
    if f.get("sys.role") == "provider_in_house":
        return {"role": "provider", "basis": "art. 3(3)"}
    if f.get("sys.provider_by_art25") is None and f.get("sys.role", "deployer") != "deployer":
        return {"role": "unclear", "basis": "art. 25(1)"}
    return {"role": "deployer", "basis": "art. 3(4)"}


def _high_risk_basis(f: dict[str, Any]) -> str:
    if not f.get("sys.annex3"):
        return ""
    if f.get("sys.profiling"):
        return "profiling_override"  # art. 6(3), last subparagraph: always high-risk
    if f.get("sys.art6_3_exemption_documented") is True:
        return "art6_3_exemption"
    return "annex3"


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    # R2312-6: a period in months ends on the same day number, or the month's last day if it has none.
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _due(rule: Rule, facts: dict[str, Any]) -> dt.date | None:
    t = rule.timing
    if t.kind in ("before_first_use", "before_processing"):
        return facts.get("sys.first_use")
    if t.kind == "before_go_live":
        return facts.get("sys.go_live") or facts.get("sys.first_use")
    if t.kind in ("after_event", "annual"):
        start = facts.get(t.event)
        if start is None:
            return None
        for offset in t.offsets or (None,):
            if offset is None:
                return _add_months(start, 12) if t.kind == "annual" else start
            if offset.when is None or offset.when.ev(facts):
                return _add_months(start, offset.months) + dt.timedelta(days=offset.days)
        return None
    if t.kind == "date_of_application":
        return t.applies_from
    return None


def derive(facts: dict[str, Any], definitions: tuple[Definition, ...]) -> dict[str, Any]:
    """Given facts plus every derived fact (classification) of the definitions file, in order."""
    full = {name: None for name in FACTS}
    full.update(facts)
    for d in definitions:
        full[d.fact] = d.expression.ev(full)
    return full


def _explain_facts(
    rule: Rule, facts: dict[str, Any], definitions: dict[str, Definition]
) -> tuple[list[str], set[str]]:
    _, names = explain(rule.condition.node, facts)
    # Derived facts are explained by the facts they come from, down to what the user gave.
    expanded: set[str] = set()
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in definitions:
            expanded.add(name)
            _, inner = explain(definitions[name].expression.node, facts)
            stack.extend(inner)
        else:
            expanded.add(name)
    return sorted(expanded), seen


def evaluate(
    facts: dict[str, Any],
    at: dt.date,
    *,
    rules: RuleSet | None = None,
    detail: bool = True,
    scope: str | None = None,
) -> Evaluation:
    """Evaluate every rule (or those of one `scope`: "tool" or "organisation") on `facts` at date `at`.

    `detail=False` skips the explanations (the benchmark and the status gate do not show them)."""
    rs = rules or rule_set()
    full = derive(facts, rs.definitions)
    definitions = {d.fact: d for d in rs.definitions} if detail else {}
    outcomes = []
    for rule in rs.rules:
        if scope and rule.scope != scope:
            continue
        value = rule.condition.ev(full)
        outcome = _outcome(rule, value, full, at)
        if detail and outcome.state != NOT_APPLICABLE:
            names, _ = _explain_facts(rule, full, definitions)
            if outcome.state == TO_CLARIFY:
                outcome.missing = [n for n in names if full.get(n) is None and n not in definitions]
                outcome.because = [(n, full.get(n)) for n in names if full.get(n) is not None]
            else:
                outcome.because = [(n, full.get(n)) for n in names]
        outcomes.append(outcome)
    return Evaluation(at=at, facts=full, outcomes=outcomes)


def _outcome(rule: Rule, value: Any, facts: dict[str, Any], at: dt.date) -> Outcome:
    if value is None:
        return Outcome(rule, TO_CLARIFY, applies_from=rule.timing.applies_from)
    if not value:
        return Outcome(rule, NOT_APPLICABLE)
    applies_from = rule.timing.applies_from
    if rule.timing.legacy_art_111_2 and facts.get("sys.legacy_system"):
        if not facts.get("org.is_public_authority"):
            return Outcome(rule, LEGACY, applies_from=applies_from)
        applies_from = PUBLIC_AUTHORITY_LEGACY_DEADLINE
    due = _due(rule, facts)
    if (
        applies_from
        and (due is None or due < applies_from)
        and rule.timing.kind not in ("continuous", "on_request")
    ):
        due = applies_from  # a duty cannot fall due before the law applies
    if applies_from and at < applies_from:
        return Outcome(rule, UPCOMING, due=due or applies_from, applies_from=applies_from)
    return Outcome(rule, APPLIES, due=due, applies_from=applies_from)
