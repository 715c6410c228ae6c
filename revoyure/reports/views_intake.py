"""Report intake pages: the form for members, the public link, the anonymous follow-up, "my reports".

The follow-up code is shown in the answer to the submission itself, never stored (not even in the session,
which belongs to a logged-in member and would tie them to an anonymous report). The follow-up page asks for
the code by POST; after it, a signed ticket valid 30 minutes travels in the page's own form (not in the URL,
not in the session) so the reporter can add information without typing the code again."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from revoyure.committee.models import Committee
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess, int_id
from revoyure.organisations.models import Organisation
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import posted, posted_files, require_methods
from revoyure.reports import intake
from revoyure.reports.anonymity import PUBLIC_SUBMISSIONS, WRONG_CODES
from revoyure.reports.forms_intake import CodeForm, ReporterMessageForm, ReportForm
from revoyure.reports.models import Channel, Report

TICKET_SALT = "revoyure.reports.followup"
TICKET_MAX_AGE = 30 * 60
MIN_PUBLIC_TOKEN_LENGTH = 16


def _files(form: Any) -> Any:
    try:
        return intake.clean_uploads(form.cleaned_data.get("attachments") or [])
    except ValidationError as exc:
        for message in exc.message_dict.get("attachments", exc.messages):
            form.add_error("attachments", message)
        return None


def _submit(request: HttpRequest, form: ReportForm, organisation: Organisation, *, public: bool) -> Any:
    files = _files(form)
    if files is None:
        return None
    data = form.cleaned_data
    anonymous = public or bool(data.get("anonymous"))
    try:
        return intake.create_report(
            organisation,
            channel=Channel.PUBLIC if public else Channel.WEB,
            title=data["title"],
            description=data["description"],
            occurred_on=data.get("occurred_on"),
            tool=data.get("tool"),
            reporter=None if anonymous else request.user,
            anonymous=anonymous,
            attachments=files,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return None


def _done(request: HttpRequest, report: Report, code: str, access: OrgAccess | None) -> HttpResponse:
    response = render(
        request,
        "reports/intake_done.html",
        {"access": access, "report": report, "code": code, "organisation": report.organisation},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_methods("GET", "POST")
@login_required
@never_cache
def report_new(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.SUBMIT_REPORT)
    form = ReportForm(posted(request), posted_files(request), organisation=access.organisation)
    if request.method == "POST" and form.is_valid():
        created = _submit(request, form, access.organisation, public=False)
        if created is not None:
            return _done(request, created[0], created[1], access)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "reports/intake_form.html", {"access": access, "form": form, "public": False}, status=status
    )


def _committee_for_token(token: str) -> Committee:
    """The committee whose public link is `token`, compared in constant time with every enabled link."""
    found = None
    if len(token) >= MIN_PUBLIC_TOKEN_LENGTH:
        for committee in Committee.objects.filter(public_reporting_enabled=True).select_related(
            "organisation"
        ):
            stored = committee.public_reporting_token or ""
            if len(stored) >= MIN_PUBLIC_TOKEN_LENGTH and secrets.compare_digest(
                stored.encode(), token.encode()
            ):
                found = committee
    if found is None:
        raise Http404
    return found


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {
            "title": _("Too many attempts"),
            "message": _("Too many attempts. Wait a few minutes and try again."),
        },
        status=429,
    )


@never_cache
def public_report(request: HttpRequest, token: str) -> HttpResponse:
    committee = _committee_for_token(token)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    organisation = committee.organisation
    form = ReportForm(posted(request), posted_files(request), organisation=organisation, public=True)
    if request.method == "POST":
        if PUBLIC_SUBMISSIONS.exceeded(request, organisation.pk):
            return _too_many(request)
        PUBLIC_SUBMISSIONS.hit(request, organisation.pk)
        if form.is_valid():
            created = _submit(request, form, organisation, public=True)
            if created is not None:
                return _done(request, created[0], created[1], None)
    status = 400 if request.method == "POST" else 200
    context = {"access": None, "form": form, "public": True, "organisation": organisation}
    return render(request, "reports/intake_form.html", context, status=status)


def _thread(report: Report) -> dict[str, Any]:
    return {
        "report": report,
        "committee_messages": report.messages.filter(from_reporter=False).order_by("created_on", "pk"),
        "reporter_messages": report.messages.filter(from_reporter=True).order_by("created_on", "pk"),
    }


@never_cache
def followup(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=org_slug)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    context: dict[str, Any] = {"organisation": organisation, "access": None}
    if request.method == "POST" and "ticket" in request.POST:
        return _followup_message(request, organisation, context)
    form = CodeForm(posted(request))
    if request.method != "POST":
        return render(request, "reports/intake_followup_code.html", {**context, "form": form})
    if WRONG_CODES.exceeded(request, organisation.pk):
        return _too_many(request)
    report = intake.report_for_code(organisation, form.data.get("code", "")) if form.is_valid() else None
    if report is None:
        WRONG_CODES.hit(request, organisation.pk)
        if form.is_valid():
            form.add_error("code", _("This code does not match any report. Check it and try again."))
        return render(request, "reports/intake_followup_code.html", {**context, "form": form}, status=400)
    return _followup_page(request, report, ReporterMessageForm(), context)


def _followup_page(
    request: HttpRequest,
    report: Report,
    form: ReporterMessageForm,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    ticket = signing.dumps({"r": report.pk, "o": report.organisation_id}, salt=TICKET_SALT)
    response = render(
        request,
        "reports/intake_followup.html",
        {**context, **_thread(report), "form": form, "ticket": ticket},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def _followup_message(
    request: HttpRequest, organisation: Organisation, context: dict[str, Any]
) -> HttpResponse:
    try:
        data = signing.loads(request.POST["ticket"], salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
        report = Report.objects.get(pk=int(data["r"]), organisation=organisation)
    except (signing.BadSignature, KeyError, TypeError, ValueError, Report.DoesNotExist):
        context["expired"] = True
        return render(
            request, "reports/intake_followup_code.html", {**context, "form": CodeForm()}, status=400
        )
    form = ReporterMessageForm(request.POST, request.FILES)
    if form.is_valid():
        files = _files(form)
        if files is not None:
            intake.add_reporter_message(report, form.cleaned_data.get("body") or "", files)
            context["sent"] = True
            return _followup_page(request, report, ReporterMessageForm(), context)
    return _followup_page(request, report, form, context, status=400)


@require_methods("GET", "HEAD")
@login_required
def my_reports(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.SUBMIT_REPORT)
    reports = Report.objects.filter(
        organisation=access.organisation, reporter_id=request.user.pk, anonymous=False
    ).select_related("tool")
    return render(request, "reports/intake_mine.html", {"access": access, "reports": reports})


@require_methods("GET", "HEAD", "POST")
@login_required
def my_report(request: HttpRequest, org: str, report_id: Any) -> HttpResponse:
    access = org_context(request, org, Perm.SUBMIT_REPORT)
    report = Report.objects.filter(
        organisation=access.organisation, reporter_id=request.user.pk, anonymous=False, pk=int_id(report_id)
    ).first()
    if report is None:
        raise Http404
    form = ReporterMessageForm(posted(request), posted_files(request))
    sent = False
    if request.method == "POST":
        if form.is_valid():
            files = _files(form)
            if files is not None:
                intake.add_reporter_message(
                    report, form.cleaned_data.get("body") or "", files, author=request.user
                )
                form, sent = ReporterMessageForm(), True
        if not sent:
            context = {"access": access, **_thread(report), "form": form}
            return render(request, "reports/intake_mine_detail.html", context, status=400)
    context = {"access": access, **_thread(report), "form": form, "sent": sent}
    return render(request, "reports/intake_mine_detail.html", context)
