"""The trigger-event pages (issue 6 §2): entering an event by hand, the list with the installation's events
that reached the organisation, the event's page and evidence, the delegate's confirmation, and the platform
administrator's pages for the installation's events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from revoyure.core.models import AuditEntry
from revoyure.reviews import fanout
from revoyure.reviews.models import ReviewMeeting, TriggerEvent
from revoyure.reviews.services_events import create_event
from tests.conftest import Personas
from tests.factories import UserFactory, make_tool
from tests.reviews.conftest import make_clause, put_in_service

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)
CONFIRM = {"action": "confirm"}
REJECT = {"action": "reject"}


def url(name: str, org: Any = None, **kwargs: Any) -> str:
    if org is not None:
        kwargs["org"] = org.slug
    return reverse(f"reviews:{name}", kwargs=kwargs)


def form_data(**values: Any) -> dict[str, Any]:
    data = {
        "kind": "delegate_signal",
        "title": "Le délégué signale un usage de l'outil hors de son objet",
        "occurred_on": YESTERDAY.isoformat(),
        "source": "Délégué à l'IA",
        "description": "Utilisé pour évaluer les personnes.",
    }
    data.update(values)
    return data


def org_event(personas: Personas, **values: Any) -> TriggerEvent:
    values.setdefault("kind", "delegate_signal")
    values.setdefault("title", "Signal du délégué")
    values.setdefault("occurred_on", YESTERDAY)
    values.setdefault("origin", "manual")
    event, _created = create_event(organisation_id=personas.org.pk, **values)
    return event


def installation_event(vendor: Any, *, confirmed: bool = True, **values: Any) -> TriggerEvent:
    values.setdefault("kind", "vendor_instructions_update")
    values.setdefault("title", "Nouvelle notice de Copilot")
    event, _created = create_event(
        organisation_id=None, origin="manual", occurred_on=YESTERDAY, vendor=vendor, **values
    )
    if confirmed:
        TriggerEvent.objects.filter(pk=event.pk).update(status="confirmed")
    return event


@pytest.fixture
def superuser(db: Any) -> Any:
    return UserFactory(email="root@platform.example", is_superuser=True, is_staff=True)


# Entering an event ----------------------------------------------------------------------------------------


def test_the_delegate_s_event_is_confirmed_at_once_and_schedules_the_meeting(
    personas: Personas, tool: Any, run_workers_inline: Any, django_capture_on_commit_callbacks: Any
) -> None:
    put_in_service(tool)
    clause = make_clause(personas.org)
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.client("delegate").post(url("event_new", personas.org), form_data(tool=tool.pk))
    assert response.status_code == 302
    event = TriggerEvent.objects.get()
    assert response["Location"] == url("event_detail", personas.org, event_id=event.pk)
    assert (event.status, event.origin, event.organisation, event.tool) == (
        "confirmed",
        "manual",
        personas.org,
        tool,
    )
    assert event.created_by == personas.delegate and event.decided_by == personas.delegate
    run_workers_inline()
    meeting = ReviewMeeting.objects.get()
    assert (meeting.clause, meeting.event, list(meeting.tools.all())) == (clause, event, [tool])


def test_the_manager_s_event_awaits_the_delegate_s_confirmation(
    personas: Personas, tool: Any, run_workers_inline: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_clause(personas.org)
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.client("manager").post(url("event_new", personas.org), form_data())
    assert response.status_code == 302
    event = TriggerEvent.objects.get()
    assert event.status == "pending" and event.decided_by is None
    run_workers_inline()
    assert not ReviewMeeting.objects.exists()
    page = personas.client("manager").get(url("event_detail", personas.org, event_id=event.pk))
    assert "Awaiting the delegate's confirmation" in page.content.decode()
    # The manager may not decide: no confirmation form on the page.
    assert url("event_confirm", personas.org, event_id=event.pk) not in page.content.decode()


def test_the_form_offers_the_kinds_that_can_be_entered_by_hand(personas: Personas) -> None:
    response = personas.client("delegate").get(url("event_new", personas.org))
    assert response.status_code == 200
    kinds = [value for value, _label in response.context["form"].fields["kind"].choices if value]
    assert "delegate_signal" in kinds and "dpo_annual_report" in kinds and "authority_warning" in kinds
    assert "founded_report" not in kinds  # it comes from the reports app only


def test_a_vendor_of_the_register_can_be_named(personas: Personas, vendor: Any, vendor_tools: Any) -> None:
    response = personas.client("delegate").post(
        url("event_new", personas.org),
        form_data(kind="vendor_post_market_evaluation", vendor_name="acme ai corp", product="Copilot"),
    )
    assert response.status_code == 302
    event = TriggerEvent.objects.get()
    assert (event.vendor, event.product) == (vendor, "Copilot")


def test_an_evidence_file_is_kept_and_served_to_members_only(personas: Personas) -> None:
    upload = SimpleUploadedFile("rapport-dpo.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    response = personas.client("delegate").post(
        url("event_new", personas.org),
        form_data(kind="dpo_annual_report", evidence_file=upload, evidence_url="https://dpo.example/2026"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = TriggerEvent.objects.get()
    assert event.evidence_file and event.evidence_url == "https://dpo.example/2026"
    evidence = url("event_evidence", personas.org, event_id=event.pk)
    download = personas.client("staff_rep").get(evidence)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert personas.client("outsider").get(evidence).status_code == 404
    assert personas.client("employee").get(evidence).status_code == 403


@pytest.mark.parametrize(
    "values, field",
    [
        ({"title": ""}, "title"),
        ({"kind": "founded_report"}, "kind"),
        ({"kind": "no_such_kind"}, "kind"),
        ({"occurred_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}, "occurred_on"),
        ({"occurred_on": "31/02/2026"}, "occurred_on"),
        ({"kind": "vendor_instructions_update"}, "vendor"),
        ({"kind": "vendor_instructions_update", "vendor_name": "Nobody Inc."}, "vendor_name"),
        ({"kind": "tool_new_version"}, "tool"),
        ({"category": "astrology"}, "category"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url"),
        ({"vendor": "999999999999999999999"}, "vendor"),
        ({"title": "x" * 301}, "title"),
    ],
)
def test_bad_input_is_refused_with_400_and_nothing_written(
    personas: Personas, values: dict[str, Any], field: str
) -> None:
    audit = AuditEntry.objects.count()
    response = personas.client("delegate").post(url("event_new", personas.org), form_data(**values))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not TriggerEvent.objects.exists()
    assert AuditEntry.objects.count() == audit


def test_a_file_of_a_refused_type_is_refused(personas: Personas) -> None:
    upload = SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>")
    response = personas.client("delegate").post(
        url("event_new", personas.org), form_data(evidence_file=upload)
    )
    assert response.status_code == 400
    assert "evidence_file" in response.context["form"].errors
    assert not TriggerEvent.objects.exists()


def test_a_tool_of_another_organisation_cannot_be_named(personas: Personas) -> None:
    theirs = make_tool(personas.other_org, personas.outsider, name="Their tool")
    response = personas.client("delegate").post(
        url("event_new", personas.org), form_data(kind="tool_new_version", tool=theirs.pk)
    )
    assert response.status_code == 400
    assert "tool" in response.context["form"].errors
    assert not TriggerEvent.objects.exists()


# Permissions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff_rep", "committee", "auditor"])
def test_readers_see_the_events_but_cannot_enter_one(personas: Personas, who: str) -> None:
    client = personas.client(who)
    assert client.get(url("event_list", personas.org)).status_code == 200
    assert client.get(url("event_new", personas.org)).status_code == 403
    assert client.post(url("event_new", personas.org), form_data()).status_code == 403
    assert not TriggerEvent.objects.exists()


@pytest.mark.parametrize("who", ["manager", "staff_rep"])
def test_only_the_delegate_or_the_administrator_confirm(personas: Personas, who: str) -> None:
    event = org_event(personas)
    client = personas.client(who)
    assert client.post(url("event_confirm", personas.org, event_id=event.pk)).status_code == 403
    assert client.post(url("event_reject", personas.org, event_id=event.pk)).status_code == 403
    event.refresh_from_db()
    assert event.status == "pending"


def test_an_employee_does_not_see_the_events(personas: Personas) -> None:
    event = org_event(personas)
    client = personas.client("employee")
    assert client.get(url("event_list", personas.org)).status_code == 403
    assert client.get(url("event_detail", personas.org, event_id=event.pk)).status_code == 403


def test_an_outsider_gets_404_everywhere(personas: Personas) -> None:
    event = org_event(personas)
    client = personas.client("outsider")
    for name in ("event_detail", "event_evidence"):
        assert client.get(url(name, personas.org, event_id=event.pk)).status_code == 404
    for name in ("event_confirm", "event_reject"):
        assert client.post(url(name, personas.org, event_id=event.pk)).status_code == 404
    assert client.get(url("event_list", personas.org)).status_code == 404
    assert client.post(url("event_new", personas.org), form_data()).status_code == 404
    # Nor can they reach it through their own organisation.
    assert client.get(url("event_detail", personas.other_org, event_id=event.pk)).status_code == 404
    event.refresh_from_db()
    assert event.status == "pending" and TriggerEvent.objects.count() == 1


# Confirming and rejecting ---------------------------------------------------------------------------------


def test_the_delegate_confirms_a_pending_event_with_a_note(
    personas: Personas, tool: Any, run_workers_inline: Any, django_capture_on_commit_callbacks: Any
) -> None:
    put_in_service(tool)
    make_clause(personas.org)
    event = org_event(personas, tool=tool)
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.client("delegate").post(
            url("event_confirm", personas.org, event_id=event.pk),
            {"action": "confirm", "note": "Vérifié avec la direction"},
        )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.decided_by, event.decision_note) == (
        "confirmed",
        personas.delegate,
        "Vérifié avec la direction",
    )
    run_workers_inline()
    assert ReviewMeeting.objects.filter(event=event, organisation=personas.org).count() == 1
    page = personas.client("staff_rep").get(url("event_detail", personas.org, event_id=event.pk))
    assert "Vérifié avec la direction" in page.content.decode()
    assert page.context["meetings"][0].event == event


def test_a_second_decision_gets_a_clear_message_not_an_error(personas: Personas) -> None:
    event = org_event(personas)
    client = personas.client("delegate")
    assert client.post(url("event_reject", personas.org, event_id=event.pk), REJECT).status_code == 302
    response = client.post(
        url("event_confirm", personas.org, event_id=event.pk), {**CONFIRM, "note": "trop tard"}
    )
    assert response.status_code == 400
    assert "already confirmed or rejected" in response.content.decode()
    event.refresh_from_db()
    assert event.status == "rejected" and event.decision_note == ""


def test_a_rejected_event_schedules_nothing(
    personas: Personas, run_workers_inline: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_clause(personas.org)
    event = org_event(personas)
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.client("admin").post(
            url("event_reject", personas.org, event_id=event.pk), {**REJECT, "note": "Hors sujet"}
        )
    assert response.status_code == 302
    run_workers_inline()
    event.refresh_from_db()
    assert event.status == "rejected" and not ReviewMeeting.objects.exists()


def test_a_note_too_long_is_refused(personas: Personas) -> None:
    event = org_event(personas)
    response = personas.client("delegate").post(
        url("event_confirm", personas.org, event_id=event.pk), {**CONFIRM, "note": "x" * 2001}
    )
    assert response.status_code == 400
    event.refresh_from_db()
    assert event.status == "pending"


@pytest.mark.parametrize("name, data", [("event_confirm", {}), ("event_reject", {"action": "confirm"})])
def test_a_post_without_its_button_decides_nothing(
    personas: Personas, name: str, data: dict[str, str]
) -> None:
    event = org_event(personas)
    response = personas.client("delegate").post(url(name, personas.org, event_id=event.pk), data)
    assert response.status_code == 400
    event.refresh_from_db()
    assert event.status == "pending"


def test_a_get_on_confirm_is_not_allowed(personas: Personas) -> None:
    event = org_event(personas)
    assert (
        personas.client("delegate").get(url("event_confirm", personas.org, event_id=event.pk)).status_code
        == 405
    )


# The list -------------------------------------------------------------------------------------------------


def test_pending_events_come_first_and_are_marked(personas: Personas) -> None:
    old_pending = org_event(personas, title="En attente", occurred_on=YESTERDAY - dt.timedelta(days=30))
    confirmed = org_event(personas, title="Confirmé", confirmed=True)
    response = personas.client("staff_rep").get(url("event_list", personas.org))
    assert response.status_code == 200
    rows = [row["event"] for row in response.context["page"].object_list]
    assert rows == [old_pending, confirmed]
    assert "Awaiting the delegate's confirmation" in response.content.decode()


def test_the_list_filters_by_status_and_kind(personas: Personas) -> None:
    pending = org_event(personas)
    dpo = org_event(personas, kind="dpo_annual_report", title="Rapport DPO", confirmed=True)
    client = personas.client("delegate")
    by_status = client.get(url("event_list", personas.org), {"status": "pending"})
    assert [r["event"] for r in by_status.context["page"].object_list] == [pending]
    by_kind = client.get(url("event_list", personas.org), {"kind": "dpo_annual_report"})
    assert [r["event"] for r in by_kind.context["page"].object_list] == [dpo]


@pytest.mark.parametrize(
    "query", [{"status": "lost"}, {"kind": "nope"}, {"page": "0"}, {"page": "abc"}, {"page": "7"}]
)
def test_a_bad_query_string_is_a_400(personas: Personas, query: dict[str, str]) -> None:
    org_event(personas)
    assert personas.client("delegate").get(url("event_list", personas.org), query).status_code == 400


def test_the_list_shows_installation_events_only_where_they_reached(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    make_clause(personas.org)
    reached = installation_event(vendor)
    fanout.fan_out_event(reached.pk)
    # Confirmed but not fanned out: no meeting here, so not shown.
    unreached = installation_event(None, kind="authority_warning", title="Avertissement")
    theirs = org_event_of_other(personas)
    response = personas.client("staff_rep").get(url("event_list", personas.org))
    shown = [r["event"] for r in response.context["page"].object_list]
    assert reached in shown
    assert unreached not in shown and theirs not in shown


def org_event_of_other(personas: Personas) -> TriggerEvent:
    event, _ = create_event(
        organisation_id=personas.other_org.pk,
        kind="delegate_signal",
        origin="manual",
        title="Leur signal",
        occurred_on=YESTERDAY,
    )
    return event


def test_the_list_makes_the_same_number_of_queries_whatever_the_rows(
    personas: Personas, vendor: Any, vendor_tools: Any, django_assert_max_num_queries: Any
) -> None:
    make_clause(personas.org)
    client = personas.client("staff_rep")

    def add(n: int) -> None:
        for i in range(n):
            org_event(personas, title=f"Signal {i}", tool=vendor_tools[0], kind="tool_new_version")
            event = installation_event(vendor, title=f"Notice {i}")
            fanout.fan_out_event(event.pk)

    add(2)
    client.get(url("event_list", personas.org))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url("event_list", personas.org)).status_code == 200
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("event_list", personas.org))
    assert len(response.context["page"].object_list) == 34


# The event's page -----------------------------------------------------------------------------------------


def test_an_installation_event_shows_only_this_organisation_s_meetings(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    ours = make_clause(personas.org)
    make_clause(personas.other_org)
    event = installation_event(vendor)
    assert fanout.fan_out_event(event.pk) == 2
    response = personas.client("staff_rep").get(url("event_detail", personas.org, event_id=event.pk))
    assert response.status_code == 200
    assert [m.clause for m in response.context["meetings"]] == [ours]
    # An organisation cannot confirm or reject the installation's event.
    assert response.context["decision_form"] is None
    assert (
        personas.client("delegate")
        .post(url("event_reject", personas.org, event_id=event.pk), REJECT)
        .status_code
        == 404
    )


def test_an_installation_event_that_did_not_reach_the_organisation_is_404(
    personas: Personas, vendor: Any, vendor_tools: Any
) -> None:
    make_clause(personas.other_org)  # only the other organisation has a clause
    event = installation_event(vendor, evidence_url="https://vendor.example/notice")
    assert fanout.fan_out_event(event.pk) == 1
    client = personas.client("delegate")
    assert client.get(url("event_detail", personas.org, event_id=event.pk)).status_code == 404
    assert client.get(url("event_evidence", personas.org, event_id=event.pk)).status_code == 404
    assert (
        personas.client("outsider")
        .get(url("event_detail", personas.other_org, event_id=event.pk))
        .status_code
        == 200
    )


def test_an_event_without_a_file_has_no_evidence_to_download(personas: Personas) -> None:
    event = org_event(personas)
    assert (
        personas.client("delegate").get(url("event_evidence", personas.org, event_id=event.pk)).status_code
        == 404
    )


# The platform administrator's pages -----------------------------------------------------------------------

PLATFORM_PAGES = [
    ("platform_event_list", "get", False),
    ("platform_event_new", "get", False),
    ("platform_event_new", "post", False),
    ("platform_event_detail", "get", True),
    ("platform_event_evidence", "get", True),
    ("platform_event_confirm", "post", True),
    ("platform_event_reject", "post", True),
]


@pytest.mark.parametrize("who", ["admin", "delegate", "outsider"])
def test_platform_pages_do_not_exist_for_anyone_but_the_platform_administrator(
    personas: Personas, vendor: Any, who: str
) -> None:
    event = installation_event(vendor, confirmed=False)
    client = personas.client(who)
    for name, method, with_id in PLATFORM_PAGES:
        kwargs = {"event_id": event.pk} if with_id else {}
        response = getattr(client, method)(url(name, **kwargs))
        assert response.status_code == 404, (name, method, response.status_code)
    event.refresh_from_db()
    assert event.status == "pending" and TriggerEvent.objects.count() == 1


def test_the_platform_administrator_enters_an_installation_event_reaching_two_organisations(
    personas: Personas,
    vendor: Any,
    vendor_tools: Any,
    superuser: Any,
    run_workers_inline: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_clause(personas.org)
    make_clause(personas.other_org)
    client = personas.client("admin")
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("platform_event_new"),
            form_data(kind="vendor_instructions_update", vendor=vendor.pk, confirm_now="on"),
        )
    assert response.status_code == 302
    event = TriggerEvent.objects.get()
    assert event.organisation is None and event.status == "confirmed" and event.decided_by == superuser
    run_workers_inline()
    detail = client.get(url("platform_event_detail", event_id=event.pk))
    assert detail.context["reach"] == {"meetings": 2, "organisations": 2}
    listing = client.get(url("platform_event_list"))
    assert [r["event"] for r in listing.context["page"].object_list] == [event]


def test_the_platform_administrator_may_leave_an_event_pending_then_confirm_it(
    personas: Personas, vendor: Any, vendor_tools: Any, superuser: Any
) -> None:
    client = personas.client("admin")
    client.force_login(superuser)
    response = client.post(
        url("platform_event_new"), form_data(kind="authority_warning", category="scheduling")
    )
    assert response.status_code == 302
    event = TriggerEvent.objects.get()
    assert event.status == "pending" and event.category == "scheduling"
    assert (
        client.post(url("platform_event_confirm", event_id=event.pk), {**CONFIRM, "note": "ok"}).status_code
        == 302
    )
    event.refresh_from_db()
    assert event.status == "confirmed" and event.decided_by == superuser
    again = client.post(url("platform_event_reject", event_id=event.pk), REJECT)
    assert again.status_code == 400 and "already confirmed or rejected" in again.content.decode()


def test_the_platform_form_offers_external_kinds_only(personas: Personas, superuser: Any) -> None:
    client = personas.client("admin")
    client.force_login(superuser)
    response = client.post(url("platform_event_new"), form_data(kind="delegate_signal"))
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors
    assert "tool" not in response.context["form"].fields
    assert not TriggerEvent.objects.exists()


def test_platform_pages_never_show_an_organisation_s_event(personas: Personas, superuser: Any) -> None:
    event = org_event(personas)
    client = personas.client("admin")
    client.force_login(superuser)
    assert client.get(url("platform_event_detail", event_id=event.pk)).status_code == 404
    assert client.post(url("platform_event_confirm", event_id=event.pk), CONFIRM).status_code == 404
    listing = client.get(url("platform_event_list"))
    assert listing.context["page"].object_list == []
