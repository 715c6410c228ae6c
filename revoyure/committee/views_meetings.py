"""Pages of the committee's meetings: list, planning, detail, change, invitations, cancellation, attendance
and minutes, decisions, and the list of all decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.committee import services
from revoyure.committee.forms import DecisionForm, MeetingForm, MinutesForm
from revoyure.committee.models import Committee, Decision, Meeting, MeetingKind, MeetingStatus
from revoyure.committee.views import committee_context
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess, int_id
from revoyure.organisations.views_helpers import (
    bad_query,
    confirm,
    confirmed,
    form_status,
    get_in,
    posted,
    require_methods,
    saved,
)
from revoyure.registry.forms import add_service_errors


def _meeting(committee: Committee, meeting_id: Any) -> Meeting:
    meeting = (
        Meeting.objects.filter(committee=committee, pk=int_id(meeting_id))
        .select_related("committee__organisation")
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def _url(access: OrgAccess, meeting: Meeting) -> str:
    return reverse("committee:meeting", kwargs={"org": access.organisation.slug, "meeting_id": meeting.pk})


@login_required
@require_methods("GET", "HEAD")
def meeting_list(request: HttpRequest, org: str) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.VIEW_COMMITTEE)
    meetings = list(Meeting.objects.filter(committee=committee).order_by("-starts_at", "-pk")[:500])
    return render(
        request,
        "committee/meetings.html",
        {"access": access, "meetings": meetings, "can_manage": access.can(Perm.MANAGE_COMMITTEE)},
    )


@login_required
@require_methods("GET", "POST")
def meeting_new(request: HttpRequest, org: str) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    form = MeetingForm(posted(request), initial={"title": _("Extraordinary meeting of the AI committee")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                meeting = services.create_meeting(
                    committee, request.user, kind=MeetingKind.EXTRAORDINARY, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The meeting is planned. Send the invitations when ready."))
                return redirect(_url(access, meeting))
        status = 400
    return render(
        request,
        "committee/meeting_form.html",
        {"access": access, "form": form, "meeting": None},
        status=status,
    )


def render_meeting(
    request: HttpRequest,
    access: OrgAccess,
    meeting: Meeting,
    *,
    status: int = 200,
    minutes_form: MinutesForm | None = None,
    decision_form: DecisionForm | None = None,
) -> HttpResponse:
    committee = meeting.committee
    members = list(committee.members.filter(active=True).order_by("quality", "full_name", "pk"))
    attendance = {a.member_id: a for a in meeting.attendance.select_related("member")}
    # Members who attended but have left since still appear on the attendance list.
    gone = [a.member for a in attendance.values() if not a.member.active]
    can_manage = access.can(Perm.MANAGE_COMMITTEE)
    rows = []
    for member in members + gone:
        row = attendance.get(member.pk)
        state = ""
        if row is not None:
            state = "present" if row.present else ("excused" if row.excused else "absent")
        rows.append({"member": member, "state": state})
    if can_manage and minutes_form is None:
        minutes_form = MinutesForm(
            meeting=meeting, members=members + gone, initial={"minutes": meeting.minutes}
        )
    if can_manage and decision_form is None:
        decision_form = DecisionForm(organisation=access.organisation)
    return render(
        request,
        "committee/meeting.html",
        {
            "access": access,
            "meeting": meeting,
            "rows": rows,
            "decisions": list(meeting.decisions.select_related("tool")),
            "can_manage": can_manage,
            "is_planned": meeting.status == MeetingStatus.PLANNED,
            "has_started": meeting.starts_at <= timezone.now(),
            "invitees": services.invitees(committee) if can_manage else [],
            "minutes_form": minutes_form,
            "decision_form": decision_form,
        },
        status=status,
    )


@login_required
@require_methods("GET", "HEAD")
def meeting_detail(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.VIEW_COMMITTEE)
    return render_meeting(request, access, _meeting(committee, meeting_id))


@login_required
@require_methods("GET", "POST")
def meeting_edit(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    meeting = _meeting(committee, meeting_id)
    if meeting.status != MeetingStatus.PLANNED:
        return bad_query(request, _("Only a planned meeting can be changed."))
    form = MeetingForm(
        posted(request),
        initial={
            "title": meeting.title,
            "starts_at": timezone.localtime(meeting.starts_at),
            "ends_at": timezone.localtime(meeting.ends_at),
            "location": meeting.location,
            "agenda": meeting.agenda,
        },
    )
    if saved(
        request, form, lambda data: services.update_meeting(meeting, request.user, **data), add_service_errors
    ):
        messages.success(request, _("The meeting is updated."))
        return redirect(_url(access, meeting))
    return render(
        request,
        "committee/meeting_form.html",
        {"access": access, "form": form, "meeting": meeting},
        status=form_status(request),
    )


@login_required
@require_methods("POST")
def meeting_invite(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    meeting = _meeting(committee, meeting_id)
    if request.POST.get("action") != "invite":
        return bad_query(request, _("This form was not understood."))
    try:
        services.send_invitations(meeting, request.user)
    except ValidationError as exc:
        return bad_query(request, " ".join(exc.messages))
    messages.success(request, _("The invitations are sent."))
    return redirect(_url(access, meeting))


@login_required
@require_methods("GET", "POST")
def meeting_cancel(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    meeting = _meeting(committee, meeting_id)
    cancel = _url(access, meeting)
    status = 400 if request.method == "POST" else 200
    if meeting.status != MeetingStatus.PLANNED:
        return confirm(
            request,
            access,
            title=_("Cancel “%(title)s”") % {"title": meeting.title},
            message=_("Only a planned meeting can be cancelled."),
            button="",
            cancel_url=cancel,
            status=status,
        )
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Cancel “%(title)s”?") % {"title": meeting.title},
            message=_("If invitations were sent, every member receives the cancellation."),
            button=_("Cancel the meeting"),
            cancel_url=cancel,
            status=status,
        )
    services.cancel_meeting(meeting, request.user)
    messages.success(request, _("The meeting is cancelled."))
    return redirect(cancel)


@login_required
@require_methods("POST")
def meeting_record(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    meeting = _meeting(committee, meeting_id)
    members = list(committee.members.filter(active=True).order_by("quality", "full_name", "pk"))
    gone = list(committee.members.filter(active=False, attendance__meeting=meeting))
    form = MinutesForm(request.POST, meeting=meeting, members=members + gone)
    if not any(k.startswith("member_") or k == "minutes" for k in request.POST):
        form.add_error(None, _("This form was not understood."))
    elif form.is_valid():
        try:
            services.record_attendance(meeting, request.user, form.attendance(), form.cleaned_data["minutes"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The attendance and minutes are saved."))
            return redirect(_url(access, meeting))
    return render_meeting(request, access, meeting, status=400, minutes_form=form)


@login_required
@require_methods("POST")
def meeting_held(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    meeting = _meeting(committee, meeting_id)
    if request.POST.get("action") != "held":
        return bad_query(request, _("This form was not understood."))
    try:
        services.mark_held(meeting, request.user)
    except ValidationError as exc:
        return bad_query(request, " ".join(exc.messages))
    messages.success(
        request, _("The meeting is marked as held. You can now draft the communication to all staff.")
    )
    return redirect(_url(access, meeting))


@login_required
@require_methods("POST")
def decision_add(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    meeting = _meeting(committee, meeting_id)
    form = DecisionForm(request.POST, organisation=access.organisation)
    if form.is_valid():
        try:
            services.add_decision(meeting, request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect(_url(access, meeting))
    return render_meeting(request, access, meeting, status=400, decision_form=form)


@login_required
@require_methods("GET", "POST")
def decision_delete(request: HttpRequest, org: str, meeting_id: int, decision_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    meeting = _meeting(committee, meeting_id)
    decision = get_in(Decision.objects.filter(meeting=meeting), decision_id)
    cancel = _url(access, meeting)
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Delete this decision?"),
            message=decision.text[:300],
            button=_("Delete"),
            cancel_url=cancel,
            status=400 if request.method == "POST" else 200,
        )
    services.delete_decision(decision, request.user)
    messages.success(request, _("The decision is deleted."))
    return redirect(cancel)


@login_required
@require_methods("GET", "HEAD")
def decisions(request: HttpRequest, org: str) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.VIEW_COMMITTEE)
    rows = list(
        Decision.objects.filter(meeting__committee=committee)
        .select_related("meeting", "tool")
        .order_by("-meeting__starts_at", "pk")[:1000]
    )
    return render(request, "committee/decisions.html", {"access": access, "decisions": rows})
