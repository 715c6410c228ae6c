"""The panel test page (members, sessions, evaluations, aggregated results, sharing with the staff bodies)
and the framing note (page, edit form, PDF)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from revoyure.core.pdf import render_pdf
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess
from revoyure.organisations.forms import apply_errors
from revoyure.organisations.views_helpers import confirm, confirmed, get_in, require_methods
from revoyure.studies import services
from revoyure.studies.forms import FramingNoteForm, MemberForm, PanelForm, SessionForm, ShareForm
from revoyure.studies.models import FramingNote, ImpactStudy, PanelMember, PanelSession, PanelTest
from revoyure.studies.results import panel_results
from revoyure.studies.views import expect_action, study_context


def _panel(study: ImpactStudy) -> PanelTest | None:
    return PanelTest.objects.filter(study=study).first()


def _panel_page(
    request: HttpRequest, access: OrgAccess, study: ImpactStudy, status: int = 200, **forms: Any
) -> HttpResponse:
    panel = _panel(study)
    organisation = access.organisation
    context: dict[str, Any] = {
        "access": access,
        "study": study,
        "tool": study.tool,
        "panel": panel,
        "can_manage": access.can(Perm.MANAGE_STUDIES),
    }
    if panel is not None:
        evaluations = {e.member_id: e for e in panel.evaluations.select_related("response")}
        members = list(panel.members.select_related("user"))
        context.update(
            members=[{"member": m, "evaluation": evaluations.get(m.pk)} for m in members],
            sessions=list(panel.sessions.prefetch_related("participants")),
            results=panel_results(panel),
            shared_with=list(panel.shared_with.all()),
            panel_form=forms.get("panel_form")
            or PanelForm(
                initial={
                    "objective": panel.objective,
                    "status": panel.status,
                    "results_summary": panel.results_summary,
                }
            ),
            member_form=forms.get("member_form") or MemberForm(organisation=organisation),
            session_form=forms.get("session_form") or SessionForm(panel=panel),
            share_form=forms.get("share_form") or ShareForm(organisation=organisation),
        )
    return render(request, "studies/panel.html", context, status=status)


@login_required
@require_methods("GET", "HEAD", "POST")
def panel_page(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    """GET shows the panel; POST creates it (action=create) or updates it (action=update)."""
    perm = Perm.MANAGE_STUDIES if request.method == "POST" else Perm.VIEW_STUDIES
    access, study = study_context(request, org, study_id, perm)
    if request.method != "POST":
        return _panel_page(request, access, study)
    panel = _panel(study)
    action = request.POST.get("action")
    if action == "create" and panel is None:
        try:
            services.create_panel(study, request.user, request.POST.get("objective", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _panel_page(request, access, study, 400)
        messages.success(request, _("The panel test is created. Add its members."))
        return redirect("studies:panel", org=org, study_id=study.pk)
    if action == "update" and panel is not None:
        form = PanelForm(request.POST)
        if form.is_valid():
            try:
                services.update_panel(panel, request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The panel test is saved."))
                return redirect("studies:panel", org=org, study_id=study.pk)
        return _panel_page(request, access, study, 400, panel_form=form)
    expect = "update" if panel is not None else "create"
    return expect_action(request, expect) or _panel_page(request, access, study, 400)


def _require_panel(study: ImpactStudy) -> PanelTest:
    panel = _panel(study)
    if panel is None:
        raise Http404
    return panel


@login_required
@require_methods("POST")
def member_add(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    panel = _require_panel(study)
    form = MemberForm(request.POST, organisation=access.organisation)
    if form.is_valid():
        try:
            services.add_member(panel, request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The member is added to the panel."))
            return redirect("studies:panel", org=org, study_id=study.pk)
    return _panel_page(request, access, study, 400, member_form=form)


def _member(panel: PanelTest, member_id: Any) -> PanelMember:
    return get_in(PanelMember.objects.filter(panel=panel), member_id)


@login_required
@require_methods("GET", "POST")
def member_remove(request: HttpRequest, org: str, study_id: int, panel_member_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    member = _member(_require_panel(study), panel_member_id)
    cancel = reverse("studies:panel", kwargs={"org": org, "study_id": study.pk})
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Remove %(name)s from the panel?") % {"name": member.full_name},
            message=_("Their evaluation stays in the history but no longer counts in the results."),
            button=_("Remove"),
            cancel_url=cancel,
            status=400 if request.method == "POST" else 200,
        )
    services.remove_member(member, request.user)
    messages.success(request, _("The member is removed from the panel."))
    return redirect(cancel)


@login_required
@require_methods("POST")
def member_evaluation(request: HttpRequest, org: str, study_id: int, panel_member_id: int) -> HttpResponse:
    """Start (or open) a member's evaluation, then go to the questionnaire pages."""
    _access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    member = _member(_require_panel(study), panel_member_id)
    refused = expect_action(request, "evaluate")
    if refused:
        return refused
    evaluation = services.start_evaluation(member, request.user)
    return redirect(
        reverse("assessments:response", kwargs={"org": org, "response_id": evaluation.response_id})
    )


@login_required
@require_methods("POST")
def session_add(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    panel = _require_panel(study)
    form = SessionForm(request.POST, panel=panel)
    if form.is_valid():
        try:
            services.add_session(panel, request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The test session is recorded."))
            return redirect("studies:panel", org=org, study_id=study.pk)
    return _panel_page(request, access, study, 400, session_form=form)


@login_required
@require_methods("GET", "POST")
def session_remove(request: HttpRequest, org: str, study_id: int, session_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    panel = _require_panel(study)
    session = get_in(PanelSession.objects.filter(panel=panel), session_id)
    cancel = reverse("studies:panel", kwargs={"org": org, "study_id": study.pk})
    if not confirmed(request):
        return confirm(
            request,
            access,
            title=_("Delete the session of %(date)s?") % {"date": session.held_on.isoformat()},
            message=_("The session's record is kept in the history."),
            button=_("Delete"),
            cancel_url=cancel,
            status=400 if request.method == "POST" else 200,
        )
    services.remove_session(session, request.user)
    messages.success(request, _("The test session is deleted."))
    return redirect(cancel)


@login_required
@require_methods("POST")
def panel_share(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    panel = _require_panel(study)
    form = ShareForm(request.POST, organisation=access.organisation)
    if form.is_valid():
        try:
            services.share_panel_results(panel, request.user, form.cleaned_data["staff_bodies"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The results are shared; the members of the staff bodies are told."))
            return redirect("studies:panel", org=org, study_id=study.pk)
    return _panel_page(request, access, study, 400, share_form=form)


# Framing note --------------------------------------------------------------------------------------------


def _note_values(study: ImpactStudy) -> tuple[FramingNote | None, dict[str, Any]]:
    note = FramingNote.objects.filter(study=study).first()
    if note is None:
        return None, {
            **services.framing_note_initial(study),
            "workload_compatibility": "",
            "budget": None,
            "budget_notes": "",
        }
    return note, {
        "needs": note.needs,
        "responsibilities": note.responsibilities,
        "calendar": note.calendar,
        "workload_compatibility": note.workload_compatibility,
        "budget": note.budget,
        "budget_notes": note.budget_notes,
    }


def _note_context(access: OrgAccess, study: ImpactStudy) -> dict[str, Any]:
    note, values = _note_values(study)
    return {
        "access": access,
        "study": study,
        "tool": study.tool,
        "note": note,
        "values": values,
        "organisation": access.organisation,
    }


@login_required
@require_methods("GET", "HEAD")
def framing_note(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.VIEW_STUDIES)
    context = _note_context(access, study)
    context["can_manage"] = access.can(Perm.MANAGE_STUDIES)
    return render(request, "studies/framing_note.html", context)


@login_required
@require_methods("GET", "POST")
def framing_note_edit(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.MANAGE_STUDIES)
    status = 200
    if request.method == "POST":
        form = FramingNoteForm(request.POST)
        refused = expect_action(request, "save")
        if refused:
            return refused
        if form.is_valid():
            try:
                services.save_framing_note(study, request.user, form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The framing note is saved."))
                return redirect("studies:framing_note", org=org, study_id=study.pk)
        status = 400
    else:
        _note, values = _note_values(study)
        form = FramingNoteForm(initial=FramingNoteForm.initial_from(values))
    return render(
        request,
        "studies/framing_note_edit.html",
        {"access": access, "study": study, "form": form},
        status=status,
    )


@login_required
@require_methods("GET", "HEAD")
def framing_note_pdf(request: HttpRequest, org: str, study_id: int) -> HttpResponse:
    access, study = study_context(request, org, study_id, Perm.VIEW_STUDIES)
    pdf = render_pdf("studies/framing_note_pdf.html", _note_context(access, study), language=get_language())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="framing-note-{study.pk}.pdf"'
    return response
