"""API of the consultations: the organisation's consultations (filter by tool), one consultation with its
bodies, deadlines and opinions, and recording a body's opinion (through `services.record_opinion`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from revoyure.consultations import services
from revoyure.consultations.models import BodyConsultation, Consultation
from revoyure.core.api import PageQuery, paginate, problem_responses
from revoyure.core.permissions import Perm
from revoyure.organisations.access import int_id
from revoyure.organisations.api import api_auth, caller

router = Router(tags=["consultations"])

_READ_ERRORS = problem_responses(401, 403, 404, 422)
_WRITE_ERRORS = problem_responses(400, 401, 403, 404, 415, 422)


class BodyOut(Schema):
    id: int
    staff_body: dict[str, Any]
    purpose: str
    informed_on: dt.date | None
    deadline: dt.date | None
    deadline_basis: str
    expert_name: str
    expert_appointed_on: dt.date | None
    opinion: str
    opinion_text: str
    votes_for: int | None
    votes_against: int | None
    abstentions: int | None
    opinion_on: dt.date | None
    documents_sent_at: dt.datetime | None
    complete: bool


class ConsultationOut(Schema):
    id: int
    tool: dict[str, Any]
    study_id: int | None
    subject: str
    status: str
    agreement_id: int | None
    agreed_period_days: int | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    bodies: list[BodyOut]


class ConsultationPage(Schema):
    count: int
    next: str | None
    previous: str | None
    items: list[ConsultationOut]


class ConsultationQuery(PageQuery):
    tool_id: int | None = Field(None, ge=1, le=2**63 - 1, description="Only the consultations of this tool.")
    status: str | None = Field(None, pattern="^(open|closed)$")


class OpinionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    opinion: str = Field(description="favourable, reservations or unfavourable")
    opinion_on: dt.date
    text: str = Field("", max_length=10_000)
    votes_for: int | None = Field(None, ge=0, le=100_000)
    votes_against: int | None = Field(None, ge=0, le=100_000)
    abstentions: int | None = Field(None, ge=0, le=100_000)


def body_data(body: BodyConsultation) -> dict[str, Any]:
    return {
        "id": body.pk,
        "staff_body": {"id": body.staff_body_id, "kind": body.staff_body.kind, "name": str(body.staff_body)},
        "purpose": body.purpose,
        "informed_on": body.informed_on,
        "deadline": body.deadline,
        "deadline_basis": body.deadline_basis,
        "expert_name": body.expert_name,
        "expert_appointed_on": body.expert_appointed_on,
        "opinion": body.opinion,
        "opinion_text": body.opinion_text,
        "votes_for": body.votes_for,
        "votes_against": body.votes_against,
        "abstentions": body.abstentions,
        "opinion_on": body.opinion_on,
        "documents_sent_at": body.documents_sent_at,
        "complete": body.is_complete,
    }


def consultation_data(consultation: Consultation) -> dict[str, Any]:
    return {
        "id": consultation.pk,
        "tool": {"id": consultation.tool_id, "name": consultation.tool.name},
        "study_id": consultation.study_id,
        "subject": consultation.subject,
        "status": consultation.status,
        "agreement_id": consultation.agreement_id,
        "agreed_period_days": consultation.agreed_period_days,
        "opened_at": consultation.opened_at,
        "closed_at": consultation.closed_at,
        "bodies": [body_data(b) for b in consultation.bodies.all()],
    }


def _rows(organisation: Any) -> Any:
    return (
        Consultation.objects.filter(organisation=organisation)
        .select_related("tool")
        .prefetch_related("bodies__staff_body")
    )


@router.get(
    "/organisations/{slug}/consultations",
    response={200: ConsultationPage, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_CONSULTATIONS),
    summary="The organisation's consultations of the staff bodies",
)
def list_consultations(request: HttpRequest, slug: str, filters: Query[ConsultationQuery]) -> dict[str, Any]:
    """Most recent first; filter by tool or status. Pages of at most 100."""
    rows = _rows(caller(request).organisation_access.organisation)
    if filters.tool_id is not None:
        rows = rows.filter(tool_id=filters.tool_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return paginate(request, rows.order_by("-opened_at", "-pk"), filters, consultation_data)


def _get(request: HttpRequest, consultation_id: int) -> Consultation:
    consultation = (
        _rows(caller(request).organisation_access.organisation).filter(pk=int_id(consultation_id)).first()
    )
    if consultation is None:
        raise Http404
    return consultation


@router.get(
    "/organisations/{slug}/consultations/{consultation_id}",
    response={200: ConsultationOut, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_CONSULTATIONS),
    summary="A consultation with its bodies, deadlines and opinions",
)
def get_consultation(request: HttpRequest, slug: str, consultation_id: int) -> dict[str, Any]:
    return consultation_data(_get(request, consultation_id))


@router.post(
    "/organisations/{slug}/consultations/{consultation_id}/bodies/{body_id}/opinion",
    response={200: ConsultationOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.MANAGE_CONSULTATIONS),
    summary="Record a staff body's opinion",
)
def post_opinion(
    request: HttpRequest, slug: str, consultation_id: int, body_id: int, payload: OpinionIn
) -> dict[str, Any]:
    """Favourable, with reservations or unfavourable, on or after the information date. "Deemed negative"
    is set only by the daily job when the deadline passes. The consultation closes when every body is done."""
    consultation = _get(request, consultation_id)
    body = consultation.bodies.filter(pk=int_id(body_id)).first()
    if body is None:
        raise Http404
    services.record_opinion(
        body,
        caller(request).user,
        payload.opinion,
        payload.text,
        votes_for=payload.votes_for,
        votes_against=payload.votes_against,
        abstentions=payload.abstentions,
        opinion_on=payload.opinion_on,
    )
    return consultation_data(_get(request, consultation_id))
