"""Typed API schemas of the qualification, and the JSON representation of an evaluation shared by the API
(`POST /qualification/evaluate`) and `manage.py qualify`, so that both print the same document."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from revoyure.core.api import PageQuery, Text
from revoyure.qualification import engine
from revoyure.qualification.facts import json_value
from revoyure.qualification.models import ObligationState, ObligationStatus
from revoyure.qualification.rules import FAMILY_FILES, Rule, rule_set
from revoyure.qualification.services import MAX_TEXT
from revoyure.registry.schemas import Input, Output

if TYPE_CHECKING:
    from revoyure.qualification.models import Obligation

_FAMILIES = tuple(f for f in FAMILY_FILES if f != "definitions")
_STATES = (*(engine.APPLIES, engine.UPCOMING, engine.LEGACY, engine.TO_CLARIFY), ObligationState.LAPSED.value)


# The representation of an evaluation ----------------------------------------------------------------------


def outcome_data(outcome: engine.Outcome, language: str) -> dict[str, Any]:
    rule = outcome.rule
    return {
        "rule": rule.id,
        "article": rule.article,
        "title": rule.title_text(language),
        "family": rule.family,
        "state": outcome.state,
        "date": outcome.due,
        "applies_from": outcome.applies_from,
        "responsible": rule.responsible,
        "verification": rule.verification,
        "obligation": rule.text(language),
        "triggering_facts": {name: json_value(value) for name, value in outcome.because},
        "missing_facts": list(outcome.missing),
    }


def outcomes_data(
    outcomes: list[engine.Outcome], language: str, *, include_all: bool = False
) -> list[dict[str, Any]]:
    return [outcome_data(o, language) for o in outcomes if include_all or o.state != engine.NOT_APPLICABLE]


def evaluation_data(
    evaluation: engine.Evaluation, language: str, *, include_all: bool = False
) -> dict[str, Any]:
    """`{at, classification, obligations}`; not-applicable rules only with `include_all`."""
    return {
        "at": evaluation.at,
        "classification": evaluation.classification,
        "obligations": outcomes_data(evaluation.outcomes, language, include_all=include_all),
    }


def obligation_data(obligation: Obligation, language: str, at: dt.date) -> dict[str, Any]:
    """A stored obligation. Its rule may have been retired from the rule files since: then only what the
    row holds is shown."""
    rule: Rule | None = rule_set().by_id.get(obligation.rule_id)
    tool = obligation.tool if obligation.tool_id else None
    return {
        "id": obligation.pk,
        "rule": obligation.rule_id,
        "article": rule.article if rule else "",
        "title": rule.title_text(language) if rule else obligation.rule_id,
        "family": obligation.family,
        "tool": {"id": tool.pk, "name": tool.name} if tool is not None else None,
        "state": obligation.state,
        "status": obligation.status,
        "evidence": obligation.evidence,
        "status_reason": obligation.status_reason,
        "status_changed_at": obligation.status_changed_at,
        "date": obligation.due_on,
        "applies_from": obligation.applies_from,
        "overdue": (
            obligation.state == ObligationState.APPLIES
            and obligation.status == ObligationStatus.TO_DO
            and obligation.due_on is not None
            and obligation.due_on < at
        ),
        "responsible": obligation.responsible,
        "verification": rule.verification if rule else "",
        "obligation": rule.text(language) if rule else "",
        "triggering_facts": {name: value for name, value in obligation.because},
        "missing_facts": list(obligation.missing),
    }


# Output ---------------------------------------------------------------------------------------------------


class RoleOut(Output):
    role: str = Field(description="deployer, provider, none or unclear")
    basis: str = Field(description="The article that makes it so, e.g. art. 25(1)")


class ProhibitionOut(Output):
    rule: str
    point: str = Field(description="Point of art. 5(1), e.g. 5(1)(f)")
    state: str


class ClassificationOut(Output):
    """What the rules derive. Keys added to the engine's classification later are passed through."""

    model_config = ConfigDict(extra="allow")

    ai_system: str = Field(description="yes, no or unclear (art. 3(1))")
    role: RoleOut
    prohibited: list[ProhibitionOut] = Field(description="Practices of art. 5 that apply or may apply")
    annex3_point: str | None
    high_risk: str = Field(description="yes, no or unclear (art. 6)")
    high_risk_basis: str = Field(description="annex3, art6_3_exemption, profiling_override or empty")
    transparency: list[str] = Field(description="Rules of art. 50 that apply")
    gdpr: list[str]
    labour_law: list[str]
    to_clarify: list[str] = Field(description="Unknown facts that leave rules undecided")


class OutcomeOut(Output):
    rule: str = Field(description="Rule id of legal-rules.md, e.g. AIA-08")
    article: str
    title: str
    family: str
    state: str = Field(description="applies, upcoming, legacy, to_clarify or not_applicable")
    date: dt.date | None = Field(description="Date by which to act, when the rule sets one")
    applies_from: dt.date | None
    responsible: str
    verification: str = Field(description="verified, secondary or to_verify")
    obligation: str = Field(description="What to do, in the language of the request")
    triggering_facts: dict[str, Any] = Field(description="The facts that decided the condition")
    missing_facts: list[str] = Field(description="Unknown facts that keep the rule 'to clarify'")


class EvaluationOut(Output):
    at: dt.date
    classification: ClassificationOut
    obligations: list[OutcomeOut]


class ToolRef(Output):
    id: int
    name: str


class ObligationOut(Output):
    id: int
    rule: str
    article: str
    title: str
    family: str
    tool: ToolRef | None = Field(description="Empty for the organisation's own obligations")
    state: str = Field(description="applies, upcoming, legacy, to_clarify or lapsed")
    status: str = Field(description="to_do, done or not_applicable")
    evidence: str
    status_reason: str
    status_changed_at: dt.datetime | None
    date: dt.date | None
    applies_from: dt.date | None
    overdue: bool
    responsible: str
    verification: str
    obligation: str
    triggering_facts: dict[str, Any]
    missing_facts: list[str]


class ObligationPage(Output):
    count: int
    next: str | None
    previous: str | None
    items: list[ObligationOut]


class ToolQualificationOut(Output):
    tool: ToolRef
    evaluated_at: dt.datetime | None = Field(description="Empty when the tool was never evaluated")
    classification: ClassificationOut
    obligations: list[ObligationOut]


# Input ----------------------------------------------------------------------------------------------------


def _literal(values: tuple[str, ...] | list[str]) -> Any:
    return Literal[tuple(values)]


class ObligationQuery(PageQuery):
    state: _literal(_STATES) | None = None  # type: ignore[valid-type]
    status: _literal(list(ObligationStatus.values)) | None = None  # type: ignore[valid-type]
    family: _literal(_FAMILIES) | None = None  # type: ignore[valid-type]
    due_before: dt.date | None = Field(None, description="Obligations due before this date")


class ObligationStatusIn(Input):
    status: _literal(list(ObligationStatus.values))  # type: ignore[valid-type]
    evidence: Annotated[Text, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)] = Field(
        "", description="What shows that it is done (required for done)"
    )
    reason: Annotated[Text, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)] = Field(
        "", description="Why it does not apply (required for not_applicable)"
    )


class EvaluateIn(Input):
    facts: dict[str, Any] = Field(description="Fact names and values (docs/schema/facts.schema.json)")
    at: dt.date | None = Field(None, description="Evaluation date (default: today)")
    include_not_applicable: bool = Field(False, description="Also list the rules that do not apply")
