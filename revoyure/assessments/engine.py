"""The questionnaire engine: pure functions over a parsed definition and a dict of answers.

Answers are `{question_id: JSON value}`. A question is visible when it has no `when` condition or when its
condition is true on the answers of the *visible* earlier questions (so hiding propagates down a chain).
An unknown condition (it reads a question not answered yet) hides the question, as SurveyJS does, unless the
definition sets `show_when_unknown` (the qualification questionnaire's "never a guess" rule).

A `context: facts` definition (the qualification questionnaire) writes conditions over facts that the caller
computes and passes (`facts=`); each is evaluated on those facts alone, so nothing propagates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from revoyure.assessments.loading import ANSWER_PREFIX, CHOICE_TYPES, FACTS, Definition, Level, Question

Answers = Mapping[str, Any]
MAX_TEXT = 20_000
FILE_KEYS = frozenset({"name", "id", "sha256", "size", "content_type"})


class AnswerError(ValueError):
    """A value that does not fit its question; the message says why (in English, for a form error)."""


def is_empty(value: Any) -> bool:
    """None, blank text and an empty selection all mean "no answer"."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def clean_value(question: Question, value: Any) -> Any:
    """The value to store for `question`, or AnswerError. Empty values are returned as None (clear)."""
    if is_empty(value):
        return None
    kind = question.type
    if kind == "single_choice":
        if not isinstance(value, str) or value not in question.choice_values:
            raise AnswerError(_("%(value)s is not one of the choices") % {"value": repr(value)})
        return value
    if kind == "multiple_choice":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AnswerError(_("expected a list of choices"))
        unknown = [v for v in value if v not in question.choice_values]
        if unknown:
            raise AnswerError(
                _("%(values)s: not among the choices") % {"values": ", ".join(map(repr, unknown))}
            )
        order = [c.value for c in question.choices]
        return sorted(set(value), key=order.index)  # stable order: comparisons do not see a reordering
    if kind in {"scale", "number"}:
        if isinstance(value, str):  # form posts: accept "3" and "2,5"
            try:
                value = float(value.strip().replace(",", "."))
            except ValueError as exc:
                raise AnswerError(_("%(value)s is not a number") % {"value": repr(value)}) from exc
        if not _is_number(value):
            raise AnswerError(_("%(value)s is not a number") % {"value": repr(value)})
        if kind == "scale":
            if value != int(value):
                raise AnswerError(_("%(value)s is not a whole number") % {"value": repr(value)})
            value = int(value)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if (question.min is not None and value < question.min) or (
            question.max is not None and value > question.max
        ):
            raise AnswerError(
                _("%(value)s is outside %(min)s–%(max)s")
                % {
                    "value": value,
                    "min": question.min if question.min is not None else "…",
                    "max": question.max if question.max is not None else "…",
                }
            )
        return value
    if kind == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, str) and len(value.strip()) == 10:  # YYYY-MM-DD only, not other ISO forms
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        raise AnswerError(_("%(value)s is not a date (YYYY-MM-DD)") % {"value": repr(value)})
    if kind == "text":
        if not isinstance(value, str):
            raise AnswerError(_("expected text"))
        if len(value) > MAX_TEXT:
            raise AnswerError(_("the text is longer than %(max)d characters") % {"max": MAX_TEXT})
        return value
    # file: the web layer stores the file; the answer holds its reference.
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"]:
        raise AnswerError(_("expected a file reference with a name"))
    extra = set(value) - FILE_KEYS
    if extra:
        raise AnswerError(
            _("unexpected key(s) in a file reference: %(keys)s") % {"keys": ", ".join(sorted(extra))}
        )
    return value


def _fact(question: Question, value: Any) -> Any:
    if value is None:
        return None
    if question.type == "date":
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    return value


def is_shown(definition: Definition, question: Question, facts: dict[str, Any]) -> bool:
    """Whether `question`'s condition lets it show on `facts` (true; or unknown with `show_when_unknown`)."""
    if question.when is None:
        return True
    result = question.when.ev(facts)
    return result is True or (result is None and definition.show_when_unknown)


def visible_questions(
    definition: Definition, answers: Answers, facts: Mapping[str, Any] | None = None
) -> list[Question]:
    """The questions shown given `answers`, in definition order.

    For a `context: facts` definition the conditions read `facts` (names `sys.*`, `org.*`; none given:
    nothing known) and `answers` are not used."""
    if definition.context == FACTS:
        known = facts if isinstance(facts, dict) else dict(facts or {})
        return [q for q in definition.questions if is_shown(definition, q, known)]
    given: dict[str, Any] = {}
    visible = []
    for q in definition.questions:
        if is_shown(definition, q, given):
            visible.append(q)
            value = answers.get(q.id)
            if not is_empty(value):
                given[f"{ANSWER_PREFIX}.{q.id}"] = _fact(q, value)
    return visible


def visible_answers(definition: Definition, answers: Answers) -> dict[str, Any]:
    """`answers` restricted to visible, non-empty answers of known questions."""
    return {
        q.id: answers[q.id] for q in visible_questions(definition, answers) if not is_empty(answers.get(q.id))
    }


# Scoring ---------------------------------------------------------------------------------------------


def question_score(question: Question, value: Any) -> float | None:
    """The weighted score of one answer, or None when the question or the answer carries no score."""
    if is_empty(value):
        return None
    if question.type == "scale" and _is_number(value):
        return question.weight * value
    if question.type in CHOICE_TYPES:
        selected = value if isinstance(value, list) else [value]
        scores = [c.score for c in question.choices if c.value in selected and c.score is not None]
        return question.weight * sum(scores) if scores else None
    return None


def question_max(question: Question) -> float:
    if question.type == "scale" and question.max is not None:
        return question.weight * question.max
    scores = [c.score for c in question.choices if c.score is not None]
    if not scores:
        return 0.0
    if question.type == "multiple_choice":
        return question.weight * sum(s for s in scores if s > 0)
    return question.weight * max(scores)


def level_for(levels: Iterable[Level], value: float) -> Level | None:
    """The highest level whose threshold `value` reaches (None below the first)."""
    found = None
    for level in levels:
        if value >= level.min:
            found = level
    return found


@dataclass(frozen=True)
class SectionScore:
    section_id: str
    score: float
    max: float
    level: Level | None
    scored_answers: int


@dataclass(frozen=True)
class ScoreResult:
    sections: dict[str, SectionScore]
    total: float
    max: float
    level: Level | None

    def as_dict(self) -> dict[str, Any]:
        """A JSON form, stored with a submitted response."""
        return {
            "total": self.total,
            "max": self.max,
            "level": self.level.id if self.level else None,
            "sections": {
                sid: {"score": s.score, "max": s.max, "level": s.level.id if s.level else None}
                for sid, s in self.sections.items()
            },
        }


def score(definition: Definition, answers: Answers) -> ScoreResult:
    """Section scores (weighted sums of the visible answers), their levels, and the total with its level."""
    visible = visible_questions(definition, answers)
    shown = {q.id for q in visible}
    sections = {}
    for section in definition.sections:
        total = maximum = 0.0
        count = 0
        for q in section.questions:
            if q.id not in shown:
                continue
            maximum += question_max(q)
            s = question_score(q, answers.get(q.id))
            if s is not None:
                total += s
                count += 1
        sections[section.id] = SectionScore(
            section.id, total, maximum, level_for(section.levels, total), count
        )
    total = sum(s.score for s in sections.values())
    maximum = sum(s.max for s in sections.values())
    return ScoreResult(sections, total, maximum, level_for(definition.levels, total))


# Completion ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    visible: int = 0
    answered: int = 0
    required: int = 0
    required_answered: int = 0
    missing_required: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.required_answered == self.required


@dataclass(frozen=True)
class Completion:
    total: Progress
    sections: dict[str, Progress] = field(default_factory=dict)


def _progress(questions: list[Question], answers: Answers) -> Progress:
    answered = [q for q in questions if not is_empty(answers.get(q.id))]
    required = [q for q in questions if q.required]
    missing = tuple(q.id for q in required if is_empty(answers.get(q.id)))
    return Progress(len(questions), len(answered), len(required), len(required) - len(missing), missing)


def completion(definition: Definition, answers: Answers) -> Completion:
    """Counts of visible, answered and required questions, for the whole and per section."""
    visible = visible_questions(definition, answers)
    sections = {
        s.id: _progress([q for q in visible if q.section_id == s.id], answers) for s in definition.sections
    }
    return Completion(_progress(visible, answers), sections)


# Comparison ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    question_id: str
    text: dict[str, str]
    before: Any
    after: Any
    changed: bool
    presence: str  # "both", "added" (only in the second definition), "removed" (only in the first)


def compare_answers(
    definition_a: Definition, answers_a: Answers, definition_b: Definition, answers_b: Answers
) -> list[Difference]:
    """Question by question (by stable id, across versions): the answer before and after.

    Answers to hidden questions count as absent. Rows follow the second definition's order, then the
    questions that only the first definition had."""
    before = visible_answers(definition_a, answers_a)
    after = visible_answers(definition_b, answers_b)
    rows = []
    for q in definition_b.questions:
        presence = "both" if q.id in definition_a.by_id else "added"
        a, b = before.get(q.id), after.get(q.id)
        rows.append(Difference(q.id, q.text, a, b, a != b, presence))
    for q in definition_a.questions:
        if q.id not in definition_b.by_id:
            a = before.get(q.id)
            rows.append(Difference(q.id, q.text, a, None, a is not None, "removed"))
    return rows


def compare(response_a: Any, response_b: Any) -> list[Difference]:
    """Compare two stored responses (e.g. before and after a tool update), possibly on two versions."""
    return compare_answers(
        response_a.definition.parsed,
        response_a.answer_map(),
        response_b.definition.parsed,
        response_b.answer_map(),
    )
