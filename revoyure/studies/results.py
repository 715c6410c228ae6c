"""The panel's results: the submitted evaluations aggregated per section and per question (averages,
distribution of the choices, the comments), in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation

from revoyure.assessments import engine
from revoyure.assessments.loading import Definition, text_in
from revoyure.assessments.models import ResponseStatus
from revoyure.studies.models import PanelTest


@dataclass
class ChoiceCount:
    value: str
    label: str
    count: int
    percent: int


@dataclass
class QuestionResult:
    id: str
    text: str
    type: str
    answered: int
    average: float | None = None
    max: float | None = None
    choices: list[ChoiceCount] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass
class SectionResult:
    id: str
    title: str
    average_score: float | None
    max: float
    level: str
    questions: list[QuestionResult]


@dataclass
class PanelResults:
    evaluations: int  # started
    submitted: int
    sections: list[SectionResult]
    average_total: float | None
    max_total: float
    level: str


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _question(definition: Definition, qid: str, values: list[Any], language: str) -> QuestionResult:
    q = definition.by_id[qid]
    result = QuestionResult(qid, text_in(q.text, language), q.type, len(values))
    if q.type in ("scale", "number"):
        result.average = _mean([float(v) for v in values])
        result.max = q.max
        if q.type == "scale" and q.min is not None and q.max is not None:
            labels = dict(q.labels)
            for v in range(int(q.min), int(q.max) + 1):
                count = sum(1 for x in values if x == v)
                label = f"{v} — {text_in(labels[v], language)}" if v in labels else str(v)
                result.choices.append(ChoiceCount(str(v), label, count, _percent(count, len(values))))
    elif q.type in ("single_choice", "multiple_choice"):
        for c in q.choices:
            count = sum(1 for x in values if (c.value in x if isinstance(x, list) else x == c.value))
            result.choices.append(
                ChoiceCount(c.value, text_in(c.label, language), count, _percent(count, len(values)))
            )
        scores = [s for v in values if (s := engine.question_score(q, v)) is not None]
        if scores:
            result.average = _mean(scores)
            result.max = engine.question_max(q)
    elif q.type == "text":
        result.texts = [str(v) for v in values]
    return result


def _percent(count: int, total: int) -> int:
    return round(100 * count / total) if total else 0


def panel_results(panel: PanelTest, language: str | None = None) -> PanelResults:
    language = (language or translation.get_language() or "en")[:2]
    evaluations = list(panel.evaluations.select_related("response", "response__definition"))
    submitted = [e.response for e in evaluations if e.response.status == ResponseStatus.SUBMITTED]
    if evaluations:
        definition = evaluations[0].response.definition.parsed
    else:
        from revoyure.assessments.services import latest_definition

        definition = latest_definition("panel-evaluation").parsed
    answers = [engine.visible_answers(r.definition.parsed, r.answer_map()) for r in submitted]
    scores = [engine.score(definition, a) for a in answers]
    sections = []
    for section in definition.sections:
        questions = [
            _question(definition, q.id, [a[q.id] for a in answers if q.id in a], language)
            for q in section.questions
        ]
        section_scores = [s.sections[section.id] for s in scores]
        maximum = max((s.max for s in section_scores), default=0.0)
        average = _mean([s.score for s in section_scores]) if maximum else None
        level = engine.level_for(section.levels, average) if average is not None else None
        sections.append(
            SectionResult(
                section.id,
                text_in(section.title, language),
                average,
                maximum,
                text_in(level.label, language) if level else "",
                questions,
            )
        )
    total = _mean([s.total for s in scores])
    level = engine.level_for(definition.levels, total) if total is not None else None
    return PanelResults(
        evaluations=len(evaluations),
        submitted=len(submitted),
        sections=sections,
        average_total=total,
        max_total=max((s.max for s in scores), default=0.0),
        level=text_in(level.label, language) if level else "",
    )
