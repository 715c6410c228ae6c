"""Pages of the outgoing webhooks (issue 6 §4), for the organisation's administrator: the list, subscribing
an endpoint (its secret shown once), its settings and delivery log, a test message, rotating the secret,
deleting it, and a delivery's detail with its replay."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.forms import apply_errors
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import (
    BadPage,
    bad_query,
    confirm,
    confirmed,
    get_in,
    paginate,
    posted,
    require_methods,
)
from revoyure.webhooks import delivery as sending
from revoyure.webhooks import services
from revoyure.webhooks.forms import EndpointForm, PageForm
from revoyure.webhooks.models import PING, DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint

PER_PAGE = 25
EVENT_LABELS = {**dict(EventType.choices), PING: _("Test message")}


def _endpoint(access: OrgAccess, webhook_id: Any) -> WebhookEndpoint:
    return get_in(WebhookEndpoint.objects.filter(organisation=access.organisation), webhook_id)


def _delivery(access: OrgAccess, delivery_id: Any) -> WebhookDelivery:
    return get_in(
        WebhookDelivery.objects.filter(endpoint__organisation=access.organisation).select_related("endpoint"),
        delivery_id,
    )


def _detail_url(access: OrgAccess, endpoint: WebhookEndpoint) -> str:
    return reverse("webhooks:detail", kwargs={"org": access.organisation.slug, "webhook_id": endpoint.pk})


def _event_labels(events: Any) -> list[str]:
    return [str(EVENT_LABELS.get(e, e)) for e in (events or ())]


def _show_secret(
    request: HttpRequest, access: OrgAccess, endpoint: WebhookEndpoint, secret: str, *, rotated: bool
) -> HttpResponse:
    # The secret is in this response only: it is never shown again, and must not be cached.
    response = render(
        request,
        "webhooks/secret.html",
        {"access": access, "endpoint": endpoint, "secret": secret, "rotated": rotated},
    )
    response["Cache-Control"] = "no-store"
    return response


def _form_values(form: EndpointForm) -> dict[str, Any]:
    data = form.cleaned_data
    values = {"url": data["url"], "description": data["description"], "events": data["events"]}
    if "active" in form.fields:
        values["active"] = data["active"]
    return values


@login_required
@require_methods("GET", "HEAD")
def webhook_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_WEBHOOKS)
    endpoints = list(
        WebhookEndpoint.objects.filter(organisation=access.organisation)
        .annotate(
            failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
            waiting=Count(
                "deliveries",
                filter=Q(deliveries__status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING)),
            ),
        )
        .order_by("pk")
    )
    rows = [{"endpoint": e, "events": _event_labels(e.events)} for e in endpoints]
    return render(
        request,
        "webhooks/list.html",
        {"access": access, "rows": rows, "can_add": len(endpoints) < services.MAX_ENDPOINTS},
    )


@login_required
@require_methods("GET", "POST")
def webhook_new(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_WEBHOOKS)
    form = EndpointForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.create_endpoint(
                access.organisation, request.user, **_form_values(form)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The webhook is created."))
            return _show_secret(request, access, endpoint, secret, rotated=False)
    return render(
        request,
        "webhooks/form.html",
        {"access": access, "form": form, "endpoint": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_methods("GET", "HEAD")
def webhook_detail(request: HttpRequest, org: str, webhook_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_WEBHOOKS)
    endpoint = _endpoint(access, webhook_id)
    query = PageForm(request.GET)
    if not query.is_valid():
        return bad_query(request, _("This page number is not valid."))
    try:
        page = paginate(
            endpoint.deliveries.order_by("-created_at", "-pk").defer("payload", "request_headers"),
            query.cleaned_data["page"],
            PER_PAGE,
        )
    except BadPage as exc:
        return bad_query(request, str(exc))
    return render(
        request,
        "webhooks/detail.html",
        {
            "access": access,
            "endpoint": endpoint,
            "events": _event_labels(endpoint.events),
            "page": page,
            "rows": [{"delivery": d, "event": EVENT_LABELS.get(d.event_type, d.event_type)} for d in page],
        },
    )


@login_required
@require_methods("GET", "POST")
def webhook_edit(request: HttpRequest, org: str, webhook_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_WEBHOOKS)
    endpoint = _endpoint(access, webhook_id)
    form = EndpointForm(
        posted(request),
        with_active=True,
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "events": list(endpoint.events),
            "active": endpoint.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(endpoint, request.user, **_form_values(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The webhook is saved."))
            return redirect(_detail_url(access, endpoint))
    return render(
        request,
        "webhooks/form.html",
        {"access": access, "form": form, "endpoint": endpoint},
        status=400 if form.errors else 200,
    )


@login_required
@require_methods("GET", "POST")
def webhook_delete(request: HttpRequest, org: str, webhook_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_WEBHOOKS)
    endpoint = _endpoint(access, webhook_id)
    if confirmed(request):
        services.delete_endpoint(endpoint, request.user)
        messages.success(request, _("The webhook %(url)s is deleted.") % {"url": endpoint.url})
        return redirect("webhooks:list", org=access.organisation.slug)
    return confirm(
        request,
        access,
        title=_("Delete the webhook %(url)s?") % {"url": endpoint.url},
        message=_("No message will be sent to this address any more, and its delivery log is deleted."),
        button=_("Delete"),
        cancel_url=_detail_url(access, endpoint),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_methods("GET", "POST")
def webhook_rotate_secret(request: HttpRequest, org: str, webhook_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_WEBHOOKS)
    endpoint = _endpoint(access, webhook_id)
    if confirmed(request):
        endpoint, secret = services.rotate_secret(endpoint, request.user)
        messages.success(request, _("The signing secret is replaced."))
        return _show_secret(request, access, endpoint, secret, rotated=True)
    return confirm(
        request,
        access,
        title=_("Replace the signing secret of %(url)s?") % {"url": endpoint.url},
        message=_(
            "Messages are signed with the new secret from now on: the receiver must be given it, or it "
            "will refuse them."
        ),
        button=_("Replace the secret"),
        cancel_url=_detail_url(access, endpoint),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_methods("POST")
def webhook_send_test(request: HttpRequest, org: str, webhook_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_WEBHOOKS)
    endpoint = _endpoint(access, webhook_id)
    if not confirmed(request):  # only the page's own button sends (never any stray POST)
        return bad_query(request, _("Use the button on the webhook's page to send a test message."))
    try:
        services.send_test(endpoint, request.user)
    except ValidationError as exc:
        return bad_query(request, " ".join(exc.messages))
    messages.success(request, _("A test message is queued; its delivery appears below."))
    return redirect(_detail_url(access, endpoint))


@login_required
@require_methods("GET", "HEAD")
def delivery_detail(request: HttpRequest, org: str, delivery_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_WEBHOOKS)
    item = _delivery(access, delivery_id)
    shown = sending.describe(item)
    return render(
        request,
        "webhooks/delivery.html",
        {
            "access": access,
            "delivery": item,
            "endpoint": item.endpoint,
            "event": EVENT_LABELS.get(item.event_type, item.event_type),
            "headers": shown["headers"],
            "body": shown["body"],
        },
    )


@login_required
@require_methods("POST")
def delivery_replay(request: HttpRequest, org: str, delivery_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_WEBHOOKS)
    item = _delivery(access, delivery_id)
    if not confirmed(request):
        return bad_query(request, _("Use the button on the delivery's page to send it again."))
    try:
        copy = services.replay(item, request.user)
    except ValidationError as exc:
        return bad_query(request, " ".join(exc.messages))
    messages.success(request, _("The message is sent again, as a new delivery."))
    return redirect("webhooks:delivery_detail", org=access.organisation.slug, delivery_id=copy.pk)
