"""API of the qualification: a tool's classification and obligations, the organisation's obligations, an
obligation's status (through `services.set_obligation_status`), and the evaluation of posted facts that
are not stored (the same document as `manage.py qualify --facts`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import Query, Router

from revoyure.core.api import paginate, problem_responses
from revoyure.core.permissions import Perm
from revoyure.organisations.access import int_id
from revoyure.organisations.api import api_auth, caller
from revoyure.qualification import engine, services
from revoyure.qualification.facts import parse_facts
from revoyure.qualification.models import Obligation, ObligationState, ToolQualification
from revoyure.qualification.schemas import (
    EvaluateIn,
    EvaluationOut,
    ObligationOut,
    ObligationPage,
    ObligationQuery,
    ObligationStatusIn,
    ToolQualificationOut,
    evaluation_data,
    obligation_data,
)
from revoyure.registry.access import access_tool

router = Router(tags=["qualification"])

_READ_ERRORS = problem_responses(401, 403, 404, 422)
_WRITE_ERRORS = problem_responses(400, 401, 403, 404, 415, 422)
# The service names the reason `status_reason` (the model field); the API body calls it `reason`.
_BODY_FIELDS = {"status_reason": "reason"}


def _language() -> str:
    return translation.get_language() or "fr"


@router.get(
    "/organisations/{slug}/tools/{tool_id}/qualification",
    response={200: ToolQualificationOut, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_OBLIGATIONS),
    summary="A tool's classification and obligations",
)
def tool_qualification(request: HttpRequest, slug: str, tool_id: int) -> dict[str, Any]:
    """The classification of the last evaluation (computed now, without storing it, for a tool never
    evaluated) and the tool's obligations with their status, date, reasons and missing facts."""
    who = caller(request)
    _access, tool = access_tool(who.user, slug, tool_id, Perm.VIEW_OBLIGATIONS, token_roles=who.token_roles)
    stored = ToolQualification.objects.filter(tool=tool).only("classification", "evaluated_at").first()
    if stored is not None and stored.classification:
        classification, evaluated_at = stored.classification, stored.evaluated_at
    else:
        classification, evaluated_at = services.evaluate_tool(tool).classification, None
    today, language = services.today(), _language()
    obligations = services.obligations_for_tool(tool)
    for obligation in obligations:
        obligation.tool = tool  # no query per row for the tool reference
    return {
        "tool": {"id": tool.pk, "name": tool.name},
        "evaluated_at": evaluated_at,
        "classification": classification,
        "obligations": [obligation_data(o, language, today) for o in obligations],
    }


@router.get(
    "/organisations/{slug}/obligations",
    response={200: ObligationPage, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_OBLIGATIONS),
    summary="The organisation's obligations",
)
def list_obligations(request: HttpRequest, slug: str, filters: Query[ObligationQuery]) -> dict[str, Any]:
    """Obligations of every tool and of the organisation itself, by date; those that no longer apply
    (`lapsed`) only when asked for with `state=lapsed`. Pages of at most 100."""
    organisation = caller(request).organisation_access.organisation
    rows = (
        Obligation.objects.filter(organisation=organisation)
        .select_related("tool")
        .only(
            *(f.name for f in Obligation._meta.concrete_fields if f.name != "tool"), "tool__id", "tool__name"
        )
    )
    rows = rows.filter(state=filters.state) if filters.state else rows.exclude(state=ObligationState.LAPSED)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.family:
        rows = rows.filter(family=filters.family)
    if filters.due_before:
        rows = rows.filter(due_on__lt=filters.due_before)
    rows = rows.order_by("due_on", "rule_id", "pk")
    today, language = services.today(), _language()
    return paginate(request, rows, filters, lambda o: obligation_data(o, language, today))


@router.post(
    "/organisations/{slug}/obligations/{obligation_id}/status",
    response={200: ObligationOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.MANAGE_OBLIGATIONS),
    summary="Mark an obligation done, not applicable or to do",
)
def set_status(
    request: HttpRequest, slug: str, obligation_id: int, payload: ObligationStatusIn
) -> dict[str, Any]:
    """`done` needs the evidence, `not_applicable` the reason; the change is kept in the history."""
    who = caller(request)
    organisation = who.organisation_access.organisation
    obligation = (
        Obligation.objects.filter(organisation=organisation, pk=int_id(obligation_id))
        .select_related("tool")
        .first()
    )
    if obligation is None:
        raise Http404
    try:
        obligation = services.set_obligation_status(
            obligation, who.user, payload.status, evidence=payload.evidence, reason=payload.reason
        )
    except ValidationError as exc:
        raise ValidationError(
            {_BODY_FIELDS.get(name, name): messages for name, messages in exc.message_dict.items()}
        ) from exc
    return obligation_data(obligation, _language(), services.today())


@router.post(
    "/qualification/evaluate",
    response={200: EvaluationOut, **problem_responses(400, 401, 415, 422)},
    auth=api_auth(),
    summary="Evaluate facts that are not stored",
)
def evaluate(request: HttpRequest, payload: EvaluateIn) -> dict[str, Any]:
    """Classification and obligations for the posted facts (docs/schema/facts.schema.json), as
    `manage.py qualify --facts` prints them. Nothing is stored. Unknown facts and bad values are refused
    (422), each named as `facts.<name>`, so a typo never reads as "unknown"."""
    facts, errors = parse_facts(payload.facts)
    if errors:
        raise ValidationError({f"facts.{name}": message for name, message in errors.items()})
    evaluation = engine.evaluate(facts, payload.at or services.today())
    return evaluation_data(evaluation, _language(), include_all=payload.include_not_applicable)
