"""What a signed-off impact study writes to the register and to the qualification facts, as data
(`feeds.yaml`), validated when the app starts.

Issue 4 §2: « the study's result feeds the register (risk levels D, measures E–I) and the qualification
facts ». The mapping decides only what the answers decide: a case whose condition is unknown stops the
decision (never a guess), and nothing is ever written as "unknown" over a known value. Texts are added to
the register's text fields, never replacing what people wrote there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from revoyure.assessments import engine
from revoyure.assessments.loading import Definition, shipped_definitions, text_in
from revoyure.core.datafiles import read_yaml
from revoyure.core.expressions import Compiled, ExpressionError, compile_expression
from revoyure.qualification.facts import FACTS, FactError, parse_value
from revoyure.registry.choices import RiskLevel
from revoyure.registry.fields import GROUPS

FEEDS_FILE = Path(__file__).resolve().parent / "feeds.yaml"

# Prefix in conditions → (definition slug, what it names).
SOURCES: dict[str, tuple[str, str]] = {
    "study": ("working-conditions-impact", "answer"),
    "fria": ("fria", "answer"),
    "surv": ("surveillance-proportionality", "answer"),
    "level": ("working-conditions-impact", "level"),
    "fria_level": ("fria", "level"),
    "surv_level": ("surveillance-proportionality", "level"),
}
# The register fields a study may feed: groups D to I of the record.
FED_GROUPS = ("D", "E", "F", "G", "H", "I")
RISK_FIELDS = ("risk_health", "risk_safety", "risk_fundamental_rights")
STUDY_TARGETS = ("changes_working_conditions",)


class FeedError(ValueError):
    """A broken feeds file; the message names the entry and the problem."""


@dataclass(frozen=True)
class Case:
    value: Any
    when: Compiled


@dataclass(frozen=True)
class TextPart:
    source: str  # "study", "fria" or "surv"
    question_id: str


@dataclass(frozen=True)
class Feeds:
    study: dict[str, tuple[Case, ...]]
    register: dict[str, tuple[Case, ...]]
    texts: dict[str, tuple[TextPart, ...]]
    facts: dict[str, tuple[Case, ...]]


def _definitions() -> dict[str, Definition]:
    return {d.slug: d for d in shipped_definitions()}


def _fed_fields() -> set[str]:
    return {name for g in GROUPS if g.letter in FED_GROUPS for name in g.fields}


def _check_names(where: str, compiled: Compiled, definitions: dict[str, Definition]) -> None:
    for name in sorted(compiled.names):
        prefix, ident = name.split(".", 1)
        slug, kind = SOURCES[prefix]
        definition = definitions.get(slug)
        if definition is None:
            raise FeedError(f"{where}: questionnaire {slug!r} is not shipped")
        if kind == "answer" and ident not in definition.by_id:
            raise FeedError(f"{where}: {name!r}: {slug} has no question {ident!r}")
        if kind == "level":
            section = definition.section_by_id.get(ident)
            if section is None or not section.levels:
                raise FeedError(f"{where}: {name!r}: {slug} has no section {ident!r} with levels")


def _cases(where: str, raw: Any, definitions: dict[str, Definition]) -> tuple[Case, ...]:
    if not isinstance(raw, list) or not raw:
        raise FeedError(f"{where}: expected a non-empty list of cases")
    cases = []
    for i, item in enumerate(raw):
        here = f"{where}, case {i + 1}"
        if not isinstance(item, dict) or set(item) != {"value", "when"} or not isinstance(item["when"], str):
            raise FeedError(f"{here}: a case is {{value: ..., when: '<condition>'}}")
        try:
            compiled = compile_expression(item["when"], prefixes=frozenset(SOURCES))
        except ExpressionError as exc:
            raise FeedError(f"{here}: bad condition: {exc}") from exc
        _check_names(here, compiled, definitions)
        cases.append(Case(item["value"], compiled))
    return tuple(cases)


def parse_feeds(content: Any, name: str = FEEDS_FILE.name) -> Feeds:
    """Validate the feeds mapping (shape, known fields, facts, questions, sections, values)."""
    if not isinstance(content, dict) or content.get("version") != 1:
        raise FeedError(f"{name}: expected a mapping with version: 1")
    unknown = set(content) - {"version", "study", "register", "texts", "facts"}
    if unknown:
        raise FeedError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}")
    definitions = _definitions()
    fed = _fed_fields()
    study, register, texts, facts = {}, {}, {}, {}
    for target, raw in (content.get("study") or {}).items():
        if target not in STUDY_TARGETS:
            raise FeedError(f"{name}, study.{target}: unknown study field")
        study[target] = _cases(f"{name}, study.{target}", raw, definitions)
        for case in study[target]:
            if not isinstance(case.value, bool):
                raise FeedError(f"{name}, study.{target}: the value must be true or false")
    for field, raw in (content.get("register") or {}).items():
        where = f"{name}, register.{field}"
        if field not in RISK_FIELDS:
            raise FeedError(f"{where}: only the risk levels of group D are set by cases")
        register[field] = _cases(where, raw, definitions)
        for case in register[field]:
            if case.value not in RiskLevel.values:
                raise FeedError(f"{where}: {case.value!r} is not a risk level ({RiskLevel.values})")
    for field, raw in (content.get("texts") or {}).items():
        where = f"{name}, texts.{field}"
        if field not in fed or field in RISK_FIELDS or field in ("security_measures", "user_trainings"):
            raise FeedError(
                f"{where}: not a text field of groups {'–'.join((FED_GROUPS[0], FED_GROUPS[-1]))}"
            )
        if not isinstance(raw, list) or not raw:
            raise FeedError(f"{where}: expected a non-empty list of {{answer: <source>.<question>}}")
        parts = []
        for item in raw:
            ref = item.get("answer") if isinstance(item, dict) and set(item) == {"answer"} else None
            prefix, _dot, qid = str(ref or "").partition(".")
            if prefix not in SOURCES or SOURCES[prefix][1] != "answer":
                raise FeedError(f"{where}: {ref!r} is not study.<q>, fria.<q> or surv.<q>")
            if qid not in definitions[SOURCES[prefix][0]].by_id:
                raise FeedError(f"{where}: {SOURCES[prefix][0]} has no question {qid!r}")
            parts.append(TextPart(prefix, qid))
        texts[field] = tuple(parts)
    for fact_name, raw in (content.get("facts") or {}).items():
        where = f"{name}, facts.{fact_name}"
        fact = FACTS.get(fact_name)
        if fact is None or fact.source == "org":
            raise FeedError(f"{where}: not a fact of a tool")
        facts[fact_name] = _cases(where, raw, definitions)
        for case in facts[fact_name]:
            try:
                if case.value is None or parse_value(fact, case.value) is None:
                    raise FactError("unknown")
            except FactError as exc:
                raise FeedError(f"{where}: {case.value!r} is not a known value of this fact") from exc
    return Feeds(study, register, texts, facts)


@cache
def feeds() -> Feeds:
    """The shipped mapping, loaded once (and at start by StudiesConfig.ready)."""
    return parse_feeds(read_yaml(FEEDS_FILE, FeedError))


# Evaluation --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One response of the study, as the evaluation reads it."""

    prefix: str  # "study", "fria", "surv"
    definition: Definition
    answers: dict[str, Any]


def context_of(sources: list[Source]) -> dict[str, Any]:
    """The names the conditions read: visible answers and the levels of sections with scored answers."""
    names: dict[str, Any] = {}
    for source in sources:
        answers = engine.visible_answers(source.definition, source.answers)
        for qid, value in answers.items():
            names[f"{source.prefix}.{qid}"] = value
        level_prefix = "level" if source.prefix == "study" else f"{source.prefix}_level"
        for sid, section in engine.score(source.definition, answers).sections.items():
            if section.level is not None and section.scored_answers:
                names[f"{level_prefix}.{sid}"] = section.level.id
    return names


def decide(cases: tuple[Case, ...], names: dict[str, Any]) -> Any:
    """The value of the first true case; None if none is true or an unknown case comes first."""
    for case in cases:
        result = case.when.ev(names)
        if result is None:
            return None
        if result:
            return case.value
    return None


def answer_text(definition: Definition, qid: str, value: Any, language: str) -> str:
    question = definition.by_id[qid]
    if question.type in ("single_choice", "multiple_choice"):
        labels = {c.value: text_in(c.label, language) for c in question.choices}
        selected = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in selected)
    if question.type == "scale":
        return f"{value} / {question.max:g}" if question.max is not None else str(value)
    if question.type == "file" and isinstance(value, dict):
        return str(value.get("name", ""))
    return str(value)


def text_lines(parts: tuple[TextPart, ...], sources: list[Source], language: str) -> list[str]:
    """« Question : answer » for each part answered (visible answers only)."""
    by_prefix = {s.prefix: s for s in sources}
    lines = []
    for part in parts:
        source = by_prefix.get(part.source)
        if source is None:
            continue
        answers = engine.visible_answers(source.definition, source.answers)
        if part.question_id not in answers:
            continue
        question = source.definition.by_id[part.question_id]
        value = answer_text(source.definition, part.question_id, answers[part.question_id], language)
        lines.append(f"{text_in(question.text, language)} : {value}")
    return lines


@dataclass(frozen=True)
class Decision:
    study: dict[str, Any]
    register: dict[str, Any]  # risk levels
    texts: dict[str, list[str]]  # field → lines
    facts: dict[str, Any]
    levels: dict[str, str]


def evaluate(sources: list[Source], language: str, mapping: Feeds | None = None) -> Decision:
    """What the study decides (pure: nothing is written)."""
    mapping = mapping or feeds()
    names = context_of(sources)
    decided = {}
    for group in (mapping.study, mapping.register, mapping.facts):
        decided[id(group)] = {t: v for t, c in group.items() if (v := decide(c, names)) is not None}
    texts = {
        f: lines for f, parts in mapping.texts.items() if (lines := text_lines(parts, sources, language))
    }
    levels = {k: v for k, v in names.items() if k.split(".", 1)[0].endswith("level")}
    return Decision(
        study=decided[id(mapping.study)],
        register=decided[id(mapping.register)],
        texts=texts,
        facts=decided[id(mapping.facts)],
        levels=levels,
    )


def merge_text(existing: str, block: str) -> str | None:
    """`existing` with `block` added as a new paragraph; None when it is already there."""
    existing = existing or ""
    if block.strip() in existing:
        return None
    return f"{existing.rstrip()}\n\n{block}" if existing.strip() else block
