"""Questionnaire definitions: data files, their validation and the parsed, immutable form the engine uses.

A definition is a YAML file in `definitions/` (see docs/QUESTIONNAIRES.md). It is checked twice when
loaded: against `schema.json` (shape) and semantically (ids unique, `when` conditions compile and refer only
to earlier questions, choice values unique and compared only with existing values, scale and number ranges
coherent, level thresholds strictly increasing). A broken file raises `DefinitionError` naming the file,
the question and the problem; the app refuses to start with a broken shipped file (`AssessmentsConfig`).

Conditions are over earlier answers (`q.<question_id>`) by default. A definition with `context: facts` (the
qualification questionnaire, which lives in its own app and is passed in) writes them over facts
(`sys.<name>`, `org.<name>`), each question filling one `fact`; the caller that owns the facts supplies
the names they may use (`known_names`) and, at run time, their values (`engine.visible_questions`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jsonschema

from revoyure.core.datafiles import read_yaml
from revoyure.core.expressions import DEFAULT_PREFIXES, Compiled, ExpressionError, Node, compile_expression

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
SCHEMA = json.loads((Path(__file__).resolve().parent / "schema.json").read_text(encoding="utf-8"))
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Answers are referred to as `q.<question_id>` in conditions.
ANSWER_PREFIX = "q"
# A `context: facts` definition writes conditions over facts, named as in the rule files.
FACT_PREFIXES = DEFAULT_PREFIXES
ANSWERS, FACTS = "answers", "facts"
IDENT = re.compile(r"[a-z][a-z0-9_]*")
CHOICE_TYPES = frozenset({"single_choice", "multiple_choice"})
OWNERS = ("prevention", "hr", "it", "dpo", "project", "any")


class DefinitionError(ValueError):
    """A definition that cannot be used; the message names the file, the question and the problem."""


@dataclass(frozen=True)
class Level:
    id: str
    min: float
    label: dict[str, str]


@dataclass(frozen=True)
class Choice:
    value: str
    label: dict[str, str]
    score: float | None


@dataclass(frozen=True)
class Question:
    id: str
    section_id: str
    type: str
    text: dict[str, str]
    help: dict[str, str] | None
    source: dict[str, str] | None
    required: bool
    when: Compiled | None
    weight: float
    choices: tuple[Choice, ...]
    min: float | None
    max: float | None
    labels: tuple[tuple[int, dict[str, str]], ...]
    # `context: facts` definitions: the fact the answer fills; any definition: the question to ask the vendor.
    fact: str | None = None
    ask_vendor: dict[str, str] | None = None

    @cached_property
    def choice_values(self) -> frozenset[str]:
        return frozenset(c.value for c in self.choices)

    @property
    def scored(self) -> bool:
        return self.type == "scale" or any(c.score is not None for c in self.choices)


@dataclass(frozen=True)
class Section:
    id: str
    title: dict[str, str]
    owner: str
    levels: tuple[Level, ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Definition:
    slug: str
    version: int
    title: dict[str, str]
    sections: tuple[Section, ...]
    levels: tuple[Level, ...]
    show_when_unknown: bool
    content: dict[str, Any]
    context: str = ANSWERS  # what conditions read: earlier answers (`q.`) or facts (`sys.`, `org.`)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def section_by_id(self) -> dict[str, Section]:
        return {s.id: s for s in self.sections}

    @cached_property
    def by_fact(self) -> dict[str, Question]:
        """`context: facts` definitions: the question that fills each fact."""
        return {q.fact: q for q in self.questions if q.fact is not None}

    @cached_property
    def sha256(self) -> str:
        return content_hash(self.content)


def text_in(texts: dict[str, str], language: str) -> str:
    """The text in `language` (fr/en), English otherwise."""
    return texts.get((language or "en")[:2], texts["en"])


def content_hash(content: dict[str, Any]) -> str:
    """A hash of the definition's meaning (canonical JSON), not of the file's layout or comments."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _walk(node: Node) -> list[Node]:
    out = [node]
    for child in node.children:
        out.extend(_walk(child))
    return out


def _levels(where: str, raw: list[dict[str, Any]] | None) -> tuple[Level, ...]:
    levels = tuple(Level(lv["id"], float(lv["min"]), lv["label"]) for lv in raw or ())
    for before, after in itertools.pairwise(levels):
        if after.min <= before.min:
            raise DefinitionError(
                f"{where}: level thresholds must increase: {after.id!r} ({after.min:g}) "
                f"comes after {before.id!r} ({before.min:g})"
            )
    ids = [lv.id for lv in levels]
    if len(set(ids)) != len(ids):
        raise DefinitionError(f"{where}: level ids must be unique")
    return levels


def _check_condition(where: str, compiled: Compiled, earlier: dict[str, Question]) -> None:
    for name in sorted(compiled.names):
        qid = name.split(".", 1)[1]
        if qid not in earlier:
            raise DefinitionError(
                f"{where}: condition refers to {name!r}, which is not an earlier question of this definition"
            )
    # `q.x == "yse"` would silently never match: compare choice answers only with their values.
    for node in _walk(compiled.node):
        if node.kind != "cmp" or len(node.children) != 2:
            continue
        for named, const in (node.children, reversed(node.children)):
            if named.kind != "name" or const.kind != "const":
                continue
            target = earlier[named.name.split(".", 1)[1]]
            if target.type not in CHOICE_TYPES:
                continue
            value = const.ev({})
            values = value if isinstance(value, frozenset) else {value}
            bad = sorted(str(v) for v in values if v not in target.choice_values)
            if bad:
                raise DefinitionError(
                    f"{where}: q.{target.id} has no choice {', '.join(map(repr, bad))} "
                    f"(choices: {', '.join(c.value for c in target.choices)})"
                )


def _check_fact_condition(where: str, compiled: Compiled, known_names: Collection[str] | None) -> None:
    if known_names is None:  # a stored definition, checked when it was registered
        return
    unknown = sorted(compiled.names - set(known_names))
    if unknown:
        raise DefinitionError(f"{where}: condition uses unknown fact(s) {', '.join(unknown)}")


def _question(
    where_file: str,
    section_id: str,
    raw: dict[str, Any],
    earlier: dict[str, Question],
    context: str = ANSWERS,
    known_names: Collection[str] | None = None,
) -> Question:
    qid = raw["id"]
    where = f"{where_file}, question {qid!r}"
    if qid in earlier:
        raise DefinitionError(f"{where}: the id is used twice in this definition")
    fact = raw.get("fact")
    if context == FACTS:
        if fact is None:
            raise DefinitionError(
                f"{where}: a question of a `context: facts` definition needs the `fact` it fills"
            )
        if fact.split(".", 1)[0] not in FACT_PREFIXES or (
            known_names is not None and fact not in known_names
        ):
            raise DefinitionError(f"{where}: unknown fact {fact!r}")
        twice = next((q.id for q in earlier.values() if q.fact == fact), None)
        if twice is not None:
            raise DefinitionError(f"{where}: fact {fact!r} is also filled by question {twice!r}")
    else:
        if fact is not None:
            raise DefinitionError(f"{where}: `fact` is only for a definition with `context: facts`")
        if not IDENT.fullmatch(qid):
            # Conditions name answers `q.<id>`: a hyphen would read as a subtraction.
            raise DefinitionError(
                f"{where}: the id may only hold a-z, 0-9 and _ (conditions name it q.{qid})"
            )
    choices = tuple(Choice(c["value"], c["label"], c.get("score")) for c in raw.get("choices", ()))
    values = [c.value for c in choices]
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise DefinitionError(f"{where}: choice value(s) {', '.join(map(repr, duplicates))} used twice")
    low, high = raw.get("min"), raw.get("max")
    if low is not None and high is not None and low >= high:
        raise DefinitionError(f"{where}: min ({low}) must be below max ({high})")
    labels = tuple((lb["value"], lb["label"]) for lb in raw.get("labels", ()))
    for value, _label in labels:
        if not (low <= value <= high):
            raise DefinitionError(f"{where}: scale label for {value} is outside {low}–{high}")
    when = None
    if "when" in raw:
        try:
            when = compile_expression(
                raw["when"], prefixes=FACT_PREFIXES if context == FACTS else {ANSWER_PREFIX}
            )
        except ExpressionError as exc:
            raise DefinitionError(f"{where}: bad condition {raw['when']!r}: {exc}") from exc
    question = Question(
        id=qid,
        section_id=section_id,
        type=raw["type"],
        text=raw["text"],
        help=raw.get("help"),
        source=raw.get("source"),
        required=bool(raw.get("required", False)),
        when=when,
        weight=float(raw.get("weight", 1)),
        choices=choices,
        min=low,
        max=high,
        labels=labels,
        fact=fact,
        ask_vendor=raw.get("ask_vendor"),
    )
    if when is not None:
        if context == FACTS:
            _check_fact_condition(where, when, known_names)
        else:
            _check_condition(where, when, earlier)
    return question


def _schema_error(name: str, content: Any, error: jsonschema.ValidationError) -> str:
    # Name the question (or section) the error is in, so the author finds it without counting.
    path = list(error.absolute_path)
    where = name
    node = content
    for i, key in enumerate(path):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "id" in node and i > 0 and path[i - 1] in ("sections", "questions"):
            kind = "section" if path[i - 1] == "sections" else "question"
            where = f"{name}, {kind} {node['id']!r}"
    location = "/".join(str(p) for p in path) or "(top)"
    return f"{where}: {error.message} (at {location})"


def parse_definition(
    content: Any, name: str = "definition", *, known_names: Collection[str] | None = None
) -> Definition:
    """Validate `content` (the data of one definition) and return its parsed form.

    `known_names`: for a `context: facts` definition, the fact names its conditions and questions may use
    (without it only their form is checked, as for a stored definition that was checked when registered)."""
    errors = sorted(_VALIDATOR.iter_errors(content), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise DefinitionError(_schema_error(name, content, errors[0]))
    context = content.get("context", ANSWERS)
    earlier: dict[str, Question] = {}
    sections = []
    section_ids: set[str] = set()
    for raw_section in content["sections"]:
        sid = raw_section["id"]
        if sid in section_ids:
            raise DefinitionError(f"{name}, section {sid!r}: the id is used twice in this definition")
        section_ids.add(sid)
        questions = []
        for raw in raw_section["questions"]:
            question = _question(name, sid, raw, earlier, context, known_names)
            earlier[question.id] = question
            questions.append(question)
        sections.append(
            Section(
                id=sid,
                title=raw_section["title"],
                owner=raw_section["owner"],
                levels=_levels(f"{name}, section {sid!r}", raw_section.get("levels")),
                questions=tuple(questions),
            )
        )
    return Definition(
        slug=content["id"],
        version=content["version"],
        title=content["title"],
        sections=tuple(sections),
        levels=_levels(name, content.get("levels")),
        show_when_unknown=bool(content.get("show_when_unknown", False)),
        content=content,
        context=context,
    )


def read_definition_file(path: Path, *, known_names: Collection[str] | None = None) -> Definition:
    """Read, validate and parse one definition file (`known_names`: see `parse_definition`)."""
    content = read_yaml(path, DefinitionError)
    # YAML may produce dates or other non-JSON values: the stored content must round-trip through JSON.
    try:
        content = json.loads(json.dumps(content))
    except (TypeError, ValueError) as exc:
        raise DefinitionError(f"{path.name}: holds values that are not plain JSON data: {exc}") from exc
    return parse_definition(content, path.name, known_names=known_names)


def load_directory(directory: Path) -> tuple[Definition, ...]:
    """Every definition of a directory; (slug, version) pairs must be unique."""
    definitions = tuple(read_definition_file(p) for p in sorted(directory.glob("*.yaml")))
    seen: dict[tuple[str, int], str] = {}
    for path, d in zip(sorted(directory.glob("*.yaml")), definitions, strict=True):
        key = (d.slug, d.version)
        if key in seen:
            raise DefinitionError(f"{path.name}: {d.slug} version {d.version} is also defined in {seen[key]}")
        seen[key] = path.name
    return definitions


@cache
def shipped_definitions() -> tuple[Definition, ...]:
    """The definitions shipped with Revoyure, loaded once."""
    return load_directory(DEFINITIONS_DIR)


# Definitions that apps above this one ship (the qualification questionnaire): this app cannot import them,
# so they add a loader here in their AppConfig.ready.
OTHER_DEFINITIONS: list[Callable[[], Iterable[Definition]]] = []


def all_definitions() -> tuple[Definition, ...]:
    """Every definition to register: the files of this app and those other apps ship."""
    return shipped_definitions() + tuple(d for load in OTHER_DEFINITIONS for d in load())


_PARSED: dict[str, Definition] = {}


def parsed(content: dict[str, Any], sha256: str = "") -> Definition:
    """The parsed form of stored content, cached by its hash (stored definitions never change)."""
    key = sha256 or content_hash(content)
    found = _PARSED.get(key)
    if found is None:
        found = _PARSED[key] = parse_definition(content, f"{content.get('id')} v{content.get('version')}")
    return found
