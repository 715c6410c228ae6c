"""Report intake pages: member form, public link, confirmation, follow-up by code, my reports, access."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from revoyure.reports.models import Channel, Message, Report, ReportAttachment
from tests.reports.conftest import PUBLIC_TOKEN, png_upload

CODE_RE = re.compile(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{4}){7})\b")


def _new_url(org: str = "acme") -> str:
    return reverse("reports:report_new", kwargs={"org": org})


def _data(**extra: Any) -> dict[str, Any]:
    return {"title": "Schedules skip night staff", "description": "The planner drops people.", **extra}


def _send_anonymous(client: Client, **extra: Any) -> tuple[Report, str]:
    response = client.post(_new_url(), _data(anonymous="on", **extra))
    assert response.status_code == 200, response.content
    match = CODE_RE.search(response.content.decode())
    assert match
    return Report.objects.get(), match.group(1)


@pytest.mark.parametrize(
    "who", ["employee", "admin", "delegate", "manager", "staff_rep", "committee", "auditor"]
)
def test_every_member_can_open_the_form(personas: Any, who: str) -> None:
    response = personas.client(who).get(_new_url())
    assert response.status_code == 200
    assert b"Report a problem" in response.content


def test_outsider_gets_404_and_anonymous_visitor_is_sent_to_login(personas: Any) -> None:
    for name in ("report_new", "my_reports"):
        url = reverse(f"reports:{name}", kwargs={"org": "acme"})
        assert personas.client("outsider").get(url).status_code == 404
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert personas.client("outsider").post(_new_url(), _data()).status_code == 404
    assert Report.objects.count() == 0


def test_signed_report_by_a_member_keeps_the_reporter_and_gives_no_code(personas: Any, tool: Any) -> None:
    client = personas.client("employee")
    response = client.post(
        _new_url(),
        _data(tool=tool.pk, occurred_on="2025-01-15", attachments=[png_upload(), png_upload("b.png")]),
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.reporter == personas.employee and not report.anonymous
    assert report.channel == Channel.WEB and report.tool == tool
    assert report.received_on == timezone.localdate()
    assert report.reference.startswith("S-") and report.reference.encode() in response.content
    assert report.followup_code_hash == ""
    assert CODE_RE.search(response.content.decode()) is None
    assert ReportAttachment.objects.filter(report=report).count() == 2
    mine = client.get(reverse("reports:my_reports", kwargs={"org": "acme"}))
    assert report.reference.encode() in mine.content


def test_anonymous_report_shows_the_code_once(personas: Any) -> None:
    client = personas.client("employee")
    report, code = _send_anonymous(client)
    assert report.anonymous and report.reporter is None
    assert report.followup_code_hash and code not in report.followup_code_hash
    assert response_has_no_code(client.get(_new_url()))
    # Not listed among the member's own reports, and not reachable there.
    mine = client.get(reverse("reports:my_reports", kwargs={"org": "acme"}))
    assert report.reference.encode() not in mine.content
    url = reverse("reports:my_report", kwargs={"org": "acme", "report_id": report.pk})
    assert client.get(url).status_code == 404


def response_has_no_code(response: Any) -> bool:
    return CODE_RE.search(response.content.decode()) is None


def test_confirmation_is_not_cached(personas: Any) -> None:
    response = personas.client("employee").post(_new_url(), _data(anonymous="on"))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"title": "", "description": "x"},
        {"title": "x", "description": ""},
        {"title": "x", "description": "y", "occurred_on": "2999-01-01"},
        {"title": "x", "description": "y", "occurred_on": "not a date"},
        {"title": "x", "description": "y", "tool": "999999"},
        {"title": "x" * 300, "description": "y"},
    ],
)
def test_bad_input_is_400_with_nothing_written(personas: Any, data: dict[str, Any]) -> None:
    response = personas.client("employee").post(_new_url(), data)
    assert response.status_code == 400
    assert b"Please correct the following" in response.content
    assert Report.objects.count() == 0


def test_refused_attachment_is_400_with_nothing_written(personas: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    gif = SimpleUploadedFile("a.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    response = personas.client("employee").post(_new_url(), _data(attachments=[png_upload(), gif]))
    assert response.status_code == 400
    assert Report.objects.count() == 0 and ReportAttachment.objects.count() == 0


def test_tool_of_another_organisation_is_refused(personas: Any) -> None:
    from tests.factories import make_tool

    foreign = make_tool(personas.other_org, personas.outsider, name="Foreign")
    response = personas.client("employee").post(_new_url(), _data(tool=foreign.pk))
    assert response.status_code == 400 and Report.objects.count() == 0


# --- Public link ---------------------------------------------------------------------------------------


def _public_url(token: str = PUBLIC_TOKEN) -> str:
    return reverse("reports:public_report", kwargs={"token": token})


def test_public_link_enabled_creates_an_anonymous_report(committee: Any, personas: Any, tool: Any) -> None:
    client = Client()
    assert client.get(_public_url()).status_code == 200
    response = client.post(_public_url(), _data(tool=tool.pk, anonymous=""))
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.channel == Channel.PUBLIC and report.anonymous and report.reporter is None
    assert CODE_RE.search(response.content.decode())


def test_public_link_is_anonymous_even_for_a_logged_in_member(committee: Any, personas: Any) -> None:
    personas.client("employee").post(_public_url(), _data())
    report = Report.objects.get()
    assert report.anonymous and report.reporter is None


def test_public_link_disabled_or_wrong_token_is_404(committee: Any) -> None:
    client = Client()
    assert client.get(_public_url("wrong-token-0123456789abcdef00")).status_code == 404
    assert client.get(_public_url("x")).status_code == 404
    assert client.post(_public_url("wrong-token-0123456789abcdef00"), _data()).status_code == 404
    committee.public_reporting_enabled = False
    committee.save()
    assert client.get(_public_url()).status_code == 404
    assert client.post(_public_url(), _data()).status_code == 404
    assert Report.objects.count() == 0


def test_public_link_bad_input_is_400(committee: Any) -> None:
    response = Client().post(_public_url(), {"title": ""})
    assert response.status_code == 400 and Report.objects.count() == 0


def test_public_submissions_are_rate_limited_and_reset(committee: Any) -> None:
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            assert client.post(_public_url(), _data()).status_code == 200
        response = client.post(_public_url(), _data())
        assert response.status_code == 429
        assert Report.objects.count() == 5
        traveller.shift(timedelta(hours=2))
        assert client.post(_public_url(), _data()).status_code == 200


# --- Follow-up ----------------------------------------------------------------------------------------


def _followup_url(org: str = "acme") -> str:
    return reverse("reports:followup", kwargs={"org_slug": org})


def test_followup_with_the_right_code_shows_status_and_committee_messages(personas: Any) -> None:
    report, code = _send_anonymous(personas.client("employee"))
    Message.objects.create(
        report=report, from_reporter=False, body="We are looking into it.", created_on=timezone.localdate()
    )
    client = Client()
    assert client.get(_followup_url()).status_code == 200
    response = client.post(_followup_url(), {"code": code.lower().replace("-", " ")})
    assert response.status_code == 200
    content = response.content.decode()
    assert "We are looking into it." in content and "Received" in content
    assert code not in content and "no-store" in response["Cache-Control"]
    ticket = re.search(r'name="ticket" value="([^"]+)"', content).group(1)  # type: ignore[union-attr]
    # The reporter adds information and a file with the ticket, without typing the code again.
    response = client.post(
        _followup_url(), {"ticket": ticket, "body": "It happened again.", "attachments": [png_upload()]}
    )
    assert response.status_code == 200 and b"It happened again." in response.content
    message = Message.objects.get(from_reporter=True)
    assert message.author is None and message.created_on == timezone.localdate()
    assert message.attachments.count() == 1
    assert client.session.keys() == set() or "report" not in str(dict(client.session))


def test_followup_ticket_expires_and_cannot_be_forged(personas: Any) -> None:
    _report, code = _send_anonymous(personas.client("employee"))
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        content = client.post(_followup_url(), {"code": code}).content.decode()
        ticket = re.search(r'name="ticket" value="([^"]+)"', content).group(1)  # type: ignore[union-attr]
        assert client.post(_followup_url(), {"ticket": ticket + "x", "body": "x"}).status_code == 400
        traveller.shift(timedelta(hours=1))
        assert client.post(_followup_url(), {"ticket": ticket, "body": "late"}).status_code == 400
    # A ticket of this organisation does not open a report through another organisation's page.
    assert client.post(_followup_url("other"), {"ticket": ticket, "body": "x"}).status_code == 400
    assert Message.objects.count() == 0


def test_followup_empty_message_is_400(personas: Any) -> None:
    _report, code = _send_anonymous(personas.client("employee"))
    client = Client()
    content = client.post(_followup_url(), {"code": code}).content.decode()
    ticket = re.search(r'name="ticket" value="([^"]+)"', content).group(1)  # type: ignore[union-attr]
    assert client.post(_followup_url(), {"ticket": ticket, "body": "  "}).status_code == 400
    assert Message.objects.count() == 0


def test_wrong_codes_are_refused_then_rate_limited_even_for_the_right_code(personas: Any) -> None:
    _report, code = _send_anonymous(personas.client("employee"))
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            response = client.post(_followup_url(), {"code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"})
            assert response.status_code == 400
            assert b"does not match any report" in response.content
        response = client.post(_followup_url(), {"code": code})
        assert response.status_code == 429
        assert b"Too many attempts" in response.content
        traveller.shift(timedelta(minutes=31))
        assert client.post(_followup_url(), {"code": code}).status_code == 200


def test_code_of_one_organisation_does_not_open_another(personas: Any) -> None:
    _report, code = _send_anonymous(personas.client("employee"))
    assert Client().post(_followup_url("other"), {"code": code}).status_code == 400
    assert Client().post(_followup_url("nope"), {"code": code}).status_code == 404


def test_followup_refuses_other_methods(personas: Any) -> None:
    assert Client().put(_followup_url()).status_code == 405


# --- My reports ---------------------------------------------------------------------------------------


def test_my_report_detail_and_message(personas: Any) -> None:
    client = personas.client("employee")
    client.post(_new_url(), _data())
    report = Report.objects.get()
    url = reverse("reports:my_report", kwargs={"org": "acme", "report_id": report.pk})
    assert client.get(url).status_code == 200
    assert client.post(url, {"body": ""}).status_code == 400
    assert client.post(url, {"body": "More details"}).status_code == 200
    message = Message.objects.get()
    assert message.author == personas.employee and message.from_reporter
    # Someone else, even the delegate, does not see it through "my reports" (the case pages are for that).
    assert personas.client("delegate").get(url).status_code == 404
    assert personas.client("outsider").get(url).status_code == 404
    assert (
        client.get(reverse("reports:my_report", kwargs={"org": "acme", "report_id": 99999})).status_code
        == 404
    )
