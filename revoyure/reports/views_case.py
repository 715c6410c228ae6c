"""Pages of the case workflow: the list of reports (for those who may see them), a report's case page
(the timeline of steps and the forms of the next ones) and the download of a vendor letter. Views are
thin: each step is one service (`reports.services`), refused out of order with a clear message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revoyure.committee.models import Meeting
from revoyure.organisations.access import int_id
from revoyure.organisations.views import with_menu
from revoyure.organisations.views_helpers import bad_query, require_methods
from revoyure.registry.choices import STATUS_TRANSITIONS, ToolStatus
from revoyure.registry.forms import add_service_errors
from revoyure.registry.models import Tool
from revoyure.reports import forms_case as f
from revoyure.reports import letters, services
from revoyure.reports.access import CaseAccess, access_report, access_reports
from revoyure.reports.models import Report, ReportStatus, VendorAlert


@dataclass(frozen=True)
class Action:
    form: type[forms.Form]
    run: Callable[[Report, Any, Any], Any]  # (report, user, bound form) -> result
    done: Any  # message once done
    title: Any
    button: Any
    delegate_only: bool = False
    needs_report: bool = False  # the form takes `report=`


ACTIONS: dict[str, Action] = {
    "convene_committee": Action(
        f.ConveneForm,
        lambda r, u, fm: services.convene_committee(r, u, **fm.cleaned_data),
        gettext_lazy("The committee is convened to an extraordinary meeting."),
        gettext_lazy("Convene the committee"),
        gettext_lazy("Convene"),
    ),
    "record_expertise": Action(
        f.ExpertiseForm,
        lambda r, u, fm: services.record_expertise(
            r,
            u,
            sandbox=fm.cleaned_data["sandbox"],
            steps=fm.cleaned_data["steps"],
            evidence=fm.cleaned_data["evidence"],
            similar_cases=fm.cleaned_data["similar_cases"],
            reproduced=fm.reproduced_value(),
        ),
        gettext_lazy("The expertise is recorded."),
        gettext_lazy("Record the expertise (acceptability sandbox)"),
        gettext_lazy("Save the expertise"),
    ),
    "record_finding": Action(
        f.FindingForm,
        lambda r, u, fm: services.record_finding(
            r, u, founded=fm.cleaned_data["finding"] == "founded", reasons=fm.cleaned_data["reasons"]
        ),
        gettext_lazy("The finding is recorded."),
        gettext_lazy("Founded or unfounded"),
        gettext_lazy("Record the finding"),
    ),
    "alert_vendor": Action(
        f.AlertForm,
        lambda r, u, fm: services.alert_vendor(r, u, **fm.cleaned_data),
        gettext_lazy("The letter is generated and sent to the vendor."),
        gettext_lazy("Formally alert the vendor (AI Act art. 26(5))"),
        gettext_lazy("Generate and send the letter"),
        delegate_only=True,
    ),
    "record_vendor_correction": Action(
        f.CorrectionForm,
        lambda r, u, fm: services.record_vendor_correction(r, u, **fm.cleaned_data),
        gettext_lazy("The vendor's correction is recorded."),
        gettext_lazy("Record the vendor's correction"),
        gettext_lazy("Save the correction"),
    ),
    "revalidate": Action(
        f.RevalidateForm,
        lambda r, u, fm: services.revalidate(r, u, **fm.cleaned_data),
        gettext_lazy("The corrected system is re-validated."),
        gettext_lazy("Re-validate the corrected system"),
        gettext_lazy("Record the re-validation"),
        needs_report=True,
    ),
    "inform_reporter": Action(
        f.MessageForm,
        lambda r, u, fm: services.inform_reporter(r, u, **fm.cleaned_data),
        gettext_lazy("The reporter is informed."),
        gettext_lazy("Inform the reporter of the outcome"),
        gettext_lazy("Send to the reporter"),
    ),
    "close": Action(
        f.CloseForm,
        lambda r, u, fm: services.close(r, u, **fm.cleaned_data),
        gettext_lazy("The report is closed and archived."),
        gettext_lazy("Close and archive the report"),
        gettext_lazy("Close the report"),
    ),
    "message": Action(
        f.MessageForm,
        lambda r, u, fm: services.write_message(r, u, **fm.cleaned_data),
        gettext_lazy("The message is sent to the reporter."),
        gettext_lazy("Write to the reporter"),
        gettext_lazy("Send the message"),
    ),
    "add_person": Action(
        f.AddPersonForm,
        lambda r, u, fm: services.add_person(r, u, fm.cleaned_data["person"]),
        gettext_lazy("The person now sees the report."),
        gettext_lazy("Add a person to the report"),
        gettext_lazy("Add"),
        needs_report=True,
    ),
    "suspend_tool": Action(
        f.SuspendForm,
        lambda r, u, fm: services.suspend_tool(r, u, **fm.cleaned_data),
        gettext_lazy("The use of the tool is suspended."),
        gettext_lazy("Suspend the use of the tool"),
        gettext_lazy("Suspend the tool"),
        delegate_only=True,
    ),
    "serious_incident": Action(
        f.SeriousForm,
        lambda r, u, fm: services.mark_serious_incident(r, u, **fm.cleaned_data),
        gettext_lazy("The report is marked as a serious incident."),
        gettext_lazy("Mark as a serious incident (AI Act art. 73)"),
        gettext_lazy("Mark as serious incident"),
        delegate_only=True,
    ),
    "authority_notified": Action(
        f.AuthorityForm,
        lambda r, u, fm: services.record_authority_notified(r, u, **fm.cleaned_data),
        gettext_lazy("The notification to the authority is recorded."),
        gettext_lazy("Record the notification to the authority"),
        gettext_lazy("Save the date"),
        delegate_only=True,
    ),
}


def _form(name: str, report: Report, data: Any = None, initial: dict[str, Any] | None = None) -> forms.Form:
    action = ACTIONS[name]
    kwargs: dict[str, Any] = {"prefix": name, "initial": initial or {}}
    if action.needs_report:
        kwargs["report"] = report
    return action.form(data, **kwargs)


def _initial(name: str, report: Report) -> dict[str, Any]:
    today = services.today()
    if name == "alert_vendor" and report.tool and report.tool.vendor:
        return {"recipient_email": report.tool.vendor.alert_contact_email}
    if name in ("record_vendor_correction",):
        return {"corrected_on": today}
    if name == "revalidate":
        return {"revalidated_on": today}
    if name == "serious_incident":
        return {"aware_on": report.received_on}
    if name == "authority_notified":
        return {"notified_on": today}
    if name == "record_expertise" and hasattr(report, "expertise"):
        e = report.expertise
        reproduced = "" if e.reproduced is None else ("yes" if e.reproduced else "no")
        return {
            "sandbox": e.sandbox,
            "steps": e.steps,
            "evidence": e.evidence,
            "similar_cases": e.similar_cases,
            "reproduced": reproduced,
        }
    return {}


def _available(case: CaseAccess) -> list[str]:
    """The forms shown to this person now."""
    report = case.report
    if not case.instructs:
        return []
    names = list(services.next_steps(report))
    if report.status != ReportStatus.CLOSED:
        names += ["message", "add_person"]
        tool = report.tool
        if tool is not None and ToolStatus.SUSPENDED in STATUS_TRANSITIONS.get(tool.status, set()):
            names.append("suspend_tool")
        if not report.serious_incident:
            names.append("serious_incident")
    if report.serious_incident and report.authority_notified_on is None:
        names.append("authority_notified")
    return [n for n in names if case.delegate or not ACTIONS[n].delegate_only]


def render_case(
    request: HttpRequest,
    case: CaseAccess,
    *,
    status: int = 200,
    bound: tuple[str, forms.Form] | None = None,
) -> HttpResponse:
    report = case.report
    names = _available(case)
    if bound is not None and bound[0] not in names:
        names.append(bound[0])
    panels = []
    for name in names:
        form = (
            bound[1]
            if bound is not None and bound[0] == name
            else _form(name, report, initial=_initial(name, report))
        )
        action = ACTIONS[name]
        panels.append(
            {
                "name": name,
                "form": form,
                "title": action.title,
                "button": action.button,
                "open": bound is not None and bound[0] == name,
            }
        )
    steps = list(report.steps.select_related("by"))
    meeting_ids = [
        s.data.get("meeting_id") for s in steps if isinstance(s.data, dict) and s.data.get("meeting_id")
    ]
    meetings = {m.pk: m for m in Meeting.objects.filter(pk__in=meeting_ids)}
    for step in steps:
        meeting_id = step.data.get("meeting_id") if isinstance(step.data, dict) else None
        step.meeting = meetings.get(meeting_id) if isinstance(meeting_id, int) else None  # type: ignore[attr-defined]
    today = services.today()
    context = {
        "access": case.access,
        "case": case,
        "report": report,
        "steps": steps,
        "expertise": getattr(report, "expertise", None) if hasattr(report, "expertise") else None,
        "alerts": list(report.vendor_alerts.select_related("vendor", "sent_by").order_by("created_at")),
        "messages_list": list(report.messages.select_related("author")),
        "people": list(report.access.select_related("user", "added_by")),
        "attachments": list(report.attachments.all()),
        "panels": panels,
        "days_left": (report.serious_deadline - today).days if report.serious_deadline else None,
        "workflow": [(s.value, s.label) for s in ReportStatus],
    }
    return render(request, "reports/case_detail.html", context, status=status)


def _case(request: HttpRequest, org: str, report_id: Any) -> CaseAccess:
    case = access_report(request.user, org, report_id)
    with_menu(request, case.access)
    return case


@login_required
@require_methods("GET", "HEAD")
def case_list(request: HttpRequest, org: str) -> HttpResponse:
    reports_access = access_reports(request.user, org)
    access = with_menu(request, reports_access.access)
    rows = reports_access.reports(request.user).select_related("tool")
    form = f.ListFilterForm(request.GET or None)
    if request.GET:
        if not form.is_valid():
            return bad_query(request, _("Unknown status or tool."))
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["tool"]:
            if not Tool.objects.filter(
                organisation=access.organisation, pk=form.cleaned_data["tool"]
            ).exists():
                return bad_query(request, _("This tool does not exist in this organisation."))
            rows = rows.filter(tool_id=form.cleaned_data["tool"])
    tools = (
        Tool.objects.filter(organisation=access.organisation, staff_reports__isnull=False)
        .distinct()
        .order_by("name")
    )
    return render(
        request,
        "reports/case_list.html",
        {
            "access": access,
            "reports": list(rows[:500]),
            "form": form,
            "tools": tools,
            "statuses": ReportStatus.choices,
            "selected_tool": form.cleaned_data.get("tool") if form.is_bound and form.is_valid() else None,
            "selected_status": form.cleaned_data.get("status") if form.is_bound and form.is_valid() else "",
        },
    )


@login_required
@require_methods("GET", "HEAD")
def case_detail(request: HttpRequest, org: str, report_id: int) -> HttpResponse:
    return render_case(request, _case(request, org, report_id))


@login_required
@require_methods("POST")
def case_action(request: HttpRequest, org: str, report_id: int, action: str) -> HttpResponse:
    case = _case(request, org, report_id)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not case.instructs or (spec.delegate_only and not case.delegate):
        raise PermissionDenied
    form = _form(action, case.report, request.POST)
    if form.is_valid():
        try:
            spec.run(case.report, request.user, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            return redirect(
                "reports:case_detail", org=case.access.organisation.slug, report_id=case.report.pk
            )
    return render_case(request, case, status=400, bound=(action, form))


@login_required
@require_methods("GET", "HEAD")
def letter_download(request: HttpRequest, org: str, report_id: int, alert_id: int) -> FileResponse:
    case = _case(request, org, report_id)
    alert = VendorAlert.objects.filter(report=case.report, pk=int_id(alert_id)).first()
    if alert is None or not alert.letter:
        raise Http404
    response = FileResponse(
        alert.letter.open("rb"),
        as_attachment=True,
        filename=letters.letter_filename(case.report),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
