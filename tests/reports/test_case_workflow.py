"""The whole case workflow (issue 5 §3): each step a dated, attributed CaseStep and an audit entry; the
founded event; the vendor letter (PDF citing art. 26(5), never the reporter) e-mailed with the PDF;
out-of-order refusals; bad input answered 400 with nothing written."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from revoyure.core import events
from revoyure.core.models import AuditEntry, DomainEvent
from revoyure.reports import services
from revoyure.reports.models import CaseStep, Message, ReportAccess, VendorAlert
from tests.reports.test_case_helpers import *  # noqa: F403 - the fixtures
from tests.reports.test_case_helpers import REPORTER_EMAIL, REPORTER_NAME, advance, case_url, make_report

pytestmark = pytest.mark.django_db


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db(transaction=True)
def test_whole_workflow_through_the_pages(personas: Any, report: Any, smtp_server: Any) -> None:
    received: list[Any] = []
    events.subscribe("report.founded", received.append)
    client = personas.client("delegate")
    detail = case_url(report)
    assert client.get(detail).status_code == 200

    steps = [
        (
            "convene_committee",
            {"convene_committee-starts_at": "2030-01-10T10:00", "convene_committee-title": ""},
        ),
        (
            "record_expertise",
            {
                "record_expertise-sandbox": "Sandbox with current data",
                "record_expertise-steps": "Replayed the planning of May",
                "record_expertise-evidence": "Three plannings above contract hours",
                "record_expertise-similar_cases": "Two in the logistics team",
                "record_expertise-reproduced": "yes",
            },
        ),
        (
            "record_finding",
            {"record_finding-finding": "founded", "record_finding-reasons": "Reproduced twice"},
        ),
        ("alert_vendor", {"alert_vendor-recipient_email": "security@vendor.example"}),
        (
            "record_vendor_correction",
            {
                "record_vendor_correction-correction": "Release 3.2 enforces contract hours",
                "record_vendor_correction-corrected_on": timezone.localdate().isoformat(),
            },
        ),
    ]
    for name, data in steps:
        response = client.post(case_url(report, f"case_{name}"), data)
        assert response.status_code == 302, (name, response.content.decode()[:3000])
    from revoyure.committee.models import Meeting

    meeting = Meeting.objects.get(committee__organisation=personas.org)
    assert meeting.kind == "extraordinary"
    for name, data in [
        (
            "revalidate",
            {
                "revalidate-meeting": str(meeting.pk),
                "revalidate-staff_reps_involvement": "consulted",
                "revalidate-revalidated_on": timezone.localdate().isoformat(),
            },
        ),
        ("inform_reporter", {"inform_reporter-body": "Your report was founded; the vendor corrected it."}),
        ("close", {"close-note": "Archived"}),
    ]:
        response = client.post(case_url(report, f"case_{name}"), data)
        assert response.status_code == 302, (name, response.content.decode()[:3000])

    report.refresh_from_db()
    assert report.status == "closed"
    assert report.closed_on == timezone.localdate()
    assert report.founded is True and report.staff_reps_involvement == "consulted"
    assert report.revalidation_meeting == meeting
    statuses = list(report.steps.filter(kind="status").values_list("status", flat=True))
    assert statuses == [
        "instructing",
        "expertise",
        "founded",
        "vendor_alerted",
        "vendor_corrected",
        "revalidated",
        "reporter_informed",
        "closed",
    ]
    assert all(s.by == personas.delegate and s.at for s in report.steps.all())
    actions = set(
        AuditEntry.objects.filter(object_id=str(report.pk), object_type="reports.report").values_list(
            "action", flat=True
        )
    )
    assert {
        "report.convene_committee",
        "report.record_finding",
        "report.alert_vendor",
        "report.close",
    } <= actions
    # The audit log holds no personal data about the reporter.
    for entry in AuditEntry.objects.filter(action__startswith="report."):
        assert REPORTER_EMAIL not in str(entry.data) and REPORTER_NAME not in str(entry.data)

    # The domain event, stored and delivered.
    event = DomainEvent.objects.get(name="report.founded")
    assert event.payload == {
        "report_id": report.pk,
        "tool_id": report.tool_id,
        "organisation_id": personas.org.pk,
    }
    assert [e.pk for e in received] == [event.pk]

    # The vendor letter: e-mailed with the PDF, citing 26(5), without the reporter.
    alert = VendorAlert.objects.get(report=report)
    assert alert.recipient_email == "security@vendor.example" and alert.sent_at is not None
    vendor_mails = [m for m in smtp_server.messages if "security@vendor.example" in m["To"]]
    assert len(vendor_mails) == 1
    attachments = list(vendor_mails[0].iter_attachments())
    assert len(attachments) == 1 and attachments[0].get_content_type() == "application/pdf"
    pdf = attachments[0].get_content()
    text = _pdf_text(pdf)
    assert "26(5)" in text
    assert "Shift planner" in text and "Shift Vendor SAS" in text
    assert "Three plannings above contract hours" in text
    assert REPORTER_NAME not in text and REPORTER_EMAIL not in text and "Jeanne" not in text
    # The letter is downloadable from the case page.
    download = client.get(case_url(report, "case_letter", alert_id=alert.pk))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == pdf

    # The reporter (identified, with an account) got the outcome by e-mail and as a message.
    assert Message.objects.filter(report=report, from_reporter=False).count() == 1
    assert any(REPORTER_EMAIL in m["To"] for m in smtp_server.messages)

    page = client.get(detail).content.decode()
    assert "Closed and archived" in page


def test_unfounded_goes_to_inform_reporter_then_close(personas: Any, report: Any) -> None:
    user = personas.committee
    services.convene_committee(report, user, starts_at=timezone.now())
    services.record_expertise(report, user, sandbox="S", steps="T", reproduced=False)
    services.record_finding(report, user, founded=False, reasons="Not reproduced")
    assert not DomainEvent.objects.filter(name="report.founded").exists()
    report.refresh_from_db()
    assert report.status == "unfounded"
    assert services.next_steps(report) == ["inform_reporter"]
    with pytest.raises(services.ValidationError):
        services.alert_vendor(report, personas.delegate)
    services.inform_reporter(report, user, body="Not founded, thank you.")
    services.close(report, user)
    report.refresh_from_db()
    assert report.status == "closed"


@pytest.mark.parametrize(
    ("reached", "refused"),
    [
        (None, "record_expertise"),
        (None, "record_finding"),
        ("convene_committee", "record_finding"),
        ("convene_committee", "convene_committee"),
        ("record_expertise", "alert_vendor"),
        ("record_finding", "revalidate"),
        ("record_finding", "close"),
        ("alert_vendor", "inform_reporter"),
        ("record_vendor_correction", "close"),
    ],
)
def test_out_of_order_steps_are_refused_with_a_clear_message(
    personas: Any, report: Any, smtp_server: Any, reached: str | None, refused: str
) -> None:
    if reached:
        advance(report, personas.delegate, reached)
    before = CaseStep.objects.count(), AuditEntry.objects.count()
    data = {
        "record_expertise": {"record_expertise-sandbox": "S", "record_expertise-steps": "T"},
        "record_finding": {"record_finding-finding": "founded", "record_finding-reasons": "R"},
        "convene_committee": {"convene_committee-starts_at": "2030-01-10T10:00"},
        "alert_vendor": {"alert_vendor-recipient_email": "a@vendor.example"},
        "revalidate": {
            "revalidate-staff_reps_involvement": "informed",
            "revalidate-revalidated_on": timezone.localdate().isoformat(),
        },
        "inform_reporter": {"inform_reporter-body": "Hello"},
        "close": {},
    }[refused]
    if refused == "revalidate":
        from revoyure.committee.models import Meeting

        data["revalidate-meeting"] = str(Meeting.objects.first().pk)  # type: ignore[union-attr]
    response = personas.client("delegate").post(case_url(report, f"case_{refused}"), data)
    assert response.status_code == 400
    assert "cannot be taken now" in response.content.decode()
    assert (CaseStep.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("convene_committee", {"convene_committee-starts_at": "not a date"}, "valid date"),
        ("record_expertise", {"record_expertise-sandbox": "", "record_expertise-steps": "x"}, "required"),
        ("record_finding", {"record_finding-finding": "founded", "record_finding-reasons": "  "}, "required"),
        (
            "record_finding",
            {"record_finding-finding": "maybe", "record_finding-reasons": "R"},
            "Select a valid",
        ),
        ("alert_vendor", {"alert_vendor-recipient_email": "not-an-address"}, "valid email"),
        (
            "serious_incident",
            {"serious_incident-kind": "death", "serious_incident-aware_on": "2999-01-01"},
            "future",
        ),
        (
            "serious_incident",
            {"serious_incident-kind": "nope", "serious_incident-aware_on": "2024-01-01"},
            "Select a valid",
        ),
        ("add_person", {"add_person-person": "999999"}, "Select a valid"),
        ("message", {"message-body": ""}, "required"),
        ("suspend_tool", {"suspend_tool-reason": ""}, "required"),
    ],
)
def test_bad_input_is_400_with_nothing_written(
    personas: Any, report: Any, smtp_server: Any, step: str, data: dict[str, str], message: str
) -> None:
    reach = {
        "record_expertise": "convene_committee",
        "record_finding": "record_expertise",
        "alert_vendor": "record_finding",
    }
    if step in reach:
        advance(report, personas.delegate, reach[step])
    report.refresh_from_db()
    before = (
        CaseStep.objects.count(),
        AuditEntry.objects.count(),
        VendorAlert.objects.count(),
        Message.objects.count(),
        ReportAccess.objects.count(),
        report.status,
    )
    response = personas.client("delegate").post(case_url(report, f"case_{step}"), data)
    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()
    report.refresh_from_db()
    after = (
        CaseStep.objects.count(),
        AuditEntry.objects.count(),
        VendorAlert.objects.count(),
        Message.objects.count(),
        ReportAccess.objects.count(),
        report.status,
    )
    assert after == before


def test_finding_requires_reasons_in_the_service(personas: Any, report: Any) -> None:
    advance(report, personas.delegate, "record_expertise")
    with pytest.raises(services.ValidationError) as info:
        services.record_finding(report, personas.delegate, founded=True, reasons="")
    assert "reasons" in info.value.message_dict


def test_revalidation_requires_staff_representatives(personas: Any, report: Any, smtp_server: Any) -> None:
    advance(report, personas.delegate, "record_vendor_correction")
    from revoyure.committee.models import Meeting

    with pytest.raises(services.ValidationError) as info:
        services.revalidate(
            report,
            personas.delegate,
            meeting=Meeting.objects.first(),
            staff_reps_involvement="",
            revalidated_on=timezone.localdate(),
        )
    assert "staff_reps_involvement" in info.value.message_dict


def test_vendor_alert_without_vendor_is_refused(personas: Any, case_committee: Any, reporter: Any) -> None:
    from tests.factories import make_tool

    bare = make_tool(personas.org, personas.delegate, name="No vendor tool")
    report = make_report(personas, bare, reporter=reporter)
    advance(report, personas.delegate, "record_finding")
    with pytest.raises(services.ValidationError):
        services.alert_vendor(report, personas.delegate, recipient_email="x@vendor.example")
    assert not VendorAlert.objects.exists()


def test_committee_member_may_not_alert_the_vendor(personas: Any, report: Any) -> None:
    advance(report, personas.delegate, "record_finding")
    response = personas.client("committee").post(
        case_url(report, "case_alert_vendor"), {"alert_vendor-recipient_email": "a@vendor.example"}
    )
    assert response.status_code == 403
    assert not VendorAlert.objects.exists()


def test_suspension_of_use_changes_the_tool_status(personas: Any, report: Any) -> None:
    from revoyure.registry import services as registry_services

    tool = report.tool
    registry_services.change_status(tool, personas.delegate, "pilot", "Pilot starts")
    response = personas.client("delegate").post(
        case_url(report, "case_suspend_tool"), {"suspend_tool-reason": "Risk suspected by the committee"}
    )
    assert response.status_code == 302
    tool.refresh_from_db()
    assert tool.status == "suspended"
    report.refresh_from_db()
    assert report.suspension_suggested is True
    assert report.steps.filter(kind="suspension", by=personas.delegate).exists()
    assert tool.history.first().history_change_reason == "Risk suspected by the committee"


def test_add_person_only_members_of_the_organisation(personas: Any, report: Any) -> None:
    with pytest.raises(services.ValidationError):
        services.add_person(report, personas.delegate, personas.outsider)
    services.add_person(report, personas.delegate, personas.manager)
    assert ReportAccess.objects.filter(
        report=report, user=personas.manager, added_by=personas.delegate
    ).exists()
    assert report.steps.filter(kind="access_added").count() == 1
    with pytest.raises(services.ValidationError):
        services.add_person(report, personas.delegate, personas.manager)


@pytest.mark.django_db(transaction=True)
def test_message_to_anonymous_reporter_sends_no_email(
    personas: Any, case_committee: Any, case_tool: Any, smtp_server: Any
) -> None:
    anonymous = make_report(personas, case_tool, reporter=None)
    response = personas.client("committee").post(
        case_url(anonymous, "case_message"), {"message-body": "Any details?"}
    )
    assert response.status_code == 302
    assert (
        Message.objects.filter(report=anonymous, from_reporter=False, author=personas.committee).count() == 1
    )
    assert smtp_server.messages == []


def test_annual_dossier_section_counts_without_personal_data(
    personas: Any, report: Any, smtp_server: Any
) -> None:
    advance(report, personas.delegate, "record_finding")
    section = services.annual_section(personas.org, timezone.localdate().year)
    assert section["title"]
    rows = dict(section["rows"])
    assert rows["Founded"] == 1 and rows["Outcome: founded"] == 1
    assert REPORTER_NAME not in str(section) and "Shifts beyond contract" not in str(section)
    assert services.annual_section(personas.org, 1999)["rows"][0] == ("Outcome: founded", 0)
