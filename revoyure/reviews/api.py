"""API of the review clause: trigger events (record one, idempotently; list; read) and review meetings
(read only), per organisation.

Recording an event is idempotent with the client's `Idempotency-Key` header (issue 6 §2: "through the API
(authenticated; idempotent with a client-supplied key)"): the key becomes the event's `dedupe_key`
("api:<organisation>:<key>"), the same key with the same body answers the event already recorded (200),
the same key with another body is refused (409) — a client that reuses a key by mistake learns it rather
than silently getting someone else's event."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Header
from pydantic import ConfigDict

from revoyure.core.api import PROBLEM, PageQuery, Text, paginate, problem_responses
from revoyure.core.permissions import Perm
from revoyure.organisations.access import int_id
from revoyure.organisations.api import api_auth, caller
from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool, Vendor
from revoyure.registry.services import find_vendor
from revoyure.reviews import services_events, triggers
from revoyure.reviews.models import Measure, ReviewMeeting, TriggerEvent
from revoyure.reviews.views_events import visible_events

router = Router(tags=["review clauses"])

_READ_ERRORS = problem_responses(401, 403, 404, 422)
_WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 415, 422)
_MAX_ID = 2**63 - 1
# "1–100 printable characters": visible ASCII and inner spaces, as HTTP header values carry them.
_KEY = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,98}[\x21-\x7e])?")


# Schemas --------------------------------------------------------------------------------------------------


class ReviewEventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=40, description="A trigger kind that may come through the API.")
    title: Text = Field(min_length=1, max_length=300)
    occurred_on: dt.date = Field(description="When the event was published or said (not in the future).")
    source: Text = Field("", max_length=200, description="Who published it.")
    description: Text = Field("", max_length=10_000)
    vendor_id: int | None = Field(None, ge=1, le=_MAX_ID)
    vendor_name: Text = Field("", max_length=200, description="A vendor of the register, by name.")
    product: Text = Field("", max_length=200)
    category: str = Field("", max_length=40, description="A domain category of tools.")
    tool_id: int | None = Field(None, ge=1, le=_MAX_ID, description="A tool of the organisation.")
    evidence_url: Text = Field("", max_length=1000)


class ReviewEventOut(Schema):
    id: int
    kind: str
    kind_label: str
    scope: Literal["organisation", "installation"]
    origin: str
    status: str
    title: str
    description: str
    source: str
    occurred_on: dt.date
    vendor_id: int | None
    vendor_name: str
    product: str
    category: str
    tool_id: int | None
    tool_name: str
    evidence_url: str
    has_evidence_file: bool
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str
    meeting_ids: list[int] = Field(description="The review meetings it scheduled in this organisation.")


class ReviewEventPage(Schema):
    count: int
    next: str | None
    previous: str | None
    items: list[ReviewEventOut]


class ReviewEventQuery(PageQuery):
    status: Literal["pending", "confirmed", "rejected"] | None = None
    kind: str | None = Field(None, max_length=40)


class ReviewMeasureOut(Schema):
    id: int
    text: str
    tool_id: int | None
    owner_name: str
    due_on: dt.date | None
    status: str
    done_on: dt.date | None


class ReviewMeetingOut(Schema):
    id: int
    title: str
    status: str
    reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    event_id: int | None
    clause_id: int
    tool_ids: list[int]
    agenda: str
    outcome: str
    measures: list[ReviewMeasureOut]


class ReviewMeetingPage(Schema):
    count: int
    next: str | None
    previous: str | None
    items: list[ReviewMeetingOut]


class ReviewMeetingQuery(PageQuery):
    status: Literal["planned", "held", "closed", "cancelled"] | None = None
    event_id: int | None = Field(None, ge=1, le=_MAX_ID)


# Events ---------------------------------------------------------------------------------------------------


def _events(organisation: Organisation) -> QuerySet[TriggerEvent]:
    return (
        visible_events(organisation)
        .select_related("vendor", "tool")
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=ReviewMeeting.objects.filter(organisation=organisation).only("id", "event_id"),
                to_attr="meetings_here",
            )
        )
    )


def event_data(event: TriggerEvent) -> dict[str, Any]:
    trigger = triggers.get(event.kind)
    return {
        "id": event.pk,
        "kind": event.kind,
        "kind_label": trigger.label if trigger else event.kind,
        "scope": "organisation" if event.organisation_id else "installation",
        "origin": event.origin,
        "status": event.status,
        "title": event.title,
        "description": event.description,
        "source": event.source,
        "occurred_on": event.occurred_on,
        "vendor_id": event.vendor_id,
        "vendor_name": event.vendor.name if event.vendor else "",
        "product": event.product,
        "category": event.category,
        "tool_id": event.tool_id,
        "tool_name": event.tool.name if event.tool else "",
        "evidence_url": event.evidence_url,
        "has_evidence_file": bool(event.evidence_file),
        "created_at": event.created_at,
        "decided_at": event.decided_at,
        "decision_note": event.decision_note,
        "meeting_ids": sorted(m.pk for m in getattr(event, "meetings_here", [])),
    }


def _get_event(organisation: Organisation, event_id: int) -> TriggerEvent:
    event = _events(organisation).filter(pk=int_id(event_id)).first()
    if event is None:
        raise Http404
    return event


def fingerprint(payload: ReviewEventIn) -> str:
    """SHA-256 of the body in a canonical form (sorted keys, defaults filled in): a retry of the same request
    has the same fingerprint whatever the order or the omitted defaults."""
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _idempotency_key(value: str) -> str:
    key = (value or "").strip()
    if not key:
        raise ValidationError(
            {"Idempotency-Key": _("Send an Idempotency-Key header: a key of your own for this request.")}
        )
    if not _KEY.fullmatch(key):
        raise ValidationError(
            {"Idempotency-Key": _("The Idempotency-Key must be 1 to 100 printable ASCII characters.")}
        )
    return key


def _conflict() -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": _("Conflict"),
        "status": 409,
        "detail": _(
            "This Idempotency-Key was already used with a different request body. Send the same body to "
            "retry, or use a new key for a new event."
        ),
    }
    return HttpResponse(json.dumps(body), status=409, content_type=PROBLEM)


def _resolve(payload: ReviewEventIn, organisation: Organisation) -> tuple[Vendor | None, Tool | None]:
    errors: dict[str, str] = {}
    trigger = triggers.get(payload.kind)
    if trigger is None:
        errors["kind"] = _("Unknown kind of event.")
    elif "api" not in trigger.origins:
        errors["kind"] = _("This kind of event cannot be sent through the API.")
    vendor = None
    name = payload.vendor_name.strip()
    if payload.vendor_id is not None:
        vendor = Vendor.objects.filter(pk=payload.vendor_id).first()
        if vendor is None:
            errors["vendor_id"] = _("No vendor has this id.")
        elif name and vendor.name.casefold() != name.casefold():
            errors["vendor_name"] = _("Give the vendor's id or its name, not two different vendors.")
    elif name:
        vendor = find_vendor(name)
        if vendor is None:
            errors["vendor_name"] = _(
                "No vendor of this name is in the register: no tool would be concerned."
            )
    tool = None
    if payload.tool_id is not None:
        tool = Tool.objects.filter(pk=payload.tool_id, organisation=organisation).first()
        if tool is None:
            errors["tool_id"] = _("No tool of this organisation has this id.")
    if payload.occurred_on > timezone.localdate():
        errors["occurred_on"] = _("The date of the event cannot be in the future.")
    if payload.evidence_url and not payload.evidence_url.lower().startswith(("https://", "http://")):
        errors["evidence_url"] = _("Enter a web address (https://…).")
    if errors:
        raise ValidationError(errors)
    return vendor, tool


# The service names fields after the model; the API after its body.
_FIELD_NAMES = {"vendor": "vendor_id", "tool": "tool_id"}


def _api_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({_FIELD_NAMES.get(name, name): errors for name, errors in exc.error_dict.items()})


@router.post(
    "/organisations/{slug}/review-events",
    response={200: ReviewEventOut, 201: ReviewEventOut, **_WRITE_ERRORS},
    auth=api_auth(Perm.MANAGE_REVIEWS),
    summary="Record a trigger event (idempotent with the Idempotency-Key header)",
)
def create_review_event(
    request: HttpRequest,
    slug: str,
    payload: ReviewEventIn,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            description="A key of the client's own for this request (1 to 100 printable characters): "
            "sending it again with the same body answers the same event.",
        ),
    ],
) -> Any:
    """Created as confirmed when the token's role may confirm events (the AI delegate, the administrator),
    else awaiting the delegate's confirmation. 201 the first time; 200 with the same event when the same
    key is sent again with the same body; 409 when the key was used with a different body."""
    access = caller(request).organisation_access
    organisation = access.organisation
    dedupe_key = f"api:{organisation.pk}:{_idempotency_key(idempotency_key)}"
    digest = fingerprint(payload)
    existing = TriggerEvent.objects.filter(dedupe_key=dedupe_key).only("pk", "request_fingerprint").first()
    if existing is not None:
        if existing.request_fingerprint != digest:
            return _conflict()
        return Status(200, event_data(_get_event(organisation, existing.pk)))
    vendor, tool = _resolve(payload, organisation)
    try:
        event, created = services_events.create_event(
            organisation_id=organisation.pk,
            kind=payload.kind,
            origin="api",
            title=payload.title,
            occurred_on=payload.occurred_on,
            actor=caller(request).user,
            confirmed=access.can(Perm.CONFIRM_EVENTS),
            description=payload.description,
            source=payload.source,
            vendor=vendor,
            product=payload.product,
            category=payload.category,
            tool=tool,
            evidence_url=payload.evidence_url,
            dedupe_key=dedupe_key,
            request_fingerprint=digest,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    if not created and event.request_fingerprint != digest:
        # The same key sent twice at once with different bodies: the other request won.
        return _conflict()
    return Status(201 if created else 200, event_data(_get_event(organisation, event.pk)))


@router.get(
    "/organisations/{slug}/review-events",
    response={200: ReviewEventPage, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REVIEWS),
    summary="The organisation's trigger events, and the installation's that reached it",
)
def list_review_events(request: HttpRequest, slug: str, filters: Query[ReviewEventQuery]) -> dict[str, Any]:
    """Newest first; filter by status or kind. Pages of at most 100. The installation's events (a vendor's
    new instructions, a regulator's warning) appear once they scheduled a review meeting here."""
    events = _events(caller(request).organisation_access.organisation)
    if filters.status:
        events = events.filter(status=filters.status)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    return paginate(request, events.order_by("-occurred_on", "-pk"), filters, event_data)


@router.get(
    "/organisations/{slug}/review-events/{event_id}",
    response={200: ReviewEventOut, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REVIEWS),
    summary="A trigger event, with the review meetings it scheduled here",
)
def get_review_event(request: HttpRequest, slug: str, event_id: int) -> dict[str, Any]:
    return event_data(_get_event(caller(request).organisation_access.organisation, event_id))


# Meetings -------------------------------------------------------------------------------------------------


def _meetings(organisation: Organisation) -> QuerySet[ReviewMeeting]:
    return ReviewMeeting.objects.filter(organisation=organisation).prefetch_related(
        Prefetch("tools", queryset=Tool.objects.only("id")),
        # Soonest due first, those without a date last (the same on SQLite and PostgreSQL).
        Prefetch(
            "measures",
            queryset=Measure.objects.select_related("owner").order_by(F("due_on").asc(nulls_last=True), "pk"),
        ),
    )


def measure_data(measure: Measure) -> dict[str, Any]:
    owner = measure.owner
    return {
        "id": measure.pk,
        "text": measure.text,
        "tool_id": measure.tool_id,
        "owner_name": (owner.full_name or owner.email) if owner is not None else measure.owner_name,
        "due_on": measure.due_on,
        "status": measure.status,
        "done_on": measure.done_on,
    }


def meeting_data(meeting: ReviewMeeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "status": meeting.status,
        "reason": meeting.reason,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "location": meeting.location,
        "event_id": meeting.event_id,
        "clause_id": meeting.clause_id,
        "tool_ids": sorted(t.pk for t in meeting.tools.all()),
        "agenda": meeting.agenda,
        "outcome": meeting.outcome,
        "measures": [measure_data(m) for m in meeting.measures.all()],
    }


@router.get(
    "/organisations/{slug}/review-meetings",
    response={200: ReviewMeetingPage, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REVIEWS),
    summary="The organisation's review meetings",
)
def list_review_meetings(
    request: HttpRequest, slug: str, filters: Query[ReviewMeetingQuery]
) -> dict[str, Any]:
    """Latest first; filter by status or by the event that scheduled them. Pages of at most 100."""
    meetings = _meetings(caller(request).organisation_access.organisation)
    if filters.status:
        meetings = meetings.filter(status=filters.status)
    if filters.event_id is not None:
        meetings = meetings.filter(event_id=filters.event_id)
    return paginate(request, meetings.order_by("-starts_at", "-pk"), filters, meeting_data)


@router.get(
    "/organisations/{slug}/review-meetings/{review_meeting_id}",
    response={200: ReviewMeetingOut, **_READ_ERRORS},
    auth=api_auth(Perm.VIEW_REVIEWS),
    summary="A review meeting with its agenda, tools and measures",
)
def get_review_meeting(request: HttpRequest, slug: str, review_meeting_id: int) -> dict[str, Any]:
    meeting = (
        _meetings(caller(request).organisation_access.organisation)
        .filter(pk=int_id(review_meeting_id))
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting_data(meeting)
