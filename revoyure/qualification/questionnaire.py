"""The guided qualification questionnaire: questions loaded from `questionnaire.yaml`, validated at import.

A question fills one fact. Its `when` condition (the rules' expression language) is evaluated on the
current facts, given and derived (`engine.derive`); the question is skipped only when the condition is
false, so an unknown answer upstream never hides a question (issue 3: "never a guess").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from revoyure.core.datafiles import read_yaml
from revoyure.core.expressions import Compiled, ExpressionError, compile_expression
from revoyure.qualification import engine
from revoyure.qualification.facts import COLUMN_FACTS, FACTS, STORED_FACTS, Fact, all_facts
from revoyure.qualification.rules import rule_set

QUESTIONNAIRE_FILE = Path(__file__).resolve().parent / "questionnaire.yaml"
_TEXTS = ("text", "help", "ask_vendor")
_KEYS = {"id", "fact", "when", "source", *_TEXTS}


class QuestionnaireError(Exception):
    """A questionnaire file that cannot be used; the message names the question and the problem."""


@dataclass(frozen=True)
class Question:
    id: str
    fact: Fact
    text: dict[str, str]
    help: dict[str, str]
    ask_vendor: dict[str, str]
    article: str
    url: str
    when: Compiled | None

    def in_language(self, field: str, language: str) -> str:
        texts: dict[str, str] = getattr(self, field)
        return texts.get((language or "en")[:2], texts["en"])

    def applies(self, facts: dict[str, Any]) -> bool:
        return self.when is None or self.when.ev(facts) is not False


def _text(where: str, raw: dict[str, Any], key: str) -> dict[str, str]:
    value = raw.get(key)
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), str) and value[k] for k in ("fr", "en")
    ):
        raise QuestionnaireError(f"{where}: {key} needs a French and an English text (fr, en)")
    return {"fr": value["fr"], "en": value["en"]}


def _question(raw: Any, index: int, known: set[str]) -> Question:
    if not isinstance(raw, dict):
        raise QuestionnaireError(f"question {index + 1}: expected a mapping")
    qid = raw.get("id")
    where = f"question {qid or index + 1}"
    if not isinstance(qid, str) or not qid:
        raise QuestionnaireError(f"{where}: missing id")
    extra = set(raw) - _KEYS
    if extra:
        raise QuestionnaireError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
    fact = FACTS.get(raw.get("fact", ""))
    if fact is None or fact.source == "org":
        raise QuestionnaireError(f"{where}: unknown fact {raw.get('fact')!r} (a sys.* fact of facts.py)")
    source = raw.get("source")
    if (
        not isinstance(source, dict)
        or not source.get("article")
        or not str(source.get("url", "")).startswith("https://")
    ):
        raise QuestionnaireError(f"{where}: source needs an article and an https:// url")
    when = None
    if raw.get("when") is not None:
        try:
            when = compile_expression(raw["when"])
        except ExpressionError as exc:
            raise QuestionnaireError(f"{where}: bad condition {raw['when']!r}: {exc}") from exc
        unknown = when.names - known
        if unknown:
            raise QuestionnaireError(f"{where}: condition uses unknown fact(s) {', '.join(sorted(unknown))}")
    texts = {key: _text(where, raw, key) for key in _TEXTS}
    return Question(
        id=qid,
        fact=fact,
        article=source["article"],
        url=source["url"],
        when=when,
        text=texts["text"],
        help=texts["help"],
        ask_vendor=texts["ask_vendor"],
    )


def load_questionnaire(path: Path = QUESTIONNAIRE_FILE) -> tuple[Question, ...]:
    """Read and check the questionnaire; raise QuestionnaireError with a clear message."""
    data = read_yaml(path, QuestionnaireError)
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise QuestionnaireError(f"{path.name}: expected a list of questions under `questions`")
    known = set(FACTS) | {d.fact for d in rule_set().definitions}
    questions = [_question(raw, i, known) for i, raw in enumerate(data["questions"])]
    for attr in ("id", "fact"):
        seen: set[str] = set()
        for q in questions:
            value = q.id if attr == "id" else q.fact.name
            if value in seen:
                raise QuestionnaireError(f"{path.name}: {attr} {value!r} is used by two questions")
            seen.add(value)
    asked = {q.fact.name for q in questions}
    # Every stored fact can only come from here: a missing question would leave it unknown forever.
    missing = sorted(set(STORED_FACTS) - asked)
    if missing:
        raise QuestionnaireError(f"{path.name}: no question for the stored fact(s) {', '.join(missing)}")
    return tuple(questions)


QUESTIONS: tuple[Question, ...] = load_questionnaire()


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
    """The questions that apply given `facts`, in questionnaire order."""
    return [q for q in QUESTIONS if q.applies(facts)]


def is_column(question: Question) -> bool:
    return question.fact.name in COLUMN_FACTS


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
