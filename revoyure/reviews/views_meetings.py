"""Pages of the review meetings and their measures: the list of meetings (the review clause's home page), a
meeting (agenda, tools, event, participants, minutes, measures, outcome), rescheduling, cancellation, the
minutes, the closing with its outcome, the measures and their follow-up, and the meeting's .ics file.

Reading needs VIEW_REVIEWS, writing MANAGE_REVIEWS; the owner of a measure may mark it done (« caler le
suivi de la mise en place de ces mesures »: the person who carries a measure out says so)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.core import ical
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.forms import apply_errors
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import (
    BadPage,
    bad_query,
    confirm,
    confirmed,
    form_status,
    get_in_organisation,
    paginate,
    posted,
    require_methods,
    saved,
)
from revoyure.registry.models import Tool
from revoyure.reviews import notices
from revoyure.reviews import services_meetings as services
from revoyure.reviews.forms_meetings import (
    CloseForm,
    MeasureCancelForm,
    MeasureDoneForm,
    MeasureFilterForm,
    MeasureForm,
    MeetingEditForm,
    MeetingFilterForm,
    MinutesForm,
)
from revoyure.reviews.models import (
    Measure,
    MeasureStatus,
    MeetingNotice,
    MeetingStatus,
    ReviewMeeting,
    ReviewParticipant,
)

MEETINGS_PER_PAGE = 25
MEASURES_PER_PAGE = 50


def _query_error(request: HttpRequest, form: Any) -> HttpResponse:
    message = " ".join(
        f"{form.fields[name].label or name}: {' '.join(str(e) for e in errors)}"
        for name, errors in form.errors.items()
    )
    return bad_query(request, message)


def _meeting(access: OrgAccess, meeting_id: Any) -> ReviewMeeting:
    queryset = ReviewMeeting.objects.select_related("organisation", "clause__agreement", "event")
    return get_in_organisation(queryset, access, meeting_id)


def _measure(access: OrgAccess, measure_id: Any) -> Measure:
    queryset = Measure.objects.select_related("meeting", "owner", "tool", "organisation")
    return get_in_organisation(queryset, access, measure_id)


def _meeting_url(access: OrgAccess, meeting_id: int) -> str:
    return reverse(
        "reviews:meeting_detail", kwargs={"org": access.organisation.slug, "review_meeting_id": meeting_id}
    )


def _tools() -> Prefetch:
    return Prefetch(
        "tools", queryset=Tool.objects.only("id", "name", "organisation_id").order_by("name", "pk")
    )


# The list of meetings ------------------------------------------------------------------------------------------


@login_required
@require_methods("GET", "HEAD")
def home(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    form = MeetingFilterForm(request.GET)
    if not form.is_valid():
        return _query_error(request, form)
    upcoming = Q(status=MeetingStatus.PLANNED, starts_at__gte=timezone.now())
    meetings = ReviewMeeting.objects.filter(organisation=access.organisation)
    status = form.cleaned_data["status"]
    if status:
        meetings = meetings.filter(status=status)
    # Upcoming meetings first, the soonest at the top; then every other meeting, the latest first.
    meetings = (
        meetings.annotate(
            bucket=Case(When(upcoming, then=0), default=1, output_field=IntegerField()),
            soon=Case(When(upcoming, then=F("starts_at"))),
            open_measures=Count("measures", filter=Q(measures__status=MeasureStatus.OPEN)),
        )
        .select_related("clause", "event")
        .prefetch_related(_tools())
        .order_by("bucket", "soon", "-starts_at", "-pk")
    )
    try:
        page = paginate(meetings, form.cleaned_data["page"], MEETINGS_PER_PAGE)
    except BadPage as exc:
        return bad_query(request, str(exc))
    return render(
        request,
        "reviews/home.html",
        {
            "access": access,
            "page": page,
            "meetings": page.object_list,
            "status": status,
            "filter_form": form,
            "can_manage": access.can(Perm.MANAGE_REVIEWS),
        },
    )


# A meeting --------------------------------------------------------------------------------------------------


@login_required
@require_methods("GET", "HEAD")
def meeting_detail(request: HttpRequest, org: str, review_meeting_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    meeting = _meeting(access, review_meeting_id)
    can_manage = access.can(Perm.MANAGE_REVIEWS)
    measures = list(meeting.measures.select_related("owner", "tool").order_by("status", "due_on", "pk"))
    return render(
        request,
        "reviews/meeting_detail.html",
        {
            "access": access,
            "meeting": meeting,
            "tools": list(meeting.tools.order_by("name", "pk")),
            "participants": list(ReviewParticipant.objects.filter(meeting=meeting).order_by("name", "pk")),
            "measures": measures,
            "today": timezone.localdate(),
            "pending_notices": MeetingNotice.objects.filter(meeting=meeting, sent_at__isnull=True).count(),
            "staff_bodies": list(meeting.clause.staff_bodies.all()),
            "can_manage": can_manage,
            "is_planned": meeting.status == MeetingStatus.PLANNED,
            "can_add_measures": can_manage and meeting.status in (MeetingStatus.PLANNED, MeetingStatus.HELD),
            "can_record": can_manage and meeting.status in (MeetingStatus.PLANNED, MeetingStatus.HELD),
            "can_close": can_manage and meeting.status == MeetingStatus.HELD,
            "user_id": request.user.pk,
        },
    )


@login_required
@require_methods("GET", "HEAD")
def meeting_ics(request: HttpRequest, org: str, review_meeting_id: int) -> HttpResponse:
    """The meeting's current calendar entry, same UID and SEQUENCE as the e-mails: a copy to import
    (METHOD:PUBLISH), or the cancellation of a cancelled meeting."""
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    meeting = _meeting(access, review_meeting_id)
    method = ical.CANCEL if meeting.status == MeetingStatus.CANCELLED else ical.PUBLISH
    response = HttpResponse(notices.meeting_ics(meeting, method), content_type=ical.content_type(method))
    response["Content-Disposition"] = f'attachment; filename="review-meeting-{meeting.pk}.ics"'
    return response


@login_required
@require_methods("GET", "POST")
def meeting_edit(request: HttpRequest, org: str, review_meeting_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    meeting = _meeting(access, review_meeting_id)
    if meeting.status != MeetingStatus.PLANNED:
        return bad_query(request, _("Only a planned meeting can be changed."))
    form = MeetingEditForm(
        posted(request),
        initial={
            "starts_at": timezone.localtime(meeting.starts_at),
            "ends_at": timezone.localtime(meeting.ends_at),
            "location": meeting.location,
            "agenda": meeting.agenda,
        },
    )
    if saved(request, form, lambda data: services.update_meeting(meeting, request.user, **data)):
        messages.success(request, _("The meeting is updated."))
        return redirect(_meeting_url(access, meeting.pk))
    return render(
        request,
        "reviews/meeting_form.html",
        {"access": access, "form": form, "meeting": meeting},
        status=form_status(request),
    )


@login_required
@require_methods("GET", "POST")
def meeting_cancel(request: HttpRequest, org: str, review_meeting_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    meeting = _meeting(access, review_meeting_id)
    back = _meeting_url(access, meeting.pk)
    status = 400 if request.method == "POST" else 200
    if meeting.status != MeetingStatus.PLANNED:
        return confirm(
            request,
            access,
            title=_("Cancel “%(title)s”") % {"title": meeting.title},
            message=_("Only a planned meeting can be cancelled."),
            button="",
            cancel_url=back,
            status=status,
        )
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Cancel “%(title)s”?") % {"title": meeting.title},
            message=_("Every participant who was invited receives the cancellation in their calendar."),
            button=_("Cancel the meeting"),
            cancel_url=back,
            status=status,
        )
    try:
        services.cancel_meeting(meeting, request.user)
    except ValidationError as exc:
        return bad_query(request, " ".join(exc.messages))
    messages.success(request, _("The meeting is cancelled; the participants are told."))
    return redirect(back)


@login_required
@require_methods("GET", "POST")
def meeting_minutes(request: HttpRequest, org: str, review_meeting_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    meeting = _meeting(access, review_meeting_id)
    if meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.HELD):
        return bad_query(request, _("The minutes of a cancelled or closed meeting cannot be changed."))
    rows = services.attendance_rows(meeting)
    form = MinutesForm(posted(request), rows=rows, initial={"minutes": meeting.minutes})
    status = 200
    if request.method == "POST":
        if request.POST.get("action") != "minutes":
            form.add_error(None, _("This form was not understood."))
        elif form.is_valid():
            try:
                services.record_minutes(
                    meeting, request.user, form.attendance(), form.cleaned_data["minutes"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The attendance and the minutes are saved."))
                return redirect(_meeting_url(access, meeting.pk))
        status = 400
    return render(
        request,
        "reviews/meeting_minutes.html",
        {
            "access": access,
            "meeting": meeting,
            "form": form,
            "has_started": meeting.starts_at <= timezone.now(),
        },
        status=status,
    )


@login_required
@require_methods("GET", "POST")
def meeting_close(request: HttpRequest, org: str, review_meeting_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    meeting = _meeting(access, review_meeting_id)
    if meeting.status != MeetingStatus.HELD:
        return bad_query(request, _("Only a held meeting can be closed: record its minutes first."))
    form = CloseForm(posted(request))
    if saved(request, form, lambda data: services.close_meeting(meeting, request.user, **data)):
        messages.success(request, _("The meeting is closed; its outcome is in the history of its tools."))
        return redirect(_meeting_url(access, meeting.pk))
    return render(
        request,
        "reviews/meeting_close.html",
        {
            "access": access,
            "meeting": meeting,
            "form": form,
            "tools": list(meeting.tools.order_by("name", "pk")),
            "staff_bodies": list(meeting.clause.staff_bodies.all()),
        },
        status=form_status(request),
    )


# Measures ----------------------------------------------------------------------------------------------------


@login_required
@require_methods("GET", "POST")
def measure_new(request: HttpRequest, org: str, review_meeting_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    meeting = _meeting(access, review_meeting_id)
    if meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.HELD):
        return bad_query(request, _("Measures are recorded on a planned or held meeting."))
    first_tool = meeting.tools.order_by("name", "pk").first()
    form = MeasureForm(
        posted(request),
        organisation=access.organisation,
        initial={"tool": first_tool.pk if first_tool else None},
    )
    if saved(request, form, lambda data: services.add_measure(meeting, request.user, **data)):
        messages.success(request, _("The measure is recorded."))
        return redirect(_meeting_url(access, meeting.pk))
    return render(
        request,
        "reviews/measure_form.html",
        {"access": access, "meeting": meeting, "measure": None, "form": form},
        status=form_status(request),
    )


@login_required
@require_methods("GET", "POST")
def measure_edit(request: HttpRequest, org: str, measure_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    measure = _measure(access, measure_id)
    if measure.status != MeasureStatus.OPEN:
        return bad_query(request, _("This measure is no longer open."))
    form = MeasureForm(
        posted(request),
        organisation=access.organisation,
        initial={
            "text": measure.text,
            "owner": measure.owner_id,
            "owner_name": measure.owner_name,
            "due_on": measure.due_on,
            "tool": measure.tool_id,
        },
    )
    if saved(request, form, lambda data: services.update_measure(measure, request.user, **data)):
        messages.success(request, _("The measure is updated."))
        return redirect(_meeting_url(access, measure.meeting_id))
    return render(
        request,
        "reviews/measure_form.html",
        {"access": access, "meeting": measure.meeting, "measure": measure, "form": form},
        status=form_status(request),
    )


@login_required
@require_methods("GET", "POST")
def measure_done(request: HttpRequest, org: str, measure_id: int) -> HttpResponse:
    # Any member reaches the check; only a manager of reviews or the measure's own owner passes it.
    access = org_context(request, org, Perm.VIEW_TRANSPARENCY)
    measure = _measure(access, measure_id)
    is_owner = measure.owner_id is not None and measure.owner_id == request.user.pk
    if not (access.can(Perm.MANAGE_REVIEWS) or is_owner):
        raise PermissionDenied
    form = MeasureDoneForm(posted(request), initial={"done_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if measure.status != MeasureStatus.OPEN:
            form.add_error(None, _("This measure is no longer open."))
        elif form.is_valid():
            try:
                services.complete_measure(
                    measure,
                    request.user,
                    done_on=form.cleaned_data["done_on"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The measure is recorded as done."))
                if access.can(Perm.VIEW_REVIEWS):
                    return redirect(_meeting_url(access, measure.meeting_id))
                return redirect("reviews:measure_done", org=access.organisation.slug, measure_id=measure.pk)
        status = 400
    return render(
        request,
        "reviews/measure_done.html",
        {
            "access": access,
            "measure": measure,
            "form": form,
            "can_view_meeting": access.can(Perm.VIEW_REVIEWS),
            "is_open": measure.status == MeasureStatus.OPEN,
        },
        status=status,
    )


@login_required
@require_methods("GET", "POST")
def measure_cancel(request: HttpRequest, org: str, measure_id: int) -> HttpResponse:
    access = org_context(request, org, Perm.MANAGE_REVIEWS)
    measure = _measure(access, measure_id)
    if measure.status != MeasureStatus.OPEN:
        return bad_query(request, _("This measure is no longer open."))
    form = MeasureCancelForm(posted(request))
    if saved(request, form, lambda data: services.cancel_measure(measure, request.user, note=data["note"])):
        messages.success(request, _("The measure is cancelled."))
        return redirect(_meeting_url(access, measure.meeting_id))
    return render(
        request,
        "reviews/measure_cancel.html",
        {"access": access, "measure": measure, "form": form},
        status=form_status(request),
    )


def _measures(access: OrgAccess, state: str, mine: bool, user: Any) -> QuerySet[Measure]:
    today = timezone.localdate()
    measures = Measure.objects.filter(organisation=access.organisation)
    if state == "open":
        measures = measures.filter(status=MeasureStatus.OPEN)
    elif state == "late":
        measures = measures.filter(status=MeasureStatus.OPEN, due_on__lt=today)
    elif state in (MeasureStatus.DONE, MeasureStatus.CANCELLED):
        measures = measures.filter(status=state)
    if mine:
        measures = measures.filter(owner=user)
    # Open measures first, by due date; then the others, the latest first.
    return measures.select_related("meeting", "tool", "owner").order_by(
        Case(When(status=MeasureStatus.OPEN, then=0), default=1, output_field=IntegerField()),
        Case(When(status=MeasureStatus.OPEN, then=F("due_on"))),
        "-due_on",
        "-pk",
    )


@login_required
@require_methods("GET", "HEAD")
def measure_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_REVIEWS)
    form = MeasureFilterForm(request.GET)
    if not form.is_valid():
        return _query_error(request, form)
    state, owner = form.cleaned_data["state"], form.cleaned_data["owner"]
    try:
        page = paginate(
            _measures(access, state, owner == "mine", request.user),
            form.cleaned_data["page"],
            MEASURES_PER_PAGE,
        )
    except BadPage as exc:
        return bad_query(request, str(exc))
    return render(
        request,
        "reviews/measure_list.html",
        {
            "access": access,
            "page": page,
            "measures": page.object_list,
            "filter_form": form,
            "today": timezone.localdate(),
            "can_manage": access.can(Perm.MANAGE_REVIEWS),
            "user_id": request.user.pk,
        },
    )
