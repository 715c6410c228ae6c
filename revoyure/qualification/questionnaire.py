"""The guided qualification questionnaire: a definition of the questionnaire engine (`assessments`), read
from `questionnaire.yaml` by the engine's loader and validated at import.

The file is an engine definition with `context: facts` (docs/QUESTIONNAIRES.md): a question fills one fact
of facts.py, and its `when` condition (the rules' expression language) is evaluated by the engine on the
current facts, given and derived (`engine.derive`). The definition sets `show_when_unknown`, so a question
is skipped only when its condition is false: an unknown answer upstream never hides it (issue 3: "never a
guess"). This module adds what the qualification needs on top: the fact of facts.py behind each question,
the checks that tie the file to facts.py, and value conversion ("I don't know" is None).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from revoyure.assessments import engine as questionnaire_engine
from revoyure.assessments.loading import Definition, DefinitionError, read_definition_file
from revoyure.assessments.loading import Question as EngineQuestion
from revoyure.core.expressions import Compiled
from revoyure.qualification import engine
from revoyure.qualification.facts import (
    BOOL,
    COLUMN_FACTS,
    DATE,
    ENUM,
    FACTS,
    INT,
    SET,
    STORED_FACTS,
    Fact,
    all_facts,
)
from revoyure.qualification.rules import rule_set

QUESTIONNAIRE_FILE = Path(__file__).resolve().parent / "questionnaire.yaml"
SLUG = "qualification"
YES_NO = ("yes", "no")
# The engine's question type for each fact type.
ENGINE_TYPES = {
    BOOL: "single_choice",
    ENUM: "single_choice",
    SET: "multiple_choice",
    INT: "number",
    DATE: "date",
}


class QuestionnaireError(DefinitionError):
    """A questionnaire file that cannot be used; the message names the question and the problem."""


@dataclass(frozen=True)
class Question:
    """One question of the qualification: the engine's question and the fact of facts.py it fills."""

    item: EngineQuestion
    fact: Fact

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def text(self) -> dict[str, str]:
        return self.item.text

    @property
    def help(self) -> dict[str, str]:
        return self.item.help or {}

    @property
    def ask_vendor(self) -> dict[str, str]:
        return self.item.ask_vendor or {}

    @property
    def article(self) -> str:
        return (self.item.source or {}).get("article", "")

    @property
    def url(self) -> str:
        return (self.item.source or {}).get("url", "")

    @property
    def when(self) -> Compiled | None:
        return self.item.when

    def in_language(self, field: str, language: str) -> str:
        texts: dict[str, str] = getattr(self, field)
        return texts.get((language or "en")[:2], texts["en"])

    def applies(self, facts: dict[str, Any]) -> bool:
        """False only when the condition is false on `facts` (unknown: asked)."""
        return questionnaire_engine.is_shown(DEFINITION, self.item, facts)


def known_names() -> set[str]:
    """The names conditions may use: the facts of facts.py and the derived facts of the rule files."""
    return set(FACTS) | {d.fact for d in rule_set().definitions}


def _check(where: str, q: EngineQuestion) -> Fact:
    fact = FACTS.get(q.fact or "")
    if fact is None or fact.source == "org":
        raise QuestionnaireError(f"{where}: unknown fact {q.fact!r} (a sys.* fact of facts.py)")
    for key in ("help", "ask_vendor"):
        if getattr(q, key) is None:
            raise QuestionnaireError(f"{where}: {key} needs a French and an English text (fr, en)")
    if q.source is None or "url" not in q.source:
        raise QuestionnaireError(f"{where}: source needs an article and an https:// url")
    expected = ENGINE_TYPES[fact.type]
    if q.type != expected:
        raise QuestionnaireError(f"{where}: {fact.name} is a {fact.type} fact: the type must be {expected}")
    values = YES_NO if fact.type == BOOL else fact.values
    if tuple(c.value for c in q.choices) != values:
        raise QuestionnaireError(
            f"{where}: the choices of {fact.name} must be, in this order: {', '.join(values) or '(none)'}"
        )
    return fact


def load_definition(path: Path = QUESTIONNAIRE_FILE) -> Definition:
    """Read the questionnaire with the engine's loader and check it against facts.py; raise
    QuestionnaireError (a DefinitionError) with a clear message."""
    try:
        definition = read_definition_file(path, known_names=known_names())
    except DefinitionError as exc:
        raise QuestionnaireError(str(exc)) from exc
    if definition.slug != SLUG or definition.context != "facts" or not definition.show_when_unknown:
        raise QuestionnaireError(
            f"{path.name}: expected `id: {SLUG}`, `context: facts` and `show_when_unknown: true`"
        )
    for q in definition.questions:
        _check(f"{path.name}, question {q.id!r}", q)
    # Every stored fact can only come from here: a missing question would leave it unknown forever.
    missing = sorted(set(STORED_FACTS) - set(definition.by_fact))
    if missing:
        raise QuestionnaireError(f"{path.name}: no question for the stored fact(s) {', '.join(missing)}")
    return definition


def load_questionnaire(path: Path = QUESTIONNAIRE_FILE) -> tuple[Question, ...]:
    """The questions of the questionnaire file at `path`, checked (see `load_definition`)."""
    return tuple(Question(q, FACTS[q.fact or ""]) for q in load_definition(path).questions)


DEFINITION: Definition = load_definition()
QUESTIONS: tuple[Question, ...] = tuple(Question(q, FACTS[q.fact or ""]) for q in DEFINITION.questions)


@cache
def _by_id() -> dict[str, Question]:
    return {q.id: q for q in QUESTIONS}


@cache
def _by_fact() -> dict[str, Question]:
    return {q.fact.name: q for q in QUESTIONS}


def question(question_id: Any) -> Question | None:
    return _by_id().get(question_id) if isinstance(question_id, str) else None


def question_for_fact(fact_name: str) -> Question | None:
    return _by_fact().get(fact_name)


def current_facts(tool: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """The tool's facts, given and derived, as the `when` conditions see them."""
    return engine.derive(all_facts(tool, answers), rule_set().definitions)


def relevant(facts: dict[str, Any]) -> list[Question]:
    """The questions that apply given `facts`, in questionnaire order (the engine's visible questions)."""
    by_id = _by_id()
    return [by_id[q.id] for q in questionnaire_engine.visible_questions(DEFINITION, {}, facts=facts)]


def is_column(question: Question) -> bool:
    return question.fact.name in COLUMN_FACTS


# Values: a fact's JSON value (True/False, an enum value, a list, a number, "YYYY-MM-DD"; None = "I don't
# know") and the engine's answer ("yes"/"no" for a yes/no fact, otherwise the same value).


def to_answer(question: Question, value: Any) -> Any:
    """The engine's answer for a fact value (None stays None)."""
    if question.fact.type == BOOL and isinstance(value, bool):
        return YES_NO[0] if value else YES_NO[1]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value)
    return value


def clean_answer(question: Question, value: Any) -> Any:
    """`value` (a fact's JSON value) checked by the engine (`clean_value`) against the question's type and
    choices, returned as a fact's JSON value; None ("I don't know") is always accepted. ValidationError
    otherwise."""
    if value is None:
        return None
    try:
        cleaned = questionnaire_engine.clean_value(question.item, to_answer(question, value))
    except questionnaire_engine.AnswerError as exc:
        raise ValidationError(str(exc), code="invalid") from exc
    if question.fact.type == BOOL:
        return cleaned == YES_NO[0]
    if question.fact.type == INT and (not isinstance(cleaned, int) or cleaned < 0):
        raise ValidationError(_("expected a whole number, zero or more"), code="invalid")
    return cleaned


def next_question(
    questions: list[Question], answers: dict[str, Any], after: Question | None = None
) -> Question | None:
    """The first unanswered question after `after` (or from the start), else the first unanswered one."""
    unanswered = [q for q in questions if q.fact.name not in answers]
    if after is not None:
        ids = [q.id for q in questions]
        position = ids.index(after.id) if after.id in ids else -1
        later = [q for q in unanswered if ids.index(q.id) > position]
        if later:
            return later[0]
    return unanswered[0] if unanswered else None


def open_questions(questions: list[Question], answers: dict[str, Any]) -> list[Question]:
    """Questions still open: not answered, or answered "I don't know" (a question for the vendor)."""
    return [q for q in questions if answers.get(q.fact.name) is None]
