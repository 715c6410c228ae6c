"""Pages of the consultation procedure: the organisation's list, opening a consultation from a tool, a
consultation's page (each body, its deadline, the forms of the procedure, the documents) and the
download of a document. Views are thin: every write is a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from revoyure.consultations import services
from revoyure.consultations.forms import (
    AddBodyForm,
    DocumentForm,
    ExpertForm,
    InformationForm,
    OpenConsultationForm,
    OpinionForm,
    SendDocumentsForm,
)
from revoyure.consultations.gate import citation, required_consultations
from revoyure.consultations.models import BodyConsultation, Consultation, ConsultationDocument, Purpose
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess, int_id
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import bad_query, get_in, get_in_organisation, require_methods
from revoyure.registry.forms import add_service_errors
from revoyure.registry.models import Tool
from revoyure.registry.views_common import tool_context


def _required(tool: Tool) -> list[dict[str, Any]]:
    return [
        {
            "citation": citation(r.rule),
            "title": r.rule.title_text(services.translation_language()),
            "procedure": r.requirement.procedure,
            "satisfied": r.satisfied,
        }
        for r in required_consultations(tool)
    ]


@login_required
@require_methods("GET", "HEAD")
def consultation_list(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_CONSULTATIONS)
    rows = Consultation.objects.filter(organisation=access.organisation).select_related("tool")
    tool = None
    if request.GET.get("tool"):
        try:
            tool_id = int_id(request.GET["tool"])
        except Http404:
            return bad_query(request, _("The tool must be given by its number."))
        tool = Tool.objects.filter(organisation=access.organisation, pk=tool_id).first()
        if tool is None:
            return bad_query(request, _("This tool does not exist in this organisation."))
        rows = rows.filter(tool=tool)
    consultations = list(rows.prefetch_related("bodies__staff_body")[:500])
    return render(
        request,
        "consultations/list.html",
        {
            "access": access,
            "consultations": consultations,
            "tool": tool,
            "can_manage": access.can(Perm.MANAGE_CONSULTATIONS),
        },
    )


@login_required
@require_methods("GET", "POST")
def consultation_new(request: HttpRequest, org: str, pk: int) -> HttpResponse:
    access, tool = tool_context(request, org, pk, Perm.MANAGE_CONSULTATIONS)
    status = 200
    if request.method == "POST":
        form = OpenConsultationForm(request.POST, tool=tool)
        if form.is_valid():
            data = form.cleaned_data
            try:
                consultation = services.open_consultation(
                    tool,
                    request.user,
                    subject=data["subject"],
                    staff_bodies=data["staff_bodies"],
                    study=data["study"],
                    agreement=data["agreement"],
                    agreed_period_days=data["agreed_period_days"],
                    purposes=form.purposes(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The consultation is open."))
                return redirect(
                    "consultations:detail", org=access.organisation.slug, consultation_id=consultation.pk
                )
        status = 400
    else:
        form = OpenConsultationForm(
            tool=tool, initial={"subject": _("Introduction of %(tool)s") % {"tool": tool.name}}
        )
    context = {
        "access": access,
        "tool": tool,
        "form": form,
        "required": _required(tool),
        "has_bodies": form.fields["staff_bodies"].queryset.exists(),  # type: ignore[attr-defined]
    }
    return render(request, "consultations/new.html", context, status=status)


def _body_forms(body: BodyConsultation, consultation: Consultation) -> dict[str, Any]:
    prefix = f"b{body.pk}"
    return {
        "information": InformationForm(prefix=f"{prefix}-info", initial={"informed_on": body.informed_on}),
        "expert": ExpertForm(prefix=f"{prefix}-expert"),
        "opinion": OpinionForm(prefix=f"{prefix}-opinion"),
        "send": SendDocumentsForm(prefix=f"{prefix}-send", consultation=consultation),
    }


def render_detail(
    request: HttpRequest,
    access: OrgAccess,
    consultation: Consultation,
    *,
    status: int = 200,
    bound: tuple[int, str, Any] | None = None,
    document_form: DocumentForm | None = None,
    add_body_form: AddBodyForm | None = None,
) -> HttpResponse:
    today = services.today()
    bodies = []
    for body in consultation.bodies.select_related("staff_body", "opinion_recorded_by").prefetch_related(
        "documents"
    ):
        forms = _body_forms(body, consultation)
        if bound is not None and bound[0] == body.pk:
            forms[bound[1]] = bound[2]
        bodies.append(
            {
                "body": body,
                "forms": forms,
                "days_left": (body.deadline - today).days if body.deadline else None,
                "consulted": body.purpose == Purpose.CONSULTATION,
                "open_form": bound[1] if bound is not None and bound[0] == body.pk else "",
            }
        )
    context = {
        "access": access,
        "consultation": consultation,
        "tool": consultation.tool,
        "bodies": bodies,
        "documents": list(consultation.documents.select_related("created_by")),
        "document_form": document_form or DocumentForm(prefix="doc"),
        "add_body_form": add_body_form or AddBodyForm(prefix="add", consultation=consultation),
        "required": _required(consultation.tool),
        "can_manage": access.can(Perm.MANAGE_CONSULTATIONS),
        "is_open": consultation.status == "open",
        "today": today,
    }
    return render(request, "consultations/detail.html", context, status=status)


def _consultation(
    request: HttpRequest, org: str, consultation_id: Any, perm: Perm
) -> tuple[OrgAccess, Consultation]:
    access = org_context(request, org, perm)
    consultation = get_in_organisation(
        Consultation.objects.select_related("tool", "organisation", "agreement", "study", "opened_by"),
        access,
        consultation_id,
    )
    return access, consultation


def _body(consultation: Consultation, body_id: Any) -> BodyConsultation:
    return get_in(consultation.bodies.select_related("staff_body"), body_id)


@login_required
@require_methods("GET", "HEAD")
def consultation_detail(request: HttpRequest, org: str, consultation_id: int) -> HttpResponse:
    access, consultation = _consultation(request, org, consultation_id, Perm.VIEW_CONSULTATIONS)
    return render_detail(request, access, consultation)


def _done(request: HttpRequest, access: OrgAccess, consultation: Consultation, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("consultations:detail", org=access.organisation.slug, consultation_id=consultation.pk)


@login_required
@require_methods("POST")
def body_information(request: HttpRequest, org: str, consultation_id: int, body_id: int) -> HttpResponse:
    access, consultation = _consultation(request, org, consultation_id, Perm.MANAGE_CONSULTATIONS)
    body = _body(consultation, body_id)
    form = InformationForm(request.POST, prefix=f"b{body.pk}-info")
    if form.is_valid():
        try:
            services.record_information(body, request.user, form.cleaned_data["informed_on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, access, consultation, _("The information date is recorded."))
    return render_detail(request, access, consultation, status=400, bound=(body.pk, "information", form))


@login_required
@require_methods("POST")
def body_expert(request: HttpRequest, org: str, consultation_id: int, body_id: int) -> HttpResponse:
    access, consultation = _consultation(request, org, consultation_id, Perm.MANAGE_CONSULTATIONS)
    body = _body(consultation, body_id)
    form = ExpertForm(request.POST, prefix=f"b{body.pk}-expert")
    if form.is_valid():
        try:
            services.appoint_expert(
                body, request.user, form.cleaned_data["expert_name"], form.cleaned_data["expert_appointed_on"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(
                request, access, consultation, _("The expert is recorded; the deadline is recomputed.")
            )
    return render_detail(request, access, consultation, status=400, bound=(body.pk, "expert", form))


@login_required
@require_methods("POST")
def body_opinion(request: HttpRequest, org: str, consultation_id: int, body_id: int) -> HttpResponse:
    access, consultation = _consultation(request, org, consultation_id, Perm.MANAGE_CONSULTATIONS)
    body = _body(consultation, body_id)
    form = OpinionForm(request.POST, prefix=f"b{body.pk}-opinion")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_opinion(
                body,
                request.user,
                data["opinion"],
                data["opinion_text"],
                votes_for=data["votes_for"],
                votes_against=data["votes_against"],
                abstentions=data["abstentions"],
                opinion_on=data["opinion_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, access, consultation, _("The opinion is recorded."))
    return render_detail(request, access, consultation, status=400, bound=(body.pk, "opinion", form))


@login_required
@require_methods("POST")
def body_send(request: HttpRequest, org: str, consultation_id: int, body_id: int) -> HttpResponse:
    access, consultation = _consultation(request, org, consultation_id, Perm.MANAGE_CONSULTATIONS)
    body = _body(consultation, body_id)
    form = SendDocumentsForm(request.POST, prefix=f"b{body.pk}-send", consultation=consultation)
    if form.is_valid():
        try:
            services.send_documents(body, request.user, form.cleaned_data["documents"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, access, consultation, _("The documents are sent to the staff body."))
    return render_detail(request, access, consultation, status=400, bound=(body.pk, "send", form))


@login_required
@require_methods("POST")
def document_upload(request: HttpRequest, org: str, consultation_id: int) -> HttpResponse:
    access, consultation = _consultation(request, org, consultation_id, Perm.MANAGE_CONSULTATIONS)
    form = DocumentForm(request.POST, request.FILES, prefix="doc")
    if form.is_valid():
        try:
            services.add_document(
                consultation, request.user, form.cleaned_data["file"], form.cleaned_data["title"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, access, consultation, _("The document is added."))
    return render_detail(request, access, consultation, status=400, document_form=form)


@login_required
@require_methods("POST")
def dossier_generate(request: HttpRequest, org: str, consultation_id: int) -> HttpResponse:
    access, consultation = _consultation(request, org, consultation_id, Perm.MANAGE_CONSULTATIONS)
    # The button posts `action=generate`: a stray or forged post without it makes nothing.
    if request.POST.get("action") != "generate":
        return HttpResponseBadRequest(_("Unknown action."))
    services.generate_dossier(consultation, request.user)
    return _done(request, access, consultation, _("The information dossier is generated."))


@login_required
@require_methods("GET", "HEAD")
def document_download(request: HttpRequest, org: str, consultation_id: int, document_id: int) -> FileResponse:
    _access, consultation = _consultation(request, org, consultation_id, Perm.VIEW_CONSULTATIONS)
    document = get_in(ConsultationDocument.objects.filter(consultation=consultation), document_id)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=services.download_name(document),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_methods("POST")
def body_add(request: HttpRequest, org: str, consultation_id: int) -> HttpResponse:
    access, consultation = _consultation(request, org, consultation_id, Perm.MANAGE_CONSULTATIONS)
    form = AddBodyForm(request.POST, prefix="add", consultation=consultation)
    if form.is_valid():
        try:
            services.add_body(
                consultation, request.user, form.cleaned_data["staff_body"], form.cleaned_data["purpose"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, access, consultation, _("The staff body is added to the consultation."))
    return render_detail(request, access, consultation, status=400, add_body_form=form)


@login_required
@require_methods("POST")
def body_remove(request: HttpRequest, org: str, consultation_id: int, body_id: int) -> HttpResponse:
    access, consultation = _consultation(request, org, consultation_id, Perm.MANAGE_CONSULTATIONS)
    body = _body(consultation, body_id)
    # The button posts `action=remove`: a stray or forged post without it removes nothing.
    if request.POST.get("action") != "remove":
        return HttpResponseBadRequest(_("Unknown action."))
    try:
        services.remove_body(body, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render_detail(request, access, consultation, status=400)
    return _done(request, access, consultation, _("The staff body is removed from the consultation."))
