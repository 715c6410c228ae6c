"""The webhook pages: only the organisation's administrator, the secret shown once and kept out of the
history and the audit log, refused addresses and bad input (400, nothing written), the delivery log with a
constant number of queries, a test message and a replay."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from revoyure.core.models import AuditEntry
from revoyure.webhooks import delivery, services
from revoyure.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Personas
from tests.webhooks.conftest import make_endpoint
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db

HOOK_URL = "https://93.184.215.14/hooks"  # a public address literal: checked without DNS
EVERYONE_BUT_THE_ADMIN = ["delegate", "manager", "staff_rep", "committee", "employee", "auditor"]


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"webhooks:{name}", kwargs={"org": "acme", **kwargs})


@pytest.fixture
def endpoint(personas: Personas) -> WebhookEndpoint:
    return make_endpoint(personas.org, HOOK_URL, ["tool.changed"], actor=personas.admin)[0]


@pytest.fixture
def sent(personas: Personas, endpoint: WebhookEndpoint) -> WebhookDelivery:
    services.queue("tool.changed", personas.org.pk, {"tool_id": 3, "name": "Planning"})
    return WebhookDelivery.objects.get()


def page_urls(endpoint: WebhookEndpoint, sent: WebhookDelivery) -> list[str]:
    return [
        url("list"),
        url("new"),
        url("detail", webhook_id=endpoint.pk),
        url("edit", webhook_id=endpoint.pk),
        url("delete", webhook_id=endpoint.pk),
        url("rotate_secret", webhook_id=endpoint.pk),
        url("delivery_detail", delivery_id=sent.pk),
    ]


def form(**values: Any) -> dict[str, Any]:
    data = {"url": HOOK_URL, "description": "SIRH", "events": ["tool.changed", "obligation.due"]}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


# Access -------------------------------------------------------------------------------------------------


def test_the_admin_sees_every_page(
    personas: Personas, endpoint: WebhookEndpoint, sent: WebhookDelivery
) -> None:
    client = personas.client("admin")
    for address in page_urls(endpoint, sent):
        assert client.get(address).status_code == 200, address


@pytest.mark.parametrize("who", EVERYONE_BUT_THE_ADMIN)
def test_other_members_are_refused(
    personas: Personas, endpoint: WebhookEndpoint, sent: WebhookDelivery, who: str
) -> None:
    client = personas.client(who)
    for address in page_urls(endpoint, sent):
        assert client.get(address).status_code == 403, address
    for address in (
        url("send_test", webhook_id=endpoint.pk),
        url("delivery_replay", delivery_id=sent.pk),
        url("delete", webhook_id=endpoint.pk),
    ):
        assert client.post(address, {"confirm": "yes"}).status_code == 403, address
    assert client.post(url("new"), form()).status_code == 403
    assert WebhookEndpoint.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_outsiders_get_404_and_anonymous_visitors_the_login_page(
    personas: Personas, endpoint: WebhookEndpoint, sent: WebhookDelivery
) -> None:
    outsider = personas.client("outsider")
    for address in page_urls(endpoint, sent):
        assert outsider.get(address).status_code == 404, address
    assert outsider.post(url("send_test", webhook_id=endpoint.pk)).status_code == 404
    assert outsider.post(url("delivery_replay", delivery_id=sent.pk)).status_code == 404
    from django.test import Client

    response = Client().get(url("list"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert WebhookDelivery.objects.count() == 1


def test_an_admin_of_another_organisation_cannot_reach_ours(
    personas: Personas, endpoint: WebhookEndpoint, sent: WebhookDelivery
) -> None:
    client = personas.client("outsider")  # administrator of "other"
    other = lambda name, **kw: reverse(f"webhooks:{name}", kwargs={"org": "other", **kw})  # noqa: E731
    assert client.get(other("list")).status_code == 200
    assert client.get(other("detail", webhook_id=endpoint.pk)).status_code == 404
    assert client.get(other("delivery_detail", delivery_id=sent.pk)).status_code == 404
    assert client.post(other("delivery_replay", delivery_id=sent.pk)).status_code == 404
    assert WebhookDelivery.objects.count() == 1


def test_the_menu_shows_webhooks_to_the_admin_only(personas: Personas) -> None:
    menu_link = f'href="{url("list")}"'
    assert menu_link in personas.client("admin").get(url("list")).content.decode()
    page = personas.client("delegate").get(reverse("registry:tool_list", kwargs={"org": "acme"}))
    assert menu_link not in page.content.decode()


def test_a_wrong_method_is_405_for_the_admin(personas: Personas, endpoint: WebhookEndpoint) -> None:
    client = personas.client("admin")
    assert client.get(url("send_test", webhook_id=endpoint.pk)).status_code == 405
    assert client.post(url("list")).status_code == 405


# Creating, and the secret -------------------------------------------------------------------------------


def test_creating_a_webhook_shows_its_secret_once(personas: Personas) -> None:
    client = personas.client("admin")
    response = client.post(url("new"), form())
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert endpoint.events == ["tool.changed", "obligation.due"]
    assert endpoint.description == "SIRH" and endpoint.created_by == personas.admin
    for address in (url("detail", webhook_id=endpoint.pk), url("list"), url("edit", webhook_id=endpoint.pk)):
        assert endpoint.secret not in client.get(address).content.decode()


def test_the_secret_is_in_neither_the_history_nor_the_audit_log(personas: Personas) -> None:
    client = personas.client("admin")
    client.post(url("new"), form())
    endpoint = WebhookEndpoint.objects.get()
    first_secret = endpoint.secret
    client.post(url("edit", webhook_id=endpoint.pk), form(description="SIRH v2", active="on"))
    response = client.post(url("rotate_secret", webhook_id=endpoint.pk), {"confirm": "yes"})
    endpoint.refresh_from_db()
    assert endpoint.secret != first_secret and endpoint.secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    history = endpoint.history.all()
    assert len(history) == 3
    assert all(not hasattr(row, "secret") for row in history)
    assert {row.history_change_reason for row in history} >= {"Webhook created", "Signing secret rotated"}
    entries = AuditEntry.objects.filter(action__startswith="webhook.")
    assert {e.action for e in entries} == {"webhook.created", "webhook.updated", "webhook.secret_rotated"}
    for entry in entries:
        assert first_secret not in str(entry.data) and endpoint.secret not in str(entry.data)
        assert "whsec_" not in str(entry.data)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"url": "http://93.184.215.14/hooks"}, "url", "https://"),
        ({"url": "ftp://93.184.215.14/hooks"}, "url", ""),
        ({"url": "https://127.0.0.1/hooks"}, "url", "private"),
        ({"url": "https://10.1.2.3:8443/hooks"}, "url", "private"),
        ({"url": "https://[::1]/hooks"}, "url", "private"),
        ({"url": "https://"}, "url", ""),
        ({"url": "not an address"}, "url", ""),
        ({"url": ""}, "url", ""),
        ({"url": "https://93.184.215.14/" + "a" * 1000}, "url", ""),
        ({"events": None}, "events", ""),
        ({"events": ["tool.changed", "everything"]}, "events", ""),
        ({"description": "d" * 201}, "description", ""),
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(
    personas: Personas, values: dict[str, Any], field: str, message: str
) -> None:
    response = personas.client("admin").post(url("new"), form(**values))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="webhook.").exists()


def test_a_refused_address_is_reported_with_the_other_errors(personas: Personas) -> None:
    response = personas.client("admin").post(url("new"), form(url="http://93.184.215.14/x", events=None))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"url", "events"}
    assert not WebhookEndpoint.objects.exists()


def test_an_edit_with_bad_input_is_a_400_and_changes_nothing(
    personas: Personas, endpoint: WebhookEndpoint
) -> None:
    client = personas.client("admin")
    response = client.post(
        url("edit", webhook_id=endpoint.pk), form(url="http://93.184.215.14/x", active="on")
    )
    assert response.status_code == 400
    endpoint.refresh_from_db()
    assert endpoint.url == HOOK_URL and endpoint.history.count() == 1


def test_editing_changes_the_address_events_and_state(personas: Personas, endpoint: WebhookEndpoint) -> None:
    client = personas.client("admin")
    response = client.post(
        url("edit", webhook_id=endpoint.pk), form(url="https://93.184.215.15/v2", events=["obligation.due"])
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.215.15/v2"
    assert endpoint.events == ["obligation.due"] and endpoint.active is False
    entry = AuditEntry.objects.get(action="webhook.updated")
    assert entry.data["fields"] == ["active", "description", "events", "url"]


def test_an_organisation_has_at_most_twenty_webhooks(personas: Personas) -> None:
    for i in range(services.MAX_ENDPOINTS):
        make_endpoint(personas.org, f"{HOOK_URL}/{i}")
    response = personas.client("admin").post(url("new"), form())
    assert response.status_code == 400
    assert WebhookEndpoint.objects.count() == services.MAX_ENDPOINTS


# Deleting -----------------------------------------------------------------------------------------------


def test_deleting_asks_first_then_deletes_with_history_and_audit(
    personas: Personas, endpoint: WebhookEndpoint, sent: WebhookDelivery
) -> None:
    client = personas.client("admin")
    assert client.post(url("delete", webhook_id=endpoint.pk)).status_code == 400  # not confirmed
    assert WebhookEndpoint.objects.exists()
    response = client.post(url("delete", webhook_id=endpoint.pk), {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == url("list")
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert WebhookEndpoint.history.filter(id=endpoint.pk, history_type="-").exists()
    assert AuditEntry.objects.get(action="webhook.deleted").data["deliveries"] == 1


def test_a_rotation_must_be_confirmed(personas: Personas, endpoint: WebhookEndpoint) -> None:
    before = endpoint.secret
    response = personas.client("admin").post(url("rotate_secret", webhook_id=endpoint.pk))
    assert response.status_code == 400
    endpoint.refresh_from_db()
    assert endpoint.secret == before


# Test message, delivery log, replay ---------------------------------------------------------------------


def test_send_a_test_queues_a_ping(personas: Personas, endpoint: WebhookEndpoint) -> None:
    response = personas.client("admin").post(url("send_test", webhook_id=endpoint.pk), {"confirm": "yes"})
    assert response.status_code == 302
    ping = WebhookDelivery.objects.get()
    assert ping.event_type == "ping" and ping.status == "pending"
    assert AuditEntry.objects.filter(action="webhook.test_queued").count() == 1


def test_no_test_message_to_an_inactive_webhook(personas: Personas, endpoint: WebhookEndpoint) -> None:
    services.update_endpoint(endpoint, None, url=endpoint.url, events=endpoint.events, active=False)
    response = personas.client("admin").post(url("send_test", webhook_id=endpoint.pk), {"confirm": "yes"})
    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_the_delivery_page_shows_payload_headers_without_signature_and_response(
    personas: Personas, receiver: Receiver
) -> None:
    endpoint, _secret = make_endpoint(personas.org, receiver.url, ["tool.changed"])
    receiver.statuses = [502]
    receiver.answer = b"upstream down"
    services.queue("tool.changed", personas.org.pk, {"tool_id": 3, "name": "Planning"})
    delivery.deliver_due_now()
    sent = WebhookDelivery.objects.get()
    page = personas.client("admin").get(url("delivery_detail", delivery_id=sent.pk)).content.decode()
    assert sent.message_id in page and "webhook-timestamp" in page
    assert "webhook-signature" not in page
    assert receiver.requests[0].headers["webhook-signature"] not in page
    assert "&quot;name&quot;: &quot;Planning&quot;" in page
    assert "502" in page and "upstream down" in page
    detail = personas.client("admin").get(url("detail", webhook_id=endpoint.pk)).content.decode()
    assert "502" in detail and "Retrying" in detail


def test_replaying_from_the_page_creates_a_new_delivery(
    personas: Personas, endpoint: WebhookEndpoint, sent: WebhookDelivery
) -> None:
    response = personas.client("admin").post(url("delivery_replay", delivery_id=sent.pk), {"confirm": "yes"})
    copy = WebhookDelivery.objects.exclude(pk=sent.pk).get()
    assert response.status_code == 302
    assert response["Location"] == url("delivery_detail", delivery_id=copy.pk)
    assert copy.replay_of == sent and copy.message_id != sent.message_id
    assert AuditEntry.objects.filter(action="webhook.delivery_replayed").count() == 1


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99", "1" * 30])
def test_a_bad_page_number_is_a_400(personas: Personas, endpoint: WebhookEndpoint, page: str) -> None:
    response = personas.client("admin").get(url("detail", webhook_id=endpoint.pk), {"page": page})
    assert response.status_code == 400


def test_a_malformed_id_is_a_404(personas: Personas) -> None:
    client = personas.client("admin")
    assert client.get(f"/o/acme/webhooks/{2**70}/").status_code == 404
    assert client.get(f"/o/acme/webhooks/deliveries/{2**70}/").status_code == 404


def _many_deliveries(personas: Personas, count: int) -> None:
    services.queue_many("tool.changed", [(personas.org.pk, f"t:{i}", {"tool_id": i}) for i in range(count)])
    WebhookDelivery.objects.filter(pk__in=WebhookDelivery.objects.values("pk")[: count // 2]).update(
        status="failed", attempts=6, response_status=500, error="down"
    )


def test_the_delivery_log_runs_a_constant_number_of_queries(
    personas: Personas, endpoint: WebhookEndpoint, django_assert_num_queries: Any
) -> None:
    client = personas.client("admin")
    address = url("detail", webhook_id=endpoint.pk)
    _many_deliveries(personas, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(address).status_code == 200
    _many_deliveries(personas, 80)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(address).status_code == 200
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(address, {"page": 2}).status_code == 200


def test_the_list_runs_a_constant_number_of_queries(
    personas: Personas, django_assert_num_queries: Any
) -> None:
    client = personas.client("admin")
    make_endpoint(personas.org, HOOK_URL, ["tool.changed"])
    _many_deliveries(personas, 4)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url("list")).status_code == 200
    for i in range(6):
        make_endpoint(personas.org, f"{HOOK_URL}/{i}", ["tool.changed"])
    _many_deliveries(personas, 30)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url("list")).status_code == 200
