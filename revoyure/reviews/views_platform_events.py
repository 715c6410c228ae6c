"""The platform administrator's trigger events: the installation's events (organisation empty), which
concern every organisation using the vendor's product or tools of the category. The platform administrator
acts as the installation's delegate for them: enters, confirms or rejects them. These pages do not exist
for anyone else (404), and they never show an organisation's own events."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from revoyure.organisations.forms import apply_errors
from revoyure.organisations.views_helpers import get_in, posted, posted_files
from revoyure.registry.choices import IN_USE_STATUSES
from revoyure.registry.models import Vendor
from revoyure.reviews import services_events, triggers
from revoyure.reviews.forms_events import DecisionForm, EventForm
from revoyure.reviews.models import EventStatus, ReviewMeeting, TriggerEvent
from revoyure.reviews.views_events import decide, event_row, evidence_response, filtered_page


def platform_page(*methods: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The page exists for the platform administrator only (404 for anyone else, whatever the method);
    a wrong method is answered 405 to them alone."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_superuser:
                raise Http404
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def _installation_events() -> QuerySet[TriggerEvent]:
    return TriggerEvent.objects.filter(organisation__isnull=True)


def _event(event_id: Any) -> TriggerEvent:
    return get_in(
        _installation_events().select_related("vendor", "created_by", "decided_by", "feed"), event_id
    )


def _detail_url(event: TriggerEvent) -> str:
    return reverse("reviews:platform_event_detail", kwargs={"event_id": event.pk})


@platform_page("GET", "HEAD")
def platform_event_list(request: HttpRequest) -> HttpResponse:
    result = filtered_page(request, _installation_events(), external_only=True)
    if isinstance(result, HttpResponse):
        return result
    page, form = result
    return render(request, "reviews/platform_event_list.html", {"page": page, "filters": form})


@platform_page("GET", "POST")
def platform_event_new(request: HttpRequest) -> HttpResponse:
    form = EventForm(
        posted(request),
        posted_files(request),
        kinds=triggers.choices(origin="manual", external=True),
        # The vendors whose tools are in use somewhere: an event about any other reaches nobody.
        vendors=Vendor.objects.filter(tools__status__in=IN_USE_STATUSES).distinct().order_by("name"),
        tools=None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            confirmed = bool(data["confirm_now"])
            try:
                event, _created = services_events.create_event(
                    organisation_id=None,
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
                    evidence_url=data["evidence_url"],
                    evidence_file=data["evidence_file"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The installation event is recorded and confirmed: the review meetings of every "
                        "organisation concerned are being scheduled."
                    )
                    if confirmed
                    else _("The installation event is recorded. It awaits your confirmation."),
                )
                return redirect(_detail_url(event))
        status = 400
    return render(
        request,
        "reviews/event_form.html",
        {"access": None, "form": form, "platform": True, "confirmed_at_once": False},
        status=status,
    )


def _render_detail(
    request: HttpRequest, event: TriggerEvent, form: DecisionForm | None = None
) -> HttpResponse:
    reach = ReviewMeeting.objects.filter(event=event).aggregate(
        meetings=Count("pk"), organisations=Count("organisation", distinct=True)
    )
    can_decide = event.status == EventStatus.PENDING
    return render(
        request,
        "reviews/platform_event_detail.html",
        {
            "event": event,
            "row": event_row(event),
            "reach": reach,
            "can_decide": can_decide,
            "decision_form": (form or DecisionForm()) if can_decide else None,
            "decision_errors": list(form.non_field_errors()) if form is not None else [],
        },
        status=400 if form is not None else 200,
    )


@platform_page("GET", "HEAD")
def platform_event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    return _render_detail(request, _event(event_id))


@platform_page("GET", "HEAD")
def platform_event_evidence(request: HttpRequest, event_id: int) -> HttpResponseBase:
    return evidence_response(_event(event_id))


def _decide_view(request: HttpRequest, event_id: int, confirm: bool) -> HttpResponse:
    event = _event(event_id)
    return decide(
        request,
        event,
        confirm,
        lambda form: _render_detail(request, _event(event.pk), form),
        _detail_url(event),
    )


@platform_page("POST")
def platform_event_confirm(request: HttpRequest, event_id: int) -> HttpResponse:
    return _decide_view(request, event_id, confirm=True)


@platform_page("POST")
def platform_event_reject(request: HttpRequest, event_id: int) -> HttpResponse:
    return _decide_view(request, event_id, confirm=False)
