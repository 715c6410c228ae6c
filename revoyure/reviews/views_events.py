"""The organisation's trigger events (issue 6 §2): the list (its own events and the installation's events
that reached it), entering one by hand, its page with its evidence and the review meetings it scheduled
here, and the delegate's confirmation or rejection.

The roadmap: « Les rendez-vous de revoyure sont déclenchés lorsque l'un des événements suivants est
réalisé » — an event becomes a meeting only once someone answerable for it (the AI delegate, or the
platform administrator for the installation's events) has confirmed it."""

from __future__ import annotations

import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.forms import apply_errors
from revoyure.organisations.models import Organisation
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import (
    BadPage,
    bad_query,
    get_in,
    paginate,
    posted,
    posted_files,
    require_methods,
)
from revoyure.registry.choices import DomainCategory, ToolStatus
from revoyure.registry.models import Tool, Vendor
from revoyure.reviews import services_events, triggers
from revoyure.reviews.forms_events import DecisionForm, EventFilterForm, EventForm
from revoyure.reviews.models import EventStatus, ReviewMeeting, TriggerEvent

PER_PAGE = 50


# Shared with the platform administrator's pages --------------------------------------------------------


def kind_label(kind: str) -> str:
    trigger = triggers.get(kind)
    return trigger.label if trigger else kind


def category_label(category: str) -> str:
    return str(DomainCategory(category).label) if category in DomainCategory.values else category


def event_row(event: TriggerEvent) -> dict[str, Any]:
    return {"event": event, "kind": kind_label(event.kind), "category": category_label(event.category)}


def pending_first(events: QuerySet[TriggerEvent]) -> QuerySet[TriggerEvent]:
    """Pending events first (they wait for someone), then the newest."""
    return events.annotate(
        pending_rank=Case(
            When(status=EventStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("pending_rank", "-occurred_on", "-pk")


def filtered_page(
    request: HttpRequest, events: QuerySet[TriggerEvent], *, external_only: bool = False
) -> tuple[Any, EventFilterForm] | HttpResponse:
    """The page of `events` the query string asks for, or the 400 page of a bad query string."""
    form = EventFilterForm(request.GET, external_only=external_only)
    if not form.is_valid():
        return bad_query(request, form.problems())
    if form.cleaned_data["status"]:
        events = events.filter(status=form.cleaned_data["status"])
    if form.cleaned_data["kind"]:
        events = events.filter(kind=form.cleaned_data["kind"])
    events = pending_first(events.select_related("vendor", "tool"))
    try:
        page = paginate(events, form.cleaned_data["page"], PER_PAGE)
    except BadPage as exc:
        return bad_query(request, str(exc))
    page.object_list = [event_row(event) for event in page.object_list]
    return page, form


def evidence_response(event: TriggerEvent) -> HttpResponseBase:
    """The evidence file, always as a download (never rendered in our origin: it was uploaded by someone)."""
    if not event.evidence_file:
        raise Http404
    try:
        handle = event.evidence_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:  # the row outlived its file (a restored database, say)
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=os.path.basename(event.evidence_file.name),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def decide(
    request: HttpRequest, event: TriggerEvent, confirm: bool, rerender: Any, done_url: str
) -> HttpResponse:
    """Confirm or reject a pending event with the posted note; a second decision (two delegates clicking at
    once, a stale page) is refused with the service's message. The button pressed must be posted with it:
    a stray POST decides nothing."""
    if request.POST.get("action") != ("confirm" if confirm else "reject"):
        return bad_query(request, _("This form was not understood."))
    form = DecisionForm(request.POST)
    if form.is_valid():
        action = services_events.confirm_event if confirm else services_events.reject_event
        try:
            action(event, request.user, form.cleaned_data["note"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The event is confirmed: the review meetings it calls for are being scheduled.")
                if confirm
                else _("The event is rejected: it schedules no review meeting."),
            )
            return redirect(done_url)
    return rerender(form)


# The organisation's pages -------------------------------------------------------------------------------


def visible_events(organisation: Organisation) -> QuerySet[TriggerEvent]:
    """The organisation's own events, and the installation's events that reached it (scheduled a meeting
    here). An installation event that reached no meeting here stays invisible: which vendors other
    organisations use is not this organisation's business."""
    reached = ReviewMeeting.objects.filter(event=OuterRef("pk"), organisation=organisation)
    return TriggerEvent.objects.filter(
        Q(organisation=organisation) | Q(Exists(reached), organisation__isnull=True)
    )


def _event(access: OrgAccess, event_id: Any) -> TriggerEvent:
    return get_in(
        visible_events(access.organisation).select_related("vendor", "tool", "created_by", "decided_by"),
        event_id,
    )


def _detail_url(access: OrgAccess, event: TriggerEvent) -> str:
    return reverse("reviews:event_detail", kwargs={"org": access.organisation.slug, "event_id": event.pk})


@login_required
@require_methods("GET", "HEAD")
def event_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    result = filtered_page(request, visible_events(access.organisation))
    if isinstance(result, HttpResponse):
        return result
    page, form = result
    return render(
        request,
        "reviews/event_list.html",
        {
            "access": access,
            "page": page,
            "filters": form,
            "can_manage": access.can(Perm.MANAGE_REVIEWS),
        },
    )


def _org_form(access: OrgAccess, request: HttpRequest) -> EventForm:
    organisation = access.organisation
    return EventForm(
        posted(request),
        posted_files(request),
        kinds=triggers.choices(origin="manual"),
        # The vendors of the organisation's tools; any other one of the register can be named.
        vendors=Vendor.objects.filter(tools__organisation=organisation).distinct().order_by("name"),
        tools=Tool.objects.filter(organisation=organisation)
        .exclude(status=ToolStatus.WITHDRAWN)
        .order_by("name", "pk"),
    )


@login_required
@require_methods("GET", "POST")
def event_new(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    form = _org_form(access, request)
    # The AI delegate (or the administrator) answers for the event at once; management's waits for them.
    confirmed = access.can(Perm.CONFIRM_EVENTS)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                event, _created = services_events.create_event(
                    organisation_id=access.organisation.pk,
                    kind=data["kind"],
                    origin="manual",
                    title=data["title"],
                    occurred_on=data["occurred_on"],
                    actor=request.user,
                    confirmed=confirmed,
                    description=data["description"],
                    source=data["source"],
                    vendor=data["vendor"],
                    product=data["product"],
                    category=data["category"],
                    tool=data["tool"],
                    evidence_url=data["evidence_url"],
                    evidence_file=data["evidence_file"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The event is recorded and confirmed: the review meetings it calls for are being scheduled."
                    )
                    if confirmed
                    else _("The event is recorded. It awaits the delegate's confirmation."),
                )
                return redirect(_detail_url(access, event))
        status = 400
    return render(
        request,
        "reviews/event_form.html",
        {"access": access, "form": form, "platform": False, "confirmed_at_once": confirmed},
        status=status,
    )


def render_event(
    request: HttpRequest, access: OrgAccess, event: TriggerEvent, *, form: DecisionForm | None = None
) -> HttpResponse:
    can_decide = (
        access.can(Perm.CONFIRM_EVENTS)
        and event.organisation_id == access.organisation.pk
        and event.status == EventStatus.PENDING
    )
    # Only this organisation's meetings, even for an installation event that reached many.
    meetings = list(
        ReviewMeeting.objects.filter(event=event, organisation=access.organisation)
        .select_related("clause")
        .order_by("starts_at", "pk")
    )
    return render(
        request,
        "reviews/event_detail.html",
        {
            "access": access,
            "event": event,
            "row": event_row(event),
            "meetings": meetings,
            "can_decide": can_decide,
            "decision_form": (form or DecisionForm()) if can_decide else None,
            # Shown even when the form is gone (the event was decided meanwhile by someone else).
            "decision_errors": list(form.non_field_errors()) if form is not None else [],
        },
        status=400 if form is not None else 200,
    )


@login_required
@require_methods("GET", "HEAD")
def event_detail(request: HttpRequest, org: str, event_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    return render_event(request, access, _event(access, event_id))


@login_required
@require_methods("GET", "HEAD")
def event_evidence(request: HttpRequest, org: str, event_id: int) -> HttpResponseBase:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    return evidence_response(_event(access, event_id))


def _decide_view(request: HttpRequest, org: str, event_id: int, confirm: bool) -> HttpResponse:
    access = org_context(request, org, Perm.CONFIRM_EVENTS)
    # Only the organisation's own events: the installation's are the platform administrator's to decide.
    event = get_in(
        TriggerEvent.objects.filter(organisation=access.organisation).select_related(
            "vendor", "tool", "created_by", "decided_by"
        ),
        event_id,
    )
    return decide(
        request,
        event,
        confirm,
        lambda form: render_event(request, access, _event(access, event.pk), form=form),
        _detail_url(access, event),
    )


@login_required
@require_methods("POST")
def event_confirm(request: HttpRequest, org: str, event_id: int) -> HttpResponse:
    return _decide_view(request, org, event_id, confirm=True)


@login_required
@require_methods("POST")
def event_reject(request: HttpRequest, org: str, event_id: int) -> HttpResponse:
    return _decide_view(request, org, event_id, confirm=False)
