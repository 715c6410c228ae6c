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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from revoyure.core.expressions import explain
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

# Art. 111(2) as amended: high-risk systems in service before the Annex III date are caught only after a
# significant change in their design; public authorities must bring them into line by 2 August 2030.
ANNEX_III_DATE = dt.date(2027, 12, 2)
PUBLIC_AUTHORITY_LEGACY_DEADLINE = dt.date(2030, 8, 2)
_NO_DUE_KINDS = frozenset({"continuous", "on_request", "at_exposure", "none"})


@dataclass(slots=True)
class Outcome:
    rule: Rule
    state: str
    due: dt.date | None = None
    applies_from: dt.date | None = None
    # Deciding facts and their values; unknown facts that keep it undecided. Empty tuples until explained
    # (`detail=True`), so that the fast path allocates nothing per rule.
    because: Sequence[tuple[str, Any]] = ()
    missing: Sequence[str] = ()

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
            "annex3": _tri(f.get("sys.annex3")),
            "annex3_point": _annex3_point(f),
            "high_risk": _tri(f.get("sys.high_risk")),
            "high_risk_basis": _high_risk_basis(f),
            "legacy_art_111_2": _tri(f.get("sys.legacy_system")) if f.get("sys.high_risk") else "",
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
_ART_25_LETTER = {
    "provider_own_name": "art. 25(1)(a)",
    "provider_substantial_modification": "art. 25(1)(b)",
    "provider_repurposed": "art. 25(1)(c)",
}
_ANNEX_III_POINTS = {"1b", "1c", "2", "4a", "4b", "5b", "5c", "other"}


def _tri(value: Any) -> str:
    return "unclear" if value is None else ("yes" if value else "no")


def _role(f: dict[str, Any]) -> dict[str, Any]:
    """DEF-2/DEF-3: deployer (art. 3(4)); provider when it developed the system itself (art. 3(3)) or, for a
    high-risk system only, by art. 25(1)(a)-(c); "unclear" when the facts that decide it are unknown."""
    if f.get("sys.is_ai_system") is False:
        return {"role": "none", "basis": ""}
    by_art25 = f.get("sys.provider_by_art25")
    if by_art25:
        return {"role": "provider", "basis": _ART_25_LETTER.get(f.get("sys.role") or "", "art. 25(1)")}
    in_house = f.get("sys.in_house_provider")
    if in_house:
        return {"role": "provider", "basis": "art. 3(3)"}
    if by_art25 is None:
        return {"role": "unclear", "basis": "art. 25(1)"}
    if in_house is None:
        return {"role": "unclear", "basis": "art. 3(3)"}
    return {"role": "deployer", "basis": "art. 3(4)"}


def _annex3_point(f: dict[str, Any]) -> str | None:
    point = f.get("sys.annex3_point")
    if point in _ANNEX_III_POINTS or not f.get("sys.annex3"):
        return point
    # CL-3: emotion recognition and biometric categorisation are Annex III 1(c)/1(b) whatever was declared.
    return "1c" if f.get("sys.emotion_recognition") else "1b"


def _high_risk_basis(f: dict[str, Any]) -> str:
    annex3, high_risk = f.get("sys.annex3"), f.get("sys.high_risk")
    if annex3 is False:
        return ""
    if annex3 is None or high_risk is None:
        return "unclear"
    if f.get("sys.profiling"):
        return "profiling_override"  # art. 6(3), last subparagraph: always high-risk
    return "annex3" if high_risk else "art6_3_exemption"


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


_BLANK: dict[str, Any] = dict.fromkeys(FACTS)


def derive(facts: dict[str, Any], definitions: tuple[Definition, ...]) -> dict[str, Any]:
    """Given facts plus every derived fact (classification) of the definitions file, in order."""
    full = _BLANK.copy()
    full.update(facts)
    for d in definitions:
        full[d.fact] = d.expression.ev(full)
    return full


def _derive_fast(facts: dict[str, Any], rs: RuleSet) -> dict[str, Any]:
    full = _BLANK.copy()
    full.update(facts)
    for name, ev in rs.derivations:
        full[name] = ev(full)
    return full


def _expand(names: set[str], facts: dict[str, Any], definitions: dict[str, Definition]) -> list[str]:
    """Derived facts are explained by the facts they come from, down to what the user gave."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in definitions:
            _, inner = explain(definitions[name].expression.node, facts)
            stack.extend(inner)
    return sorted(seen)


def _referenced(names: frozenset[str], definitions: dict[str, Definition]) -> list[str]:
    """Every fact a condition reads, through the derived facts, down to the given ones."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            if name in definitions:
                stack.extend(definitions[name].expression.names)
    return sorted(n for n in seen if n not in definitions)


def _explain_facts(
    rule: Rule, facts: dict[str, Any], definitions: dict[str, Definition]
) -> tuple[list[str], set[str]]:
    _, names = explain(rule.condition.node, facts)
    expanded = _expand(names, facts, definitions)
    return expanded, set(expanded)


_LEGACY_FACTS = {"sys.legacy_system"}


def prohibition_rules() -> RuleSet:
    """The art. 5 prohibitions and the definitions they need (the status gate's subset)."""
    return rule_set().prohibitions


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
    full = _derive_fast(facts, rs)
    outcomes: list[Outcome] = []
    append = outcomes.append
    for rule, ev in rs.conditions(scope):
        value = ev(full)
        if value is None:
            append(Outcome(rule, TO_CLARIFY, None, rule.timing.applies_from))
        elif not value:
            append(Outcome(rule, NOT_APPLICABLE))
        else:
            append(_triggered(rule, full, at))
    if detail:
        definitions = {d.fact: d for d in rs.definitions}
        for outcome in outcomes:
            if outcome.state != NOT_APPLICABLE:
                _add_explanation(outcome, full, definitions)
    return Evaluation(at=at, facts=full, outcomes=outcomes)


def _add_explanation(outcome: Outcome, full: dict[str, Any], definitions: dict[str, Definition]) -> None:
    names, _ = _explain_facts(outcome.rule, full, definitions)
    condition_holds = outcome.rule.condition.ev(full) is True
    if condition_holds and outcome.rule.timing.legacy_art_111_2:
        # Art. 111(2) decided (or left open) the state: its facts are part of the reason.
        names = sorted(set(names) | set(_expand(_LEGACY_FACTS, full, definitions)))
    if outcome.state == TO_CLARIFY:
        if not condition_holds:
            outcome.missing = [n for n in names if full.get(n) is None and n not in definitions]
            # What is already known is shown too: every given fact the condition reads.
            names = _referenced(outcome.rule.condition.names, definitions)
        outcome.because = [(n, full.get(n)) for n in names if full.get(n) is not None]
    else:
        outcome.because = [(n, full.get(n)) for n in names]


def _outcome(rule: Rule, value: Any, facts: dict[str, Any], at: dt.date) -> Outcome:
    """The outcome of `rule` whose condition has the value `value`."""
    if value is None:
        return Outcome(rule, TO_CLARIFY, applies_from=rule.timing.applies_from)
    if not value:
        return Outcome(rule, NOT_APPLICABLE)
    return _triggered(rule, facts, at)


def _triggered(rule: Rule, facts: dict[str, Any], at: dt.date) -> Outcome:
    """The condition holds: applies, upcoming (art. 113 dates), legacy (art. 111(2)) or to clarify."""
    timing = rule.timing
    applies_from = timing.applies_from
    if timing.legacy_art_111_2:
        legacy = _legacy(facts, at)
        if isinstance(legacy, list):  # the facts do not say whether art. 111(2) keeps it off
            return Outcome(rule, TO_CLARIFY, applies_from=applies_from, missing=legacy)
        if legacy:
            public = facts.get("org.is_public_body")
            if public is None:
                return Outcome(
                    rule, TO_CLARIFY, applies_from=applies_from, missing=["org.is_public_authority"]
                )
            if not public:
                return Outcome(rule, LEGACY, applies_from=applies_from)
            applies_from = PUBLIC_AUTHORITY_LEGACY_DEADLINE
    due = _due(rule, facts)
    if applies_from is not None:
        if timing.kind == "date_of_application":
            due = applies_from
        elif due is not None and due < applies_from and timing.kind not in _NO_DUE_KINDS:
            due = applies_from  # a duty cannot fall due before the law applies
        if at < applies_from:
            return Outcome(rule, UPCOMING, due=due or applies_from, applies_from=applies_from)
    return Outcome(rule, APPLIES, due=due, applies_from=applies_from)


def _legacy(facts: dict[str, Any], at: dt.date) -> bool | list[str]:
    """Art. 111(2): is this a high-risk system in service before 2 December 2027 and not significantly
    changed in its design since? A list names the facts to clarify when it cannot be told."""
    before = facts.get("sys.in_service_before_annex3_date")
    if before is None:
        return ["sys.first_use_date"]
    if not before:
        return False
    changed = facts.get("sys.significant_design_change")
    if changed is None:
        if at < ANNEX_III_DATE:
            return True  # no change can have happened yet "since" a date still to come
        return ["sys.significant_design_change"]
    return not changed
