"""Loading and validating the rule files (`qualification/rules/*.yaml`).

The files are data: one per family, each rule with its legal-rules.md id, source, verification status,
condition, obligation text (French and English), responsible party, timing and examples. They are loaded
once, when the app starts (`QualificationConfig.ready`); a broken file stops the start with a message that
names the file, the rule and the problem (`RuleFileError`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jsonschema

from revoyure.core.datafiles import read_yaml
from revoyure.core.expressions import Compiled, ExpressionError, compile_expression
from revoyure.qualification.facts import ENUM, FACTS, SET, FactError, parse_facts

RULES_DIR = Path(__file__).resolve().parent / "rules"
FAMILY_FILES = ("definitions", "ai_act", "gdpr", "labour_code", "public_service")
FAMILY_ORDER = {name: i for i, name in enumerate(FAMILY_FILES)}
# Examples that give no `at` are evaluated on this date, when every rule of legal-rules.md §1.1 but the
# public-authority legacy deadline (2 August 2030) applies.
EXAMPLE_DATE = dt.date(2028, 6, 1)


class RuleFileError(Exception):
    """A rule file that cannot be used. Raised at start-up; the message says where and why."""


@dataclass(frozen=True)
class Offset:
    when: Compiled | None
    days: int = 0
    months: int = 0


@dataclass(frozen=True)
class Timing:
    kind: str
    applies_from: dt.date | None = None
    legacy_art_111_2: bool = False
    event: str = ""
    offsets: tuple[Offset, ...] = ()
    text: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    facts: dict[str, Any]
    at: dt.date | None
    expect: Any  # a rule's expected state ("applies", "upcoming", "legacy") or a definition's value
    note: str
    missing: tuple[str, ...] = ()  # for "unclear" examples: facts the outcome must name as missing


@dataclass(frozen=True)
class Definition:
    fact: str
    label: dict[str, str]
    expression: Compiled
    examples: tuple[Example, ...]  # each with the expected value in `expect`


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    article: str
    source: str
    sources: tuple[str, ...]
    verification: str
    scope: str
    effect: str
    prohibited_point: str
    condition: Compiled
    obligation: dict[str, str]
    title: dict[str, str]
    responsible: str
    penalty: dict[str, str]
    timing: Timing
    triggers: tuple[Example, ...]
    does_not_trigger: tuple[Example, ...]
    unclear: tuple[Example, ...]

    def text(self, language: str) -> str:
        return self.obligation.get(language[:2], self.obligation["en"])

    def title_text(self, language: str) -> str:
        if self.title:
            return self.title.get(language[:2], self.title["en"])
        return self.article


@dataclass(frozen=True)
class RuleSet:
    definitions: tuple[Definition, ...]
    rules: tuple[Rule, ...]

    @cached_property
    def derivations(self) -> tuple[tuple[str, Any], ...]:
        """(fact, compiled expression) of the definitions, in order."""
        return tuple((d.fact, d.expression.ev) for d in self.definitions)

    @cached_property
    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @cached_property
    def _by_scope(self) -> dict[str | None, tuple[tuple[Rule, Any], ...]]:
        pairs = tuple((r, r.condition.ev) for r in self.rules)
        return {
            None: pairs,
            "tool": tuple(p for p in pairs if p[0].scope == "tool"),
            "organisation": tuple(p for p in pairs if p[0].scope == "organisation"),
        }

    def conditions(self, scope: str | None = None) -> tuple[tuple[Rule, Any], ...]:
        """The rules of one scope (all when None) with their compiled conditions, computed once."""
        return self._by_scope[scope or None]

    @cached_property
    def prohibitions(self) -> RuleSet:
        """Only the art. 5 prohibitions and the definitions they read: what the prohibited-practice gate
        needs, on every row of an import, at a fraction of the cost of the whole set."""
        return self.subset(lambda r: r.effect == "prohibition")

    def subset(self, keep: Callable[[Rule], bool]) -> RuleSet:
        """The rules for which `keep` is true and only the definitions they read (directly or not)."""
        rules = tuple(r for r in self.rules if keep(r))
        needed: set[str] = set()
        for r in rules:
            needed |= r.condition.names
        kept = []
        for d in reversed(self.definitions):  # a definition reads only those above it
            if d.fact in needed:
                kept.append(d)
                needed |= d.expression.names
        return RuleSet(tuple(reversed(kept)), rules)


_SCHEMA = json.loads((RULES_DIR / "schema.json").read_text(encoding="utf-8"))


def _where(path: Path, item: str = "") -> str:
    return f"{path.name}{f' ({item})' if item else ''}"


def _compile(path: Path, item: str, source: str, known: set[str]) -> Compiled:
    try:
        compiled = compile_expression(source)
    except ExpressionError as exc:
        raise RuleFileError(f"{_where(path, item)}: {exc}: {source!r}") from exc
    unknown = compiled.names - known
    if unknown:
        raise RuleFileError(f"{_where(path, item)}: unknown fact(s) {', '.join(sorted(unknown))}")
    _check_constants(path, item, compiled, known)
    return compiled


def _check_constants(path: Path, item: str, compiled: Compiled, known: set[str]) -> None:
    """`sys.annex3_point == "4z"` would silently never match: compare enum facts only with their values."""
    for node in _walk(compiled.node):
        if node.kind != "cmp" or len(node.children) != 2:
            continue
        left, right = node.children
        fact = FACTS.get(left.name) if left.kind == "name" else None
        if fact is None or fact.type not in {ENUM, SET} or right.kind != "const":
            continue
        value = right.ev({})
        values = value if isinstance(value, frozenset) else {value}
        bad = {v for v in values if v not in fact.values}
        if bad:
            raise RuleFileError(
                f"{_where(path, item)}: {fact.name} has no value {', '.join(map(repr, sorted(bad)))} "
                f"(values: {', '.join(fact.values)})"
            )
    for node in _walk(compiled.node):  # `"candidates" in sys.affected_public`
        if node.kind == "cmp" and len(node.children) == 2:
            left, right = node.children
            fact = FACTS.get(right.name) if right.kind == "name" else None
            if (
                fact is not None
                and fact.type == SET
                and left.kind == "const"
                and left.ev({}) not in fact.values
            ):
                raise RuleFileError(f"{_where(path, item)}: {fact.name} has no value {left.ev({})!r}")


def _walk(node: Any) -> list[Any]:
    out = [node]
    for child in node.children:
        out.extend(_walk(child))
    return out


_NO_EXPECT = object()


def _examples(
    path: Path, item: str, raw: list[dict[str, Any]] | None, group: str = "", default: Any = None
) -> tuple[Example, ...]:
    examples = []
    for i, ex in enumerate(raw or []):
        where = f"{group} example {i + 1}" if group else f"example {i + 1}"
        facts, errors = parse_facts(ex.get("facts"))
        if errors:
            detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
            raise RuleFileError(f"{_where(path, item)}: {where}: {detail}")
        unknown = [m for m in ex.get("missing", []) if m not in FACTS]
        if unknown:
            raise RuleFileError(
                f"{_where(path, item)}: {where}: unknown missing fact(s) {', '.join(unknown)}"
            )
        at = _date(path, item, ex.get("at")) if ex.get("at") else None
        expect = ex.get("expect", _NO_EXPECT)
        examples.append(
            Example(
                facts=facts,
                at=at,
                expect=default if expect is _NO_EXPECT else expect,
                note=ex.get("note", ""),
                missing=tuple(ex.get("missing", [])),
            )
        )
    return tuple(examples)


def _definition_examples(path: Path, item: str, raw: dict[str, Any] | None) -> tuple[Example, ...]:
    """A definition's examples: `triggers` expect true, `does_not_trigger` false, `unclear` unknown (None),
    unless an example says otherwise with `expect` (for dates and other values)."""
    raw = raw or {}
    return (
        _examples(path, item, raw.get("triggers"), "triggers", True)
        + _examples(path, item, raw.get("does_not_trigger"), "does_not_trigger", False)
        + _examples(path, item, raw.get("unclear"), "unclear", None)
    )


def _date(path: Path, item: str, value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RuleFileError(f"{_where(path, item)}: invalid date {value!r}") from exc


def _read(path: Path) -> dict[str, Any]:
    # Dates stay strings: the schema and `_date` check them, whatever YAML would have guessed.
    data = read_yaml(path, RuleFileError, dates_as_strings=True)
    validator = jsonschema.Draft202012Validator(_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        parts = list(err.absolute_path)
        if len(parts) >= 2 and parts[0] in ("rules", "definitions") and isinstance(parts[1], int):
            item = data[parts[0]][parts[1]]  # name the rule, not only its position
            name = item.get("id") or item.get("fact") if isinstance(item, dict) else None
            if name:
                where = f"{name}: {where}"
        raise RuleFileError(f"{path.name}: {where}: {err.message}")
    return data


def _timing(path: Path, item: str, raw: dict[str, Any], known: set[str]) -> Timing:
    offsets = tuple(
        Offset(
            when=_compile(path, item, o["when"], known) if o.get("when") else None,
            days=o.get("days", 0),
            months=o.get("months", 0),
        )
        for o in raw.get("offsets", [])
    )
    if raw["kind"] in {"after_event", "annual"} and not raw.get("event"):
        raise RuleFileError(f"{_where(path, item)}: timing {raw['kind']} needs an event fact")
    if raw.get("event") and raw["event"] not in known:
        raise RuleFileError(f"{_where(path, item)}: unknown event fact {raw['event']}")
    return Timing(
        kind=raw["kind"],
        applies_from=_date(path, item, raw["applies_from"]) if raw.get("applies_from") else None,
        legacy_art_111_2=raw.get("legacy_art_111_2", False),
        event=raw.get("event", ""),
        offsets=offsets,
        text=raw.get("text", {}),
    )


def load_rules(directory: Path = RULES_DIR) -> RuleSet:
    """Read, validate and compile every rule file of `directory`. Raises RuleFileError."""
    known = set(FACTS)
    definitions: list[Definition] = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for family in FAMILY_FILES:
        path = directory / f"{family}.yaml"
        if not path.exists():
            raise RuleFileError(f"{path.name}: missing rule file")
        data = _read(path)
        if data["family"] != family:
            raise RuleFileError(f"{path.name}: family is {data['family']!r}, expected {family!r}")
        for raw in data.get("definitions", []):
            item = raw["fact"]
            if item in known:
                raise RuleFileError(f"{_where(path, item)}: {item} is already defined")
            compiled = _compile(path, item, raw["expression"], known)
            known.add(item)  # a definition may use the ones above it, never one below
            definitions.append(
                Definition(
                    item, raw["label"], compiled, _definition_examples(path, item, raw.get("examples"))
                )
            )
        for raw in data.get("rules", []):
            rid = raw["id"]
            if rid in seen:
                raise RuleFileError(f"{_where(path, rid)}: duplicate rule id")
            seen.add(rid)
            examples = raw["examples"]
            if not examples.get("triggers") or not examples.get("does_not_trigger"):
                raise RuleFileError(
                    f"{_where(path, rid)}: every rule needs facts that trigger it and facts that do not"
                )
            if raw["effect"] == "prohibition" and not raw.get("prohibited_point"):
                raise RuleFileError(f"{_where(path, rid)}: a prohibition names its point of art. 5")
            if raw["timing"].get("legacy_art_111_2") and not raw["timing"].get("applies_from"):
                raise RuleFileError(f"{_where(path, rid)}: legacy_art_111_2 needs applies_from")
            rules.append(
                Rule(
                    id=rid,
                    family=family,
                    article=raw["article"],
                    source=raw["source"],
                    sources=tuple(raw.get("sources", [])),
                    verification=raw["verification"],
                    scope=raw["scope"],
                    effect=raw["effect"],
                    prohibited_point=raw.get("prohibited_point", ""),
                    condition=_compile(path, rid, raw["condition"], known),
                    obligation=raw["obligation"],
                    title=raw.get("title", {}),
                    responsible=raw["responsible"],
                    penalty=raw.get("penalty", {}),
                    timing=_timing(path, rid, raw["timing"], known),
                    triggers=_examples(path, rid, examples.get("triggers"), "triggers"),
                    does_not_trigger=_examples(
                        path, rid, examples.get("does_not_trigger"), "does_not_trigger"
                    ),
                    unclear=_examples(path, rid, examples.get("unclear"), "unclear"),
                )
            )
    return RuleSet(tuple(definitions), tuple(rules))


@cache
def rule_set() -> RuleSet:
    """The installation's rules, loaded once."""
    return load_rules()


__all__ = ["FactError", "Rule", "RuleFileError", "RuleSet", "load_rules", "rule_set"]
