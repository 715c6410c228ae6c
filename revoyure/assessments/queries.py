"""Reads of the questionnaire engine shared by the web pages and the API: access to a response (members
holding the permission, or the person a section is assigned to), the list of responses, the newest
definitions, and the overview of one response (sections, progress, scores, answers for display)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from revoyure.assessments import engine
from revoyure.assessments.loading import Definition, Level, Question, text_in
from revoyure.assessments.models import (
    QuestionnaireDefinition,
    Response,
    ResponseStatus,
    SectionAssignment,
    SectionStatus,
)
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess, access_organisation, int_id
from revoyure.organisations.models import Organisation

# Access ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseAccess:
    """A response with the caller's access: their organisation roles and the sections assigned to them."""

    access: OrgAccess
    response: Response
    assigned: frozenset[str]  # ids of the sections assigned to the caller

    @property
    def can_manage(self) -> bool:
        return self.access.can(Perm.MANAGE_STUDIES)

    @property
    def can_view(self) -> bool:
        return self.access.can(Perm.VIEW_STUDIES) or bool(self.assigned)

    def can_fill(self, section_id: str) -> bool:
        return self.can_manage or section_id in self.assigned


def access_response(
    user: Any,
    org_slug: str,
    response_id: Any,
    perm: Perm = Perm.VIEW_STUDIES,
    *,
    section_id: str | None = None,
    allow_assignee: bool = False,
    token_roles: frozenset[str] | None = None,
) -> ResponseAccess:
    """The response `response_id` of organisation `org_slug`, if `user` may act on it.

    A non-member gets 404 (as for an unknown response). A member holding `perm` is let in; with
    `allow_assignee`, so is the person assigned to `section_id` (or to any section when `section_id` is
    None), whatever their role. Anyone else gets 403."""
    access = access_organisation(user, org_slug, Perm.VIEW_TRANSPARENCY, token_roles=token_roles)
    response = (
        Response.objects.select_related("definition", "tool", "created_by", "submitted_by")
        .filter(organisation=access.organisation, pk=int_id(response_id))
        .first()
    )
    if response is None:
        raise Http404
    assigned = frozenset(
        SectionAssignment.objects.filter(response=response, assignee=user).values_list(
            "section_id", flat=True
        )
    )
    granted = ResponseAccess(access, response, assigned)
    if access.can(perm):
        return granted
    if allow_assignee and (assigned if section_id is None else section_id in assigned):
        return granted
    raise PermissionDenied


# Lists ----------------------------------------------------------------------------------------------------


def responses_of(
    organisation: Organisation, *, tool_id: int | None = None, status: str | None = None
) -> QuerySet[Response]:
    """The organisation's responses, newest first, with their definition (without its content), tool and
    the count of sections done: one query per page whatever the number of responses."""
    rows = (
        Response.objects.filter(organisation=organisation)
        .select_related("definition", "tool")
        .defer("definition__content", "result")
        .annotate(
            sections_total=Count("assignments", distinct=True),
            sections_done=Count(
                "assignments", filter=Q(assignments__status=SectionStatus.DONE), distinct=True
            ),
        )
        .order_by("-created_at", "-pk")
    )
    if tool_id is not None:
        rows = rows.filter(tool_id=tool_id)
    if status:
        rows = rows.filter(status=status)
    return rows


def visible_definitions(organisation: Organisation | None) -> QuerySet[QuestionnaireDefinition]:
    """The definitions `organisation` may see and use: those shipped with Revoyure and its own imports
    (never another organisation's). With None, the shipped ones only."""
    shipped = Q(organisation__isnull=True)
    return QuestionnaireDefinition.objects.filter(
        shipped if organisation is None else shipped | Q(organisation=organisation)
    )


def newest_definitions(organisation: Organisation | None = None) -> list[QuestionnaireDefinition]:
    """The newest version of each questionnaire that `organisation` may answer as a response (shipped ones
    and its own imports), by title (content not loaded). Definitions over facts (the qualification
    questionnaire) are answered on the tool's qualification page, into the tool's facts, not as responses."""
    newest: dict[str, QuestionnaireDefinition] = {}
    # `has_key` first: on a row without the key, `content__context="facts"` is NULL and NOT NULL drops it.
    rows = (
        visible_definitions(organisation)
        .exclude(content__has_key="context", content__context="facts")
        .defer("content", "import_report")
    )
    for row in rows.order_by("slug", "-version"):
        newest.setdefault(row.slug, row)
    return sorted(newest.values(), key=lambda d: (d.title_in("en").lower(), d.slug))


def imported_definitions(organisation: Organisation) -> list[QuestionnaireDefinition]:
    """Every version the organisation imported, newest first (content not loaded)."""
    return list(
        QuestionnaireDefinition.objects.filter(organisation=organisation)
        .defer("content")
        .order_by("-registered_at", "slug", "-version")
    )


def access_definition(organisation: Organisation, definition_id: Any) -> QuestionnaireDefinition:
    """A definition `organisation` may see (shipped or its own), or 404."""
    row = visible_definitions(organisation).filter(pk=int_id(definition_id)).first()
    if row is None:
        raise Http404
    return row


def newer_version(definition: QuestionnaireDefinition) -> int | None:
    """The newest version number of the same questionnaire when it is newer than `definition`."""
    latest = (
        QuestionnaireDefinition.objects.filter(slug=definition.slug)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return latest if latest is not None and latest > definition.version else None


def definition_outline(definition: Definition, language: str) -> list[dict[str, Any]]:
    """A definition's sections and questions as text in `language`, for reading: types, choices, scale
    and number ranges, and each condition with the texts of the questions it depends on."""
    sections = []
    for section in definition.sections:
        questions = []
        for q in section.questions:
            depends_on = []
            if q.when is not None:
                for name in sorted(q.when.names):
                    other = definition.by_id.get(name.split(".", 1)[1]) if name.startswith("q.") else None
                    depends_on.append(text_in(other.text, language) if other is not None else name)
            questions.append(
                {
                    "id": q.id,
                    "text": text_in(q.text, language),
                    "help": text_in(q.help, language) if q.help else "",
                    "type": q.type,
                    "required": q.required,
                    "choices": [
                        {"value": c.value, "label": text_in(c.label, language), "score": c.score}
                        for c in q.choices
                    ],
                    "min": q.min,
                    "max": q.max,
                    "labels": [(value, text_in(label, language)) for value, label in q.labels],
                    "condition": q.when.source if q.when is not None else "",
                    "depends_on": depends_on,
                    "fact": q.fact or "",
                }
            )
        sections.append({"id": section.id, "title": text_in(section.title, language), "questions": questions})
    return sections


# Saving from a form ---------------------------------------------------------------------------------------


def applicable_values(
    definition: Definition, stored: Mapping[str, Any], posted: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """`posted` without the non-empty values of questions that the posted answers themselves hide.

    A form shows the questions visible before the save; changing an earlier answer may hide a later one
    whose old value is still in the form. That value is dropped (the service then clears the stored
    answer) instead of the whole save being refused. Returns the values to save and the dropped ids."""
    values = dict(posted)
    dropped: list[str] = []
    for _round in range(len(definition.questions) + 1):
        merged = {**stored, **values}
        merged = {qid: v for qid, v in merged.items() if not engine.is_empty(v)}
        visible = {q.id for q in engine.visible_questions(definition, merged)}
        hidden = [qid for qid, v in values.items() if not engine.is_empty(v) and qid not in visible]
        if not hidden:
            break
        for qid in hidden:
            values[qid] = None
            dropped.append(qid)
    return values, dropped


# The overview of one response -----------------------------------------------------------------------------


def level_label(level: Level | None, levels: tuple[Level, ...], level_id: str | None, language: str) -> str:
    if level is None and level_id:
        level = next((lv for lv in levels if lv.id == level_id), None)
        if level is None:
            return level_id
    return text_in(level.label, language) if level is not None else ""


def display_value(question: Question, value: Any, language: str) -> str:
    """An answer as text for reading (choice labels, not their values)."""
    if engine.is_empty(value):
        return ""
    if question.type in ("single_choice", "multiple_choice"):
        labels = {c.value: text_in(c.label, language) for c in question.choices}
        selected = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in selected)
    if question.type == "scale":
        labels_by_value = {v: text_in(lb, language) for v, lb in question.labels}
        label = labels_by_value.get(value)
        return f"{value} ({label})" if label else str(value)
    if question.type == "file" and isinstance(value, dict):
        return str(value.get("name", ""))
    return str(value)


@dataclass
class SectionView:
    id: str
    title: str
    owner: str
    assignment: SectionAssignment | None
    progress: engine.Progress
    score: float | None
    max: float | None
    level: str
    level_id: str | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.assignment is not None and self.assignment.status == SectionStatus.DONE


@dataclass
class Overview:
    definition: Definition
    answers: dict[str, Any]
    sections: list[SectionView]
    completion: engine.Completion
    total: float
    max: float
    level: str
    level_id: str | None
    stored_result: bool  # scores as stored at submission (else a preview of the current answers)


def overview(response: Response, language: str) -> Overview:
    """Everything the overview page and the API show about one response, in three queries (answers,
    assignments with their assignee). Answers are shown with the definition version they were given on."""
    definition = response.definition.parsed
    answers = response.answer_map()
    assignments = {
        a.section_id: a for a in response.assignments.select_related("assignee", "completed_by").all()
    }
    completion = engine.completion(definition, answers)
    visible = {q.id for q in engine.visible_questions(definition, answers)}
    submitted = response.status == ResponseStatus.SUBMITTED and bool(response.result)
    if submitted:
        result = response.result
        sections_result = result.get("sections", {})
        scores = {sid: (s.get("score"), s.get("max"), s.get("level")) for sid, s in sections_result.items()}
        total, maximum = result.get("total", 0.0), result.get("max", 0.0)
        total_level_id = result.get("level")
    else:
        preview = engine.score(definition, answers)
        scores = {
            sid: (s.score, s.max, s.level.id if s.level else None) for sid, s in preview.sections.items()
        }
        total, maximum = preview.total, preview.max
        total_level_id = preview.level.id if preview.level else None
    sections = []
    for section in definition.sections:
        score, maximum_s, level_id = scores.get(section.id, (None, None, None))
        view = SectionView(
            id=section.id,
            title=text_in(section.title, language),
            owner=section.owner,
            assignment=assignments.get(section.id),
            progress=completion.sections[section.id],
            score=score,
            max=maximum_s,
            level=level_label(None, section.levels, level_id, language),
            level_id=level_id,
        )
        for q in section.questions:
            if q.id not in visible:
                continue
            value = answers.get(q.id)
            view.questions.append(
                {
                    "id": q.id,
                    "text": text_in(q.text, language),
                    "type": q.type,
                    "required": q.required,
                    "value": value,
                    "display": display_value(q, value, language),
                    "answered": not engine.is_empty(value),
                }
            )
        sections.append(view)
    return Overview(
        definition=definition,
        answers=answers,
        sections=sections,
        completion=completion,
        total=total,
        max=maximum,
        level=level_label(None, definition.levels, total_level_id, language),
        level_id=total_level_id,
        stored_result=submitted,
    )


# Comparison -----------------------------------------------------------------------------------------------


def score_rows(a: Overview, b: Overview, language: str) -> list[dict[str, Any]]:
    """Section scores side by side (sections of either version), then the total."""
    by_id_a = {s.id: s for s in a.sections}
    by_id_b = {s.id: s for s in b.sections}
    order = [s.id for s in b.sections] + [s.id for s in a.sections if s.id not in by_id_b]
    rows = []
    for sid in order:
        sa, sb = by_id_a.get(sid), by_id_b.get(sid)
        before = sa.score if sa else None
        after = sb.score if sb else None
        shown = sb or sa
        rows.append(
            {
                "title": shown.title if shown is not None else sid,
                "before": before,
                "after": after,
                "before_level": sa.level if sa else "",
                "after_level": sb.level if sb else "",
                "difference": (after - before) if before is not None and after is not None else None,
            }
        )
    rows.append(
        {
            "title": None,
            "before": a.total,
            "after": b.total,
            "before_level": a.level,
            "after_level": b.level,
            "difference": b.total - a.total,
        }
    )
    return rows


def comparison_rows(response_a: Response, response_b: Response, language: str) -> list[dict[str, Any]]:
    """`engine.compare` with question texts and answers ready to read."""
    definition_a, definition_b = response_a.definition.parsed, response_b.definition.parsed
    rows = []
    for diff in engine.compare(response_a, response_b):
        question_a = definition_a.by_id.get(diff.question_id)
        question_b = definition_b.by_id.get(diff.question_id)
        rows.append(
            {
                "id": diff.question_id,
                "text": text_in(diff.text, language),
                "before": display_value(question_a, diff.before, language) if question_a else "",
                "after": display_value(question_b, diff.after, language) if question_b else "",
                "raw_before": diff.before,
                "raw_after": diff.after,
                "changed": diff.changed,
                "presence": diff.presence,
            }
        )
    return rows
