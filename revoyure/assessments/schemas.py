"""Typed API schemas of the questionnaire engine, and the JSON representation of a response."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from revoyure.assessments.models import QuestionnaireDefinition, Response, ResponseStatus
from revoyure.assessments.queries import Overview
from revoyure.core.api import PageQuery
from revoyure.registry.schemas import Input, Output

# Output ---------------------------------------------------------------------------------------------------


class DefinitionRef(Output):
    slug: str
    version: int
    title: dict[str, str]


class DefinitionOut(DefinitionRef):
    registered_at: dt.datetime
    newest: bool = Field(description="True for the newest registered version of this questionnaire")


class DefinitionContentOut(DefinitionRef):
    sha256: str = Field(description="Hash of the content, as registered")
    registered_at: dt.datetime
    content: dict[str, Any] = Field(description="The definition (docs/QUESTIONNAIRES.md)")


class ToolRef(Output):
    id: int
    name: str


class ProgressOut(Output):
    visible: int = Field(description="Questions shown given the answers")
    answered: int
    required: int
    required_answered: int
    missing_required: list[str] = Field(description="Ids of the visible required questions not answered")


class SectionOut(Output):
    id: str
    title: dict[str, str]
    owner: str = Field(description="prevention, hr, it, dpo, project or any")
    department: str
    assignee: str | None = Field(description="E-mail of the person assigned")
    due_on: dt.date | None
    status: str = Field(description="todo or done")
    completed_at: dt.datetime | None
    progress: ProgressOut
    score: float | None
    max: float | None
    level: str | None


class ScoresOut(Output):
    total: float
    max: float
    level: str | None
    recorded: bool = Field(description="True: stored at submission; false: a preview of the current answers")


class ResponseSummaryOut(Output):
    id: int
    title: str
    status: str = Field(description="draft or submitted")
    definition: DefinitionRef
    tool: ToolRef | None
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    sections_total: int
    sections_done: int
    url: str = Field(description="The web page of the response")


class ResponseOut(ResponseSummaryOut):
    answers: dict[str, Any] = Field(description="Answers by question id (visible questions only)")
    sections: list[SectionOut]
    completion: ProgressOut
    scores: ScoresOut


class ResponsePage(Output):
    count: int
    next: str | None
    previous: str | None
    items: list[ResponseSummaryOut]


# Input ----------------------------------------------------------------------------------------------------


class ResponseQuery(PageQuery):
    tool_id: int | None = Field(None, ge=1, le=2**63 - 1)
    status: Literal["draft", "submitted"] | None = None


class AnswersIn(Input):
    answers: dict[str, Any] = Field(
        description='Answers by question id; null, "" or [] clears an answer. Only the questions given '
        "are changed. Every value is checked first: on any error nothing is written."
    )


# Representation -------------------------------------------------------------------------------------------


def definition_ref(definition: QuestionnaireDefinition) -> dict[str, Any]:
    return {"slug": definition.slug, "version": definition.version, "title": definition.title}


def summary_data(response: Response, url: str) -> dict[str, Any]:
    tool = response.tool
    return {
        "id": response.pk,
        "title": response.title,
        "status": response.status,
        "definition": definition_ref(response.definition),
        "tool": {"id": tool.pk, "name": tool.name} if tool is not None else None,
        "created_at": response.created_at,
        "updated_at": response.updated_at,
        "submitted_at": response.submitted_at,
        "sections_total": getattr(response, "sections_total", 0),
        "sections_done": getattr(response, "sections_done", 0),
        "url": url,
    }


def _progress(progress: Any) -> dict[str, Any]:
    return {
        "visible": progress.visible,
        "answered": progress.answered,
        "required": progress.required,
        "required_answered": progress.required_answered,
        "missing_required": list(progress.missing_required),
    }


def response_data(response: Response, data: Overview, url: str) -> dict[str, Any]:
    sections = []
    for view, section in zip(data.sections, data.definition.sections, strict=True):
        assignment = view.assignment
        sections.append(
            {
                "id": section.id,
                "title": section.title,
                "owner": section.owner,
                "department": assignment.department if assignment else "",
                "assignee": assignment.assignee.email if assignment and assignment.assignee else None,
                "due_on": assignment.due_on if assignment else None,
                "status": assignment.status if assignment else "todo",
                "completed_at": assignment.completed_at if assignment else None,
                "progress": _progress(view.progress),
                "score": view.score,
                "max": view.max,
                "level": view.level_id,
            }
        )
    visible = {q["id"] for view in data.sections for q in view.questions if q["answered"]}
    done = sum(1 for s in sections if s["status"] == "done")
    summary = summary_data(response, url)
    summary.update({"sections_total": len(sections), "sections_done": done})
    return {
        **summary,
        "answers": {qid: value for qid, value in data.answers.items() if qid in visible},
        "sections": sections,
        "completion": _progress(data.completion.total),
        "scores": {
            "total": data.total,
            "max": data.max,
            "level": data.level_id,
            "recorded": data.stored_result,
        },
    }


RESPONSE_STATUSES = tuple(ResponseStatus.values)
