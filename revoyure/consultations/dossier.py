"""The information dossier given to the staff bodies (issue 4 §3): the tool (its register record), its
qualification (classification and obligations), the impact study (answers and section scores), the panel
results and the framing note, as one PDF whose text stays extractable."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import translation

from revoyure.assessments import engine as assessments_engine
from revoyure.assessments.loading import text_in
from revoyure.consultations.gate import citation, required_consultations
from revoyure.consultations.models import Consultation
from revoyure.core.pdf import render_pdf
from revoyure.qualification.models import Obligation, ObligationState, ToolQualification
from revoyure.qualification.rules import rule_set
from revoyure.registry.diff import EMPTY, record_groups

TEMPLATE = "consultations/dossier.html"


def _language() -> str:
    return (translation.get_language() or "fr")[:2]


def _record(tool: Any) -> list[dict[str, Any]]:
    vendor_names = {tool.vendor_id: tool.vendor.name} if tool.vendor_id else {}
    groups = []
    for group in record_groups(tool, vendor_names):
        rows = [
            {"label": row.label, "value": ", ".join(row.value) if isinstance(row.value, list) else row.value}
            for row in group.rows
            if row.value not in (EMPTY, [], "")
        ]
        if rows:
            groups.append({"letter": group.letter, "title": group.title, "rows": rows})
    return groups


def _qualification(tool: Any, language: str) -> dict[str, Any]:
    stored = ToolQualification.objects.filter(tool=tool).only("classification").first()
    classification = stored.classification if stored else {}
    by_id = rule_set().by_id
    obligations = []
    for o in Obligation.objects.filter(tool=tool).exclude(state=ObligationState.LAPSED).order_by("rule_id"):
        rule = by_id.get(o.rule_id)
        obligations.append(
            {
                "rule_id": o.rule_id,
                "title": rule.title_text(language) if rule else "",
                "article": rule.article if rule else "",
                "state": o.get_state_display(),
                "status": o.get_status_display(),
                "due_on": o.due_on,
            }
        )
    return {
        "classification": classification,
        "high_risk": classification.get("high_risk", ""),
        "ai_system": classification.get("ai_system", ""),
        "labour_law": ", ".join(classification.get("labour_law", [])),
        "obligations": obligations,
    }


def _value_text(question: Any, value: Any, language: str) -> str:
    labels = {c.value: text_in(c.label, language) for c in question.choices}
    if isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return labels.get(value, str(value)) if value is not None else EMPTY


def _response_sections(response: Any, language: str) -> list[dict[str, Any]]:
    definition = response.definition.parsed
    answers = response.answer_map()
    scores = assessments_engine.score(definition, answers)
    visible = {q.id for q in assessments_engine.visible_questions(definition, answers)}
    sections = []
    for section in definition.sections:
        score = scores.sections.get(section.id)
        rows = [
            {"question": text_in(q.text, language), "answer": _value_text(q, answers[q.id], language)}
            for q in section.questions
            if q.id in visible and q.id in answers
        ]
        sections.append(
            {
                "title": text_in(section.title, language),
                "rows": rows,
                "score": score.score if score and score.max else None,
                "max": score.max if score else None,
                "level": text_in(score.level.label, language) if score and score.level else "",
            }
        )
    return sections


def _panel(study: Any, language: str) -> dict[str, Any] | None:
    panel = getattr(study, "panel", None) if study else None
    if panel is None:
        return None
    evaluations = list(panel.evaluations.select_related("response__definition"))
    sums: dict[str, list[float]] = defaultdict(list)
    questions: dict[str, str] = {}
    for evaluation in evaluations:
        definition = evaluation.response.definition.parsed
        for qid, value in evaluation.response.answer_map().items():
            question = definition.by_id.get(qid)
            if question is None or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            sums[qid].append(float(value))
            questions[qid] = text_in(question.text, language)
    return {
        "panel": panel,
        "members": panel.members.count(),
        "sessions": list(panel.sessions.all()),
        "evaluations": len(evaluations),
        "averages": [
            {"question": questions[qid], "average": round(sum(v) / len(v), 2), "count": len(v)}
            for qid, v in sums.items()
        ],
    }


def dossier_context(consultation: Consultation) -> dict[str, Any]:
    language = _language()
    tool = consultation.tool
    study = consultation.study
    framing = getattr(study, "framing_note", None) if study else None
    return {
        "consultation": consultation,
        "organisation": consultation.organisation,
        "tool": tool,
        "record": _record(tool),
        "qualification": _qualification(tool, language),
        "required": [
            {
                "citation": citation(r.rule),
                "title": r.rule.title_text(language),
                "procedure": r.requirement.procedure,
            }
            for r in required_consultations(tool)
        ],
        "bodies": list(consultation.bodies.select_related("staff_body")),
        "study": study,
        "study_sections": _response_sections(study.response, language) if study else [],
        "panel": _panel(study, language),
        "framing": framing,
    }


def render_dossier(consultation: Consultation) -> bytes:
    return render_pdf(TEMPLATE, dossier_context(consultation), language=translation.get_language())
