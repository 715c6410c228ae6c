"""Pages of the AI committee: home, settings, members, the delegate's notes, the annual dossier and the
communications to all staff. Meetings are in views_meetings. Views are thin: every write is a service.

Reading needs VIEW_COMMITTEE, writing MANAGE_COMMITTEE (admin and delegate); the communications page is for
every member (VIEW_TRANSPARENCY): « cette réunion fait l'objet d'une communication partagée avec l'ensemble
des collaborateurs »."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from revoyure.committee import dossier, services
from revoyure.committee.forms import CommunicationForm, MemberEditForm, MemberForm, NoteForm, SettingsForm
from revoyure.committee.models import (
    Committee,
    CommitteeMember,
    Communication,
    DelegateNote,
    Meeting,
    MeetingStatus,
)
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess, int_id
from revoyure.organisations.views import org_context
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


def committee_context(request: HttpRequest, org: str, perm: Perm) -> tuple[OrgAccess, Committee]:
    access = org_context(request, org, perm)
    committee = services.get_or_create_committee(access.organisation)
    return access, committee


def _home_url(access: OrgAccess) -> str:
    return reverse("committee:home", kwargs={"org": access.organisation.slug})


@login_required
@require_methods("GET", "HEAD")
def home(request: HttpRequest, org: str) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.VIEW_COMMITTEE)
    committee = Committee.objects.select_related("delegate", "deputy").get(pk=committee.pk)
    now = timezone.now()
    next_meeting = (
        Meeting.objects.filter(committee=committee, status=MeetingStatus.PLANNED, ends_at__gte=now)
        .order_by("starts_at", "pk")
        .first()
    )
    members = list(committee.members.filter(active=True).select_related("user"))
    years = sorted(
        {d.year for d in Meeting.objects.filter(committee=committee).dates("starts_at", "year")}
        | {timezone.localdate().year},
        reverse=True,
    )
    return render(
        request,
        "committee/home.html",
        {
            "access": access,
            "committee": committee,
            "members": members,
            "next_meeting": next_meeting,
            "years": years,
            "can_manage": access.can(Perm.MANAGE_COMMITTEE),
            "reporting_url": public_reporting_url(committee),
        },
    )


def public_reporting_url(committee: Committee) -> str:
    """The public reporting link (routed by the staff reports app, above this one: reversed by name)."""
    if not (committee.public_reporting_enabled and committee.public_reporting_token):
        return ""
    try:
        path = reverse("reports:public_report", kwargs={"token": committee.public_reporting_token})
    except NoReverseMatch:
        return ""
    return services.base_url() + path


@login_required
@require_methods("GET", "POST")
def settings_page(request: HttpRequest, org: str) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    form = SettingsForm(
        posted(request),
        organisation=access.organisation,
        initial={
            "delegate": committee.delegate_id,
            "deputy": committee.deputy_id,
            "reporting_email": committee.reporting_email,
            "public_reporting_enabled": committee.public_reporting_enabled,
            "strategy": committee.strategy,
            "annual_meeting_month": committee.annual_meeting_month,
        },
    )
    if saved(
        request,
        form,
        lambda data: services.update_settings(committee, request.user, **data),
        add_service_errors,
    ):
        messages.success(request, _("The committee's settings are saved."))
        return redirect("committee:settings", org=access.organisation.slug)
    return render(
        request,
        "committee/settings.html",
        {"access": access, "committee": committee, "form": form},
        status=form_status(request),
    )


@login_required
@require_methods("GET", "POST")
def regenerate_token(request: HttpRequest, org: str) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    cancel = reverse("committee:settings", kwargs={"org": access.organisation.slug})
    if not committee.public_reporting_enabled:
        return confirm(
            request,
            access,
            title=_("Regenerate the public reporting link"),
            message=_("Reports through a public link are not enabled."),
            button="",
            cancel_url=cancel,
            status=400 if request.method == "POST" else 200,
        )
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Regenerate the public reporting link?"),
            message=_("The current link stops working at once; give the new one to the staff."),
            button=_("Regenerate"),
            cancel_url=cancel,
            status=400 if request.method == "POST" else 200,
        )
    services.regenerate_public_token(committee, request.user)
    messages.success(request, _("A new public reporting link is in place."))
    return redirect(cancel)


# Members ------------------------------------------------------------------------------------------------


def _members_page(
    request: HttpRequest, access: OrgAccess, committee: Committee, form: MemberForm | None, status: int = 200
) -> HttpResponse:
    members = list(committee.members.select_related("user").order_by("-active", "quality", "full_name", "pk"))
    can_manage = access.can(Perm.MANAGE_COMMITTEE)
    if form is None and can_manage:
        form = MemberForm(organisation=access.organisation)
    return render(
        request,
        "committee/members.html",
        {
            "access": access,
            "committee": committee,
            "members": members,
            "form": form,
            "can_manage": can_manage,
        },
        status=status,
    )


@login_required
@require_methods("GET", "HEAD", "POST")
def members(request: HttpRequest, org: str) -> HttpResponse:
    if request.method == "POST":
        access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
        form = MemberForm(request.POST, organisation=access.organisation)
        if form.is_valid():
            try:
                services.add_member(committee, request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The member is added to the committee."))
                return redirect("committee:members", org=access.organisation.slug)
        return _members_page(request, access, committee, form, 400)
    access, committee = committee_context(request, org, Perm.VIEW_COMMITTEE)
    return _members_page(request, access, committee, None)


def _member(committee: Committee, member_id: Any) -> CommitteeMember:
    return get_in(committee.members.select_related("user"), member_id)


@login_required
@require_methods("GET", "POST")
def member_edit(request: HttpRequest, org: str, committee_member_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    member = _member(committee, committee_member_id)
    form = MemberEditForm(
        posted(request),
        organisation=access.organisation,
        initial={
            "full_name": member.full_name,
            "quality": member.quality,
            "affiliation": member.affiliation,
            "email": member.email,
            "user": member.user_id,
            "joined_on": member.joined_on,
            "active": member.active,
        },
    )
    if saved(
        request, form, lambda data: services.update_member(member, request.user, **data), add_service_errors
    ):
        messages.success(request, _("The member is updated."))
        return redirect("committee:members", org=access.organisation.slug)
    return render(
        request,
        "committee/member_edit.html",
        {"access": access, "member": member, "form": form},
        status=form_status(request),
    )


@login_required
@require_methods("GET", "POST")
def member_deactivate(request: HttpRequest, org: str, committee_member_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    member = _member(committee, committee_member_id)
    cancel = reverse("committee:members", kwargs={"org": access.organisation.slug})
    status = 400 if request.method == "POST" else 200
    if not member.active:
        return confirm(
            request,
            access,
            title=_("%(name)s is no longer a member") % {"name": member.full_name},
            message=_("This member is already inactive."),
            button="",
            cancel_url=cancel,
            status=status,
        )
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Remove %(name)s from the committee?") % {"name": member.full_name},
            message=_("The member stays in the history, attendance lists and decisions."),
            button=_("Remove"),
            cancel_url=cancel,
            status=status,
        )
    services.deactivate_member(member, request.user)
    messages.success(request, _("The member has left the committee."))
    return redirect(cancel)


# The delegate's notes ----------------------------------------------------------------------------------


def _notes_page(
    request: HttpRequest, access: OrgAccess, committee: Committee, form: NoteForm | None, status: int = 200
) -> HttpResponse:
    can_manage = access.can(Perm.MANAGE_COMMITTEE)
    if form is None and can_manage:
        form = NoteForm(organisation=access.organisation, initial={"noted_on": services.today()})
    notes = list(
        DelegateNote.objects.filter(committee=committee).select_related("vendor", "tool", "created_by")[:500]
    )
    return render(
        request,
        "committee/notes.html",
        {"access": access, "notes": notes, "form": form, "can_manage": can_manage},
        status=status,
    )


@login_required
@require_methods("GET", "HEAD", "POST")
def notes(request: HttpRequest, org: str) -> HttpResponse:
    if request.method == "POST":
        access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
        form = NoteForm(request.POST, organisation=access.organisation)
        if form.is_valid():
            try:
                services.add_note(committee, request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The note is recorded."))
                return redirect("committee:notes", org=access.organisation.slug)
        return _notes_page(request, access, committee, form, 400)
    access, committee = committee_context(request, org, Perm.VIEW_COMMITTEE)
    return _notes_page(request, access, committee, None)


def _note(committee: Committee, note_id: Any) -> DelegateNote:
    return get_in(DelegateNote.objects.filter(committee=committee), note_id)


@login_required
@require_methods("GET", "POST")
def note_edit(request: HttpRequest, org: str, note_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    note = _note(committee, note_id)
    form = NoteForm(
        posted(request),
        organisation=access.organisation,
        initial={
            "kind": note.kind,
            "title": note.title,
            "noted_on": note.noted_on,
            "body": note.body,
            "url": note.url,
            "vendor": note.vendor_id,
            "tool": note.tool_id,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_note(note, request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The note is updated."))
                return redirect("committee:notes", org=access.organisation.slug)
        status = 400
    return render(
        request, "committee/note_edit.html", {"access": access, "note": note, "form": form}, status=status
    )


@login_required
@require_methods("GET", "POST")
def note_delete(request: HttpRequest, org: str, note_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    note = _note(committee, note_id)
    cancel = reverse("committee:notes", kwargs={"org": access.organisation.slug})
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Delete the note “%(title)s”?") % {"title": note.title},
            message=_("The note stays in the history."),
            button=_("Delete"),
            cancel_url=cancel,
            status=400 if request.method == "POST" else 200,
        )
    services.delete_note(note, request.user)
    messages.success(request, _("The note is deleted."))
    return redirect(cancel)


# The annual dossier ------------------------------------------------------------------------------------


def _year(year: Any) -> int:
    value = int_id(year)
    if not dossier.MIN_YEAR <= value <= dossier.MAX_YEAR:
        raise Http404
    return value


@login_required
@require_methods("GET", "HEAD")
def dossier_page(request: HttpRequest, org: str, year: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.VIEW_COMMITTEE)
    context = dossier.build(committee, _year(year))
    context["access"] = access
    return render(request, "committee/dossier.html", context)


@login_required
@require_methods("GET", "HEAD")
def dossier_pdf(request: HttpRequest, org: str, year: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.VIEW_COMMITTEE)
    value = _year(year)
    pdf = dossier.render_dossier_pdf(committee, value)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="ai-committee-dossier-{access.organisation.slug}-{value}.pdf"'
    )
    return response


# Communications to all staff ---------------------------------------------------------------------------


@login_required
@require_methods("GET", "HEAD")
def communications(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_TRANSPARENCY)
    committee = Committee.objects.filter(organisation=access.organisation).first()
    can_manage = access.can(Perm.MANAGE_COMMITTEE)
    published: list[Communication] = []
    drafts: list[Communication] = []
    if committee is not None:
        published = list(
            Communication.objects.filter(committee=committee, published_at__isnull=False).order_by(
                "-published_at", "-pk"
            )[:200]
        )
        if can_manage:
            drafts = list(Communication.objects.filter(committee=committee, published_at__isnull=True))
    return render(
        request,
        "committee/communications.html",
        {"access": access, "published": published, "drafts": drafts, "can_manage": can_manage},
    )


@login_required
@require_methods("GET", "POST")
def communication_new(request: HttpRequest, org: str) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    status = 200
    if request.method == "POST":
        form = CommunicationForm(request.POST, committee=committee)
        if form.is_valid():
            try:
                communication = services.create_communication(committee, request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The draft is saved. Publish it when it is ready."))
                return redirect(
                    "committee:communication", org=access.organisation.slug, communication_id=communication.pk
                )
        status = 400
    else:
        initial: dict[str, Any] = {}
        if request.GET.get("meeting"):
            try:
                meeting_id = int_id(request.GET["meeting"])
            except Http404:
                return bad_query(request, _("The meeting must be given by its number."))
            meeting = (
                Meeting.objects.filter(committee=committee, pk=meeting_id)
                .select_related("committee")
                .prefetch_related(Prefetch("decisions"))
                .first()
            )
            if meeting is None:
                return bad_query(request, _("This meeting does not exist in this committee."))
            initial = {**services.draft_from_meeting(meeting), "meeting": meeting.pk}
        form = CommunicationForm(committee=committee, initial=initial)
    return render(
        request,
        "committee/communication_form.html",
        {"access": access, "form": form, "communication": None},
        status=status,
    )


def _communication(committee: Committee, communication_id: Any) -> Communication:
    return get_in(Communication.objects.filter(committee=committee), communication_id)


@login_required
@require_methods("GET", "POST")
def communication_edit(request: HttpRequest, org: str, communication_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    communication = _communication(committee, communication_id)
    if communication.published_at is not None and request.method == "POST":
        return bad_query(request, _("A published communication cannot be changed."))
    form = CommunicationForm(
        posted(request),
        committee=committee,
        initial={
            "title": communication.title,
            "body": communication.body,
            "meeting": communication.meeting_id,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_communication(communication, request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The draft is saved."))
                return redirect(
                    "committee:communication", org=access.organisation.slug, communication_id=communication.pk
                )
        status = 400
    return render(
        request,
        "committee/communication_form.html",
        {"access": access, "form": form, "communication": communication},
        status=status,
    )


@login_required
@require_methods("GET", "POST")
def communication_publish(request: HttpRequest, org: str, communication_id: int) -> HttpResponse:
    access, committee = committee_context(request, org, Perm.MANAGE_COMMITTEE)
    communication = _communication(committee, communication_id)
    cancel = reverse(
        "committee:communication",
        kwargs={"org": access.organisation.slug, "communication_id": communication.pk},
    )
    status = 400 if request.method == "POST" else 200
    if communication.published_at is not None:
        return confirm(
            request,
            access,
            title=_("Publish “%(title)s”") % {"title": communication.title},
            message=_("This communication is already published."),
            button="",
            cancel_url=cancel,
            status=status,
        )
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Publish “%(title)s”?") % {"title": communication.title},
            message=_("It will be shown to every member of the organisation and e-mailed to all of them."),
            button=_("Publish and send"),
            cancel_url=cancel,
            status=status,
        )
    try:
        services.publish_communication(communication, request.user)
    except ValidationError:
        return bad_query(request, _("This communication is already published."))
    messages.success(request, _("The communication is published and being e-mailed to all staff."))
    return redirect("committee:communications", org=access.organisation.slug)
