"""The case workflow of a staff report (issue 5 §3), as the roadmap describes it:

received → committee convened, instructing → expertise (reproduction in the acceptability sandbox) →
founded / unfounded (with reasons) → if founded: the delegate formally alerts the vendor (letter citing AI
Act art. 26(5)) → the vendor's correction → the committee re-validates (staff representatives consulted
or informed) → the reporter is informed → closed and archived. Unfounded: the reporter is informed → closed.

Every write is atomic, appends a dated and attributed `CaseStep` (the report's history) and an audit entry
(`report.*`, with no personal data: ids, reference and statuses only); e-mails go out after the commit. A
step taken out of order is refused with a message that names the expected step."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revoyure.committee.models import Committee, Meeting
from revoyure.committee.services import convene_extraordinary_meeting
from revoyure.core import audit, events
from revoyure.core.mail import send_mail_safely
from revoyure.organisations.models import Membership
from revoyure.registry import services as registry_services
from revoyure.reports import access as report_access
from revoyure.reports import letters
from revoyure.reports.models import (
    CaseStep,
    Expertise,
    Message,
    Report,
    ReportAccess,
    ReportStatus,
    SeriousKind,
    VendorAlert,
)
from revoyure.webhooks import services as webhooks

logger = logging.getLogger(__name__)

MAX_TEXT = 20_000
FOUNDED_EVENT = "report.founded"

# The statuses a step may be taken from, and the status it leads to.
S = ReportStatus
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "convene_committee": ((S.RECEIVED,), S.INSTRUCTING),
    "record_expertise": ((S.INSTRUCTING, S.EXPERTISE), S.EXPERTISE),
    "record_finding": ((S.EXPERTISE,), None),  # founded or unfounded
    "alert_vendor": ((S.FOUNDED,), S.VENDOR_ALERTED),
    "record_vendor_correction": ((S.VENDOR_ALERTED,), S.VENDOR_CORRECTED),
    "revalidate": ((S.VENDOR_CORRECTED,), S.REVALIDATED),
    "inform_reporter": ((S.REVALIDATED, S.UNFOUNDED), S.REPORTER_INFORMED),
    "close": ((S.REPORTER_INFORMED,), S.CLOSED),
}

STEP_LABELS = {
    "convene_committee": gettext_lazy("convening the committee"),
    "record_expertise": gettext_lazy("recording the expertise"),
    "record_finding": gettext_lazy("recording the finding"),
    "alert_vendor": gettext_lazy("alerting the vendor"),
    "record_vendor_correction": gettext_lazy("recording the vendor's correction"),
    "revalidate": gettext_lazy("re-validating the corrected system"),
    "inform_reporter": gettext_lazy("informing the reporter"),
    "close": gettext_lazy("closing the report"),
}

# Serious incidents (AI Act art. 73(2)–(4)): days from the date of awareness.
SERIOUS_DAYS = {SeriousKind.GENERAL: 15, SeriousKind.DEATH: 10, SeriousKind.WIDESPREAD: 2}


class StaffRepsInvolvement:
    CONSULTED = "consulted"
    INFORMED = "informed"
    CHOICES = (CONSULTED, INFORMED)


def today() -> dt.date:
    return timezone.localdate()


def next_steps(report: Report) -> list[str]:
    """The workflow steps that may be taken now (for the case page)."""
    return [name for name, (allowed, _to) in TRANSITIONS.items() if report.status in allowed]


def _lock(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("organisation", "tool", "tool__vendor")
        .get(pk=report.pk)
    )


def _require_step(report: Report, step: str) -> None:
    allowed, _to = TRANSITIONS[step]
    if report.status not in allowed:
        raise ValidationError(
            _(
                "This step (%(step)s) cannot be taken now: the report is at “%(status)s”; it comes "
                "after “%(expected)s”."
            )
            % {
                "step": STEP_LABELS[step],
                "status": ReportStatus(report.status).label,
                "expected": " / ".join(str(ReportStatus(s).label) for s in allowed),
            },
            code="out_of_order",
        )


def _require_open(report: Report) -> None:
    if report.status == S.CLOSED:
        raise ValidationError(_("This report is closed and archived."), code="closed")


def _require_instructor(report: Report, user: Any) -> None:
    roles = frozenset(
        Membership.objects.filter(user=user, organisation_id=report.organisation_id).values_list(
            "role", flat=True
        )
    )
    from revoyure.organisations.access import OrgAccess

    if not roles or not report_access.can_instruct(OrgAccess(report.organisation, roles), user):
        raise PermissionDenied


def _require_delegate(report: Report, user: Any) -> None:
    _require_instructor(report, user)
    if not report_access.is_delegate(user, report.organisation):
        raise PermissionDenied


def _text(name: str, value: Any, *, required: bool = False, message: str = "") -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        raise ValidationError({name: message or _("This field is required.")})
    if len(value) > MAX_TEXT:
        raise ValidationError(
            {name: _("The text is too long (at most %(max)d characters).") % {"max": MAX_TEXT}}
        )
    return value


def _past_date(name: str, value: Any, *, not_before: dt.date | None = None) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError({name: _("Enter a date.")})
    if value > today():
        raise ValidationError({name: _("The date cannot be in the future.")})
    if not_before is not None and value < not_before:
        raise ValidationError(
            {name: _("The date cannot be before %(date)s.") % {"date": not_before.isoformat()}}
        )
    return value


def _step(
    report: Report,
    user: Any,
    kind: str,
    *,
    status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> CaseStep:
    return CaseStep.objects.create(
        report=report, status=status, kind=kind, at=timezone.now(), by=user, note=note, data=data or {}
    )


def _audit(action: str, user: Any, report: Report, **data: Any) -> None:
    # No personal data: the report's id, reference and status (never the reporter, never the content).
    audit.record(
        action,
        actor=user,
        organisation_id=report.organisation_id,
        obj=report,
        data={"report": report.pk, "reference": report.reference, "status": report.status, **data},
    )


def _move(report: Report, user: Any, step: str, status: str, *, note: str = "", **data: Any) -> CaseStep:
    changed = report.status != status
    report.status = status
    report.save()
    case_step = _step(report, user, "status", status=status, note=note, data={"step": step, **data})
    _audit(f"report.{step}", user, report, **data)
    if changed:
        _queue_status_webhook(report, case_step)
    return case_step


def _queue_status_webhook(report: Report, case_step: CaseStep) -> None:
    """Tell the organisation's webhooks (issue 6 §4) that the case moved. Nothing that could point at the
    reporter: no text, no reference, no time of day (the date only), no reporter or channel field."""
    webhooks.queue(
        "report.status_changed",
        report.organisation_id,
        {
            "report_id": report.pk,
            "status": report.status,
            "tool_id": report.tool_id,
            "on": timezone.localdate().isoformat(),
        },
        dedupe_key=f"report.status_changed:{case_step.pk}",
    )


def case_url(report: Report) -> str:
    path = reverse("reports:case_detail", kwargs={"org": report.organisation.slug, "report_id": report.pk})
    return settings.REVOYURE_BASE_URL.rstrip("/") + path


# Committee meeting --------------------------------------------------------------------------------------


def _committee(report: Report) -> Committee:
    committee = report_access.committee_of(report.organisation_id)
    if committee is None:
        committee = Committee.objects.create(organisation_id=report.organisation_id)
    return committee


@transaction.atomic
def convene_committee(
    report: Report, user: Any, *, starts_at: dt.datetime, title: str = "", agenda: str = ""
) -> Meeting:
    """Convene an extraordinary meeting of the committee to instruct the report."""
    _require_instructor(report, user)
    report = _lock(report)
    _require_step(report, "convene_committee")
    if not isinstance(starts_at, dt.datetime):
        raise ValidationError({"starts_at": _("Enter a date and time.")})
    title = _text("title", title) or _("Instruction of staff report %(reference)s") % {
        "reference": report.reference
    }
    if len(title) > 200:
        raise ValidationError({"title": _("The title is too long (at most 200 characters).")})
    agenda = _text("agenda", agenda) or _("Instruction of staff report %(reference)s") % {
        "reference": report.reference
    }
    meeting = convene_extraordinary_meeting(
        _committee(report), user, title=title, starts_at=starts_at, agenda=agenda, subject=report.reference
    )
    _move(report, user, "convene_committee", S.INSTRUCTING, note=title, meeting_id=meeting.pk)
    return meeting


# Expertise and finding -------------------------------------------------------------------------------


@transaction.atomic
def record_expertise(
    report: Report,
    user: Any,
    *,
    sandbox: str,
    steps: str,
    evidence: str = "",
    similar_cases: str = "",
    reproduced: bool | None = None,
) -> Expertise:
    """The reproduction in the acceptability sandbox with the system's current data (may be completed)."""
    _require_instructor(report, user)
    report = _lock(report)
    _require_step(report, "record_expertise")
    values = {
        "sandbox": _text(
            "sandbox", sandbox, required=True, message=_("Describe the sandbox and the data used.")
        ),
        "steps": _text("steps", steps, required=True, message=_("Describe the steps followed.")),
        "evidence": _text("evidence", evidence),
        "similar_cases": _text("similar_cases", similar_cases),
    }
    if reproduced not in (True, False, None):
        raise ValidationError({"reproduced": _("Unknown value.")})
    expertise, _created = Expertise.objects.update_or_create(
        report=report, defaults={**values, "reproduced": reproduced, "updated_by": user}
    )
    _move(report, user, "record_expertise", S.EXPERTISE, reproduced=reproduced)
    return expertise


@transaction.atomic
def record_finding(report: Report, user: Any, *, founded: bool, reasons: str) -> Report:
    """The committee's conclusion, with its reasons. A founded report is published as the domain event
    "report.founded" (the review clause consumes it)."""
    _require_instructor(report, user)
    report = _lock(report)
    _require_step(report, "record_finding")
    if founded not in (True, False):
        raise ValidationError({"founded": _("Say whether the report is founded.")})
    reasons = _text("reasons", reasons, required=True, message=_("Give the reasons of the finding."))
    if not Expertise.objects.filter(report=report).exists():
        raise ValidationError(_("Record the expertise first."))
    report.founded = founded
    report.finding_reasons = reasons
    _move(
        report, user, "record_finding", S.FOUNDED if founded else S.UNFOUNDED, note=reasons, founded=founded
    )
    if founded:
        events.publish(
            FOUNDED_EVENT,
            report.organisation_id,
            {"report_id": report.pk, "tool_id": report.tool_id, "organisation_id": report.organisation_id},
        )
    return report


# Vendor ----------------------------------------------------------------------------------------------


@transaction.atomic
def alert_vendor(report: Report, user: Any, *, recipient_email: str = "") -> VendorAlert:
    """The delegate's formal alert (AI Act art. 26(5)): a generated letter, e-mailed with the PDF to the
    vendor's contact after the commit, and recorded."""
    _require_delegate(report, user)
    report = _lock(report)
    _require_step(report, "alert_vendor")
    tool = report.tool
    if tool is None:
        raise ValidationError(_("The report concerns no tool of the register: there is no vendor to alert."))
    vendor = tool.vendor
    if vendor is None:
        raise ValidationError(_("The tool has no vendor in the register: record the vendor first."))
    recipient_email = (recipient_email or "").strip() or vendor.alert_contact_email
    if not recipient_email:
        raise ValidationError({"recipient_email": _("Give the vendor's contact address for alerts.")})
    from django.core.validators import validate_email

    try:
        validate_email(recipient_email)
    except ValidationError as exc:
        raise ValidationError({"recipient_email": _("Enter a valid e-mail address.")}) from exc
    pdf = letters.render_letter(report, vendor, user, today(), recipient_email)
    alert = VendorAlert(
        report=report,
        vendor=vendor,
        recipient_email=recipient_email,
        sha256=hashlib.sha256(pdf).hexdigest(),
        sent_by=user,
    )
    alert.letter.save(letters.letter_filename(report), ContentFile(pdf), save=False)
    alert.save()
    _move(report, user, "alert_vendor", S.VENDOR_ALERTED, alert_id=alert.pk, vendor_id=vendor.pk)
    transaction.on_commit(lambda: _mail_alert(alert.pk))
    return alert


def _mail_alert(alert_id: int) -> bool:
    alert = VendorAlert.objects.select_related("report__organisation", "report__tool").get(pk=alert_id)
    report = alert.report
    organisation = report.organisation
    subject = _("Formal alert (AI Act art. 26(5)): %(tool)s — %(org)s") % {
        "tool": report.tool.name if report.tool else "",
        "org": organisation.name,
    }
    body = "\n".join(
        [
            _("Please find attached our formal alert about the system “%(tool)s” (our reference %(ref)s).")
            % {"tool": report.tool.name if report.tool else "", "ref": report.reference},
            "",
            _("AI delegate, %(org)s") % {"org": organisation.name},
        ]
    )
    message = EmailMessage(subject, body, None, [alert.recipient_email])
    with alert.letter.open("rb") as handle:
        message.attach(letters.letter_filename(report), handle.read(), "application/pdf")
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("The vendor alert %s could not be e-mailed", alert_id)
        return False
    VendorAlert.objects.filter(pk=alert_id).update(sent_at=timezone.now())
    return True


@transaction.atomic
def record_vendor_correction(report: Report, user: Any, *, correction: str, corrected_on: dt.date) -> Report:
    _require_instructor(report, user)
    report = _lock(report)
    _require_step(report, "record_vendor_correction")
    correction = _text(
        "correction", correction, required=True, message=_("Describe the vendor's correction.")
    )
    alerted = report.vendor_alerts.order_by("-created_at").values_list("created_at", flat=True).first()
    report.vendor_correction = correction
    report.corrected_on = _past_date(
        "corrected_on", corrected_on, not_before=timezone.localdate(alerted) if alerted else None
    )
    _move(report, user, "record_vendor_correction", S.VENDOR_CORRECTED, note=correction)
    return report


@transaction.atomic
def revalidate(
    report: Report,
    user: Any,
    *,
    meeting: Meeting | None,
    staff_reps_involvement: str,
    revalidated_on: dt.date,
    note: str = "",
) -> Report:
    """The committee re-validates the corrected system at a meeting, after the staff representatives were
    consulted or at least informed."""
    _require_instructor(report, user)
    report = _lock(report)
    _require_step(report, "revalidate")
    if staff_reps_involvement not in StaffRepsInvolvement.CHOICES:
        raise ValidationError(
            {
                "staff_reps_involvement": _(
                    "The staff representatives must be consulted or at least informed before the "
                    "re-validation."
                )
            }
        )
    if meeting is None or meeting.committee.organisation_id != report.organisation_id:
        raise ValidationError({"meeting": _("Choose the committee meeting that re-validated the system.")})
    report.revalidated_on = _past_date("revalidated_on", revalidated_on, not_before=report.corrected_on)
    report.revalidation_meeting = meeting
    report.staff_reps_involvement = staff_reps_involvement
    note = _text("note", note)
    _move(
        report,
        user,
        "revalidate",
        S.REVALIDATED,
        note=note,
        meeting_id=meeting.pk,
        staff_reps=staff_reps_involvement,
    )
    return report


# The reporter --------------------------------------------------------------------------------------------


def _message_to_reporter(report: Report, user: Any, body: str) -> Message:
    message = Message.objects.create(
        report=report, from_reporter=False, author=user, body=body, created_on=today()
    )
    reporter = report.reporter
    if not report.anonymous and reporter is not None and reporter.is_active and reporter.email:
        email = reporter.email
        subject = _("Your report %(ref)s: a message from the AI committee") % {"ref": report.reference}
        text = "\n".join([body, "", _("— The AI committee of %(org)s") % {"org": report.organisation.name}])
        transaction.on_commit(lambda: send_mail_safely(subject, text, [email]))
    return message


@transaction.atomic
def write_message(report: Report, user: Any, *, body: str) -> Message:
    """A message of the committee to the reporter (read through the follow-up; e-mailed if the reporter
    has an account and is not anonymous)."""
    _require_instructor(report, user)
    report = _lock(report)
    _require_open(report)
    body = _text("body", body, required=True, message=_("Write the message."))
    message = _message_to_reporter(report, user, body)
    _step(report, user, "message", data={"message_id": message.pk})
    _audit("report.message", user, report, message=message.pk)
    return message


@transaction.atomic
def inform_reporter(report: Report, user: Any, *, body: str) -> Message:
    _require_instructor(report, user)
    report = _lock(report)
    _require_step(report, "inform_reporter")
    body = _text("body", body, required=True, message=_("Write what the reporter is told."))
    message = _message_to_reporter(report, user, body)
    _move(report, user, "inform_reporter", S.REPORTER_INFORMED, message_id=message.pk)
    return message


@transaction.atomic
def close(report: Report, user: Any, *, note: str = "") -> Report:
    _require_instructor(report, user)
    report = _lock(report)
    _require_step(report, "close")
    report.closed_on = today()
    _move(report, user, "close", S.CLOSED, note=_text("note", note))
    return report


# Around the workflow -------------------------------------------------------------------------------------


@transaction.atomic
def suspend_tool(report: Report, user: Any, *, reason: str) -> Report:
    """Suspend the use of the tool while a risk is suspected (through the register's status change, with
    its gates, history and audit)."""
    _require_delegate(report, user)
    report = _lock(report)
    _require_open(report)
    if report.tool is None:
        raise ValidationError(_("The report concerns no tool of the register."))
    reason = _text("reason", reason, required=True, message=_("Give the reason for the suspension."))
    registry_services.change_status(report.tool, user, "suspended", reason)
    report.suspension_suggested = True
    report.save()
    _step(report, user, "suspension", note=reason, data={"tool_id": report.tool_id})
    _audit("report.tool_suspended", user, report, tool=report.tool_id)
    return report


@transaction.atomic
def add_person(report: Report, user: Any, person: Any) -> ReportAccess:
    """Let a member of the organisation see the report (read only)."""
    _require_instructor(report, user)
    report = _lock(report)
    _require_open(report)
    if (
        person is None
        or not Membership.objects.filter(user=person, organisation_id=report.organisation_id).exists()
    ):
        raise ValidationError({"person": _("Only a member of the organisation can be added.")})
    if ReportAccess.objects.filter(report=report, user=person).exists():
        raise ValidationError({"person": _("This person already sees the report.")})
    grant = ReportAccess.objects.create(report=report, user=person, added_by=user)
    _step(report, user, "access_added", note=person.full_name or person.email, data={"user_id": person.pk})
    _audit("report.access_added", user, report, person=person.pk)
    return grant


@transaction.atomic
def mark_serious_incident(report: Report, user: Any, *, kind: str, aware_on: dt.date) -> Report:
    """AI Act art. 73: the deadline to notify the authority runs from the date of awareness."""
    _require_delegate(report, user)
    report = _lock(report)
    _require_open(report)
    if kind not in SERIOUS_DAYS:
        raise ValidationError({"kind": _("Choose the kind of serious incident.")})
    aware_on = _past_date("aware_on", aware_on)
    report.serious_incident = True
    report.serious_kind = kind
    report.aware_on = aware_on
    report.serious_deadline = serious_deadline(kind, aware_on)
    report.save()
    _step(
        report,
        user,
        "serious_incident",
        data={
            "kind": kind,
            "aware_on": aware_on.isoformat(),
            "deadline": report.serious_deadline.isoformat(),
        },
    )
    _audit("report.serious_incident", user, report, kind=kind, deadline=report.serious_deadline)
    return report


def serious_deadline(kind: str, aware_on: dt.date) -> dt.date:
    return aware_on + dt.timedelta(days=SERIOUS_DAYS[SeriousKind(kind)])


@transaction.atomic
def record_authority_notified(report: Report, user: Any, *, notified_on: dt.date) -> Report:
    _require_delegate(report, user)
    report = _lock(report)
    if not report.serious_incident:
        raise ValidationError(_("Mark the report as a serious incident first."))
    report.authority_notified_on = _past_date("notified_on", notified_on, not_before=report.aware_on)
    report.save()
    _step(report, user, "authority_notified", data={"notified_on": report.authority_notified_on.isoformat()})
    _audit("report.authority_notified", user, report, notified_on=report.authority_notified_on)
    return report


# The committee's annual dossier ---------------------------------------------------------------------------


def annual_section(organisation: Any, year: int) -> dict[str, Any]:
    """The reports received in `year`, by status and outcome: counts only, no personal data."""
    from django.db.models import Count

    received = Report.objects.filter(organisation=organisation, received_on__year=year)
    by_status = dict(received.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    total = sum(by_status.values())
    rows: list[tuple[str, int]] = [
        (str(ReportStatus(status).label), by_status[status])
        for status in ReportStatus.values
        if status in by_status
    ]
    founded = received.filter(founded=True).count()
    unfounded = received.filter(founded=False).count()
    rows += [
        (str(gettext_lazy("Outcome: founded")), founded),
        (str(gettext_lazy("Outcome: unfounded")), unfounded),
        (str(gettext_lazy("Outcome: not decided yet")), total - founded - unfounded),
        (
            str(gettext_lazy("Serious incidents (AI Act art. 73)")),
            received.filter(serious_incident=True).count(),
        ),
        (
            str(gettext_lazy("Vendors formally alerted")),
            received.filter(vendor_alerts__isnull=False).distinct().count(),
        ),
    ]
    return {
        "title": str(gettext_lazy("Staff reports")),
        "summary": _("%(count)d report(s) received in %(year)d.") % {"count": total, "year": year},
        "rows": rows,
    }
