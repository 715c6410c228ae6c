"""Issue 5 in a real browser: an employee reports a problem with a tool anonymously, the committee instructs
the report to its end (meeting, expertise, finding, formal alert of the vendor under AI Act art. 26(5), the
vendor's correction, re-validation, the answer to the reporter, closing), and the reporter, who has no link
to the report but the follow-up code, reads the answer."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from revoyure.committee.models import Committee, CommitteeMember, Meeting, Quality
from revoyure.registry.models import Vendor
from revoyure.reports.anonymity import reset_rate_limits
from revoyure.reports.models import Report, ReportAttachment, VendorAlert
from tests.browser.pages import CaseListPage, CasePage, FollowUpPage, MyReportsPage, ReportFormPage
from tests.factories import make_tool

Login = Callable[[Page, Any], None]

ALERT = "Formally alert the vendor (AI Act art. 26(5))"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    reset_rate_limits()
    yield
    reset_rate_limits()


@pytest.fixture
def procedure(personas: Any) -> Any:
    """A tool of a vendor with an address for alerts, and the committee: the delegate and a staff
    representative who sits on it."""
    vendor = Vendor.objects.create(name="Planifix SAS", alert_contact_email="alertes@planifix.example")
    tool = make_tool(personas.org, personas.delegate, name="Planificateur des équipes", vendor=vendor)
    committee = Committee.objects.create(organisation=personas.org, delegate=personas.delegate)
    CommitteeMember.objects.create(
        committee=committee, user=personas.staff_rep, full_name="Sophie Leroy", quality=Quality.STAFF_REP
    )
    return tool


def screenshot_png(path: Path) -> str:
    """A small PNG carrying a text chunk (metadata that must not be kept)."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jeanne Martin")
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, format="PNG", pnginfo=info)
    path.write_bytes(out.getvalue())
    return str(path)


def expect_message(page: Page, text: str) -> None:
    expect(page.locator('main [role="status"]')).to_contain_text(text)


def test_an_anonymous_report_goes_through_the_whole_procedure(
    page: Page, personas: Any, procedure: Any, login: Login, smtp_server: Any, tmp_path: Path
) -> None:
    tool = procedure
    today = timezone.localdate()
    message_to_reporter = (
        "Votre signalement est fondé : le fournisseur a corrigé l'outil, revalidé par le comité."
    )

    # The employee, logged in, reports anonymously with a screenshot.
    login(page, personas.employee)
    form = ReportFormPage(page).open(org="acme")
    expect(form.heading).to_have_text("Report a problem")
    form.fill(
        title="Horaires au-delà de mon contrat",
        description="Le planificateur me propose 42 heures alors que mon contrat en prévoit 35.",
        tool="Planificateur des équipes",
        occurred_on=(today - dt.timedelta(days=1)).isoformat(),
        files=(screenshot_png(tmp_path / "capture.png"),),
        anonymous=True,
    )
    form.send()
    expect(form.heading).to_have_text("Report sent")
    expect(form.followup_code).to_have_text(re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$"))
    code = form.followup_code.inner_text().strip()
    report = Report.objects.get(organisation=personas.org)
    expect(form.main).to_contain_text(report.reference)
    assert report.anonymous is True
    assert report.reporter is None
    assert report.tool == tool
    attachment = ReportAttachment.objects.get(report=report)
    assert b"Jeanne Martin" not in attachment.file.open("rb").read()

    # The report is not tied to the employee: it is not among their reports.
    my_reports = MyReportsPage(page).open(org="acme")
    expect(my_reports.main).to_contain_text("You have not sent any report under your name.")

    # The delegate finds it among the staff reports.
    page.context.clear_cookies()
    login(page, personas.delegate)
    cases = CaseListPage(page).open(org="acme")
    cases.open_report(report.reference)
    case = CasePage(page)
    expect(case.heading).to_contain_text("Horaires au-delà de mon contrat")
    expect(case.value_of("Reporter")).to_have_text("Anonymous")
    expect(case.value_of("Status")).to_have_text("Received")

    # 1. The committee is convened: an extraordinary meeting is planned and the members invited.
    starts = timezone.localtime() + dt.timedelta(days=3)
    case.take(
        "Convene the committee",
        "Convene",
        {"starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "agenda": "Instruction du signalement"},
    )
    expect_message(page, "The committee is convened to an extraordinary meeting.")
    meeting = Meeting.objects.get(committee__organisation=personas.org)
    assert meeting.kind == "extraordinary"
    assert report.reference in meeting.agenda
    assert meeting.invitations_sent_at is not None
    expect(case.steps.last).to_contain_text(meeting.title)
    expect(case.value_of("Status")).to_have_text("Committee convened, instructing")

    # 2. The expertise in the acceptability sandbox.
    case.take(
        "Record the expertise (acceptability sandbox)",
        "Save the expertise",
        {
            "sandbox": "Copie des plannings de mai dans le bac à sable",
            "steps": "Rejeu de quatre semaines de planification",
            "evidence": "Trois plannings à 42 heures",
            "reproduced": "Yes",
        },
    )
    expect_message(page, "The expertise is recorded.")
    expect(case.value_of("Reproduced")).to_have_text("Yes")

    # 3. Founded, with the reasons.
    case.take(
        "Founded or unfounded",
        "Record the finding",
        {"reasons": "Reproduit : les heures du contrat ne sont pas prises en compte"},
        choose=("Founded",),
    )
    expect_message(page, "The finding is recorded.")
    expect(case.value_of("Finding")).to_contain_text("Founded: Reproduit")

    # 4. The delegate formally alerts the vendor: a letter is generated and e-mailed.
    expect(case.panel(ALERT).locator('[name$="-recipient_email"]')).to_have_value("alertes@planifix.example")
    case.take(ALERT, "Generate and send the letter")
    expect_message(page, "The letter is generated and sent to the vendor.")
    alert = VendorAlert.objects.get(report=report)
    assert alert.vendor == tool.vendor
    assert alert.recipient_email == "alertes@planifix.example"
    assert alert.sent_by == personas.delegate
    assert alert.sent_at is not None
    expect(case.letters).to_have_count(1)
    letter = page.request.get(case.letters.first.get_attribute("href") or "")
    assert letter.status == 200
    assert letter.body().startswith(b"%PDF-")
    mails = [m for m in smtp_server.messages if "alertes@planifix.example" in m["To"]]
    assert len(mails) == 1
    assert "26(5)" in mails[0]["Subject"]
    pdfs = [part for part in mails[0].iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    assert pdfs[0].get_content().startswith(b"%PDF-")

    # 5. The vendor's correction.
    case.take(
        "Record the vendor's correction",
        "Save the correction",
        {
            "correction": "Version 5.2 : les heures du contrat bornent les plannings",
            "corrected_on": today.isoformat(),
        },
    )
    expect_message(page, "The vendor's correction is recorded.")

    # 6. The committee re-validates, the staff representatives informed.
    case.take(
        "Re-validate the corrected system",
        "Record the re-validation",
        {"note": "Plannings de juin vérifiés"},
        choose=("Informed",),
    )
    expect_message(page, "The corrected system is re-validated.")
    expect(case.value_of("Re-validated")).to_contain_text("staff representatives informed")

    # 7. The reporter is informed, 8. the report is closed.
    case.take("Inform the reporter of the outcome", "Send to the reporter", {"body": message_to_reporter})
    expect_message(page, "The reporter is informed.")
    case.take("Close and archive the report", "Close the report", {"note": "Clos après revalidation"})
    expect_message(page, "The report is closed and archived.")
    expect(case.value_of("Status")).to_have_text("Closed and archived")
    expect(case.main.locator("#actions-heading")).to_have_count(0)

    # The reporter, logged out, follows the report with the code only.
    page.context.clear_cookies()
    followup = FollowUpPage(page).open(org_slug="acme")
    expect(followup.heading).to_have_text("Follow a report")
    followup.enter_code(code)
    expect(followup.heading).to_have_text(f"Report {report.reference}")
    expect(followup.value_of("Status")).to_have_text("Closed and archived")
    expect(followup.committee_messages).to_have_count(1)
    expect(followup.committee_messages.first).to_contain_text(message_to_reporter)

    report.refresh_from_db()
    assert report.reporter is None
    assert report.anonymous is True
    assert report.status == "closed"
    assert report.closed_on == today
    assert report.founded is True
    assert report.revalidation_meeting == meeting
    assert report.staff_reps_involvement == "informed"
    assert list(report.steps.filter(kind="status").values_list("status", flat=True)) == [
        "instructing",
        "expertise",
        "founded",
        "vendor_alerted",
        "vendor_corrected",
        "revalidated",
        "reporter_informed",
        "closed",
    ]
